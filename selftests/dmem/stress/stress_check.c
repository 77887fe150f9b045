// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stress test's check at a quiescent point: what the workers reported
 * of their owners' buffers against the dmem controller's counters of
 * every cgroup and the device's view of every region, exactly.
 *
 * A buffer is charged while resident, to the cgroup its owner was opened
 * in, and pinned-charged while pinned; evicted and revoked buffers are
 * not charged (docs/design.md, "Charging model"). Charges are
 * hierarchical: a cgroup's dmem.current is the sum over its subtree. Once
 * a spare cgroup is removed its charges linger in a pool nobody can read,
 * and the owners opened in it are charged to its parent: either way they
 * count in the parent and above, so that is where they are expected.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmem_util.h"
#include "stress.h"

struct expect {
	long long current[N_NODES][ST_REGIONS];
	long long pinned[N_NODES][ST_REGIONS];
	long long used[ST_REGIONS];
	long long pinned_all[ST_REGIONS];
	long long bufs[ST_REGIONS];
};

/* Where an owner's charges are to be found. */
static int st_charged_node(const struct st_shared *sh, const struct st_owner_rep *rep)
{
	int n = rep->node;

	if (st_nodes[n].spare && (!sh->live[n] || sh->gen[n] != rep->gen))
		return st_nodes[n].parent;
	return n;
}

static void st_expect(const struct st_config *cfg, struct expect *e)
{
	const struct st_shared *sh = cfg->sh;
	int i, j, n;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < cfg->procs; i++) {
		for (j = 0; j < ST_OWNERS; j++) {
			const struct st_owner_rep *rep = &sh->rep[i][j];

			if (!rep->live)
				continue;
			e->used[rep->region] += rep->charged;
			e->pinned_all[rep->region] += rep->pinned;
			e->bufs[rep->region] += rep->bufs;
			for (n = st_charged_node(sh, rep); n >= 0; n = st_nodes[n].parent) {
				e->current[n][rep->region] += rep->charged;
				e->pinned[n][rep->region] += rep->pinned;
			}
		}
	}
}

static int st_compare(const struct st_config *cfg, const char *cg,
		      const char *file, int region, long long want)
{
	long long got = cg_region_value(cg, file, cfg->cgname[region]);

	cfg->sh->cnt[cfg->procs + 1].compared++;
	if (got == want)
		return 0;
	fprintf(stderr, "# check: %s/%s %s: %lld, expected %lld\n",
		*cg ? cg : "(root)", file, cfg->cgname[region], got, want);
	return 1;
}

/* Revokes parked for late acknowledgments finish in a work item. */
static int st_wait_unparked(const struct st_config *cfg, int region,
			    struct dmem_sim_region_info *ri)
{
	int fd = sim_open(), ms, ret = -1;

	if (fd < 0)
		return fd;
	for (ms = 0; ms <= 10000; ms += 20) {
		ret = sim_region_info(fd, cfg->region[region], ri);
		if (ret || !ri->parked)
			break;
		usleep(20000);
	}
	close(fd);
	return ret;
}

int st_check(const struct st_config *cfg, int final)
{
	const struct st_shared *sh = cfg->sh;
	struct st_counts *mine = &cfg->sh->cnt[cfg->procs + 1];
	struct dmem_sim_region_info ri;
	struct expect e;
	char path[128];
	int bad = 0, n, r;

	st_expect(cfg, &e);
	for (r = 0; r < ST_REGIONS; r++) {
		if (e.used[r] > mine->peak)
			mine->peak = e.used[r];
		if (e.pinned_all[r] > mine->peak_pinned)
			mine->peak_pinned = e.pinned_all[r];
		if (st_wait_unparked(cfg, r, &ri)) {
			fprintf(stderr, "# check: REGION_INFO %s failed\n", cfg->region[r]);
			bad++;
			continue;
		}
		if (ri.used != (__u64)e.used[r] || ri.buffers != (__u64)e.bufs[r] ||
		    ri.parked) {
			fprintf(stderr, "# check: %s: used %llu buffers %llu parked %llu",
				cfg->region[r], (unsigned long long)ri.used,
				(unsigned long long)ri.buffers,
				(unsigned long long)ri.parked);
			fprintf(stderr, ", expected %lld %lld 0\n", e.used[r], e.bufs[r]);
			bad++;
		}
		if (final && (e.used[r] || e.bufs[r]))
			bad++;	/* the caller cleared every report */
		/* The root's view covers removed cgroups too. */
		bad += st_compare(cfg, "", "dmem.current", r, e.used[r]);
		bad += st_compare(cfg, "", "dmem.pinned.current", r, e.pinned_all[r]);
		for (n = 0; n < N_NODES; n++) {
			if (!sh->live[n])
				continue;
			st_node_path(cfg, n, path, sizeof(path));
			bad += st_compare(cfg, path, "dmem.current", r, e.current[n][r]);
			bad += st_compare(cfg, path, "dmem.pinned.current", r,
					  e.pinned[n][r]);
		}
	}
	return bad;
}
