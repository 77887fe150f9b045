/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Support shared by the KUnit suites (kernel/ttm/tests) and the benchmark
 * (kernel/ttm/bench) on TTM's mock manager; never built into production.
 */
#ifndef _TTM_DMEM_MOCK_H
#define _TTM_DMEM_MOCK_H

#include <linux/types.h>

struct ttm_device;

void ttm_dmem_mock_manager_fini(struct ttm_device *bdev, u32 mem_type);

#endif /* _TTM_DMEM_MOCK_H */
