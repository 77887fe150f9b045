// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat: the rows of a snapshot, sorted by usage, as an aligned table or
 * as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmemstat.h"
#include "jsonout.h"
#include "size.h"

const char *const field_json[NR_FIELDS] = {
	[F_CURRENT]	= "current",
	[F_PINNED]	= "pinned",
	[F_MIN]		= "min",
	[F_LOW]		= "low",
	[F_MAX]		= "max",
	[F_PINNED_MAX]	= "pinned_max",
	[F_PEAK]	= "peak",
};

static const char *const field_head[NR_FIELDS] = {
	[F_CURRENT]	= "CURRENT",
	[F_PINNED]	= "PINNED",
	[F_MIN]		= "MIN",
	[F_LOW]		= "LOW",
	[F_MAX]		= "MAX",
	[F_PINNED_MAX]	= "PIN.MAX",
	[F_PEAK]	= "PEAK",
};

#define COL_PATH	0
#define COL_REGION	1
#define COL_FIELD	2
#define COL_EVENT	(COL_FIELD + NR_FIELDS)
#define NR_COLS		(COL_EVENT + NR_EVENTS)
#define CELL		32

static const char *events_title = "events (dmem.events: subtree totals)";

/* Largest usage first; unreadable last; then by path, then region order. */
static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	long long cx = cgroup_val(x->cg, x->region, F_CURRENT);
	long long cy = cgroup_val(y->cg, y->region, F_CURRENT);
	int ret;

	if (cx != cy)
		return cx > cy ? -1 : 1;
	ret = strcmp(x->cg->path, y->cg->path);
	if (ret)
		return ret;
	return x->region < y->region ? -1 : x->region > y->region;
}

static bool region_shown(const struct snapshot *s, const struct options *o,
			 size_t i)
{
	return !o->region || !strcmp(o->region, s->regions[i].name);
}

struct row *make_rows(const struct snapshot *s, const struct options *o,
		      size_t *nr)
{
	struct row *rows;
	size_t i, r, n = 0;

	rows = xrealloc(NULL, s->nr_cgroups * s->nr_regions, sizeof(*rows));
	for (i = 0; i < s->nr_cgroups; i++) {
		for (r = 0; r < s->nr_regions; r++) {
			if (!region_shown(s, o, r))
				continue;
			rows[n].cg = &s->cgroups[i];
			rows[n].region = r;
			n++;
		}
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	*nr = n;
	return rows;
}

/* A size cell: size_str(), or exact with @bytes; "-" and "max" too. */
void format_size(char *buf, size_t len, long long v, bool bytes)
{
	if (v == VAL_NONE)
		snprintf(buf, len, "-");
	else if (v == VAL_MAX)
		snprintf(buf, len, "max");
	else if (bytes)
		snprintf(buf, len, "%lld", v);
	else
		size_str(buf, len, v);
}

static void format_count(char *buf, size_t len, long long v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
}

static void print_regions(const struct snapshot *s, const struct options *o)
{
	char cap[CELL];
	size_t i, w = 0;

	for (i = 0; i < s->nr_regions; i++)
		if (region_shown(s, o, i) && strlen(s->regions[i].name) > w)
			w = strlen(s->regions[i].name);
	for (i = 0; i < s->nr_regions; i++) {
		if (!region_shown(s, o, i))
			continue;
		format_size(cap, sizeof(cap), s->regions[i].capacity, o->bytes);
		printf("region %-*s  capacity %s", (int)w, s->regions[i].name, cap);
		if (s->regions[i].policy)
			printf("  policy %s", s->regions[i].policy);
		putchar('\n');
	}
}

static void print_line(const char *path, const char *region,
		       char (*cell)[CELL], const size_t *width)
{
	int c;

	printf("%-*s  %-*s", (int)width[COL_PATH], path,
	       (int)width[COL_REGION], region);
	for (c = COL_FIELD; c < NR_COLS; c++)
		printf("  %*s", (int)width[c], cell[c]);
	putchar('\n');
}

void print_table(const struct snapshot *s, const struct options *o,
		 const struct row *rows, size_t nr)
{
	char (*cell)[NR_COLS][CELL];
	size_t width[NR_COLS], i, pad, span;
	const struct row *r;
	int c;

	print_regions(s, o);
	putchar('\n');

	/*
	 * Row 0 is the header. Paths and region names are not copied into
	 * cells: they are printed whole from the rows.
	 */
	cell = xrealloc(NULL, nr + 1, sizeof(*cell));
	for (c = 0; c < NR_FIELDS; c++)
		snprintf(cell[0][COL_FIELD + c], CELL, "%s", field_head[c]);
	for (c = 0; c < NR_EVENTS; c++)
		snprintf(cell[0][COL_EVENT + c], CELL, "%s", event_key[c]);
	width[COL_PATH] = strlen("CGROUP");
	width[COL_REGION] = strlen("REGION");
	for (i = 0; i < nr; i++) {
		r = &rows[i];
		if (strlen(r->cg->path) > width[COL_PATH])
			width[COL_PATH] = strlen(r->cg->path);
		if (strlen(s->regions[r->region].name) > width[COL_REGION])
			width[COL_REGION] = strlen(s->regions[r->region].name);
		for (c = 0; c < NR_FIELDS; c++)
			format_size(cell[i + 1][COL_FIELD + c], CELL,
				    cgroup_val(r->cg, r->region, c), o->bytes);
		for (c = 0; c < NR_EVENTS; c++)
			format_count(cell[i + 1][COL_EVENT + c], CELL,
				     cgroup_event(r->cg, r->region, c));
	}
	for (c = COL_FIELD; c < NR_COLS; c++) {
		width[c] = 0;
		for (i = 0; i <= nr; i++)
			if (strlen(cell[i][c]) > width[c])
				width[c] = strlen(cell[i][c]);
	}

	/* The title of the event columns, right-aligned over them. */
	pad = width[COL_PATH];
	for (c = COL_REGION; c < COL_EVENT; c++)
		pad += 2 + width[c];
	span = 0;
	for (c = COL_EVENT; c < NR_COLS; c++)
		span += 2 + width[c];
	if (span > strlen(events_title))
		pad += span - strlen(events_title);
	printf("%*s%s\n", (int)pad, "", events_title);

	print_line("CGROUP", "REGION", cell[0], width);
	for (i = 0; i < nr; i++)
		print_line(rows[i].cg->path, s->regions[rows[i].region].name,
			   cell[i + 1], width);
	free(cell);
}

/* An integer, "max", or null for VAL_NONE. */
static struct json_object *json_value(long long v)
{
	if (v == VAL_NONE)
		return NULL;
	if (v == VAL_MAX)
		return json_object_new_string("max");
	return json_object_new_int64(v);
}

/* "soft timeout_ms=1000": the mode and the timeout as separate members. */
static void json_policy(struct json_object *obj, const char *policy)
{
	long long timeout = VAL_NONE;
	const char *mode = NULL;
	char *copy, *tok, *save;

	copy = xstrdup(policy ? policy : "");
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "timeout_ms=", strlen("timeout_ms=")))
			timeout = strtoll(tok + strlen("timeout_ms="), NULL, 10);
		else if (!strchr(tok, '='))
			mode = tok;
	}
	json_add_str(obj, "policy", mode);
	json_object_object_add(obj, "timeout_ms", json_value(timeout));
	free(copy);
}

