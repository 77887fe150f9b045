// SPDX-License-Identifier: GPL-2.0-only
/* Command-line values shared by the tools. */
#include <errno.h>
#include <stdlib.h>

#include "args.h"

long long parse_seconds_ms(const char *arg)
{
	long long ms;
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	/* !(v > 0) also refuses NaN. */
	if (errno || end == arg || *end || !(v > 0) || v > MAX_SECONDS)
		return -1;
	ms = (long long)(v * 1000 + 0.5);
	return ms ? ms : 1;
}

bool parse_long(const char *arg, long min, long max, long *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < min || n > max)
		return false;
	*v = n;
	return true;
}
