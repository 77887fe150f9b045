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
#include "jsonout.h"
#include "size.h"

static const char *const lat_names[DT_NR_LAT] = {
	[DT_LAT_EVICT] = "evict_latency",
	[DT_LAT_REVOKE] = "revoke_latency",
};

/* --- formatting helpers -------------------------------------------------- */

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

/* A -e record, its strings cut to their arrays' size. */
struct record {
	const struct dt_record *rec;
	unsigned long long t;	/* ns since the start */
	const char *event;
	const char *comm;	/* the owner's, or NULL */
	char region[DT_REGION_LEN];
	char by_comm[DT_COMM_LEN];
};

static void print_record_json(FILE *f, const struct record *r)
{
	struct json_object *obj = json_object_new_object();
	const struct dt_record *rec = r->rec;

	json_add_str(obj, "type", "event");
	json_add_uint(obj, "time_ns", r->t);
	json_add_str(obj, "event", r->event);
	json_add_str(obj, "region", r->region);
	json_add_uint(obj, "cgroup_id", rec->cgroup);
	json_add_str(obj, "cgroup", dt_cgroup_path(rec->cgroup));
	json_add_int(obj, "tgid", rec->tgid);
	json_add_str(obj, "comm", r->comm);
	json_add_uint(obj, "bytes", rec->bytes);
	if (rec->flags & DT_F_LATENCY)
		json_add_uint(obj, "latency_ns", rec->latency_ns);
	else
		json_object_object_add(obj, "latency_ns", NULL);
	if (rec->type == DT_REVOKE_DONE)
		json_add_int(obj, "ret", rec->ret);
	json_add_int(obj, "by_tgid", rec->by_tgid);
	json_add_str(obj, "by_comm", r->by_comm);
	json_write(f, obj, 0);
	json_object_put(obj);
}

static void print_record_text(FILE *f, const struct record *r)
{
	char size[SIZE_STR_LEN], lat[32], owner[64], by[64], cg[32];
	const struct dt_record *rec = r->rec;

	if (rec->flags & DT_F_LATENCY)
		fmt_ns(lat, sizeof(lat), rec->latency_ns);
	else
		snprintf(lat, sizeof(lat), "-");
	fprintf(f, "%5llu.%06llu %-14s %-20s %-16s %-22s %8s %10s  %s",
		r->t / 1000000000, r->t % 1000000000 / 1000, r->event,
		r->region, cgroup_or_id(cg, sizeof(cg), rec->cgroup),
		fmt_task(owner, sizeof(owner), rec->tgid, r->comm),
		size_str(size, sizeof(size), rec->bytes), lat,
		fmt_task(by, sizeof(by), rec->by_tgid, r->by_comm));
	if (rec->type == DT_REVOKE_DONE && rec->ret)
		fprintf(f, "  ret=%d", rec->ret);
	fputc('\n', f);
}

void dt_print_record(FILE *f, const struct dt_options *opt,
		     const struct dt_record *rec, unsigned long long start_ns,
		     int comms_fd)
{
	struct record r = {
		.rec = rec,
		.t = rec->time_ns > start_ns ? rec->time_ns - start_ns : 0,
		.event = rec->type < DT_NR_EVENTS ?
			 dt_event_names[rec->type] : "?",
	};

	memcpy(r.region, rec->region, sizeof(r.region));
	r.region[sizeof(r.region) - 1] = '\0';
	memcpy(r.by_comm, rec->by_comm, sizeof(r.by_comm));
	r.by_comm[sizeof(r.by_comm) - 1] = '\0';
	if (opt->region && strcmp(opt->region, r.region))
		return;
	r.comm = dt_comm(rec->tgid, comms_fd);
	if (opt->json)
		print_record_json(f, &r);
	else
		print_record_text(f, &r);
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
	char size[SIZE_STR_LEN], cg[32];
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
			size_str(size, sizeof(size), bytes), count);
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
		fprintf(f, "\n%llu evictions had no start time (began before the trace, or made\n"
			"by TTM, whose evictions do not pass dmem_evict_one())\n",
			sum->stats[DT_STAT_EVICT_UNPAIRED]);
}

