// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the device memory cgroup controller.
 *
 * This file ties the controller into the cgroup core: per-cgroup state and
 * its life cycle. Regions are in region.c, pools in pool.c, charging in
 * charge.c, the files in files.c; dmem_internal.h has the locking rules.
 */

#include <linux/cgroup.h>
#include <linux/slab.h>

#include "dmem_internal.h"

static struct cgroup_subsys_state *
dmemcg_css_alloc(struct cgroup_subsys_state *parent_css)
{
	struct dmemcg_state *cs;

	cs = kzalloc(sizeof(*cs), GFP_KERNEL_ACCOUNT);
	if (!cs)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&cs->pools);
	return &cs->css;
}

/*
 * A removed cgroup keeps its charges: its pools lose their initial
 * reference here and go, with their css reference, when uncharged.
 */
static void dmemcg_css_offline(struct cgroup_subsys_state *css)
{
	dmem_pools_kill_cs(css_to_dmemcs(css));
}

static void dmemcg_css_free(struct cgroup_subsys_state *css)
{
	struct dmemcg_state *cs = css_to_dmemcs(css);

	/* Every pool holds a css reference, so none can be left. */
	WARN_ON_ONCE(!list_empty(&cs->pools));
	kfree(cs);
}

struct cgroup_subsys dmem_cgrp_subsys = {
	.css_alloc = dmemcg_css_alloc,
	.css_offline = dmemcg_css_offline,
	.css_free = dmemcg_css_free,
	.dfl_cftypes = dmemcg_files,
	.legacy_cftypes = dmemcg_files,
};
