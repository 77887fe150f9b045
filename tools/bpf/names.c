// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemtrace: names for the numbers of the events. A cgroup id is the inode
 * number of the cgroup's directory: the tree is walked to find it. An
 * owner's tgid gets the comm the BPF programs saw it with, else /proc's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cgwalk.h"
#include "dmemtrace.h"
#include "readfile.h"

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

/* The walk's visit: records the id of a cgroup, 64 levels deep at most. */
static bool record_cgroup(int dfd, const char *path, int depth, void *arg)
{
	struct stat st;

	if (fstat(dfd, &st))
		return false;
	names_set(&cgroups, st.st_ino, path);
	return depth <= 64;
}

/* Records the id of every cgroup below DT_CGROUP_ROOT. */
static void walk(void)
{
	int fd = cgroup_open(AT_FDCWD, DT_CGROUP_ROOT);

	if (fd < 0)
		return;
	cgroup_walk(fd, "/", record_cgroup, NULL);
	close(fd);
}

const char *dt_cgroup_path(unsigned long long id)
{
	struct name *e = names_find(&cgroups, id);

	if (!id)
		return NULL;
	if (e)
		return e->value;
	/* A cgroup not seen yet: walk the tree again, once per unknown id. */
	walk();
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
	char path[64], *text;

	if (e && e->value)
		return e->value;
	/* What the owner was called at the event first: tgids are reused. */
	if (comms_fd >= 0 && !bpf_map_lookup_elem(comms_fd, &tgid, &bpf_comm)) {
		bpf_comm.comm[DT_COMM_LEN - 1] = '\0';
		names_set(&comms, tgid, bpf_comm.comm);
		return names_find(&comms, tgid)->value;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", tgid);
	text = read_file_at(AT_FDCWD, path, NULL);
	if (!text || !*text) {
		free(text);
		return NULL;
	}
	text[strcspn(text, "\n")] = '\0';
	names_set(&comms, tgid, text);
	free(text);
	return names_find(&comms, tgid)->value;
}
