// SPDX-License-Identifier: GPL-2.0-only
/*
 * The controller of the stress test: while the workers run, it changes
 * dmem.max, dmem.pinned.max, dmem.min and dmem.low of random cgroups and
 * regions, switches each region's dmem.policy between soft and strict with
 * random revoke timeouts, and removes and creates the spare cgroups again.
 * A spare's rmdir must fail with exactly EBUSY while a worker is in it and
 * succeed otherwise, even with buffers still charged to it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmem_util.h"
#include "stress.h"

struct ctl {
	const struct st_config *cfg;
	struct st_counts *cnt;
	unsigned int rnd;
	int logged;
};

static unsigned int c_rand(struct ctl *c, unsigned int n)
{
	return st_rand(&c->rnd) % n;
}

static void c_expect(struct ctl *c, const char *what, int ret, int want)
{
	c->cnt->ops++;
	if (ret == want)
		return;
	c->cnt->errors++;
	if (c->logged++ < 20)
		fprintf(stderr, "# controller: %s: %s, not %s\n", what,
			ret ? strerror(-ret) : "success",
			want ? strerror(-want) : "success");
}

/* A random limit of @region: "max" (or 0 for protections), or bytes. */
static void c_value(struct ctl *c, int region, int protection, char *buf,
		    size_t len)
{
	unsigned long long cap = c->cfg->capacity[region];

	if (!c_rand(c, 3))
		snprintf(buf, len, "%s", protection ? "0" : "max");
	else if (protection)
		snprintf(buf, len, "%llu", (cap / 4) * c_rand(c, 256) / 256 & ~4095ULL);
	else
		snprintf(buf, len, "%llu", (cap / 8 + cap * c_rand(c, 256) / 256) & ~4095ULL);
}

static void c_limit(struct ctl *c)
{
	static const char *const files[] = {
		"dmem.max", "dmem.pinned.max", "dmem.min", "dmem.low",
	};
	struct st_shared *sh = c->cfg->sh;
	int node = c_rand(c, N_NODES), file = c_rand(c, 4);
	int region = c_rand(c, ST_REGIONS);
	char path[128], val[32], line[96];

	/* The controller is the only one to remove spares: no lock needed. */
	if (st_nodes[node].spare && !sh->live[node])
		return;
	st_node_path(c->cfg, node, path, sizeof(path));
	c_value(c, region, file >= 2, val, sizeof(val));
	snprintf(line, sizeof(line), "%s %s", c->cfg->cgname[region], val);
	c_expect(c, files[file], cg_write(path, files[file], line), 0);
	c->cnt->limits++;
}

static void c_policy(struct ctl *c)
{
	static const int timeouts[] = { 20, 100, 250, 1000 };
	int region = c_rand(c, ST_REGIONS);
	char pol[64];

	snprintf(pol, sizeof(pol), "%s timeout_ms=%d", c_rand(c, 3) ? "soft" : "strict",
		 timeouts[c_rand(c, 4)]);
	c_expect(c, "dmem.policy", sim_policy(c->cfg->region[region], pol), 0);
}

/* One rmdir: cg_destroy() would retry on EBUSY. */
static int c_rmdir(const char *cg)
{
	char path[512];

	cg_path(path, sizeof(path), cg, NULL);
	return rmdir(path) ? -errno : 0;
}

/* rmdir or mkdir a spare, with the workers' moves excluded meanwhile. */
static void c_spare(struct ctl *c)
{
	struct st_shared *sh = c->cfg->sh;
	int node = N_S0 + c_rand(c, 3), n, ret;
	char path[128];

	pthread_mutex_lock(&sh->lock);
	/* Half the time the least used one, so that rmdir succeeds too. */
	if (c_rand(c, 2))
		for (n = N_S0; n <= N_S2; n++)
			if (sh->live[n] && (!sh->live[node] || sh->users[n] < sh->users[node]))
				node = n;
	st_node_path(c->cfg, node, path, sizeof(path));
	if (sh->live[node]) {
		ret = c_rmdir(path);
		c_expect(c, "rmdir", ret, sh->users[node] ? -EBUSY : 0);
		if (!ret) {
			sh->live[node] = 0;
			c->cnt->rmdirs++;
		}
	} else {
		ret = cg_create(path);
		c_expect(c, "mkdir", ret, 0);
		if (!ret) {
			sh->live[node] = 1;
			sh->gen[node]++;
		}
	}
	pthread_mutex_unlock(&sh->lock);
}

int st_controller(const struct st_config *cfg)
{
	struct ctl c = {
		.cfg = cfg,
		.cnt = &cfg->sh->cnt[cfg->procs],
		.rnd = cfg->seed * 2246822519u + 7,
	};
	unsigned int r;
	int phase;

	for (;;) {
		phase = __atomic_load_n(&cfg->sh->phase, __ATOMIC_ACQUIRE);
		if (phase == PH_STOP)
			return 0;
		if (phase != PH_RUN) {
			st_arrive(cfg);
			st_wait_phase_change(cfg, phase);
			continue;
		}
		r = c_rand(&c, 100);
		if (r < 70)
			c_limit(&c);
		else if (r < 85)
			c_policy(&c);
		else
			c_spare(&c);
		usleep(20000 + c_rand(&c, 60000));
	}
}
