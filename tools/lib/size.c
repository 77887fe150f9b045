// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tools' one size formatter (dmemstat's cells, dmemtrace's bytes,
 * dmemsim's messages), in integer arithmetic: the rounding is that of
 * printf("%.1f") on the exact quotient, for every value.
 */
#include <stdio.h>

#include "size.h"

/* @bytes in tenths of @unit, to the nearest, a tie to the even tenth. */
static unsigned long long tenths_of(unsigned long long bytes,
				    unsigned long long unit)
{
	/* In parts that do not overflow, even for 2^64 - 1 bytes. */
	unsigned long long tenths = bytes / unit * 10;
	unsigned long long rest = bytes % unit * 10;

	tenths += rest / unit;
	rest %= unit;
	if (2 * rest > unit || (2 * rest == unit && tenths % 2))
		tenths++;
	return tenths;
}

char *size_str(char *buf, size_t len, unsigned long long bytes)
{
	static const char units[] = "KMGTPE";
	unsigned long long unit = 1024, tenths;
	int u;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu", bytes);
		return buf;
	}
	for (u = 0; ; u++, unit *= 1024) {
		tenths = tenths_of(bytes, unit);
		if (tenths < 10240 || u == 5)
			break;
	}
	snprintf(buf, len, "%llu.%llu%c", tenths / 10, tenths % 10, units[u]);
	return buf;
}
