/* SPDX-License-Identifier: GPL-2.0-only */
/* Walking a cgroup v2 tree, for the tools. */
#ifndef TOOLS_LIB_CGWALK_H
#define TOOLS_LIB_CGWALK_H

#include <stdbool.h>

/*
 * Called for each cgroup of a walk, parents before children.
 * @dfd: the cgroup's directory; open for reading, or O_PATH (lookups
 *	only) when it cannot be read
 * @path: its path from the root of the walk's tree: "/" for the root,
 *	"/a", "/a/b" below it
 * @depth: 0 for the cgroup the walk starts at, 1 for its children...
 * @arg: the walk's argument
 * Returns whether to walk the cgroup's children.
 */
typedef bool (*cgroup_visit_fn)(int dfd, const char *path, int depth,
				void *arg);

/*
 * cgroup_open - open a cgroup directory, @name relative to @dfd (or
 * absolute, or relative to AT_FDCWD); without read permission, with
 * O_PATH for lookups only. Never follows a symbolic link at @name.
 * Returns the fd or -1 with errno set.
 */
int cgroup_open(int dfd, const char *name);

/*
 * cgroup_walk - call @visit for the cgroup @dfd, whose path is @path, and
 * then, while @visit returns true, for each of its children in directory
 * order, depth first. Nothing that cannot be read stops it: a directory
 * that cannot be listed has no children, one that cannot be opened is
 * passed over. @dfd is not closed.
 */
void cgroup_walk(int dfd, const char *path, cgroup_visit_fn visit, void *arg);

#endif /* TOOLS_LIB_CGWALK_H */
