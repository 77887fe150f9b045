// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the device memory cgroup controller.
 *
 * Skeleton: the controller registers itself; its files and charging API
 * arrive with the controller proper.
 */

#include <linux/cgroup.h>
#include <linux/slab.h>

/**
 * struct dmemcg_state - per-cgroup state of the dmem controller
 * @css: the cgroup subsystem state this extends
 */
struct dmemcg_state {
	struct cgroup_subsys_state css;
};

static struct cgroup_subsys_state *
dmemcg_css_alloc(struct cgroup_subsys_state *parent_css)
{
	struct dmemcg_state *dmemcs;

	dmemcs = kzalloc(sizeof(*dmemcs), GFP_KERNEL);
	if (!dmemcs)
		return ERR_PTR(-ENOMEM);
	return &dmemcs->css;
}

static void dmemcg_css_free(struct cgroup_subsys_state *css)
{
	kfree(container_of(css, struct dmemcg_state, css));
}

static struct cftype dmemcg_files[] = {
	{ }	/* terminate */
};

struct cgroup_subsys dmem_cgrp_subsys = {
	.css_alloc = dmemcg_css_alloc,
	.css_free = dmemcg_css_free,
	.dfl_cftypes = dmemcg_files,
	.legacy_cftypes = dmemcg_files,
};