static struct json_object *json_region(const struct region *r)
{
	struct json_object *obj = json_object_new_object();

	json_add_str(obj, "name", r->name);
	json_object_object_add(obj, "capacity", json_value(r->capacity));
	json_policy(obj, r->policy);
	return obj;
}

static struct json_object *json_row(const struct row *r,
				    const struct snapshot *s)
{
	struct json_object *obj = json_object_new_object(), *ev = NULL;
	int c;

	json_add_str(obj, "cgroup", r->cg->path);
	json_add_str(obj, "region", s->regions[r->region].name);
	for (c = 0; c < NR_FIELDS; c++)
		json_object_object_add(obj, field_json[c],
				       json_value(cgroup_val(r->cg, r->region, c)));
	for (c = 0; c < NR_EVENTS; c++) {
		if (cgroup_event(r->cg, r->region, c) != VAL_NONE) {
			ev = json_object_new_object();
			break;
		}
	}
	for (c = 0; ev && c < NR_EVENTS; c++)
		json_object_object_add(ev, event_key[c],
				       json_value(cgroup_event(r->cg, r->region, c)));
	json_object_object_add(obj, "events", ev);
	return obj;
}

/*
 * One document: the outer object and its arrays one entry a line, each
 * region and row on one line (docs/tools.md).
 */
void print_json(const struct snapshot *s, const struct options *o,
		const struct row *rows, size_t nr)
{
	struct json_object *doc = json_object_new_object(), *arr;
	char *subtree;
	size_t i;

	json_add_str(doc, "root", o->root);
	/* The subtree shown, as "/" or "/a/b". */
	subtree = xrealloc(NULL, strlen(o->cgroup) + 2, 1);
	sprintf(subtree, "/%s", o->cgroup);
	json_add_str(doc, "cgroup", subtree);
	free(subtree);
	arr = json_object_new_array();
	for (i = 0; i < s->nr_regions; i++)
		if (region_shown(s, o, i))
			json_object_array_add(arr, json_region(&s->regions[i]));
	json_object_object_add(doc, "regions", arr);
	arr = json_object_new_array();
	for (i = 0; i < nr; i++)
		json_object_array_add(arr, json_row(&rows[i], s));
	json_object_object_add(doc, "rows", arr);
	json_write(stdout, doc, 2);
	json_object_put(doc);
}
