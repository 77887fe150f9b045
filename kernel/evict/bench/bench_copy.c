// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: the baseline of the eviction and restore bandwidth.
 *
 *   memcpy size=S reps=R iters=I
 *
 * Two baselines for what tools/bench/bw/dmem-bench-bw measures, the
 * simulated device's evictions and restores of S bytes, each copy timed
 * alone: op=memcpy, memcpy() of S bytes between two kernel buffers (the
 * issue's baseline), and op=copy_page, copy_highpage() of the S / 4096
 * pages between two arrays of pages allocated beforehand: the copy the
 * device's evict and restore ops do, without their page allocations,
 * charges and bookkeeping. Under QEMU TCG the two copies differ widely
 * (memcpy() ran several times slower than copy_page() in the VM of
 * `make bench`), so both are reported.
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "bench.h"

#define DMEM_BENCH_COPY_MAX	(64U << 20)

static void dmem_bench_pages_free(struct page **pages, unsigned int n)
{
	unsigned int i;

	for (i = 0; pages && i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	kvfree(pages);
}

static struct page **dmem_bench_pages_alloc(unsigned int n)
{
	struct page **pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	unsigned int i;

	for (i = 0; pages && i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i]) {
			dmem_bench_pages_free(pages, n);
			return NULL;
		}
	}
	return pages;
}

/* copy_highpage() of @n pages, timed @iters times per repetition. */
static int dmem_bench_copy_page(const struct dmem_bench_args *args)
{
	unsigned int n = args->size / PAGE_SIZE, rep, i, j;
	struct page **src, **dst;
	u64 t0, ns;
	int ret = 0;

	src = dmem_bench_pages_alloc(n);
	dst = dmem_bench_pages_alloc(n);
	if (!src || !dst) {
		ret = -ENOMEM;
		goto out;
	}
	for (rep = 0; rep <= args->reps; rep++) {
		ns = 0;
		for (i = 0; i < args->iters; i++) {
			t0 = ktime_get_ns();
			for (j = 0; j < n; j++)
				copy_highpage(dst[j], src[j]);
			ns += ktime_get_ns() - t0;
			cond_resched();
		}
		if (rep)
			dmem_bench_out("bw op=copy_page size=%u rep=%u ops=%u ns=%llu\n",
				       args->size, rep - 1, args->iters, ns);
	}
out:
	dmem_bench_pages_free(src, n);
	dmem_bench_pages_free(dst, n);
	return ret;
}

/* memcpy() of the size, timed @iters times per repetition. */
static int dmem_bench_memcpy_one(const struct dmem_bench_args *args)
{
	size_t size = args->size;
	unsigned int rep, i;
	char *src, *dst;
	u64 t0, ns;
	int ret = 0;

	src = kvmalloc(size, GFP_KERNEL);
	dst = kvmalloc(size, GFP_KERNEL);
	if (!src || !dst) {
		ret = -ENOMEM;
		goto out;
	}
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	/* Repetition 0 warms caches up and is not reported. */
	for (rep = 0; rep <= args->reps; rep++) {
		ns = 0;
		for (i = 0; i < args->iters; i++) {
			t0 = ktime_get_ns();
			memcpy(dst, src, size);
			ns += ktime_get_ns() - t0;
			src[i % size]++;
			cond_resched();
		}
		if (rep)
			dmem_bench_out("bw op=memcpy size=%zu rep=%u ops=%u ns=%llu\n",
				       size, rep - 1, args->iters, ns);
	}
out:
	kvfree(src);
	kvfree(dst);
	return ret;
}

int dmem_bench_memcpy(const struct dmem_bench_args *args)
{
	int ret;

	if (!args->size || args->size > DMEM_BENCH_COPY_MAX ||
	    !PAGE_ALIGNED(args->size))
		return -EINVAL;
	ret = dmem_bench_memcpy_one(args);
	return ret ?: dmem_bench_copy_page(args);
}
