// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat --prometheus: the file parses with prometheus_client's parser
 * (Debian's python3-prometheus-client, run from the host's root under
 * chroot by prom_check.py), and every sample equals the cgroup file it
 * comes from; "max" is +Inf; the file is replaced atomically, leaving no
 * temporary file; bad uses fail with their exit code and message.
 *
 *	top		nothing set
 *	|- a		min 512K, low 1M, max 4M, pinned.max 1M; owner A:
 *	|		a 2M pin fails (pin_max), 1M pinned, 3M, then 2M more
 *	|		evicts the 3M (evict, 3M evicted_bytes)
 *	`- b		owner B, nothing allocated
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "run.h"
#include "sim_util.h"

#define DMEMSTAT	"/opt/dmem/bin/dmemstat"
#define PROM_CHECK	"/opt/dmem/lib/prom_check.py"

FIXTURE(prom) {
	struct sim_pair o;
	char dir[64];
	char file[96];
	struct run_result r;
};

static int set(const char *cg, const char *file, const char *region,
	       const char *val)
{
	char line[128];

	snprintf(line, sizeof(line), "%s %s", region, val);
	return cg_write(cg, file, line);
}

FIXTURE_SETUP(prom)
{
	struct sim_pair *o = &self->o;
	__u32 h;

	ASSERT_EQ(0, sim_pair_setup(o, "dmt_prom", NULL, "prom", 8 * MiB));
	ASSERT_EQ(0, set(o->a, "dmem.min", o->cg, "512K"));
	ASSERT_EQ(0, set(o->a, "dmem.low", o->cg, "1M"));
	ASSERT_EQ(0, set(o->a, "dmem.max", o->cg, "4M"));
	ASSERT_EQ(0, set(o->a, "dmem.pinned.max", o->cg, "1M"));
	ASSERT_EQ(-ENOMEM, sim_alloc(o->fa, o->name, 2 * MiB,
				     DMEM_SIM_ALLOC_PINNED, &h));
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, MiB, DMEM_SIM_ALLOC_PINNED, &h));
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, 3 * MiB, 0, &h));
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, 2 * MiB, 0, &h));
	snprintf(self->dir, sizeof(self->dir), "/tmp/dmt_prom.%d", getpid());
	snprintf(self->file, sizeof(self->file), "%s/dmem.prom", self->dir);
	ASSERT_EQ(0, mkdir(self->dir, 0755));
}

FIXTURE_TEARDOWN(prom)
{
	unlink(self->file);
	rmdir(self->dir);
	sim_pair_teardown(&self->o);
}

static int dmemstat6(struct run_result *r, const char *a1, const char *a2,
		     const char *a3, const char *a4, const char *a5,
		     const char *a6)
{
	const char *argv[8] = { DMEMSTAT, a1, a2, a3, a4, a5, a6, NULL };

	return run_prog(r, argv, false, NULL);
}

static int dmemstat(struct run_result *r, const char *a1, const char *a2,
		    const char *a3, const char *a4, const char *a5)
{
	const char *argv[7] = { DMEMSTAT, a1, a2, a3, a4, a5, NULL };

	return run_prog(r, argv, false, NULL);
}

/* prom_check.py on @file, with the host's python3. */
static int prom_check(struct run_result *r, const char *file)
{
	const char *argv[7] = {
		"/bin/busybox", "chroot", "/host", "/usr/bin/python3", "-",
		file, NULL,
	};

	return run_prog(r, argv, false, PROM_CHECK);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_LINES	64

struct expect {
	char *line[MAX_LINES];
	int nr;
};

static void add(struct expect *e, const char *name, const char *type,
		const char *cg, const char *region, long long v)
{
	char *s;

	if (e->nr == MAX_LINES)
		return;
	if (v == DMEM_MAX)
		asprintf(&s, "%s %s /%s %s +Inf\n", name, type, cg, region);
	else
		asprintf(&s, "%s %s /%s %s %lld\n", name, type, cg, region, v);
	e->line[e->nr++] = s;
}

/* What prom_check.py must print for cgroup @cg, from its files. */
static void expect_cgroup(struct expect *e, const char *cg, const char *region)
{
	static const char *const gauge[][2] = {
		{ "dmem_current_bytes", "dmem.current" },
		{ "dmem_pinned_bytes", "dmem.pinned.current" },
		{ "dmem_min_bytes", "dmem.min" },
		{ "dmem_low_bytes", "dmem.low" },
		{ "dmem_max_bytes", "dmem.max" },
		{ "dmem_pinned_max_bytes", "dmem.pinned.max" },
		{ "dmem_peak_bytes", "dmem.peak" },
	};
	static const char *const ev[] = {
		"low", "max", "pin_max", "evict", "revoke", "enomem",
	};
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gauge); i++)
		add(e, gauge[i][0], "gauge", cg, region,
		    cg_region_value(cg, gauge[i][1], region));
	for (i = 0; i < ARRAY_SIZE(ev); i++) {
		snprintf(name, sizeof(name), "dmem_events_%s_total", ev[i]);
		add(e, name, "counter", cg, region,
		    cg_region_key(cg, "dmem.events", region, ev[i]));
	}
	add(e, "dmem_evicted_bytes_total", "counter", cg, region,
	    cg_region_key(cg, "dmem.stat", region, "evicted_bytes"));
	add(e, "dmem_revoked_bytes_total", "counter", cg, region,
	    cg_region_key(cg, "dmem.stat", region, "revoked_bytes"));
}

/* The whole expected output of prom_check.py, sorted. */
static char *expected(struct sim_pair *o)
{
	struct expect e = { .nr = 0 };
	char *text, *cap;
	size_t len = 1;
	int i;

	asprintf(&cap, "dmem_capacity_bytes gauge - %s %lld\n", o->cg, 8 * MiB);
	e.line[e.nr++] = cap;
	expect_cgroup(&e, o->top, o->cg);
	expect_cgroup(&e, o->a, o->cg);
	expect_cgroup(&e, o->b, o->cg);
	qsort(e.line, e.nr, sizeof(e.line[0]), line_cmp);
	for (i = 0; i < e.nr; i++)
		len += strlen(e.line[i]);
	text = calloc(1, len);
	for (i = 0; i < e.nr; i++) {
		strcat(text, e.line[i]);
		free(e.line[i]);
	}
	return text;
}

/* python3 from the host's root over 9p: slow to start under TCG. */
#define PY_TIMEOUT	300

TEST_F_TIMEOUT(prom, values_equal_files, PY_TIMEOUT)
{
	char *want, line[320];

	ASSERT_EQ(0, dmemstat6(&self->r, "--prometheus", "--cgroup",
			       self->o.top, "--region", self->o.cg, self->file));
	ASSERT_EQ(0, self->r.status);
	EXPECT_STREQ("", self->r.out);
	EXPECT_STREQ("", self->r.err);
	ASSERT_EQ(0, prom_check(&self->r, self->file));
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("", self->r.err);
	want = expected(&self->o);
	EXPECT_STREQ(want, self->r.out);
	free(want);
	/* A few by value, not only by file: the limits and the eviction. */
	snprintf(line, sizeof(line), "dmem_max_bytes gauge /%s %s 4194304\n",
		 self->o.a, self->o.cg);
	EXPECT_NE(NULL, strstr(self->r.out, line));
	snprintf(line, sizeof(line), "dmem_max_bytes gauge /%s %s +Inf\n",
		 self->o.b, self->o.cg);
	EXPECT_NE(NULL, strstr(self->r.out, line));
	snprintf(line, sizeof(line), "dmem_evicted_bytes_total counter /%s %s 3145728\n",
		 self->o.a, self->o.cg);
	EXPECT_NE(NULL, strstr(self->r.out, line));
	snprintf(line, sizeof(line), "dmem_events_pin_max_total counter /%s %s 1\n",
		 self->o.a, self->o.cg);
	EXPECT_NE(NULL, strstr(self->r.out, line));
	snprintf(line, sizeof(line), "dmem_current_bytes gauge /%s %s 3145728\n",
		 self->o.a, self->o.cg);
	EXPECT_NE(NULL, strstr(self->r.out, line));
}

/* The entries of @dir but . and ..; -1 if it cannot be read. */
static int entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

TEST_F(prom, replaced_atomically)
{
	struct stat st1, st2;

	ASSERT_EQ(0, dmemstat(&self->r, "-P", "-c", self->o.top, self->file,
			      NULL));
	ASSERT_EQ(0, self->r.status);
	ASSERT_EQ(0, stat(self->file, &st1));
	EXPECT_EQ(0644, (int)(st1.st_mode & 07777));
	ASSERT_EQ(0, dmemstat(&self->r, "-P", "-c", self->o.top, self->file,
			      NULL));
	ASSERT_EQ(0, self->r.status);
	ASSERT_EQ(0, stat(self->file, &st2));
	/* A new file renamed over the old one, and nothing else left. */
	EXPECT_NE(st1.st_ino, st2.st_ino);
	EXPECT_EQ(1, entries(self->dir));
}

TEST_F_TIMEOUT(prom, bad_uses, PY_TIMEOUT)
{
	char path[128], msg[256];

	/* The parser can fail: a file that is not the format. */
	ASSERT_EQ(0, prom_check(&self->r, "/proc/self/status"));
	EXPECT_EQ(1, self->r.status);

	snprintf(path, sizeof(path), "%s/nodir/dmem.prom", self->dir);
	ASSERT_EQ(0, dmemstat(&self->r, "--prometheus", path, NULL, NULL,
			      NULL));
	EXPECT_EQ(3, self->r.status);
	snprintf(msg, sizeof(msg),
		 "dmemstat: creating a file beside %s: No such file or directory\n",
		 path);
	EXPECT_STREQ(msg, self->r.err);
	EXPECT_EQ(0, entries(self->dir));

	ASSERT_EQ(0, dmemstat(&self->r, "--prometheus", "--json", NULL, NULL,
			      NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("dmemstat: --prometheus and --json do not go together\n",
		     self->r.err);
	ASSERT_EQ(0, dmemstat(&self->r, "--prometheus", "a.prom", "b.prom",
			      NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_EQ(0, strncmp(self->r.err, "dmemstat: unexpected argument b.prom\n",
			     37));
}

TEST_HARNESS_MAIN
