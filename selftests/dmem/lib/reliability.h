/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The "# reliability:" line a reliability program prints once, at its
 * end, for tools/vm/reliability.py:
 *
 *	# reliability: name=stress procs=16 seconds=60 ops=123 mismatches=0
 *
 *	RELIABILITY("stress", { "procs", 16 }, { "seconds", 60 }, ...);
 */
#ifndef DMEM_LIB_RELIABILITY_H
#define DMEM_LIB_RELIABILITY_H

#include <stddef.h>

struct rel_field {
	const char *key;
	long long value;
};

/* Prints the line of program @name with @nr fields, in their order. */
void reliability_print(const char *name, const struct rel_field *fields,
		       size_t nr);

#define RELIABILITY(name, ...)						\
	reliability_print(name, (const struct rel_field[]){ __VA_ARGS__ },	\
			  sizeof((const struct rel_field[]){ __VA_ARGS__ }) /	\
			  sizeof(struct rel_field))

#endif
