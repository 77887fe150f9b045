// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reliability line; see reliability.h.
 */
#include <stdio.h>

#include "reliability.h"

void reliability_print(const char *name, const struct rel_field *fields,
		       size_t nr)
{
	size_t i;

	printf("# reliability: name=%s", name);
	for (i = 0; i < nr; i++)
		printf(" %s=%lld", fields[i].key, fields[i].value);
	printf("\n");
	fflush(stdout);
}
