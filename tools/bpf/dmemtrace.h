/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmemtrace: trace the dmem eviction manager with BPF. See docs/tools.md.
 */
#ifndef DMEMTRACE_H
#define DMEMTRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "events.h"

/* Exit codes. */
#define DT_EXIT_OK		0
#define DT_EXIT_USAGE		1
#define DT_EXIT_NO_EVENTS	2	/* no dmem events, or not the expected format */
#define DT_EXIT_BPF		3	/* loading, attaching or output failed */

#define DT_CGROUP_ROOT		"/sys/fs/cgroup"

/* Where evictions start: the kprobe of the eviction latency. */
#define EVICT_START_FUNC	"dmem_evict_one"

extern const char *const dt_event_names[DT_NR_EVENTS];

/* format.c */

/* The tracefs mount to use: @arg, or the first one with events/dmem. */
const char *dt_tracefs(const char *arg);

/*
 * Checks that every dmem event exists in @tracefs and that the fields the
 * BPF programs read are where events.h says. Prints what is wrong and
 * returns the exit code for it (DT_EXIT_NO_EVENTS, or DT_EXIT_BPF when
 * tracefs cannot be read), 0 if all is well.
 */
int dt_check_formats(const char *tracefs);

/* names.c */

/* The path of cgroup @id below DT_CGROUP_ROOT ("/" for the root), or NULL. */
const char *dt_cgroup_path(unsigned long long id);

/*
 * The comm of @tgid: as the BPF programs saw it (map "comms", fd @comms_fd,
 * -1 for none), else from /proc; NULL if neither knows it.
 */
const char *dt_comm(int tgid, int comms_fd);

/* report.c */

struct dt_options {
	bool live;		/* -e */
	bool json;		/* -j */
	const char *region;	/* -R, or NULL */
	int top;		/* -t: rows per owner table, 0 for all */
};

struct dt_summary {
	unsigned long long duration_ms;
	bool evict_latency;	/* the kprobe is attached */
	unsigned long long stats[DT_NR_STATS];
	int regions_fd;
	int owners_fd;
	int comms_fd;
};

/* Prints one -e record; @start_ns is the CLOCK_MONOTONIC time of start. */
void dt_print_record(FILE *f, const struct dt_options *opt,
		     const struct dt_record *rec, unsigned long long start_ns,
		     int comms_fd);

/* Prints the header line of -e (in text mode; nothing otherwise). */
void dt_print_record_header(FILE *f, const struct dt_options *opt);

/* Prints the summary: histograms and owner tables, or JSON. */
void dt_print_summary(FILE *f, const struct dt_options *opt,
		      const struct dt_summary *sum);

#endif /* DMEMTRACE_H */
