// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemtrace: output. Live event lines (-e) and the summary: event counts
 * per region, log2 histograms of eviction and revoke latency per region,
 * and the owners that lost the most bytes to evictions and revokes; as
 * text, or as JSON (one object per line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dmemtrace.h"

static const char *const lat_names[DT_NR_LAT] = {
	[DT_LAT_EVICT] = "evict_latency",
	[DT_LAT_REVOKE] = "revoke_latency",
};

/* --- formatting helpers -------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Powers of 1024 with one decimal, as dmemstat prints them. */
static const char *fmt_size(char *buf, size_t len, unsigned long long bytes)
{
	static const char units[] = "KMGTPE";
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu", bytes);
		return buf;
	}
	while ((v >= 1024 || (u >= 0 && v >= 1023.95)) && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

static const char *fmt_ns(char *buf, size_t len, unsigned long long ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

/* "tgid/comm", or "tgid" when the comm is unknown. */
static const char *fmt_task(char *buf, size_t len, int tgid, const char *comm)
{
	if (comm)
		snprintf(buf, len, "%d/%s", tgid, comm);
	else
		snprintf(buf, len, "%d", tgid);
	return buf;
}

static const char *cgroup_or_id(char *buf, size_t len, unsigned long long id)
{
	const char *path = dt_cgroup_path(id);

	if (path)
		return path;
	snprintf(buf, len, id ? "#%llu" : "-", id);
	return buf;
}

/* The histogram slot @i covers [lo, hi] microseconds. */
static void slot_range(int i, unsigned long long *lo, unsigned long long *hi)
{
	*lo = i ? 1ULL << (i - 1) : 0;
	*hi = i ? (1ULL << i) - 1 : 0;
}

/* --- live events (-e) ---------------------------------------------------- */

void dt_print_record_header(FILE *f, const struct dt_options *opt)
{
	if (!opt->live || opt->json)
		return;
	fprintf(f, "%-11s %-14s %-20s %-16s %-22s %8s %10s  %s\n", "TIME(s)",
		"EVENT", "REGION", "CGROUP", "OWNER", "BYTES", "LATENCY", "BY");
	fflush(f);
}

void dt_print_record(FILE *f, const struct dt_options *opt,
		     const struct dt_record *rec, unsigned long long start_ns,
		     int comms_fd)
{
	unsigned long long t = rec->time_ns > start_ns ? rec->time_ns - start_ns : 0;
	const char *event = rec->type < DT_NR_EVENTS ? dt_event_names[rec->type] : "?";
	char region[DT_REGION_LEN], by_comm[DT_COMM_LEN];
	char size[32], lat[32], owner[64], by[64], cg[32];
	const char *comm;

	memcpy(region, rec->region, sizeof(region));
	region[sizeof(region) - 1] = '\0';
	memcpy(by_comm, rec->by_comm, sizeof(by_comm));
	by_comm[sizeof(by_comm) - 1] = '\0';
	if (opt->region && strcmp(opt->region, region))
		return;
	comm = dt_comm(rec->tgid, comms_fd);

	if (opt->json) {
		fprintf(f, "{\"type\": \"event\", \"time_ns\": %llu, ", t);
		fprintf(f, "\"event\": \"%s\", \"region\": ", event);
		json_str(f, region);
		fprintf(f, ", \"cgroup_id\": %llu, \"cgroup\": ",
			(unsigned long long)rec->cgroup);
		json_str(f, dt_cgroup_path(rec->cgroup));
		fprintf(f, ", \"tgid\": %d, \"comm\": ", rec->tgid);
		json_str(f, comm);
		fprintf(f, ", \"bytes\": %llu, \"latency_ns\": ",
			(unsigned long long)rec->bytes);
		if (rec->flags & DT_F_LATENCY)
			fprintf(f, "%llu", (unsigned long long)rec->latency_ns);
		else
			fputs("null", f);
		if (rec->type == DT_REVOKE_DONE)
			fprintf(f, ", \"ret\": %d", rec->ret);
		fprintf(f, ", \"by_tgid\": %d, \"by_comm\": ", rec->by_tgid);
		json_str(f, by_comm);
		fputs("}\n", f);
	} else {
		if (rec->flags & DT_F_LATENCY)
			fmt_ns(lat, sizeof(lat), rec->latency_ns);
		else
			snprintf(lat, sizeof(lat), "-");
		fprintf(f, "%5llu.%06llu %-14s %-20s %-16s %-22s %8s %10s  %s",
			t / 1000000000, t % 1000000000 / 1000, event, region,
			cgroup_or_id(cg, sizeof(cg), rec->cgroup),
			fmt_task(owner, sizeof(owner), rec->tgid, comm),
			fmt_size(size, sizeof(size), rec->bytes), lat,
			fmt_task(by, sizeof(by), rec->by_tgid, by_comm));
		if (rec->type == DT_REVOKE_DONE && rec->ret)
			fprintf(f, "  ret=%d", rec->ret);
		fputc('\n', f);
	}
	fflush(f);
}

/* --- the summary --------------------------------------------------------- */

struct region {
	struct dt_region_key key;
	struct dt_region_stats st;
};

struct owner {
	struct dt_owner_key key;
	struct dt_owner_stats st;
};

static int region_cmp(const void *a, const void *b)
{
	return strcmp(((const struct region *)a)->key.name,
		      ((const struct region *)b)->key.name);
}

static int owner_cmp_evicted(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->st.evicted_bytes != y->st.evicted_bytes)
		return x->st.evicted_bytes < y->st.evicted_bytes ? 1 : -1;
	if (x->st.revoked_bytes != y->st.revoked_bytes)
		return x->st.revoked_bytes < y->st.revoked_bytes ? 1 : -1;
	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	return strcmp(x->key.region, y->key.region);
}

static int owner_cmp_revoked(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->st.revoked_bytes != y->st.revoked_bytes)
		return x->st.revoked_bytes < y->st.revoked_bytes ? 1 : -1;
	return owner_cmp_evicted(a, b);
}

/* Reads every entry of a hash map into an array; their number. */
static size_t read_map(int fd, void **out, size_t key_size, size_t value_size)
{
	size_t nr = 0, alloc = 0, elem = key_size + value_size;
	char key[256], next[256];
	char *v = NULL, *p;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			p = realloc(v, alloc * elem);
			if (!p)
				break;
			v = p;
		}
		p = v + nr * elem;
		memcpy(p, next, key_size);
		if (!bpf_map_lookup_elem(fd, next, p + key_size))
			nr++;
		memcpy(key, next, key_size);
		prev = key;
	}
	*out = v;
	return nr;
}

