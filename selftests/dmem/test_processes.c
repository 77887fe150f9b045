// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat --processes against fdinfo: the scenario of test_fdinfo.c, with
 * A's file held by a process in cgroup a and B's by one in cgroup b, both
 * running as nobody, and the test (root, in its own cgroup) holding both.
 * As root, dmemstat shows the three processes with the owners' figures to
 * the byte, in JSON and in the table; as nobody, only nobody's two; the
 * --cgroup and --region filters; bad options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "fdinfo_util.h"
#include "json.h"
#include "run.h"
#include "sim_util.h"

#define DMEMSTAT	"/opt/dmem/bin/dmemstat"

FIXTURE(procs) {
	struct sim_pair o;
	pid_t ha, hb;		/* the holders of A's and B's files */
	int release;		/* closing it ends the holders */
	struct run_result r;
};

/*
 * A holder: enters @cg, becomes nobody, keeps @keep, says it is ready on
 * @p[1] and waits for EOF on @p[2] (@p[0] and @p[3], the other ends, are
 * the test's).
 */
static pid_t holder(struct sim_pair *o, const char *cg, int keep,
		    const int *p)
{
	pid_t pid = fork();
	int ready = p[1], wait = p[2];
	char c = 1;

	if (pid)
		return pid;
	close(p[0]);
	close(p[3]);
	close(keep == o->fa ? o->fb : o->fa);
	if (cg_enter(cg) || drop_to_nobody() ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		_exit(1);
	if (write(ready, &c, 1) != 1)
		_exit(1);
	while (read(wait, &c, 1) > 0)
		;
	_exit(0);
}

FIXTURE_SETUP(procs)
{
	int p[4];	/* ready: p[0] <- p[1]; release: p[2] <- p[3] */
	char c[2];

	self->ha = -1;
	self->hb = -1;
	self->release = -1;
	ASSERT_EQ(0, sim_pair_setup(&self->o, "dmt_procs", NULL, "procs",
				    8 * MiB));
	ASSERT_EQ(0, sim_policy(self->o.name, "soft timeout_ms=300"));
	ASSERT_EQ(0, fdinfo_scenario(&self->o));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(p + 2));
	self->release = p[3];
	self->ha = holder(&self->o, self->o.a, self->o.fa, p);
	self->hb = holder(&self->o, self->o.b, self->o.fb, p);
	close(p[1]);
	close(p[2]);
	/* One byte from each holder, maybe in two reads. */
	ASSERT_EQ(1, read(p[0], c, 1));
	ASSERT_EQ(1, read(p[0], c + 1, 1));
	close(p[0]);
}

FIXTURE_TEARDOWN(procs)
{
	if (self->release >= 0)
		close(self->release);
	if (self->ha > 0)
		waitpid(self->ha, NULL, 0);
	if (self->hb > 0)
		waitpid(self->hb, NULL, 0);
	sim_pair_teardown(&self->o);
}

static int dmemstat(struct run_result *r, bool nobody, const char *a1,
		    const char *a2, const char *a3, const char *a4)
{
	const char *argv[8] = { DMEMSTAT, "--processes", a1, a2, a3, a4, NULL };

	return run_prog(r, argv, nobody, NULL);
}

/* The row of @pid in a --json document; NULL if none. */
static struct json_object *row_of(struct json_object *doc, pid_t pid)
{
	struct json_object *rows = js_get(doc, "processes"), *row;
	size_t i;

	for (i = 0; i < js_len(rows); i++) {
		row = js_at(rows, i);
		if (js_int(row, "pid", -1) == pid)
			return row;
	}
	return NULL;
}

/* Whether @row says @cg ("" for the root), region @region, and @want. */
static bool row_is(struct json_object *row, const char *cg, const char *region,
		   const long long *want)
{
	static const char *const key[] = {
		"total", "resident", "pinned", "evicted", "revoked",
	};
	const char *path = js_str(row, "cgroup");
	int i;

	if (!row || !path || path[0] != '/' || strcmp(path + 1, cg) ||
	    strcmp(js_str(row, "device") ?: "", "dmem_sim") ||
	    strcmp(js_str(row, "region") ?: "", region) ||
	    strcmp(js_str(row, "comm") ?: "", "test_processes"))
		return false;
	for (i = 0; i < 5; i++)
		if (js_int(row, key[i], -1) != want[i])
			return false;
	return true;
}

static const long long fig_a[] = { 5 * MiB, MiB, MiB, 2 * MiB, 2 * MiB };
static const long long fig_b[] = { 6 * MiB, 6 * MiB, 0, 0, 0 };
static const long long fig_ab[] = { 11 * MiB, 7 * MiB, MiB, 2 * MiB, 2 * MiB };

