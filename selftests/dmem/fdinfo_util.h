/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the fdinfo of /dev/dmem_sim files (docs/admin-guide.md,
 * "fdinfo"), and the scenario of the fdinfo and dmemstat --processes
 * tests (see test_fdinfo.c).
 */
#ifndef FDINFO_UTIL_H
#define FDINFO_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "sim_util.h"

/* The keys of one file for one region; -1 for a key that is absent. */
struct fdinfo_fig {
	char driver[32];
	long long client_id;
	long long total;
	long long resident;
	long long pinned;
	long long evicted;
	long long revoked;
};

/*
 * The value of @key in /proc/@pid/fdinfo/@fd, without the blanks after
 * the colon, into @out. 0, -ENOENT if the key is absent, or -errno.
 */
int fdinfo_line(pid_t pid, int fd, const char *key, char *out, size_t len);

/*
 * The keys of /proc/@pid/fdinfo/@fd for @region ("sim/<name>"), sizes in
 * bytes. 0; -ENOENT if some key of the region is missing (the driver and
 * client id are read all the same); -EINVAL for a malformed value.
 */
int fdinfo_read(pid_t pid, int fd, const char *region, struct fdinfo_fig *f);

/* The scenario of test_fdinfo.c on @o; 0 or -errno. */
int fdinfo_scenario(struct sim_pair *o);

#endif