/* {"charge": N, "uncharge": N, ...}: a count or bytes per event. */
static struct json_object *json_per_event(const __u64 *v)
{
	struct json_object *obj = json_object_new_object();
	int e;

	for (e = 0; e < DT_NR_EVENTS; e++)
		json_add_uint(obj, dt_event_names[e], v[e]);
	return obj;
}

/* A latency: count, sum, max and the non-empty slots. */
static struct json_object *json_latency(const struct dt_hist *h)
{
	struct json_object *obj = json_object_new_object(), *arr, *slot;
	unsigned long long lo, hi;
	int s;

	json_add_uint(obj, "count", h->count);
	json_add_uint(obj, "sum_ns", h->sum_ns);
	json_add_uint(obj, "max_ns", h->max_ns);
	arr = json_object_new_array();
	for (s = 0; s < DT_HIST_SLOTS; s++) {
		if (!h->slots[s])
			continue;
		slot_range(s, &lo, &hi);
		slot = json_object_new_object();
		json_add_uint(slot, "lo_us", lo);
		json_add_uint(slot, "hi_us", hi);
		json_add_uint(slot, "count", h->slots[s]);
		json_object_array_add(arr, slot);
	}
	json_object_object_add(obj, "hist", arr);
	return obj;
}

static struct json_object *json_region(const struct dt_summary *sum,
				       const struct region *r)
{
	struct json_object *obj = json_object_new_object();
	int l;

	json_add_str(obj, "name", r->key.name);
	json_object_object_add(obj, "events", json_per_event(r->st.count));
	json_object_object_add(obj, "bytes", json_per_event(r->st.bytes));
	json_add_uint(obj, "revoke_failed", r->st.revoke_failed);
	for (l = 0; l < DT_NR_LAT; l++)
		json_object_object_add(obj, lat_names[l],
				       l == DT_LAT_EVICT && !sum->evict_latency ?
				       NULL : json_latency(&r->st.lat[l]));
	return obj;
}

static struct json_object *json_owner(const struct dt_summary *sum,
				      const struct owner *o)
{
	struct json_object *obj = json_object_new_object();

	json_add_str(obj, "region", o->key.region);
	json_add_uint(obj, "cgroup_id", o->key.cgroup);
	json_add_str(obj, "cgroup", dt_cgroup_path(o->key.cgroup));
	json_add_int(obj, "tgid", o->key.tgid);
	json_add_str(obj, "comm", dt_comm(o->key.tgid, sum->comms_fd));
	json_add_uint(obj, "evicted_bytes", o->st.evicted_bytes);
	json_add_uint(obj, "evictions", o->st.evictions);
	json_add_uint(obj, "revoked_bytes", o->st.revoked_bytes);
	json_add_uint(obj, "revokes", o->st.revokes);
	return obj;
}

/* The summary on one line, owners by evicted bytes. */
static void print_json(FILE *f, const struct dt_summary *sum,
		       struct region *r, size_t nr_r, struct owner *o,
		       size_t nr_o)
{
	struct json_object *doc = json_object_new_object(), *arr;
	size_t i;

	json_add_str(doc, "type", "summary");
	json_add_uint(doc, "duration_ms", sum->duration_ms);
	json_add_str(doc, "evict_latency_source",
		     sum->evict_latency ? "kprobe:" EVICT_START_FUNC : NULL);
	arr = json_object_new_array();
	for (i = 0; i < nr_r; i++)
		json_object_array_add(arr, json_region(sum, &r[i]));
	json_object_object_add(doc, "regions", arr);
	if (nr_o)
		qsort(o, nr_o, sizeof(*o), owner_cmp_evicted);
	arr = json_object_new_array();
	for (i = 0; i < nr_o; i++)
		json_object_array_add(arr, json_owner(sum, &o[i]));
	json_object_object_add(doc, "owners", arr);
	json_add_uint(doc, "lost", sum->stats[DT_STAT_RB_LOST]);
	json_add_uint(doc, "map_full", sum->stats[DT_STAT_MAP_FULL]);
	json_add_uint(doc, "evict_unpaired",
		      sum->stats[DT_STAT_EVICT_UNPAIRED]);
	json_write(f, doc, 0);
	json_object_put(doc);
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
