// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat --processes: the rows of a /proc pass, largest resident first,
 * as an aligned table or as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmemstat.h"
#include "jsonout.h"

#define NR_TEXT		5	/* PID COMM CGROUP DEVICE REGION */
#define NR_PCOLS	(NR_TEXT + NR_PROC_VALS)
#define PCELL		32

static const char *const proc_head[NR_PCOLS] = {
	"PID", "COMM", "CGROUP", "DEVICE", "REGION",
	"TOTAL", "RESIDENT", "PINNED", "EVICTED", "REVOKED",
};

static const char *const proc_json[NR_PROC_VALS] = {
	[P_TOTAL]	= "total",
	[P_RESIDENT]	= "resident",
	[P_PINNED]	= "pinned",
	[P_EVICTED]	= "evicted",
	[P_REVOKED]	= "revoked",
};

/* Largest resident first; then by pid, device and region. */
static int proc_cmp(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;
	int ret;

	if (x->v[P_RESIDENT] != y->v[P_RESIDENT])
		return x->v[P_RESIDENT] > y->v[P_RESIDENT] ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	ret = strcmp(x->device, y->device);
	return ret ? ret : strcmp(x->region, y->region);
}

/* Drops the rows of regions other than --region; sorts the rest. */
static void procs_filter(struct proc_snapshot *ps, const struct options *o)
{
	size_t i, n = 0;

	for (i = 0; i < ps->nr; i++) {
		if (o->region && strcmp(o->region, ps->rows[i].region)) {
			free(ps->rows[i].cgroup);
			free(ps->rows[i].device);
			free(ps->rows[i].region);
			continue;
		}
		ps->rows[n++] = ps->rows[i];
	}
	ps->nr = n;
	qsort(ps->rows, ps->nr, sizeof(*ps->rows), proc_cmp);
}

static void proc_cells(const struct proc_row *r, const struct options *o,
		       char (*cell)[PCELL])
{
	int c;

	snprintf(cell[0], PCELL, "%d", r->pid);
	snprintf(cell[1], PCELL, "%s", r->comm);
	for (c = 0; c < NR_PROC_VALS; c++)
		format_size(cell[NR_TEXT + c], PCELL, r->v[c], o->bytes);
}

/* Text columns (COMM, CGROUP...) left-aligned, numbers right-aligned. */
static void proc_line(char (*cell)[PCELL], const char *const *text,
		      const size_t *width)
{
	int c;

	for (c = 0; c < NR_PCOLS; c++) {
		const char *s = c >= 2 && c < NR_TEXT ? text[c - 2] : cell[c];
		bool left = c >= 1 && c < NR_TEXT;

		printf("%s%*s", c ? "  " : "", left ? -(int)width[c] :
		       (int)width[c], s);
	}
	putchar('\n');
}

static void procs_table(const struct proc_snapshot *ps,
			const struct options *o)
{
	char (*cell)[NR_PCOLS][PCELL];
	size_t width[NR_PCOLS] = { 0 }, i;
	const char *text[3];
	int c;

	cell = xrealloc(NULL, ps->nr + 1, sizeof(*cell));
	for (c = 0; c < NR_PCOLS; c++) {
		snprintf(cell[0][c], PCELL, "%s", proc_head[c]);
		width[c] = strlen(proc_head[c]);
	}
	for (i = 0; i < ps->nr; i++) {
		proc_cells(&ps->rows[i], o, cell[i + 1]);
		text[0] = ps->rows[i].cgroup;
		text[1] = ps->rows[i].device;
		text[2] = ps->rows[i].region;
		for (c = 0; c < NR_PCOLS; c++) {
			size_t len = strlen(c >= 2 && c < NR_TEXT ?
					    text[c - 2] : cell[i + 1][c]);

			if (len > width[c])
				width[c] = len;
		}
	}
	proc_line(cell[0], &proc_head[2], width);
	for (i = 0; i < ps->nr; i++) {
		text[0] = ps->rows[i].cgroup;
		text[1] = ps->rows[i].device;
		text[2] = ps->rows[i].region;
		proc_line(cell[i + 1], text, width);
	}
	free(cell);
}

static struct json_object *procs_json_row(const struct proc_row *r)
{
	struct json_object *obj = json_object_new_object();
	int c;

	json_add_int(obj, "pid", r->pid);
	json_add_str(obj, "comm", r->comm);
	json_add_str(obj, "cgroup", r->cgroup);
	json_add_str(obj, "device", r->device);
	json_add_str(obj, "region", r->region);
	for (c = 0; c < NR_PROC_VALS; c++)
		json_object_object_add(obj, proc_json[c], r->v[c] == VAL_NONE ?
				       NULL : json_object_new_int64(r->v[c]));
	return obj;
}

void procs_print(struct proc_snapshot *ps, const struct options *o)
{
	struct json_object *doc, *arr;
	size_t i;

	procs_filter(ps, o);
	if (!o->json) {
		procs_table(ps, o);
		return;
	}
	doc = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < ps->nr; i++)
		json_object_array_add(arr, procs_json_row(&ps->rows[i]));
	json_object_object_add(doc, "processes", arr);
	json_add_uint(doc, "unreadable", ps->unreadable);
	json_write(stdout, doc, 2);
	json_object_put(doc);
}
