// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemtrace: names for the numbers of the events. A cgroup id is the inode
 * number of the cgroup's directory: the tree is walked to find it. An
 * owner's tgid gets the comm the BPF programs saw it with, else /proc's.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "dmemtrace.h"

struct name {
	long long key;
	char *value;		/* NULL: looked up, not found */
};

struct names {
	struct name *v;
	size_t nr, alloc;
};

static struct names cgroups, comms;

static struct name *names_find(struct names *n, long long key)
{
	size_t i;

	for (i = 0; i < n->nr; i++)
		if (n->v[i].key == key)
			return &n->v[i];
	return NULL;
}

static void names_set(struct names *n, long long key, const char *value)
{
	struct name *e = names_find(n, key);

	if (e) {
		if (!e->value && value)
			e->value = strdup(value);
		return;
	}
	if (n->nr == n->alloc) {
		size_t alloc = n->alloc ? 2 * n->alloc : 64;
		struct name *v = realloc(n->v, alloc * sizeof(*v));

		if (!v)
			return;
		n->v = v;
		n->alloc = alloc;
	}
	n->v[n->nr].key = key;
	n->v[n->nr].value = value ? strdup(value) : NULL;
	n->nr++;
}

/* Records the id of every cgroup at and below @path (@rel from the root). */
static void walk(const char *path, const char *rel, int depth)
{
	char sub[4096], subrel[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(path, &st))
		return;
	names_set(&cgroups, st.st_ino, *rel ? rel : "/");
	if (depth > 64)
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		snprintf(subrel, sizeof(subrel), "%s/%s", rel, de->d_name);
		walk(sub, subrel, depth + 1);
	}
	closedir(d);
}

const char *dt_cgroup_path(unsigned long long id)
{
	struct name *e = names_find(&cgroups, id);

	if (!id)
		return NULL;
	if (e)
		return e->value;
	/* A cgroup not seen yet: walk the tree again, once per unknown id. */
	walk(DT_CGROUP_ROOT, "", 0);
	e = names_find(&cgroups, id);
	if (e)
		return e->value;
	names_set(&cgroups, id, NULL);
	return NULL;
}

const char *dt_comm(int tgid, int comms_fd)
{
	struct name *e = names_find(&comms, tgid);
	struct dt_comm bpf_comm;
	char path[64], buf[64];
	ssize_t n = -1;
	int fd;

	if (e && e->value)
		return e->value;
	/* What the owner was called at the event first: tgids are reused. */
	if (comms_fd >= 0 && !bpf_map_lookup_elem(comms_fd, &tgid, &bpf_comm)) {
		bpf_comm.comm[DT_COMM_LEN - 1] = '\0';
		names_set(&comms, tgid, bpf_comm.comm);
		return names_find(&comms, tgid)->value;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", tgid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	names_set(&comms, tgid, buf);
	return names_find(&comms, tgid)->value;
}
