// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat: one read-only pass over a cgroup v2 tree, collecting the dmem
 * files of every cgroup that has the controller enabled.
 *
 * Nothing that cannot be read stops the walk: an unreadable file leaves its
 * values at VAL_NONE (shown as "-"), an unlistable directory hides only its
 * children. A cgroup without dmem.current does not have the controller
 * enabled (its parent's cgroup.subtree_control lacks "dmem"); neither can
 * any cgroup below it, so the walk does not descend there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgwalk.h"
#include "dmemstat.h"
#include "readfile.h"

const char *const field_file[NR_FIELDS] = {
	[F_CURRENT]	= "dmem.current",
	[F_PINNED]	= "dmem.pinned.current",
	[F_MIN]		= "dmem.min",
	[F_LOW]		= "dmem.low",
	[F_MAX]		= "dmem.max",
	[F_PINNED_MAX]	= "dmem.pinned.max",
	[F_PEAK]	= "dmem.peak",
};

const char *const event_key[NR_EVENTS] = {
	[E_LOW]		= "low",
	[E_MAX]		= "max",
	[E_PIN_MAX]	= "pin_max",
	[E_EVICT]	= "evict",
	[E_REVOKE]	= "revoke",
	[E_ENOMEM]	= "enomem",
};

const char *const stat_key[NR_STATS] = {
	[S_EVICTED]	= "evicted_bytes",
	[S_REVOKED]	= "revoked_bytes",
};

void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		goto oom;
	n *= size;
	p = realloc(p, n ? n : 1);
	if (p)
		return p;
oom:
	fputs("dmemstat: out of memory\n", stderr);
	exit(EXIT_IO);
}

char *xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xrealloc(NULL, len, 1), s, len);
}

/* 1 if @name exists in @dfd or cannot be checked, 0 if it does not exist. */
static int probe(int dfd, const char *name)
{
	if (!faccessat(dfd, name, F_OK, 0))
		return 1;
	return errno != ENOENT && errno != ENOTDIR;
}

static size_t region_index(struct snapshot *s, const char *name)
{
	struct region *r;
	size_t i;

	for (i = 0; i < s->nr_regions; i++)
		if (!strcmp(s->regions[i].name, name))
			return i;
	s->regions = xrealloc(s->regions, s->nr_regions + 1, sizeof(*r));
	r = &s->regions[s->nr_regions];
	r->name = xstrdup(name);
	r->capacity = VAL_NONE;
	r->policy = NULL;
	return s->nr_regions++;
}

/* A value: decimal bytes or "max"; VAL_NONE if it is neither. */
static long long parse_value(const char *str)
{
	unsigned long long v;
	char *end;

	if (!strcmp(str, "max"))
		return VAL_MAX;
	if (*str < '0' || *str > '9')
		return VAL_NONE;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno || *end || v > LLONG_MAX)
		return VAL_NONE;
	return v;
}

/* Handles the text after "<region> " of a line, for region @idx. */
typedef void (*line_fn)(struct snapshot *s, size_t idx, char *rest, void *arg);

/* Calls @fn for every "<region> <rest>" line of @text, which is modified. */
static void parse_lines(struct snapshot *s, char *text, line_fn fn, void *arg)
{
	char *line, *save, *rest;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		rest = strchr(line, ' ');
		if (!rest || rest == line)
			continue;
		*rest++ = '\0';
		fn(s, region_index(s, line), rest, arg);
	}
}

/* Makes room in @cg for every region known so far. */
static struct vals *cgroup_vals(struct snapshot *s, struct cgroup *cg,
				size_t idx)
{
	size_t i, j;

	if (cg->nr < s->nr_regions) {
		cg->v = xrealloc(cg->v, s->nr_regions, sizeof(*cg->v));
		for (i = cg->nr; i < s->nr_regions; i++) {
			for (j = 0; j < NR_FIELDS; j++)
				cg->v[i].f[j] = VAL_NONE;
			for (j = 0; j < NR_EVENTS; j++)
				cg->v[i].ev[j] = VAL_NONE;
			for (j = 0; j < NR_STATS; j++)
				cg->v[i].st[j] = VAL_NONE;
		}
		cg->nr = s->nr_regions;
	}
	return &cg->v[idx];
}

struct field_arg {
	struct cgroup *cg;
	int field;
};

static void set_field(struct snapshot *s, size_t idx, char *rest, void *arg)
{
	struct field_arg *fa = arg;

	cgroup_vals(s, fa->cg, idx)->f[fa->field] = parse_value(rest);
}

