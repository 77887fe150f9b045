/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stress test of the dmem controller through /dev/dmem_sim: what its
 * processes share. The parent (test_stress.c) forks P workers
 * (stress_worker.c), which do random operations on their own owners
 * (open files of /dev/dmem_sim) and on dma-bufs of each other's buffers,
 * and one controller (stress_ctl.c), which changes limits and the policy
 * and creates and removes spare cgroups. Every few seconds the parent
 * stops them all (see enum st_phase) and compares what the workers report
 * of their buffers with every cgroup's dmem.current and
 * dmem.pinned.current (stress_check.c).
 */
#ifndef STRESS_H
#define STRESS_H

#include <pthread.h>
#include <linux/types.h>

#include "sim_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define ST_MAX_PROCS	64
#define ST_REGIONS	2
#define ST_OWNERS	3	/* open files of a worker */
#define ST_BUFS		6	/* buffers of an owner */
#define ST_HOLDS	6	/* dma-bufs a worker holds */
#define ST_IMPS		2	/* importers of one held dma-buf */
#define ST_XBUFS	1024	/* dma-bufs alive at once, all workers */

/* The cgroup tree below the test's top cgroup; processes live in leaves. */
enum st_node_id {
	N_TOP, N_A, N_AX, N_AY, N_B, N_BZ, N_C, N_S, N_S0, N_S1, N_S2, N_NODES
};

struct st_node {
	const char *name;	/* below the top cgroup; "" for the top */
	int parent;		/* -1 for the top */
	int leaf;		/* processes may live here */
	int spare;		/* the controller creates and removes it */
};

extern const struct st_node st_nodes[N_NODES];

/*
 * The parent moves everyone through the phases of a check; each process
 * counts itself in st_shared::arrived once done with a phase:
 *   RUN     random operations;
 *   PAUSE   stop (no ioctl in flight anywhere afterwards);
 *   DRAIN   take in the dma-bufs in flight, acknowledge every pending
 *           revoke, drop the dma-bufs of freed buffers; the parent then
 *           waits for parked revokes to finish;
 *   REPORT  report every owner's buffers and verify their data; the
 *           parent then compares, and sets RUN or STOP.
 */
enum st_phase { PH_RUN, PH_PAUSE, PH_DRAIN, PH_REPORT, PH_STOP };

/*
 * A dma-buf of a worker's buffer (the export table, under st_shared::lock).
 * @refs counts the workers' holdings of it and the messages carrying it
 * (a message from before it is sent: the sender's fd is a reference of its
 * own until its close returns, and the receiver may close its copy first);
 * a holding letting its last reference go moves from @refs to @dropping
 * until its close or detach returned, so that the dma-buf exists while
 * @refs is not 0 and is gone once both are 0. Once the exporter's handle
 * is gone (FREE, close) the buffer lives only through the dma-buf: an
 * orphan, which nobody can look at, so every holder drops it at the next
 * check.
 */
struct st_xbuf {
	int used;
	int exporter;
	int orphan;
	int refs;
	int dropping;
	int last_dropper;	/* the worker of the last drop begun, */
	int last_drop_site;	/* where (enum st_drop_site) */
	long long last_drop_ms;	/* and when (sim_now_ms()) */
};

/* Where a holding let its last reference go, for the EXPORT diagnostic. */
enum st_drop_site {
	DROP_CLOSE_FD = 1,	/* closed the dma-buf fd */
	DROP_DETACH,		/* detached its last importer */
	DROP_UNHELD,		/* closed an fd nobody was to hold */
	DROP_OWNER_CLOSE,	/* closed the file of its last importers */
	DROP_SENT,		/* closed its fd once a message carried it */
};

/* One owner of a worker, as reported at a check. */
struct st_owner_rep {
	int live;
	int node;		/* where it was opened ... */
	int gen;		/* ... and that cgroup's generation */
	int region;
	__u64 charged;		/* bytes of resident buffers */
	__u64 pinned;		/* bytes of pinned buffers */
	__u64 bufs;		/* buffers (handles) */
};

/* Counters of one process, written by it only. */
struct st_counts {
	long long ops;
	long long errors;	/* unexpected results */
	long long mismatches;	/* data or counters wrong */
	long long enomem;
	long long ebusy;
	long long eintr;
	long long revoked;	/* BUF_REVOKED events */
	long long pins_ended;	/* by a parked or failed revoke */
	long long finishing;	/* revokes still finishing at a check */
	long long evicted;	/* BUF_EVICTED events */
	long long sent;		/* dma-bufs passed to another worker */
	long long imported;
	long long rmdirs;
	long long limits;
	long long compared;	/* counter values checked */
	long long peak;		/* most bytes charged at a check */
	long long peak_pinned;
};

struct st_shared {
	pthread_mutex_t lock;	/* the fields below up to @xbufs */
	int gen[N_NODES];	/* spares: generation, bumped by mkdir */
	int live[N_NODES];	/* spares: exists */
	int users[N_NODES];	/* spares: workers in it */
	struct st_xbuf xbufs[ST_XBUFS];

	int phase;		/* enum st_phase, atomic */
	int arrived;		/* atomic */
	struct st_owner_rep rep[ST_MAX_PROCS][ST_OWNERS];
	struct st_counts cnt[ST_MAX_PROCS + 2];	/* workers, ctl, parent */
};

/* What every process of the test knows. */
struct st_config {
	int procs;
	int seconds;
	unsigned int seed;
	char top[64];
	char region[ST_REGIONS][DMEM_SIM_NAME_LEN];
	char cgname[ST_REGIONS][DMEM_SIM_NAME_LEN + 4];	/* "sim/<name>" */
	__u64 capacity[ST_REGIONS];
	int sock[ST_MAX_PROCS][2];	/* [1] worker i receives, [0] others send */
	struct st_shared *sh;
};

/* The path of a node below the cgroup root. */
void st_node_path(const struct st_config *cfg, int node, char *buf, size_t len);
/* Waits for the phase to leave @phase; returns the new one. */
int st_wait_phase_change(const struct st_config *cfg, int phase);
/* Counts the caller in for the current phase. */
void st_arrive(const struct st_config *cfg);
/* A random number of the caller's stream. */
unsigned int st_rand(unsigned int *state);

/* stress_worker.c: worker @idx, until PH_STOP; its exit status. */
int st_worker(const struct st_config *cfg, int idx);
/* stress_ctl.c: the controller, until PH_STOP; its exit status. */
int st_controller(const struct st_config *cfg);
/* Spares: the tree's initial state. */
int st_tree_setup(struct st_config *cfg);

/*
 * stress_check.c: compare the reports with the cgroups and regions; the
 * number of mismatches (each printed).
 */
int st_check(const struct st_config *cfg, int final);

#endif
