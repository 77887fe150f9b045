/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cases of the KUnit suite bench_dmem_ttm (`make bench` only) that
 * live outside ttm_dmem_bench.c.
 */
#ifndef _TTM_DMEM_BENCH_H
#define _TTM_DMEM_BENCH_H

struct kunit;

void bench_ttm_softpin_evict(struct kunit *test);
void bench_ttm_softpin_enomem(struct kunit *test);

#endif /* _TTM_DMEM_BENCH_H */
