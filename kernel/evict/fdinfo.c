// SPDX-License-Identifier: GPL-2.0-only
/*
 * The size lines owners print in fdinfo, shared by every driver of the
 * manager and TTM's DRM clients so that one parser reads all of them.
 */

#include <linux/export.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/dmem_evict.h>

/**
 * dmem_fdinfo_print_size() - one "<key>-<region>: <size>" fdinfo line
 * @m: the seq_file of /proc/PID/fdinfo/FD
 * @key: e.g. "drm-resident" or "dmem-pinned"
 * @prefix: printed before @region, e.g. "sim/", or ""
 * @region: the region's name
 * @size: bytes
 *
 * The size is printed as DRM's usage stats print it
 * (Documentation/gpu/drm-usage-stats.rst): in the largest of B, KiB and
 * MiB that divides it exactly.
 *
 * Context: any context that may write to @m.
 */
void dmem_fdinfo_print_size(struct seq_file *m, const char *key,
			    const char *prefix, const char *region, u64 size)
{
	static const char * const units[] = { "", " KiB", " MiB" };
	unsigned int u;

	for (u = 0; u < ARRAY_SIZE(units) - 1; u++) {
		if (!size || !IS_ALIGNED(size, SZ_1K))
			break;
		size >>= 10;
	}
	seq_printf(m, "%s-%s%s:\t%llu%s\n", key, prefix, region, size, units[u]);
}
EXPORT_SYMBOL_GPL(dmem_fdinfo_print_size);
