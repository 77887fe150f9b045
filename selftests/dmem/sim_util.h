/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the selftests that drive the simulated device /dev/dmem_sim
 * (uapi/linux/dmem_sim.h). Every function returns 0 (or a value) on
 * success and -errno on failure, so that tests compare errnos exactly.
 */
#ifndef SIM_UTIL_H
#define SIM_UTIL_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/dmem_sim.h>

#include "nic_util.h"

#define SIM_DEV		"/dev/dmem_sim"
#define MiB		(1024LL * 1024)

/* Opens /dev/dmem_sim: a new owner, charged to the caller's cgroup. */
int sim_open(void);
/*
 * Opens /dev/dmem_sim from cgroup @cg (an owner charged there), then
 * moves the caller back to the root cgroup.
 */
int sim_open_in(const char *cg);
/* Destroys region @name through a file of its own; 0 or -errno. */
int sim_region_remove(const char *name);

/* A region name unique to this process and @tag, e.g. "t123_soft". */
void sim_unique_name(char *name, const char *tag);
/* "sim/<name>", the region's name in the dmem files. */
void sim_cg_name(char *out, const char *name);

int sim_region_create(int fd, const char *name, __u64 size);
int sim_region_destroy(int fd, const char *name);
int sim_region_info(int fd, const char *name, struct dmem_sim_region_info *info);

int sim_alloc(int fd, const char *region, __u64 size, __u32 flags,
	      __u32 *handle);
/* FREE, PIN, UNPIN or TOUCH. */
int sim_op(int fd, unsigned long req, __u32 handle);
int sim_info(int fd, __u32 handle, struct dmem_sim_buf_info *info);
/* The buffer's state (DMEM_SIM_STATE_*) or -errno. */
int sim_state(int fd, __u32 handle);
int sim_owner(int fd, struct dmem_sim_owner_info *info);

/* Writes the pattern of @seed over the whole buffer. */
int sim_fill(int fd, __u32 handle, __u64 size, unsigned int seed);
/* 0 if the buffer holds the pattern of @seed, 1 if not, or -errno. */
int sim_verify(int fd, __u32 handle, __u64 size, unsigned int seed);
/* The pattern of @seed for bytes [@pos, @pos + @n), into @data. */
void sim_pattern(void *data, unsigned int seed, __u64 pos, __u64 n);
/* 1 if @data differs from the pattern of @seed at [@pos, @pos + @n), else 0. */
int sim_pattern_differs(const void *data, unsigned int seed, __u64 pos,
			__u64 n);

/* The dma-buf fd, or -errno. */
int sim_export(int fd, __u32 handle);

/*
 * The next record of @size bytes of event file @fd (dmem_sim's or the
 * NIC's) within @ms: 1, 0 on timeout, or -errno.
 */
int event_record(int fd, void *rec, size_t size, int ms);
/* Reads the records queued now into @recs (at most @max); their number. */
int event_records(int fd, void *recs, size_t size, int max);

/* The next event within @ms: 1, 0 on timeout, or -errno. */
int sim_event(int fd, struct dmem_sim_event *ev, int ms);
/* Reads the events queued now into @evs (at most @max); their number. */
int sim_events(int fd, struct dmem_sim_event *evs, int max);

/* CLOCK_MONOTONIC in milliseconds. */
long long sim_now_ms(void);

/* Writes "sim/<name> <policy>" to the root's dmem.policy; 0 or -errno. */
int sim_policy(const char *name, const char *policy);

/*
 * Two owners in sibling cgroups and a region: the fixture of the tests of
 * one owner against another. Owner A is opened in cgroup <top>/a, owner B
 * in <top>/b; the region is created through A's file. Each owner has a
 * simulated NIC's file too (nic_util.h), for its importers.
 */
struct sim_pair {
	char top[64];
	char a[128];				/* A's cgroup */
	char b[128];				/* B's cgroup */
	char name[DMEM_SIM_NAME_LEN];		/* the region */
	char cg[DMEM_SIM_NAME_LEN + 4];		/* "sim/<name>" */
	int fa;					/* owner A */
	int fb;					/* owner B */
	int na;					/* A's /dev/dmem_nic */
	int nb;					/* B's /dev/dmem_nic */
};

/*
 * Sets @p up: the cgroups below "<prefix>.<pid>" (dmem enabled, and the
 * controllers of @subtree, e.g. "+memory", unless NULL, before the owners
 * open), both owners, a region of @size named after @tag. 0 or -errno.
 */
int sim_pair_setup(struct sim_pair *p, const char *prefix, const char *subtree,
		   const char *tag, __u64 size);
/* Closes the owners, removes the region and the cgroups. */
void sim_pair_teardown(struct sim_pair *p);

#endif
