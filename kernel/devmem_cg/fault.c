// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the fail_dmem_charge fault-injection point.
 *
 * A charge of the dmem controller allocates nothing that failslab or
 * fail_page_alloc could fail (page_counter is atomics only), so the error
 * paths of its callers would never run under those. This point fails the
 * charges themselves: dmem_cgroup_try_charge(), dmem_cgroup_try_charge_css()
 * and dmem_cgroup_try_charge_pinned() consult it before they charge (and
 * before the per-cpu stock, so that whether a charge can fail does not
 * depend on what a stock holds).
 *
 * An injected failure is -ENOMEM, not a limit hit (-EAGAIN): it reports
 * no limit pool, counts no "max" or "pin_max" event, and callers do not
 * evict to retry. A fake limit hit would make the eviction manager evict
 * real buffers of other tenants for nothing and count events no limit
 * caused; a failure the caller cannot work around is what exercises its
 * unwinding, which is the point of fault injection. Callers already see
 * -ENOMEM from a charge when a pool cannot be allocated.
 *
 * Knobs: the usual fault_attr ones in debugfs (fail_dmem_charge/), the
 * boot parameter "fail_dmem_charge=<interval>,<probability>,<space>,<times>",
 * and /proc/<pid>/task/<tid>/fail-nth, which counts this point like every
 * other one (see Documentation/fault-injection/fault-injection.rst).
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/init.h>

#include "dmem_internal.h"

/* Read inline by dmem_should_fail_charge(), dmem_internal.h. */
DECLARE_FAULT_ATTR(fail_dmem_charge);

/*
 * The boot parameter "fail_dmem_charge=<interval>,<probability>,<space>,<times>",
 * as failslab's. An early parameter: it only sets the attribute's fields.
 */
static int __init setup_fail_dmem_charge(char *str)
{
	return setup_fault_attr(&fail_dmem_charge, str) ? 0 : -EINVAL;
}
early_param("fail_dmem_charge", setup_fail_dmem_charge);

/**
 * dmem_should_fail_charge_armed() - should this charge fail?
 * @size: bytes about to be charged
 *
 * The slow part of dmem_should_fail_charge(), once the point is armed. A
 * zero-byte charge only looks a pool up (the eviction manager does so to
 * count an "enomem" event) and is never failed.
 *
 * Context: any context (the charge of a pin runs under a spinlock).
 * Return: true if the caller must fail the charge with -ENOMEM.
 */
bool dmem_should_fail_charge_armed(u64 size)
{
	return size && should_fail(&fail_dmem_charge, size);
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static int __init fail_dmem_charge_debugfs(void)
{
	struct dentry *dir;

	dir = fault_create_debugfs_attr("fail_dmem_charge", NULL,
					&fail_dmem_charge);
	return PTR_ERR_OR_ZERO(dir);
}
late_initcall(fail_dmem_charge_debugfs);
#endif
