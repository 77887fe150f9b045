/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dmem.* files: which file a handler serves, and the parsers of what is
 * written to them (parse.c). Shared by the controller (dmem_internal.h) and
 * its test interface (dmem_test.h): the parsers only look at text.
 */
#ifndef _KERNEL_DEVMEM_CG_DMEM_FILES_H
#define _KERNEL_DEVMEM_CG_DMEM_FILES_H

#include <linux/page_counter.h>
#include <linux/types.h>

/*
 * The controller counts bytes in page_counters, so the largest value it
 * accounts, and the largest limit it accepts, is PAGE_COUNTER_MAX bytes
 * (2^51 - 1 on 64-bit); a limit of that value reads as "max".
 */
#define DMEM_VALUE_MAX		((u64)PAGE_COUNTER_MAX)

int dmem_parse_value(const char *str, u64 *value);
int dmem_parse_line(char *line, char **region, char **args);

/* What a dmem.* file shows; stored in cftype::private. */
enum dmem_file {
	DMEM_FILE_CAPACITY,
	DMEM_FILE_CURRENT,
	DMEM_FILE_MIN,
	DMEM_FILE_LOW,
	DMEM_FILE_MAX,
	DMEM_FILE_PEAK,
	DMEM_FILE_PINNED_CURRENT,
	DMEM_FILE_PINNED_MAX,
	DMEM_FILE_EVENTS,
	DMEM_FILE_EVENTS_LOCAL,
	DMEM_FILE_STAT,
	DMEM_FILE_EXT_REGION,	/* the extension's region_file */
};

#endif /* _KERNEL_DEVMEM_CG_DMEM_FILES_H */
