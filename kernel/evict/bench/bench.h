/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dmem benchmark (CONFIG_DMEM_BENCH): shared by kernel/evict/bench*.c.
 *
 * A command written to /sys/kernel/debug/dmem_bench/run is parsed into a
 * struct dmem_bench_args and run to completion in the writer's context
 * (kthreads bound to CPUs for the multi-CPU charge cases). Every
 * repetition appends one "key=value ..." line to the results buffer, read
 * back from /sys/kernel/debug/dmem_bench/results; tools/bench/report.py
 * computes the statistics. Commands, one at a time (dmem_bench_mutex):
 *
 *   charge depth=D cpus=1|2 shared=0|1 reps=R iters=I cg=PATH [cg2=PATH]
 *   victim n=N pinned=PCT mode=resident|enomem reps=R iters=I [naive_iters=J]
 *   pools n=P mode=resident|enomem reps=R iters=I naive_iters=J cg=PATH
 *   revoke k=K reps=R iters=I
 *   memcpy size=S reps=R iters=I
 *   futile n=N pinned=PCT reps=R iters=I
 *   mem
 */
#ifndef _KERNEL_EVICT_BENCH_H
#define _KERNEL_EVICT_BENCH_H

#include <linux/types.h>

#define DMEM_BENCH_PATH_MAX	256

/**
 * struct dmem_bench_args - a parsed command
 * @depth: charge: levels of the hierarchy below the root
 * @cpus: charge: CPUs charging at once (1 or 2)
 * @shared: charge: all CPUs charge the same pool
 * @reps: repetitions
 * @iters: operations per repetition
 * @naive_iters: victim, pools: operations per repetition of the baseline
 * @n: victim: buffers; pools: pools; futile: buffers per CPU
 * @pinned: victim: percentage of them pinned by the requesting owner;
 *	futile: most of the region each CPU's owner pins, in percent
 * @enomem: victim, pools: time -ENOMEM decisions instead of evictions
 * @k: revoke: importers of the revoked buffer
 * @size: memcpy: bytes per copy
 * @cg: charge: cgroup (path from the cgroup2 root) charged by CPU 0;
 *	pools: the parent of the pools' cgroups
 * @cg2: charge: cgroup charged by CPU 1 when not @shared
 */
struct dmem_bench_args {
	unsigned int depth;
	unsigned int cpus;
	unsigned int shared;
	unsigned int reps;
	unsigned int iters;
	unsigned int naive_iters;
	unsigned int n;
	unsigned int pinned;
	unsigned int enomem;
	unsigned int k;
	unsigned int size;
	char cg[DMEM_BENCH_PATH_MAX];
	char cg2[DMEM_BENCH_PATH_MAX];
};

void dmem_bench_out(const char *fmt, ...) __printf(1, 2);

struct dmem_buf;
struct dmem_bench_dmabuf;

struct dmem_bench_dmabuf *dmem_bench_dmabuf_create(struct dmem_buf *buf,
						   unsigned int k);
int dmem_bench_dmabuf_attach(struct dmem_bench_dmabuf *bd);
int dmem_bench_dmabuf_import(struct dmem_bench_dmabuf *bd);
void dmem_bench_dmabuf_destroy(struct dmem_bench_dmabuf *bd);

int dmem_bench_charge(const struct dmem_bench_args *args);
int dmem_bench_victim(const struct dmem_bench_args *args);
int dmem_bench_pools(const struct dmem_bench_args *args);
int dmem_bench_revoke(const struct dmem_bench_args *args);
int dmem_bench_mem(const struct dmem_bench_args *args);
int dmem_bench_memcpy(const struct dmem_bench_args *args);
int dmem_bench_futile(const struct dmem_bench_args *args);

#endif /* _KERNEL_EVICT_BENCH_H */
