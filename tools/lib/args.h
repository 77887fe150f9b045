/* SPDX-License-Identifier: GPL-2.0-only */
/* Command-line values shared by the tools. */
#ifndef TOOLS_LIB_ARGS_H
#define TOOLS_LIB_ARGS_H

#include <stdbool.h>

/* The longest period or duration a tool takes: a day. */
#define MAX_SECONDS	86400

/*
 * parse_seconds_ms - "2", "0.5", "1e1": seconds, more than 0 and at most
 * MAX_SECONDS, in milliseconds rounded to the nearest (at least 1); -1 if
 * @arg is not such a number.
 */
long long parse_seconds_ms(const char *arg);

/*
 * parse_long - a decimal integer from @min to @max into *@v; false (and
 * *@v untouched) if @arg is not one.
 */
bool parse_long(const char *arg, long min, long max, long *v);

#endif /* TOOLS_LIB_ARGS_H */