/* Sets @out[i] from the "key=N" of @rest whose key is @keys[i]. */
static void set_keyed(char *rest, const char *const *keys, int n,
		      long long *out)
{
	char *tok, *save, *eq;
	int i;

	for (tok = strtok_r(rest, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		for (i = 0; i < n; i++)
			if (!strcmp(tok, keys[i]))
				out[i] = parse_value(eq);
	}
}

static void set_events(struct snapshot *s, size_t idx, char *rest, void *arg)
{
	set_keyed(rest, event_key, NR_EVENTS, cgroup_vals(s, arg, idx)->ev);
}

static void set_stat(struct snapshot *s, size_t idx, char *rest, void *arg)
{
	set_keyed(rest, stat_key, NR_STATS, cgroup_vals(s, arg, idx)->st);
}

static void set_capacity(struct snapshot *s, size_t idx, char *rest, void *arg)
{
	s->regions[idx].capacity = parse_value(rest);
}

static void set_policy(struct snapshot *s, size_t idx, char *rest, void *arg)
{
	free(s->regions[idx].policy);
	s->regions[idx].policy = xstrdup(rest);
}

/* Runs @fn over the lines of @name in @dfd, if it can be read. */
static void read_lines(struct snapshot *s, int dfd, const char *name,
		       line_fn fn, void *arg)
{
	char *text = read_file_at(dfd, name, NULL);

	if (!text)
		return;
	parse_lines(s, text, fn, arg);
	free(text);
}

static void read_cgroup(struct snapshot *s, int dfd, const char *path)
{
	struct field_arg fa;
	struct cgroup *cg;
	int i;

	s->cgroups = xrealloc(s->cgroups, s->nr_cgroups + 1, sizeof(*cg));
	cg = &s->cgroups[s->nr_cgroups++];
	cg->path = xstrdup(path);
	cg->nr = 0;
	cg->v = NULL;
	fa.cg = cg;
	for (i = 0; i < NR_FIELDS; i++) {
		fa.field = i;
		read_lines(s, dfd, field_file[i], set_field, &fa);
	}
	read_lines(s, dfd, "dmem.events", set_events, cg);
	read_lines(s, dfd, "dmem.stat", set_stat, cg);
	/* Every cgroup has a row for every region, even if unreadable. */
	if (s->nr_regions)
		cgroup_vals(s, cg, 0);
}

/*
 * The walk's visit: reads a cgroup's files. Below the start of the walk,
 * a cgroup without dmem.current does not have the controller; neither do
 * its children.
 */
static bool visit(int dfd, const char *path, int depth, void *arg)
{
	struct snapshot *s = arg;

	if (depth && !probe(dfd, "dmem.current"))
		return false;
	read_cgroup(s, dfd, path);
	return true;
}

int snapshot_read(struct snapshot *s, const struct options *o)
{
	int rootfd, fd, ret = EXIT_OK;
	char *path;

	memset(s, 0, sizeof(*s));
	rootfd = cgroup_open(AT_FDCWD, o->root);
	if (rootfd < 0) {
		fprintf(stderr, "dmemstat: cannot open %s: %s\n", o->root,
			strerror(errno));
		return EXIT_IO;
	}
	if (!probe(rootfd, "dmem.capacity") && !probe(rootfd, "dmem.current")) {
		fprintf(stderr,
			"dmemstat: no dmem controller in %s: it has neither dmem.capacity nor dmem.current\n",
			o->root);
		if (probe(rootfd, "cgroup.controllers"))
			fprintf(stderr,
				"dmemstat: the kernel lacks CONFIG_CGROUP_DMEM, or dmem is not in the parent's cgroup.subtree_control\n");
		else
			fprintf(stderr,
				"dmemstat: %s is not a cgroup v2 directory (see --root)\n",
				o->root);
		close(rootfd);
		return EXIT_NODMEM;
	}
	/* The root's regions first, so that rows follow their order. */
	read_lines(s, rootfd, "dmem.capacity", set_capacity, NULL);
	read_lines(s, rootfd, "dmem.policy", set_policy, NULL);

	if (!*o->cgroup) {
		cgroup_walk(rootfd, "/", visit, s);
		close(rootfd);
		return EXIT_OK;
	}
	fd = cgroup_open(rootfd, o->cgroup);
	if (fd < 0) {
		fprintf(stderr, "dmemstat: no cgroup %s in %s: %s\n", o->cgroup,
			o->root, strerror(errno));
		ret = errno == EACCES ? EXIT_IO : EXIT_USAGE;
	} else if (!probe(fd, "dmem.current")) {
		fprintf(stderr,
			"dmemstat: the dmem controller is not enabled in cgroup %s: \"dmem\" is missing from its parent's cgroup.subtree_control\n",
			o->cgroup);
		ret = EXIT_NODMEM;
	} else {
		path = xrealloc(NULL, strlen(o->cgroup) + 2, 1);
		sprintf(path, "/%s", o->cgroup);
		cgroup_walk(fd, path, visit, s);
		free(path);
	}
	if (fd >= 0)
		close(fd);
	close(rootfd);
	return ret;
}

void snapshot_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nr_regions; i++) {
		free(s->regions[i].name);
		free(s->regions[i].policy);
	}
	for (i = 0; i < s->nr_cgroups; i++) {
		free(s->cgroups[i].path);
		free(s->cgroups[i].v);
	}
	free(s->regions);
	free(s->cgroups);
	memset(s, 0, sizeof(*s));
}

long long cgroup_val(const struct cgroup *cg, size_t region, int field)
{
	return region < cg->nr ? cg->v[region].f[field] : VAL_NONE;
}

long long cgroup_event(const struct cgroup *cg, size_t region, int event)
{
	return region < cg->nr ? cg->v[region].ev[event] : VAL_NONE;
}

long long cgroup_stat(const struct cgroup *cg, size_t region, int stat)
{
	return region < cg->nr ? cg->v[region].st[stat] : VAL_NONE;
}