/* The test's own cgroup, relative to the root: "" for the root. */
static void own_cgroup(char *out, size_t len)
{
	char buf[240];
	FILE *f = fopen("/proc/self/cgroup", "re");

	out[0] = '\0';
	if (f && fgets(buf, sizeof(buf), f) && !strncmp(buf, "0::/", 4)) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(out, len, "%s", buf + 4);
	}
	if (f)
		fclose(f);
}

TEST_F(procs, json_as_root)
{
	struct json_object *doc;
	const char *p;
	char own[256];

	ASSERT_EQ(0, dmemstat(&self->r, false, "--json", "--region",
			      self->o.cg, NULL));
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = js_parse(&p);
	ASSERT_NE(NULL, doc);
	own_cgroup(own, sizeof(own));
	EXPECT_TRUE(row_is(row_of(doc, self->ha), self->o.a, self->o.cg, fig_a));
	EXPECT_TRUE(row_is(row_of(doc, self->hb), self->o.b, self->o.cg, fig_b));
	/* The test holds both files: their sum. */
	EXPECT_TRUE(row_is(row_of(doc, getpid()), own, self->o.cg, fig_ab));
	EXPECT_EQ(3, (long long)js_len(js_get(doc, "processes")));
	EXPECT_EQ(0, js_int(doc, "unreadable", -1));
	js_put(doc);
}

TEST_F(procs, json_as_nobody)
{
	struct json_object *doc;
	const char *p;

	ASSERT_EQ(0, dmemstat(&self->r, true, "--json", "--region",
			      self->o.cg, NULL));
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = js_parse(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(row_is(row_of(doc, self->ha), self->o.a, self->o.cg, fig_a));
	EXPECT_TRUE(row_is(row_of(doc, self->hb), self->o.b, self->o.cg, fig_b));
	/* Root's processes are not nobody's to read. */
	EXPECT_EQ(NULL, row_of(doc, getpid()));
	EXPECT_EQ(2, (long long)js_len(js_get(doc, "processes")));
	EXPECT_LT(0, js_int(doc, "unreadable", -1));
	js_put(doc);
}

/* The number of lines of @s. */
static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST_F(procs, table_and_cgroup_filter)
{
	char comm[32], cg[256], dev[32], region[64], *line;
	long long v[5];
	int pid, i, n;

	/* Only cgroup a's subtree: the header and A's holder, in bytes. */
	ASSERT_EQ(0, dmemstat(&self->r, false, "--bytes", "--cgroup",
			      self->o.a, NULL));
	ASSERT_EQ(0, self->r.status);
	ASSERT_EQ(2, lines(self->r.out));
	/* PID is right-aligned: a 4-digit pid indents the header. */
	EXPECT_EQ(0, strncmp(self->r.out + strspn(self->r.out, " "),
			     "PID  COMM", 9));
	line = strchr(self->r.out, '\n') + 1;
	n = sscanf(line, "%d %31s %255s %31s %63s %lld %lld %lld %lld %lld",
		   &pid, comm, cg, dev, region, &v[0], &v[1], &v[2], &v[3],
		   &v[4]);
	ASSERT_EQ(10, n);
	EXPECT_EQ(self->ha, pid);
	EXPECT_STREQ("test_processes", comm);
	EXPECT_STREQ(self->o.a, cg + 1);
	EXPECT_STREQ("dmem_sim", dev);
	EXPECT_STREQ(self->o.cg, region);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(fig_a[i], v[i]);

	/* Sizes for people: "5.0M". */
	ASSERT_EQ(0, dmemstat(&self->r, false, "--cgroup", self->o.b, NULL,
			      NULL));
	ASSERT_EQ(2, lines(self->r.out));
	line = strchr(self->r.out, '\n') + 1;
	EXPECT_NE(NULL, strstr(line, "  6.0M      6.0M       0        0        0\n"));
	if (!strstr(line, "  6.0M      6.0M       0        0        0\n"))
		TH_LOG("got: %s", line);
}

TEST_F(procs, bad_options)
{
	ASSERT_EQ(0, dmemstat(&self->r, false, "--prometheus", NULL, NULL,
			      NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_STREQ("dmemstat: --processes and --prometheus do not go together\n",
		     self->r.err);
	ASSERT_EQ(0, dmemstat(&self->r, false, "--proc", "/nonexistent", NULL,
			      NULL));
	EXPECT_EQ(3, self->r.status);
	EXPECT_STREQ("dmemstat: cannot open /nonexistent: No such file or directory\n",
		     self->r.err);
	EXPECT_STREQ("", self->r.out);
}

TEST_HARNESS_MAIN
