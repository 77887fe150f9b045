/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmemstat: per-cgroup, per-region device memory usage from the dmem cgroup
 * controller's files. Shared definitions of the collector (collect.c), the
 * printers (print.c) and the command line (main.c).
 */
#ifndef DMEMSTAT_H
#define DMEMSTAT_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes, documented in --help and docs/tools.md. */
#define EXIT_OK		0
#define EXIT_USAGE	1
#define EXIT_NODMEM	2
#define EXIT_IO		3

/* Special values of a field. */
#define VAL_NONE	(-1LL)	/* file absent or unreadable: "-", null */
#define VAL_MAX		(-2LL)	/* "max": no limit */

/* The "<region> <value>" files of a cgroup, in column order. */
enum dmem_field {
	F_CURRENT,
	F_PINNED,
	F_MIN,
	F_LOW,
	F_MAX,
	F_PINNED_MAX,
	F_PEAK,
	NR_FIELDS,
};

/* The byte counters of dmem.stat that dmemstat reads. */
enum dmem_stat {
	S_EVICTED,
	S_REVOKED,
	NR_STATS,
};

/* The values of a process's fdinfo per region, in column order. */
enum proc_val {
	P_TOTAL,
	P_RESIDENT,
	P_PINNED,
	P_EVICTED,
	P_REVOKED,
	NR_PROC_VALS,
};

/* The keys of dmem.events, in column order. */
enum dmem_event {
	E_LOW,
	E_MAX,
	E_PIN_MAX,
	E_EVICT,
	E_REVOKE,
	E_ENOMEM,
	NR_EVENTS,
};

extern const char *const field_file[NR_FIELDS];
extern const char *const field_json[NR_FIELDS];
extern const char *const event_key[NR_EVENTS];
extern const char *const stat_key[NR_STATS];
extern const char *const proc_key[NR_PROC_VALS];

/**
 * struct region - a region named in the root's files
 * @name: the region name, e.g. "selftest/vram0"
 * @capacity: bytes from dmem.capacity, or VAL_NONE
 * @policy: the text after the name in dmem.policy, or NULL
 */
struct region {
	char *name;
	long long capacity;
	char *policy;
};

/**
 * struct vals - what one cgroup shows for one region
 * @f: the fields, bytes or VAL_NONE or VAL_MAX
 * @ev: the dmem.events counts, or VAL_NONE
 * @st: the dmem.stat byte counters, or VAL_NONE
 */
struct vals {
	long long f[NR_FIELDS];
	long long ev[NR_EVENTS];
	long long st[NR_STATS];
};

/**
 * struct cgroup - one cgroup with the dmem controller enabled
 * @path: path relative to the root, "/" for the root itself
 * @nr: entries in @v (regions seen when it was read)
 * @v: the values, indexed like snapshot.regions
 */
struct cgroup {
	char *path;
	size_t nr;
	struct vals *v;
};

/**
 * struct snapshot - everything read in one pass over the tree
 * @regions: regions, in the order of the root's dmem.capacity
 * @nr_regions: entries in @regions
 * @cgroups: the cgroups, in walk order
 * @nr_cgroups: entries in @cgroups
 */
struct snapshot {
	struct region *regions;
	size_t nr_regions;
	struct cgroup *cgroups;
	size_t nr_cgroups;
};

/**
 * struct row - one line of output: a cgroup and a region
 * @cg: the cgroup
 * @region: index into snapshot.regions
 */
struct row {
	const struct cgroup *cg;
	size_t region;
};

/**
 * struct proc_row - one process's use of one region of one device
 * @pid: the process
 * @comm: its name (/proc/PID/comm)
 * @cgroup: its cgroup v2 path, from /proc/PID/cgroup
 * @device: the device's driver (drm-driver)
 * @region: the region, as named in the fdinfo keys
 * @v: bytes, summed over the process's clients, or VAL_NONE if no client
 *	printed the key
 */
struct proc_row {
	int pid;
	char comm[32];
	char *cgroup;
	char *device;
	char *region;
	long long v[NR_PROC_VALS];
};

/**
 * struct proc_snapshot - what --processes read in one pass over /proc
 * @rows: the rows, unsorted
 * @nr: entries in @rows
 * @unreadable: processes whose fdinfo could not be read
 */
struct proc_snapshot {
	struct proc_row *rows;
	size_t nr;
	size_t unreadable;
};

/**
 * struct options - the command line
 * @root: the cgroup v2 root to read
 * @cgroup: subtree to show, relative to @root without slashes around;
 *	"" for all
 * @region: the only region to show, or NULL
 * @bytes: exact bytes instead of K/M/G
 * @json: JSON instead of a table
 * @interval_ms: refresh period; 0 for a single report
 * @count: number of reports; 0 for no limit
 * @processes: the per-process view (--processes)
 * @proc: the proc file system to read (--proc)
 * @prometheus: the Prometheus text format (--prometheus)
 * @prom_file: where to write it, NULL for stdout
 */
struct options {
	const char *root;
	char *cgroup;
	const char *region;
	bool bytes;
	bool json;
	long interval_ms;
	long count;
	bool processes;
	const char *proc;
	bool prometheus;
	const char *prom_file;
};

/* collect.c */
int snapshot_read(struct snapshot *s, const struct options *o);
void snapshot_free(struct snapshot *s);
long long cgroup_val(const struct cgroup *cg, size_t region, int field);
long long cgroup_event(const struct cgroup *cg, size_t region, int event);
long long cgroup_stat(const struct cgroup *cg, size_t region, int stat);
void *xrealloc(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/* procs.c */
int procs_read(struct proc_snapshot *ps, const struct options *o);
void procs_free(struct proc_snapshot *ps);

/* procs_print.c */
void procs_print(struct proc_snapshot *ps, const struct options *o);

/* prometheus.c */
int prometheus_write(const struct snapshot *s, const struct options *o);

/* print.c */
struct row *make_rows(const struct snapshot *s, const struct options *o,
		      size_t *nr);
void print_table(const struct snapshot *s, const struct options *o,
		 const struct row *rows, size_t nr);
void print_json(const struct snapshot *s, const struct options *o,
		const struct row *rows, size_t nr);
void format_size(char *buf, size_t len, long long v, bool bytes);

#endif
