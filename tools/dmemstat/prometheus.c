// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat --prometheus: the snapshot in the Prometheus text exposition
 * format, as node_exporter's textfile collector reads it: written to a
 * temporary file next to the target and renamed over it, so that a scrape
 * never sees half a file. Metric names and labels: docs/tools.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmemstat.h"

/* The gauges of the "<region> <value>" files, in field order. */
static const char *const gauge_name[NR_FIELDS][2] = {
	[F_CURRENT]	= { "dmem_current_bytes",
			    "Device memory of the cgroup and its descendants (dmem.current)." },
	[F_PINNED]	= { "dmem_pinned_bytes",
			    "Pinned memory of the cgroup and descendants (dmem.pinned.current)." },
	[F_MIN]		= { "dmem_min_bytes",
			    "Hard protection (dmem.min)." },
	[F_LOW]		= { "dmem_low_bytes",
			    "Best-effort protection (dmem.low)." },
	[F_MAX]		= { "dmem_max_bytes",
			    "Hard limit, +Inf for none (dmem.max)." },
	[F_PINNED_MAX]	= { "dmem_pinned_max_bytes",
			    "Limit of pinned memory, +Inf for none (dmem.pinned.max)." },
	[F_PEAK]	= { "dmem_peak_bytes",
			    "Highest dmem.current seen (dmem.peak)." },
};

static const char *const event_help[NR_EVENTS] = {
	[E_LOW]		= "Evictions below effective dmem.low (dmem.events low).",
	[E_MAX]		= "Allocations that failed at dmem.max (dmem.events max).",
	[E_PIN_MAX]	= "Pins failed at dmem.pinned.max (dmem.events pin_max).",
	[E_EVICT]	= "Buffers evicted (dmem.events evict).",
	[E_REVOKE]	= "Pinned buffers revoked (dmem.events revoke).",
	[E_ENOMEM]	= "Allocations failed with nothing to evict (dmem.events enomem).",
};

static const char *const stat_name[NR_STATS][2] = {
	[S_EVICTED]	= { "dmem_evicted_bytes_total",
			    "Bytes evicted since creation (dmem.stat evicted_bytes)." },
	[S_REVOKED]	= { "dmem_revoked_bytes_total",
			    "Bytes revoked since creation (dmem.stat revoked_bytes)." },
};

/* A label value with \, " and newline escaped. */
static void put_label(FILE *f, const char *name, const char *v)
{
	fprintf(f, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void put_sample(FILE *f, const char *name, const char *cgroup,
		       const char *region, long long v)
{
	fprintf(f, "%s{", name);
	put_label(f, "cgroup", cgroup);
	fputc(',', f);
	put_label(f, "region", region);
	if (v == VAL_MAX)
		fputs("} +Inf\n", f);
	else
		fprintf(f, "} %lld\n", v);
}

typedef long long (*value_fn)(const struct cgroup *cg, size_t region, int i);

/* One family: HELP, TYPE and a sample per cgroup and region that has it. */
static void put_family(FILE *f, const struct snapshot *s,
		       const struct options *o, const char *name,
		       const char *help, const char *type, value_fn fn, int i)
{
	size_t c, r;
	long long v;

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (c = 0; c < s->nr_cgroups; c++) {
		for (r = 0; r < s->nr_regions; r++) {
			if (o->region && strcmp(o->region, s->regions[r].name))
				continue;
			v = fn(&s->cgroups[c], r, i);
			if (v != VAL_NONE)
				put_sample(f, name, s->cgroups[c].path,
					   s->regions[r].name, v);
		}
	}
}

static void put_capacity(FILE *f, const struct snapshot *s,
			 const struct options *o)
{
	size_t r;

	fputs("# HELP dmem_capacity_bytes Size of the region (dmem.capacity).\n"
	      "# TYPE dmem_capacity_bytes gauge\n", f);
	for (r = 0; r < s->nr_regions; r++) {
		if (s->regions[r].capacity == VAL_NONE ||
		    (o->region && strcmp(o->region, s->regions[r].name)))
			continue;
		fputs("dmem_capacity_bytes{", f);
		put_label(f, "region", s->regions[r].name);
		fprintf(f, "} %lld\n", s->regions[r].capacity);
	}
}

static void put_all(FILE *f, const struct snapshot *s, const struct options *o)
{
	char name[64];
	int i;

	put_capacity(f, s, o);
	for (i = 0; i < NR_FIELDS; i++)
		put_family(f, s, o, gauge_name[i][0], gauge_name[i][1], "gauge",
			   cgroup_val, i);
	for (i = 0; i < NR_EVENTS; i++) {
		snprintf(name, sizeof(name), "dmem_events_%s_total",
			 event_key[i]);
		put_family(f, s, o, name, event_help[i], "counter",
			   cgroup_event, i);
	}
	for (i = 0; i < NR_STATS; i++)
		put_family(f, s, o, stat_name[i][0], stat_name[i][1], "counter",
			   cgroup_stat, i);
}

/* Writes to a temporary file beside @path, then renames it over @path. */
static int write_atomic(const struct snapshot *s, const struct options *o,
			const char *path)
{
	char *tmp = xrealloc(NULL, strlen(path) + 8, 1);
	bool ok = false;
	FILE *f;
	int fd;

	/* "x.prom.AbC123": the collector reads only names ending in .prom. */
	sprintf(tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "dmemstat: creating a file beside %s: %s\n",
			path, strerror(errno));
		free(tmp);
		return EXIT_IO;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
	} else {
		put_all(f, s, o);
		ok = !fchmod(fd, 0644) && !fflush(f) && !ferror(f) &&
		     !fsync(fd);
		/* fclose() reports a write error it meets only when ok. */
		ok = !fclose(f) && ok;
	}
	if (ok && !rename(tmp, path)) {
		free(tmp);
		return EXIT_OK;
	}
	fprintf(stderr, "dmemstat: writing %s: %s\n", path, strerror(errno));
	unlink(tmp);
	free(tmp);
	return EXIT_IO;
}

int prometheus_write(const struct snapshot *s, const struct options *o)
{
	if (o->prom_file && strcmp(o->prom_file, "-"))
		return write_atomic(s, o, o->prom_file);
	put_all(stdout, s, o);
	return EXIT_OK;
}
