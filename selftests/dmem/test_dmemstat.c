// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/dmemstat against the cgroup files: every number it prints, in JSON
 * and in its tables, must equal what the files say; rows sorted by usage;
 * the --region and --cgroup filters; --bytes and the K/M/G sizes; watch
 * mode and its signals; exit codes; and an unprivileged run that meets
 * unreadable files and directories.
 *
 *	top (dmem enabled below)
 *	|- a (dmem enabled below)  min 512K, low 1.5M, pinned.max 2M, max 8M
 *	|  `- b                    max 4M (vram0), 512K (vram1); charged
 *	|                          3M + 4097 and 512K (pinned) in vram0,
 *	|                          4097 in vram1; one max event
 *	|- c                       max 1000; charged 1000; one max event
 *	`- d                       nothing charged
 *	   `- nodmem               dmem not enabled: no dmem files
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "json.h"

#define DMEMSTAT	"/opt/dmem/bin/dmemstat"
#define OUT_SIZE	(256 * 1024)
#define B_BIG		(3 * 1048576 + 4097)
#define B_PINNED	524288
#define B_VRAM1		4097
#define C_CHARGE	1000

static const char *const tree[] = { "a", "a/b", "c", "d", NULL };

static const char *const fields[][2] = {
	{ "current", "dmem.current" },
	{ "pinned", "dmem.pinned.current" },
	{ "min", "dmem.min" },
	{ "low", "dmem.low" },
	{ "max", "dmem.max" },
	{ "pinned_max", "dmem.pinned.max" },
	{ "peak", "dmem.peak" },
};

#define NR_FIELDS	ARRAY_SIZE(fields)

static const char *const events[] = {
	"low", "max", "pin_max", "evict", "revoke", "enomem",
};

#define NR_EVENTS	ARRAY_SIZE(events)

/* --- running dmemstat ---------------------------------------------------- */

struct run {
	int status;		/* exit status, or -1 if it did not exit */
	char out[OUT_SIZE];	/* stdout */
	char err[4096];		/* stderr */
};

static void read_memfd(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/*
 * Starts dmemstat with the NULL-terminated @args, stdout and stderr into
 * memfds; returns its pid.
 */
static pid_t start(const char *const *args, int *out, int *err)
{
	const char *argv[32] = { "dmemstat" };
	int i;
	pid_t pid;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	*out = memfd_create("out", 0);
	*err = memfd_create("err", 0);
	pid = fork();
	if (!pid) {
		dup2(*out, 1);
		dup2(*err, 2);
		execv(DMEMSTAT, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void finish(struct run *r, pid_t pid, int out, int err)
{
	int status;

	r->status = -1;
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	read_memfd(out, r->out, sizeof(r->out));
	read_memfd(err, r->err, sizeof(r->err));
}

static void run_args(struct run *r, const char *const *args)
{
	int out, err;
	pid_t pid = start(args, &out, &err);

	finish(r, pid, out, err);
}

#define RUN(r, ...) run_args(r, (const char *const []){ __VA_ARGS__, NULL })

/* --- its JSON ------------------------------------------------------------- */

/* Parses one document at *@p, advancing it: an object, or NULL. */
static struct json_object *jdoc(const char **p)
{
	struct json_object *doc = js_parse(p);

	if (doc && !json_object_is_type(doc, json_type_object)) {
		js_put(doc);
		return NULL;
	}
	return doc;
}

/* --- what the files say --------------------------------------------------- */

static int problems;

static void problem(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "# dmemstat mismatch: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	problems++;
}

/* "/" -> "", "/x/y" -> "x/y": the name dmem_util.h expects. */
static const char *cg_of(const char *path)
{
	return path[0] == '/' ? path + 1 : path;
}

/* Member @key of @o against a file's value (-2: absent or unreadable). */
static void check_value(struct json_object *o, const char *key, long long want,
			const char *path, const char *region)
{
	enum js_kind kind = js_kind(o, key);
	const char *s = js_str(o, key);

	if (kind == JS_ABSENT) {
		problem("%s %s %s: missing", path, region, key);
	} else if (want == -2) {
		if (kind != JS_NULL)
			problem("%s %s %s: want null", path, region, key);
	} else if (want == DMEM_MAX) {
		if (!s || strcmp(s, "max"))
			problem("%s %s %s: want \"max\"", path, region, key);
	} else if (kind != JS_INT || js_int(o, key, 0) != want) {
		problem("%s %s %s: want %lld, got %lld (kind %d)", path, region,
			key, want, js_int(o, key, -1), kind);
	}
}

struct expect {
	char paths[64][256];
	int nr;
};

static bool dmem_present(const char *cg)
{
	char path[512];

	cg_path(path, sizeof(path), cg, "dmem.current");
	return !access(path, F_OK) || (errno != ENOENT && errno != ENOTDIR);
}

static void expect_walk(const char *cg, void *arg);

static void expect_child(const char *child, void *arg)
{
	if (dmem_present(child))
		expect_walk(child, arg);
}

/* The cgroups dmemstat should show below @cg (which must have dmem). */
static void expect_walk(const char *cg, void *arg)
{
	struct expect *e = arg;

	if (e->nr < 64)
		snprintf(e->paths[e->nr++], 256, "/%s", cg);
	cg_visit_children(cg, expect_child, e);
}

static bool expected(const struct expect *e, const char *path)
{
	int i;

	for (i = 0; i < e->nr; i++)
		if (!strcmp(e->paths[i], path))
			return true;
	return false;
}

/* The regions of dmem.capacity, in order. */
static int root_regions(char names[][64], int max)
{
	char buf[4096], *line, *save, *sp;
	int n = 0;

	if (cg_read("", "dmem.capacity", buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (sp)
			*sp = '\0';
		snprintf(names[n++], 64, "%s", line);
	}
	return n;
}

/* Rows must be by current, descending; then by path; then region order. */
static void check_order(const char *p1, long long c1, int r1,
			const char *p2, long long c2, int r2)
{
	if (c1 < c2 || (c1 == c2 && strcmp(p1, p2) > 0) ||
	    (c1 == c2 && !strcmp(p1, p2) && r1 >= r2))
		problem("order: %s (%lld) before %s (%lld)", p1, c1, p2, c2);
}

static int region_idx(char names[][64], int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* The regions member: every region of dmem.capacity, or just @region. */
static void check_regions(struct json_object *doc, const char *region,
			  char names[][64], int nr_names)
{
	struct json_object *regions = js_get(doc, "regions"), *r;
	const char *name, *pol;
	int i, nr_shown = 0;
	size_t k;

	if (js_kind(doc, "regions") != JS_ARRAY)
		return problem("no regions array");
	for (i = 0; i < nr_names; i++)
		nr_shown += !region || !strcmp(region, names[i]);
	if ((int)js_len(regions) != nr_shown)
		problem("%zu regions, want %d", js_len(regions), nr_shown);
	for (k = 0; k < js_len(regions); k++) {
		r = js_at(regions, k);
		name = js_str(r, "name");
		if (!name) {
			problem("region without a name");
			continue;
		}
		if (region && strcmp(name, region))
			problem("region %s shown despite --region", name);
		check_value(r, "capacity", cg_region_value("", "dmem.capacity", name),
			    "/", name);
		pol = js_str(r, "policy");
		if (!pol || js_kind(r, "timeout_ms") != JS_INT) {
			problem("region %s: policy", name);
			continue;
		}
		if (cg_region_key("", "dmem.policy", name, "timeout_ms") !=
		    js_int(r, "timeout_ms", -1) ||
		    cg_region_value("", "dmem.policy", name) != -2)
			problem("region %s: policy %s timeout_ms=%lld", name, pol,
				js_int(r, "timeout_ms", -1));
	}
}

/* One row's values and events against the files. */
static void check_row(struct json_object *row, const char *path,
		      const char *rname)
{
	struct json_object *ev = js_get(row, "events");
	size_t j;

	for (j = 0; j < NR_FIELDS; j++)
		check_value(row, fields[j][0],
			    cg_region_value(cg_of(path), fields[j][1], rname),
			    path, rname);
	if (js_kind(row, "events") == JS_ABSENT) {
		problem("%s %s: no events member", path, rname);
	} else if (js_kind(row, "events") == JS_NULL) {
		for (j = 0; j < NR_EVENTS; j++)
			if (cg_region_key(cg_of(path), "dmem.events", rname,
					  events[j]) != -2)
				problem("%s %s: events null", path, rname);
	} else {
		for (j = 0; j < NR_EVENTS; j++)
			check_value(ev, events[j],
				    cg_region_key(cg_of(path), "dmem.events",
						  rname, events[j]),
				    path, rname);
	}
}

/* The rows: the expected set, each once, in order, with the files' values. */
static void check_rows(struct json_object *doc, const char *subtree,
		       const char *region, char names[][64], int nr_names)
{
	struct json_object *rows = js_get(doc, "rows"), *row, *o;
	const char *prev_path = NULL, *path, *rname;
	int prev_region = 0, ri, nr_shown = 0, i;
	long long prev_cur = 0, cur;
	struct expect *e;
	size_t k, j;

	if (js_kind(doc, "rows") != JS_ARRAY)
		return problem("no rows array");
	for (i = 0; i < nr_names; i++)
		nr_shown += !region || !strcmp(region, names[i]);
	e = calloc(1, sizeof(*e));
	expect_walk(subtree, e);
	if ((int)js_len(rows) != e->nr * nr_shown)
		problem("%zu rows, want %d cgroups x %d regions", js_len(rows),
			e->nr, nr_shown);
	for (k = 0; k < js_len(rows); k++) {
		row = js_at(rows, k);
		path = js_str(row, "cgroup") ?: "?";
		rname = js_str(row, "region") ?: "?";
		ri = region_idx(names, nr_names, rname);
		if (!expected(e, path) || ri < 0)
			problem("unexpected row %s %s", path, rname);
		if (region && strcmp(rname, region))
			problem("row %s %s despite --region", path, rname);
		for (j = 0; j < k; j++) {
			o = js_at(rows, j);
			if (!strcmp(js_str(o, "cgroup") ?: "", path) &&
			    !strcmp(js_str(o, "region") ?: "", rname))
				problem("row %s %s twice", path, rname);
		}
		check_row(row, path, rname);
		cur = js_int(row, "current", -1);
		if (prev_path)
			check_order(prev_path, prev_cur, prev_region, path, cur, ri);
		prev_path = path;
		prev_cur = cur;
		prev_region = ri;
	}
	free(e);
}

/*
 * Checks a JSON document against the files, as the caller can read them:
 * the regions, every value of every row, the set of rows (every cgroup
 * with dmem under @subtree, times every region or just @region) and their
 * order. Returns the number of problems.
 */
static int check_json(struct json_object *doc, const char *subtree,
		      const char *region)
{
	char names[8][64], want_cg[256];
	int nr_names, start = problems;
	const char *s;

	nr_names = root_regions(names, 8);
	if (!nr_names)
		problem("no regions in dmem.capacity");
	s = js_str(doc, "root");
	if (!s || strcmp(s, CG_ROOT))
		problem("root member");
	snprintf(want_cg, sizeof(want_cg), "/%s", subtree);
	s = js_str(doc, "cgroup");
	if (!s || strcmp(s, want_cg))
		problem("cgroup member: want %s", want_cg);
	check_regions(doc, region, names, nr_names);
	check_rows(doc, subtree, region, names, nr_names);
	return problems - start;
}

static struct json_object *find_row(struct json_object *doc, const char *path,
				    const char *region)
{
	struct json_object *rows = js_get(doc, "rows"), *r;
	const char *cg, *reg;
	size_t i;

	for (i = 0; i < js_len(rows); i++) {
		r = js_at(rows, i);
		cg = js_str(r, "cgroup");
		reg = js_str(r, "region");
		if (cg && reg && !strcmp(cg, path) && !strcmp(reg, region))
			return r;
	}
	return NULL;
}

static long long row_num(struct json_object *doc, const char *path,
			 const char *region, const char *key)
{
	return js_int(find_row(doc, path, region), key, -3);
}

static long long row_event(struct json_object *doc, const char *path,
			   const char *region, const char *key)
{
	return js_int(js_get(find_row(doc, path, region), "events"), key, -3);
}

/* --- the tables ----------------------------------------------------------- */

#define NR_COLS		(2 + NR_FIELDS + NR_EVENTS)

/* "3.5M" against @v: one decimal, within half a tenth of the unit. */
static bool human_ok(const char *cell, long long v)
{
	static const char units[] = "KMGTPE";
	double x, d, unit = 1024;
	const char *u, *k;
	char *end;

	if (v < 1024)
		return strtoll(cell, &end, 10) == v && !*end;
	x = strtod(cell, &end);
	u = strchr(units, *end);
	if (!*end || !u || end[1] || end - cell < 3 || end[-2] != '.')
		return false;
	for (k = units; k < u; k++)
		unit *= 1024;
	/* Within half a tenth of the unit, with room for rounding. */
	d = x * unit - v;
	return x >= 1 && x < 1024 && d <= unit / 19.99 && -d <= unit / 19.99;
}

static bool cell_ok(const char *cell, long long want, bool bytes, bool size)
{
	char *end;

	if (want == -2)
		return !strcmp(cell, "-");
	if (want == DMEM_MAX)
		return !strcmp(cell, "max");
	if (bytes || !size)
		return strtoll(cell, &end, 10) == want && !*end && *cell;
	return human_ok(cell, want);
}

/*
 * Checks a table against the files and against @doc (JSON of the same
 * state): the region lines, every cell, and the same rows in the same
 * order. Returns the number of problems.
 */
static int check_table(char *text, struct json_object *doc, bool bytes)
{
	struct json_object *rows = js_get(doc, "rows");
	char *line, *save, *tok, *tsave, *cell[NR_COLS + 1], names[8][64];
	int start = problems, n, c, header = 0, regions = 0, ri, prev_ri = 0;
	int nr_names = root_regions(names, 8);
	const char *prev_path = NULL;
	long long cur, prev_cur = 0;
	size_t row = 0, j;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = 0;
		for (tok = strtok_r(line, " ", &tsave); tok && n <= (int)NR_COLS;
		     tok = strtok_r(NULL, " ", &tsave))
			cell[n++] = tok;
		if (!n)
			continue;
		if (!strcmp(cell[0], "region")) {
			/* region NAME capacity N policy MODE timeout_ms=N */
			regions++;
			if (n < 4 || strcmp(cell[2], "capacity") ||
			    !cell_ok(cell[3], cg_region_value("", "dmem.capacity", cell[1]),
				     bytes, true))
				problem("region line %s", cell[1]);
			continue;
		}
		if (!strcmp(cell[0], "CGROUP")) {
			header++;
			continue;
		}
		if (!header)
			continue;
		if (n != NR_COLS) {
			problem("row with %d cells: %s", n, cell[0]);
			continue;
		}
		if (row >= js_len(rows) ||
		    strcmp(js_str(js_at(rows, row), "cgroup") ?: "", cell[0]) ||
		    strcmp(js_str(js_at(rows, row), "region") ?: "", cell[1]))
			problem("table row %zu (%s %s) is not the JSON's", row,
				cell[0], cell[1]);
		row++;
		cur = cg_region_value(cg_of(cell[0]), "dmem.current", cell[1]);
		ri = region_idx(names, nr_names, cell[1]);
		if (prev_path)
			check_order(prev_path, prev_cur, prev_ri, cell[0],
				    cur < 0 ? -1 : cur, ri);
		prev_path = cell[0];
		prev_cur = cur < 0 ? -1 : cur;
		prev_ri = ri;
		for (j = 0; j < NR_FIELDS; j++) {
			long long want = cg_region_value(cg_of(cell[0]), fields[j][1],
							 cell[1]);

			if (!cell_ok(cell[2 + j], want, bytes, true))
				problem("%s %s %s: cell %s, file %lld", cell[0], cell[1],
					fields[j][0], cell[2 + j], want);
		}
		for (j = 0; j < NR_EVENTS; j++) {
			long long want = cg_region_key(cg_of(cell[0]), "dmem.events",
						       cell[1], events[j]);

			c = 2 + NR_FIELDS + j;
			if (!cell_ok(cell[c], want, bytes, false))
				problem("%s %s event %s: cell %s, file %lld", cell[0],
					cell[1], events[j], cell[c], want);
		}
	}
	if (header != 1 || !regions)
		problem("%d header lines, %d region lines", header, regions);
	if (row != js_len(rows))
		problem("%zu table rows, %zu JSON rows", row, js_len(rows));
	return problems - start;
}

/* --- the fixture ---------------------------------------------------------- */

FIXTURE(dmemstat) {
	char top[64];
	char a[128];
	char b[128];
	char c[128];
	char d[128];
	int fd_b;
	int fd_c;
	bool vram1;
	struct run r;
};

FIXTURE_SETUP(dmemstat)
{
	char buf[128];

	child_reset();
	self->fd_b = -1;
	self->fd_c = -1;
	st_vram1("unregister");
	ASSERT_EQ(0, st_vram1("register 1048576"));
	self->vram1 = true;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_dmemstat", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/a/b", self->top);
	snprintf(self->c, sizeof(self->c), "%s/c", self->top);
	snprintf(self->d, sizeof(self->d), "%s/d", self->top);
	snprintf(buf, sizeof(buf), "%.100s/nodmem", self->d);
	ASSERT_EQ(0, cg_create(buf));

	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 8M"));
	ASSERT_EQ(0, cg_write(self->a, "dmem.min", VRAM0 " 512K"));
	ASSERT_EQ(0, cg_write(self->a, "dmem.low", VRAM0 " 1536K"));
	ASSERT_EQ(0, cg_write(self->a, "dmem.pinned.max", VRAM0 " 2M"));
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", VRAM0 " 4M\n" VRAM1 " 512K"));
	ASSERT_EQ(0, cg_write(self->c, "dmem.max", VRAM0 " 1000"));

	self->fd_b = st_open();
	ASSERT_LE(0, self->fd_b);
	self->fd_c = st_open();
	ASSERT_LE(0, self->fd_c);
	ASSERT_EQ(0, cg_enter(self->b));
	ASSERT_EQ(0, st_cmd(self->fd_b, "charge", VRAM0, B_BIG));
	ASSERT_EQ(0, st_cmd(self->fd_b, "charge", VRAM0, B_PINNED));
	ASSERT_EQ(0, st_cmd(self->fd_b, "pin", VRAM0, B_PINNED));
	ASSERT_EQ(0, st_cmd(self->fd_b, "charge", VRAM1, B_VRAM1));
	ASSERT_EQ(-EAGAIN, st_cmd(self->fd_b, "charge", VRAM0, 1048576));
	ASSERT_EQ(0, cg_enter(self->c));
	ASSERT_EQ(0, st_cmd(self->fd_c, "charge", VRAM0, C_CHARGE));
	ASSERT_EQ(-EAGAIN, st_cmd(self->fd_c, "charge", VRAM0, 1));
	ASSERT_EQ(0, cg_enter(""));
}

FIXTURE_TEARDOWN(dmemstat)
{
	if (self->fd_b >= 0)
		close(self->fd_b);
	if (self->fd_c >= 0)
		close(self->fd_c);
	cg_cleanup_tree(self->top);
	if (self->vram1)
		st_vram1("unregister");
}

static void path_of(char *buf, size_t len, const char *cg)
{
	snprintf(buf, len, "/%.126s", cg);
}

/* The JSON of the whole tree equals the files, value by value. */
TEST_F(dmemstat, json_equals_files)
{
	char pa[128], pb[128], pc[128], pd[128], pt[128], pn[192];
	const char *p;
	struct json_object *doc;

	RUN(&self->r, "--json");
	ASSERT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc) TH_LOG("not JSON: %s", self->r.out);
	EXPECT_EQ('\0', *p);
	EXPECT_EQ(0, check_json(doc, "", NULL));

	/* The numbers are what the test charged, to the byte. */
	path_of(pa, sizeof(pa), self->a);
	path_of(pb, sizeof(pb), self->b);
	path_of(pc, sizeof(pc), self->c);
	path_of(pd, sizeof(pd), self->d);
	path_of(pt, sizeof(pt), self->top);
	snprintf(pn, sizeof(pn), "%.127s/nodmem", pd);
	EXPECT_EQ(B_BIG + B_PINNED, row_num(doc, pb, VRAM0, "current"));
	EXPECT_EQ(B_PINNED, row_num(doc, pb, VRAM0, "pinned"));
	EXPECT_EQ(4 << 20, row_num(doc, pb, VRAM0, "max"));
	EXPECT_EQ(B_VRAM1, row_num(doc, pb, VRAM1, "current"));
	EXPECT_EQ(512 << 10, row_num(doc, pb, VRAM1, "max"));
	EXPECT_EQ(B_BIG + B_PINNED, row_num(doc, pa, VRAM0, "current"));
	EXPECT_EQ(512 << 10, row_num(doc, pa, VRAM0, "min"));
	EXPECT_EQ(1536 << 10, row_num(doc, pa, VRAM0, "low"));
	EXPECT_EQ(2 << 20, row_num(doc, pa, VRAM0, "pinned_max"));
	EXPECT_EQ(B_BIG + B_PINNED, row_num(doc, pa, VRAM0, "peak"));
	EXPECT_EQ(C_CHARGE, row_num(doc, pc, VRAM0, "current"));
	EXPECT_EQ(0, row_num(doc, pd, VRAM0, "current"));
	EXPECT_EQ(B_BIG + B_PINNED + C_CHARGE, row_num(doc, pt, VRAM0, "current"));
	/* dmem.events are subtree totals: b's max event counts in a and top. */
	EXPECT_EQ(1, row_event(doc, pb, VRAM0, "max"));
	EXPECT_EQ(1, row_event(doc, pa, VRAM0, "max"));
	EXPECT_EQ(1, row_event(doc, pc, VRAM0, "max"));
	EXPECT_EQ(2, row_event(doc, pt, VRAM0, "max"));
	/* "max" limits as the string, the root's absent files as null. */
	EXPECT_EQ(JS_STRING, js_kind(find_row(doc, pd, VRAM0), "max"));
	EXPECT_EQ(JS_NULL, js_kind(find_row(doc, "/", VRAM0), "max"));
	EXPECT_EQ(JS_NULL, js_kind(find_row(doc, "/", VRAM0), "events"));
	/* No row for a cgroup without the controller. */
	EXPECT_EQ(NULL, find_row(doc, pn, VRAM0));
	/* The largest usage first: the root, then top. */
	EXPECT_STREQ("/", js_str(js_at(js_get(doc, "rows"), 0), "cgroup"));
	EXPECT_STREQ(pt, js_str(js_at(js_get(doc, "rows"), 1), "cgroup"));
	js_put(doc);
}

/* The cells of the table line for @path and @region; 0 or -1. */
static int table_line(const char *text, const char *path, const char *region,
		      char cells[][32])
{
	char *copy = strdup(text), *line, *save, *tok, *tsave;
	int n, ret = -1;

	for (line = strtok_r(copy, "\n", &save); line && ret;
	     line = strtok_r(NULL, "\n", &save)) {
		n = 0;
		for (tok = strtok_r(line, " ", &tsave); tok && n < (int)NR_COLS;
		     tok = strtok_r(NULL, " ", &tsave))
			snprintf(cells[n++], 32, "%s", tok);
		if (n == NR_COLS && !strcmp(cells[0], path) &&
		    !strcmp(cells[1], region))
			ret = 0;
	}
	free(copy);
	return ret;
}

/* The tables, exact and human, show the JSON's rows with the files' values. */
TEST_F(dmemstat, tables_equal_files)
{
	static const char *const none[] = { NULL };
	struct run *t = malloc(sizeof(*t));
	char pa[128], pb[128], pc[128], cells[NR_COLS][32];
	const char *p;
	struct json_object *doc;

	ASSERT_NE(NULL, t);
	RUN(&self->r, "--json");
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc);

	RUN(t, "--bytes");
	ASSERT_EQ(0, t->status) TH_LOG("stderr: %s", t->err);
	EXPECT_EQ(0, check_table(t->out, doc, true)) TH_LOG("%s", t->out);

	run_args(t, none);
	ASSERT_EQ(0, t->status);
	/* Exact strings for a few human sizes: 1 decimal, exact below 1K. */
	path_of(pa, sizeof(pa), self->a);
	path_of(pb, sizeof(pb), self->b);
	path_of(pc, sizeof(pc), self->c);
	EXPECT_NE(NULL, strstr(t->out, "capacity 256.0M"));
	EXPECT_NE(NULL, strstr(t->out, "capacity 1.0M"));
	ASSERT_EQ(0, table_line(t->out, pb, VRAM0, cells)) TH_LOG("%s", t->out);
	EXPECT_STREQ("3.5M", cells[2]);
	EXPECT_STREQ("512.0K", cells[3]);
	EXPECT_STREQ("4.0M", cells[6]);
	EXPECT_STREQ("max", cells[7]);
	ASSERT_EQ(0, table_line(t->out, pb, VRAM1, cells));
	EXPECT_STREQ("4.0K", cells[2]);
	ASSERT_EQ(0, table_line(t->out, pa, VRAM0, cells));
	EXPECT_STREQ("512.0K", cells[4]);
	EXPECT_STREQ("1.5M", cells[5]);
	EXPECT_STREQ("2.0M", cells[7]);
	ASSERT_EQ(0, table_line(t->out, pc, VRAM0, cells));
	EXPECT_STREQ("1000", cells[2]);
	EXPECT_STREQ("1", cells[2 + NR_FIELDS + 1]);
	ASSERT_EQ(0, table_line(t->out, "/", VRAM0, cells));
	EXPECT_STREQ("-", cells[4]);
	EXPECT_EQ(0, check_table(t->out, doc, false)) TH_LOG("%s", t->out);
	free(t);
	js_put(doc);
}

/* --region and --cgroup: only what was asked, nothing missing. */
TEST_F(dmemstat, filters)
{
	char arg[160];
	const char *p;
	struct json_object *doc;

	RUN(&self->r, "--json", "--region", VRAM1);
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(0, check_json(doc, "", VRAM1));
	js_put(doc);

	RUN(&self->r, "--json", "--cgroup", self->a);
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(0, check_json(doc, self->a, NULL));
	EXPECT_EQ(4, (int)js_len(js_get(doc, "rows")));
	js_put(doc);

	/* Leading and trailing slashes are fine; both filters together. */
	snprintf(arg, sizeof(arg), "/%s/", self->top);
	RUN(&self->r, "--json", "-c", arg, "-R", VRAM0);
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(0, check_json(doc, self->top, VRAM0));
	EXPECT_EQ(5, (int)js_len(js_get(doc, "rows")));
	js_put(doc);

	/* A region that does not exist matches nothing. */
	RUN(&self->r, "--json", "-R", "no/such/region");
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(0, (int)js_len(js_get(doc, "rows")));
	EXPECT_EQ(0, (int)js_len(js_get(doc, "regions")));
	js_put(doc);
}

/* Exit codes: 1 usage, 2 no dmem controller. */
TEST_F(dmemstat, exit_codes)
{
	char tmp[] = "/tmp/dmemstat.XXXXXX", arg[160];

	ASSERT_NE(NULL, mkdtemp(tmp));
	RUN(&self->r, "--root", tmp);
	EXPECT_EQ(2, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "no dmem controller")) TH_LOG("%s", self->r.err);
	EXPECT_EQ('\0', self->r.out[0]);
	RUN(&self->r, "--root", tmp, "--json");
	EXPECT_EQ(2, self->r.status);
	EXPECT_EQ('\0', self->r.out[0]);
	rmdir(tmp);

	/* dmem not enabled in the cgroup's parent: its files are absent. */
	snprintf(arg, sizeof(arg), "%s/nodmem", self->d);
	RUN(&self->r, "--cgroup", arg);
	EXPECT_EQ(2, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "subtree_control")) TH_LOG("%s", self->r.err);

	snprintf(arg, sizeof(arg), "%s/none", self->top);
	RUN(&self->r, "--cgroup", arg);
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "--cgroup", "..");
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "--no-such-option");
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "-w", "0");
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "-n", "x");
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "extra");
	EXPECT_EQ(1, self->r.status);
	RUN(&self->r, "--root", "/nonexistent");
	EXPECT_EQ(3, self->r.status);
	RUN(&self->r, "--help");
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.out, "Exit status"));
}

/* What nobody sees: see the unprivileged test. */
struct nobody_args {
	struct run *r;
	const char *pa, *pd;	/* a's and d's paths */
};

static int nobody_runs(void *p)
{
	struct nobody_args *a = p;
	struct json_object *doc;
	const char *out;

	RUN(a->r, "--json");
	if (a->r->status)
		fprintf(stderr, "# status %d: %s\n", a->r->status, a->r->err);
	CHILD_EQ(0, a->r->status);
	out = a->r->out;
	doc = jdoc(&out);
	CHILD_TRUE(doc);
	CHILD_EQ(0, check_json(doc, "", NULL));
	/* Unreadable for nobody: null, and the rest is there. */
	CHILD_EQ(JS_NULL, js_kind(find_row(doc, a->pa, VRAM0), "peak"));
	CHILD_EQ(B_BIG + B_PINNED, row_num(doc, a->pa, VRAM0, "current"));
	CHILD_EQ(JS_NULL, js_kind(find_row(doc, a->pd, VRAM0), "current"));
	RUN(a->r, "--bytes");
	CHILD_EQ(0, a->r->status);
	CHILD_EQ(0, check_table(a->r->out, doc, true));
	js_put(doc);
	return 0;
}

/*
 * As nobody, with a's peak unreadable and d unsearchable: it succeeds,
 * shows null for what it cannot read and matches everything else.
 */
TEST_F(dmemstat, unprivileged)
{
	char path[512], pa[128], pd[128];
	struct nobody_args a = { .r = &self->r, .pa = pa, .pd = pd };
	struct json_object *doc;
	const char *p;

	cg_path(path, sizeof(path), self->a, "dmem.peak");
	ASSERT_EQ(0, chmod(path, 0600));
	cg_path(path, sizeof(path), self->d, NULL);
	ASSERT_EQ(0, chmod(path, 0700));
	path_of(pa, sizeof(pa), self->a);
	path_of(pd, sizeof(pd), self->d);
	EXPECT_CHILD_OK(child_start(NULL, true, nobody_runs, &a));

	/* Root still reads them. */
	RUN(&self->r, "--json");
	p = self->r.out;
	doc = jdoc(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(B_BIG + B_PINNED, row_num(doc, pa, VRAM0, "peak"));
	EXPECT_EQ(0, row_num(doc, pd, VRAM0, "current"));
	js_put(doc);
}

/* -w with -n: COUNT reports, each a full table or JSON document. */
TEST_F(dmemstat, watch_count)
{
	const char *p;
	struct json_object *doc;
	char *s;
	int n = 0;

	RUN(&self->r, "-w", "0.2", "-n", "3", "--bytes");
	ASSERT_EQ(0, self->r.status);
	for (s = self->r.out; (s = strstr(s, "\nCGROUP ")); s++)
		n++;
	EXPECT_EQ(3, n);
	n = 0;
	for (s = self->r.out; (s = strstr(s, "dmemstat " CG_ROOT)); s++)
		n++;
	EXPECT_EQ(3, n);

	RUN(&self->r, "--json", "-w", "0.1", "-n", "2");
	ASSERT_EQ(0, self->r.status);
	p = self->r.out;
	for (n = 0; *p && n < 5; n++) {
		doc = jdoc(&p);
		ASSERT_NE(NULL, doc);
		EXPECT_EQ(0, check_json(doc, "", NULL));
		js_put(doc);
	}
	EXPECT_EQ(2, n);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* SIGINT and SIGTERM end the watch at once, with status 0. */
TEST_F(dmemstat, watch_signals)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	const char *const args[] = { "-w", "30", NULL };
	unsigned int i;
	int out, err, tries;
	double t0;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		pid = start(args, &out, &err);
		ASSERT_LT(0, pid);
		/* Wait for the first report, then signal it while it sleeps. */
		for (tries = 0; tries < 500 && lseek(out, 0, SEEK_END) <= 0; tries++)
			usleep(10000);
		EXPECT_LT(0, lseek(out, 0, SEEK_END));
		t0 = now_s();
		ASSERT_EQ(0, kill(pid, sigs[i]));
		finish(&self->r, pid, out, err);
		EXPECT_EQ(0, self->r.status) TH_LOG("signal %d", sigs[i]);
		EXPECT_GT(5.0, now_s() - t0);
		EXPECT_NE(NULL, strstr(self->r.out, "CGROUP"));
	}
}

TEST_HARNESS_MAIN
