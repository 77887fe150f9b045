// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stress test's cgroup tree and the phase protocol; see stress.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmem_util.h"
#include "stress.h"

/*
 * Limits at several levels (a, a/x...), protection (b, b/z), and spares
 * below s that the controller removes and creates again while owners
 * opened in them are still charged.
 */
const struct st_node st_nodes[N_NODES] = {
	[N_TOP] = { "", -1, 0, 0 },
	[N_A] = { "a", N_TOP, 0, 0 },
	[N_AX] = { "a/x", N_A, 1, 0 },
	[N_AY] = { "a/y", N_A, 1, 0 },
	[N_B] = { "b", N_TOP, 0, 0 },
	[N_BZ] = { "b/z", N_B, 1, 0 },
	[N_C] = { "c", N_TOP, 1, 0 },
	[N_S] = { "s", N_TOP, 0, 0 },
	[N_S0] = { "s/0", N_S, 1, 1 },
	[N_S1] = { "s/1", N_S, 1, 1 },
	[N_S2] = { "s/2", N_S, 1, 1 },
};

void st_node_path(const struct st_config *cfg, int node, char *buf, size_t len)
{
	const char *name = st_nodes[node].name;

	snprintf(buf, len, "%s%s%s", cfg->top, *name ? "/" : "", name);
}

int st_wait_phase_change(const struct st_config *cfg, int phase)
{
	int now;

	while ((now = __atomic_load_n(&cfg->sh->phase, __ATOMIC_ACQUIRE)) == phase)
		usleep(2000);
	return now;
}

void st_arrive(const struct st_config *cfg)
{
	__atomic_add_fetch(&cfg->sh->arrived, 1, __ATOMIC_ACQ_REL);
}

unsigned int st_rand(unsigned int *state)
{
	/* xorshift32: cheap, and the same stream for the same seed. */
	unsigned int x = *state ? *state : 0x9e3779b9;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* The first limits; the controller changes them from there. */
static int st_initial_limits(const struct st_config *cfg)
{
	static const struct { int node; const char *file; int region; const char *val; }
	init[] = {
		{ N_A, "dmem.max", 0, "10M" },
		{ N_A, "dmem.pinned.max", 0, "6M" },
		{ N_AY, "dmem.max", 1, "4M" },
		{ N_B, "dmem.min", 0, "2M" },
		{ N_BZ, "dmem.low", 0, "4M" },
		{ N_C, "dmem.max", 1, "3M" },
		{ N_S, "dmem.pinned.max", 1, "2M" },
	};
	char path[128], line[96];
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(init); i++) {
		st_node_path(cfg, init[i].node, path, sizeof(path));
		snprintf(line, sizeof(line), "%s %s", cfg->cgname[init[i].region],
			 init[i].val);
		err = cg_write(path, init[i].file, line);
		if (err)
			return err;
	}
	return 0;
}

int st_tree_setup(struct st_config *cfg)
{
	struct st_shared *sh = cfg->sh;
	char path[128];
	int n, err;

	snprintf(cfg->top, sizeof(cfg->top), "dmt_stress.%d", getpid());
	for (n = 0; n < N_NODES; n++) {
		st_node_path(cfg, n, path, sizeof(path));
		err = cg_create(path);
		if (!err && !st_nodes[n].leaf)
			err = cg_write(path, "cgroup.subtree_control", "+dmem");
		if (err)
			return err;
		sh->live[n] = 1;
	}
	return st_initial_limits(cfg);
}
