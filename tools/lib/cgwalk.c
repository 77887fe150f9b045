// SPDX-License-Identifier: GPL-2.0-only
/*
 * A plain openat()/fdopendir() walk of a cgroup v2 tree: dmemstat reads
 * the dmem files of each cgroup, dmemtrace maps cgroup ids (directory
 * inode numbers) to paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgwalk.h"

int cgroup_open(int dfd, const char *name)
{
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == EACCES)
		fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd;
}

static bool is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISDIR(st.st_mode);
}

static void walk(int dfd, const char *path, int depth, cgroup_visit_fn visit,
		 void *arg);

/* Walks the child @name of the cgroup @dfd at @path. */
static void walk_child(int dfd, const char *path, const char *name, int depth,
		       cgroup_visit_fn visit, void *arg)
{
	char *sub;
	int fd;

	fd = cgroup_open(dfd, name);
	if (fd < 0)
		return;
	sub = malloc(strlen(path) + strlen(name) + 2);
	if (sub) {
		sprintf(sub, "%s%s%s", path, strcmp(path, "/") ? "/" : "", name);
		walk(fd, sub, depth, visit, arg);
		free(sub);
	}
	close(fd);
}

static void walk(int dfd, const char *path, int depth, cgroup_visit_fn visit,
		 void *arg)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	if (!visit(dfd, path, depth, arg))
		return;
	fd = dup(dfd);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		/* An O_PATH descriptor: the directory cannot be listed. */
		close(fd);
		return;
	}
	/* The offset is @dfd's too: start from the top whatever it was. */
	rewinddir(dir);
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (is_dir(dfd, de))
			walk_child(dfd, path, de->d_name, depth + 1, visit, arg);
	}
	closedir(dir);
}

void cgroup_walk(int dfd, const char *path, cgroup_visit_fn visit, void *arg)
{
	walk(dfd, path, 0, visit, arg);
}