static void print_hist_text(FILE *f, const struct dt_hist *h)
{
	unsigned long long lo, hi, max = 0;
	int i, first = -1, last = -1, stars;
	char range[48];

	for (i = 0; i < DT_HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	if (first < 0)
		return;
	fprintf(f, "%24s : %-8s %s\n", "usecs", "count", "distribution");
	for (i = first; i <= last; i++) {
		slot_range(i, &lo, &hi);
		snprintf(range, sizeof(range), "%llu -> %llu", lo, hi);
		stars = h->slots[i] * 40 / max;
		fprintf(f, "%24s : %-8llu |%-40.*s|\n", range,
			(unsigned long long)h->slots[i], stars,
			"****************************************");
	}
}

static void print_latency_text(FILE *f, const struct dt_summary *sum,
			       const struct region *r, int lat)
{
	const struct dt_hist *h = &r->st.lat[lat];
	char avg[32], max[32];

	if (lat == DT_LAT_EVICT) {
		fprintf(f, "\n%s: eviction latency (%s)", r->key.name,
			"dmem_evict_one() to dmem:dmem_evict");
		if (!sum->evict_latency) {
			fputs(": not measured, the kprobe could not be attached\n", f);
			return;
		}
	} else {
		fprintf(f, "\n%s: revoke latency (%s)", r->key.name,
			"dmem:dmem_revoke_start to dmem:dmem_revoke_done");
	}
	if (!h->count) {
		fprintf(f, ": no %s\n", lat == DT_LAT_EVICT ? "evictions" : "revokes");
		return;
	}
	fprintf(f, "\n  %llu %s%s, avg %s, max %s\n", (unsigned long long)h->count,
		lat == DT_LAT_EVICT ? "eviction" : "revoke", h->count == 1 ? "" : "s",
		fmt_ns(avg, sizeof(avg), h->sum_ns / h->count),
		fmt_ns(max, sizeof(max), h->max_ns));
	print_hist_text(f, h);
}

static void print_owners_text(FILE *f, const struct dt_options *opt,
			      struct owner *o, size_t nr, bool revoked,
			      int comms_fd)
{
	char size[32], cg[32];
	const char *comm;
	size_t i, shown = 0;

	if (nr)
		qsort(o, nr, sizeof(*o),
		      revoked ? owner_cmp_revoked : owner_cmp_evicted);
	fprintf(f, "\nTop owners by %s bytes\n", revoked ? "revoked" : "evicted");
	fprintf(f, "%-20s %-16s %8s %-16s %10s %9s\n", "REGION", "CGROUP",
		"TGID", "COMM", revoked ? "REVOKED" : "EVICTED",
		revoked ? "REVOKES" : "EVICTIONS");
	for (i = 0; i < nr; i++) {
		unsigned long long bytes = revoked ? o[i].st.revoked_bytes :
						     o[i].st.evicted_bytes;
		unsigned long long count = revoked ? o[i].st.revokes :
						     o[i].st.evictions;

		if (!bytes || (opt->top && shown >= (size_t)opt->top))
			continue;
		comm = dt_comm(o[i].key.tgid, comms_fd);
		fprintf(f, "%-20s %-16s %8d %-16s %10s %9llu\n", o[i].key.region,
			cgroup_or_id(cg, sizeof(cg), o[i].key.cgroup),
			o[i].key.tgid, comm ? comm : "-",
			fmt_size(size, sizeof(size), bytes), count);
		shown++;
	}
	if (!shown)
		fputs("(none)\n", f);
}

static void print_text(FILE *f, const struct dt_options *opt,
		       const struct dt_summary *sum, struct region *r,
		       size_t nr_r, struct owner *o, size_t nr_o)
{
	size_t i;
	int e;

	fprintf(f, "%sdmemtrace: %llu.%03llu s, %zu region%s\n\n",
		opt->live ? "\n" : "", sum->duration_ms / 1000,
		sum->duration_ms % 1000, nr_r, nr_r == 1 ? "" : "s");
	fprintf(f, "%-20s", "EVENTS");
	for (e = 0; e < DT_NR_EVENTS; e++)
		fprintf(f, " %*s", (int)strlen(dt_event_names[e]) > 6 ?
			(int)strlen(dt_event_names[e]) : 6, dt_event_names[e]);
	fputc('\n', f);
	for (i = 0; i < nr_r; i++) {
		fprintf(f, "%-20s", r[i].key.name);
		for (e = 0; e < DT_NR_EVENTS; e++)
			fprintf(f, " %*llu", (int)strlen(dt_event_names[e]) > 6 ?
				(int)strlen(dt_event_names[e]) : 6,
				(unsigned long long)r[i].st.count[e]);
		fputc('\n', f);
	}
	if (!nr_r)
		fputs("(no dmem events)\n", f);
	for (i = 0; i < nr_r; i++) {
		print_latency_text(f, sum, &r[i], DT_LAT_EVICT);
		print_latency_text(f, sum, &r[i], DT_LAT_REVOKE);
		if (r[i].st.revoke_failed)
			fprintf(f, "  %llu revokes failed (the evict op returned an error)\n",
				(unsigned long long)r[i].st.revoke_failed);
	}
	print_owners_text(f, opt, o, nr_o, false, sum->comms_fd);
	print_owners_text(f, opt, o, nr_o, true, sum->comms_fd);
	if (sum->stats[DT_STAT_RB_LOST])
		fprintf(f, "\n%llu events were not printed: the ring buffer was full\n",
			sum->stats[DT_STAT_RB_LOST]);
	if (sum->stats[DT_STAT_MAP_FULL])
		fprintf(f, "\n%llu events were not counted: a map was full\n",
			sum->stats[DT_STAT_MAP_FULL]);
	if (sum->evict_latency && sum->stats[DT_STAT_EVICT_UNPAIRED])
		fprintf(f, "\n%llu evictions had no start time (began before the trace)\n",
			sum->stats[DT_STAT_EVICT_UNPAIRED]);
}

static void print_json(FILE *f, const struct dt_summary *sum,
		       struct region *r, size_t nr_r, struct owner *o,
		       size_t nr_o)
{
	unsigned long long lo, hi;
	const struct dt_hist *h;
	size_t i;
	int e, l, s;
	bool first;

	fprintf(f, "{\"type\": \"summary\", \"duration_ms\": %llu, ",
		sum->duration_ms);
	fprintf(f, "\"evict_latency_source\": %s, \"regions\": [",
		sum->evict_latency ? "\"kprobe:dmem_evict_one\"" : "null");
	for (i = 0; i < nr_r; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_str(f, r[i].key.name);
		fputs(", \"events\": {", f);
		for (e = 0; e < DT_NR_EVENTS; e++)
			fprintf(f, "%s\"%s\": %llu", e ? ", " : "", dt_event_names[e],
				(unsigned long long)r[i].st.count[e]);
		fputs("}, \"bytes\": {", f);
		for (e = 0; e < DT_NR_EVENTS; e++)
			fprintf(f, "%s\"%s\": %llu", e ? ", " : "", dt_event_names[e],
				(unsigned long long)r[i].st.bytes[e]);
		fprintf(f, "}, \"revoke_failed\": %llu",
			(unsigned long long)r[i].st.revoke_failed);
		for (l = 0; l < DT_NR_LAT; l++) {
			h = &r[i].st.lat[l];
			fprintf(f, ", \"%s\": ", lat_names[l]);
			if (l == DT_LAT_EVICT && !sum->evict_latency) {
				fputs("null", f);
				continue;
			}
			fprintf(f, "{\"count\": %llu, \"sum_ns\": %llu, ",
				(unsigned long long)h->count,
				(unsigned long long)h->sum_ns);
			fprintf(f, "\"max_ns\": %llu, \"hist\": [",
				(unsigned long long)h->max_ns);
			first = true;
			for (s = 0; s < DT_HIST_SLOTS; s++) {
				if (!h->slots[s])
					continue;
				slot_range(s, &lo, &hi);
				fprintf(f, "%s{\"lo_us\": %llu, \"hi_us\": %llu, \"count\": %llu}",
					first ? "" : ", ", lo, hi,
					(unsigned long long)h->slots[s]);
				first = false;
			}
			fputs("]}", f);
		}
		fputc('}', f);
	}
	fputs("], \"owners\": [", f);
	if (nr_o)
		qsort(o, nr_o, sizeof(*o), owner_cmp_evicted);
	for (i = 0; i < nr_o; i++) {
		fprintf(f, "%s{\"region\": ", i ? ", " : "");
		json_str(f, o[i].key.region);
		fprintf(f, ", \"cgroup_id\": %llu, \"cgroup\": ",
			(unsigned long long)o[i].key.cgroup);
		json_str(f, dt_cgroup_path(o[i].key.cgroup));
		fprintf(f, ", \"tgid\": %d, \"comm\": ", o[i].key.tgid);
		json_str(f, dt_comm(o[i].key.tgid, sum->comms_fd));
		fprintf(f, ", \"evicted_bytes\": %llu, \"evictions\": %llu",
			(unsigned long long)o[i].st.evicted_bytes,
			(unsigned long long)o[i].st.evictions);
		fprintf(f, ", \"revoked_bytes\": %llu, \"revokes\": %llu}",
			(unsigned long long)o[i].st.revoked_bytes,
			(unsigned long long)o[i].st.revokes);
	}
	fprintf(f, "], \"lost\": %llu, \"map_full\": %llu, \"evict_unpaired\": %llu}\n",
		sum->stats[DT_STAT_RB_LOST], sum->stats[DT_STAT_MAP_FULL],
		sum->stats[DT_STAT_EVICT_UNPAIRED]);
}

void dt_print_summary(FILE *f, const struct dt_options *opt,
		      const struct dt_summary *sum)
{
	struct region *r;
	struct owner *o;
	size_t nr_r, nr_o, i, j;

	nr_r = read_map(sum->regions_fd, (void **)&r, sizeof(r->key), sizeof(r->st));
	nr_o = read_map(sum->owners_fd, (void **)&o, sizeof(o->key), sizeof(o->st));
	for (i = 0; i < nr_r; i++)
		r[i].key.name[DT_REGION_LEN - 1] = '\0';
	for (i = 0; i < nr_o; i++)
		o[i].key.region[DT_REGION_LEN - 1] = '\0';
	if (opt->region) {
		for (i = j = 0; i < nr_r; i++)
			if (!strcmp(r[i].key.name, opt->region))
				r[j++] = r[i];
		nr_r = j;
		for (i = j = 0; i < nr_o; i++)
			if (!strcmp(o[i].key.region, opt->region))
				o[j++] = o[i];
		nr_o = j;
	}
	if (nr_r)
		qsort(r, nr_r, sizeof(*r), region_cmp);

	if (opt->json)
		print_json(f, sum, r, nr_r, o, nr_o);
	else
		print_text(f, opt, sum, r, nr_r, o, nr_o);
	fflush(f);
	free(r);
	free(o);
}
