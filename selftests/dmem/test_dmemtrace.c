// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/bpf/dmemtrace around scripted /dev/dmem_sim scenarios whose events
 * are known exactly: the counts it reports per region and event, the bytes,
 * the latency histograms, the owners; its -e lines (text and JSON) for every
 * event type; bpftool listing its programs and perf attachments while it
 * runs and none after; its exit on SIGINT, SIGTERM and after -d; and its
 * refusal of a kernel whose event formats are not what it was built for.
 *
 * The counting scenario, in a 4 MiB region of 1 MiB buffers, with owner A
 * (a child process named dt_owner_a, in cgroup a) and owner B (the test, in
 * cgroup b):
 *   A: a0 pinned, a1 pinned with a pinned importer that acks after 50 ms,
 *      a2 and a3 unpinned                     4 charge, 2 pin
 *   B: b0 pinned: evicts a2                   evict, uncharge, charge, pin
 *      b1 pinned: evicts a3                   evict, uncharge, charge, pin
 *      b2 pinned: revokes a0 or a1            revoke_start, uncharge,
 *      b3 pinned: revokes the other           revoke_done, charge, pin (x2)
 *      b4 pinned: only B's own pinned left    enomem
 *      unpin b3, free b3                      unpin, uncharge
 * dmemtrace stops before anything else is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "json.h"
#include "sim_util.h"

#define DMEMTRACE	"/opt/dmem/bin/dmemtrace"
#define OUT_SIZE	(1024 * 1024)
#define ACK_DELAY_MS	50
#define OWNER_A_COMM	"dt_owner_a"

static const char *const events[] = {
	"charge", "uncharge", "evict", "revoke_start", "revoke_done",
	"revoke_timeout", "enomem", "pin", "unpin",
};

#define NR_EVENTS	ARRAY_SIZE(events)

/* Compares counts per event, naming the events that differ. */
static void expect_counts(struct __test_metadata *_metadata, const char *what,
			  const long long *want, const long long *got)
{
	size_t e;

	for (e = 0; e < NR_EVENTS; e++) {
		if (want[e] == got[e] && got[e] >= 0)
			continue;
		TH_LOG("%s: %s: expected %lld, got %lld", what, events[e],
		       want[e], got[e]);
		_metadata->exit_code = KSFT_FAIL;
	}
}

/* The counts of the counting scenario, in the order of events[]. */
static const long long expected[NR_EVENTS] = { 8, 5, 2, 2, 2, 0, 1, 6, 1 };

/* The programs dmemtrace loads, as bpftool names them. */
static const char *const progs[] = {
	"dt_charge", "dt_uncharge", "dt_evict", "dt_revoke_start",
	"dt_revoke_done", "dt_revoke_tmo", "dt_enomem", "dt_pin", "dt_unpin",
	"dt_evict_one",
};

/* --- running dmemtrace ---------------------------------------------------- */

/* Whether dmemtrace runs as nobody; as the test (root) if not. */
static bool as_nobody;

struct trace {
	pid_t pid;
	int out;		/* memfd: stdout */
	int err;		/* pipe: stderr */
	int status;		/* exit status, -1 if it did not exit by itself */
	double secs;		/* from start to exit */
	struct timespec t0;
	char *outbuf;
	char errbuf[16384];
	size_t errlen;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Reads what stderr has within @ms; false at EOF. */
static bool read_err(struct trace *t, int ms)
{
	struct pollfd pfd = { .fd = t->err, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return true;
	n = read(t->err, t->errbuf + t->errlen, sizeof(t->errbuf) - 1 - t->errlen);
	if (n <= 0)
		return false;
	t->errlen += n;
	t->errbuf[t->errlen] = '\0';
	return true;
}

/*
 * Starts dmemtrace with the NULL-terminated @args. With @wait, returns
 * once it said its programs are attached (0), or -1 if it exited or took
 * more than 60 s.
 */
static int trace_start(struct trace *t, const char *const *args, bool wait)
{
	const char *argv[32] = { "dmemtrace" };
	int pipefd[2], i;

	memset(t, 0, sizeof(*t));
	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	t->outbuf = calloc(1, OUT_SIZE);
	t->out = memfd_create("out", 0);
	if (!t->outbuf || t->out < 0 || pipe2(pipefd, O_CLOEXEC))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	t->pid = fork();
	if (!t->pid) {
		if (as_nobody && drop_to_nobody())
			_exit(126);
		dup2(t->out, 1);
		dup2(pipefd[1], 2);
		execv(DMEMTRACE, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	t->err = pipefd[0];
	if (!wait)
		return 0;
	while (since(&t->t0) < 60) {
		if (strstr(t->errbuf, "programs attached"))
			return 0;
		if (!read_err(t, 200))
			return -1;
	}
	return -1;
}

/* Sends @sig (0: none, -d ends it) and collects the output. */
static void trace_stop(struct trace *t, int sig)
{
	int status;
	ssize_t n;

	if (sig)
		kill(t->pid, sig);
	t->status = -1;
	while (since(&t->t0) < 600) {
		pid_t r = waitpid(t->pid, &status, WNOHANG);

		if (r == t->pid) {
			if (WIFEXITED(status))
				t->status = WEXITSTATUS(status);
			break;
		}
		read_err(t, 50);
	}
	t->secs = since(&t->t0);
	if (t->status == -1 && !kill(t->pid, SIGKILL))
		waitpid(t->pid, &status, 0);
	while (read_err(t, 0) && t->errlen < sizeof(t->errbuf) - 1)
		;
	close(t->err);
	n = pread(t->out, t->outbuf, OUT_SIZE - 1, 0);
	t->outbuf[n > 0 ? n : 0] = '\0';
	close(t->out);
}

static void trace_free(struct trace *t)
{
	free(t->outbuf);
	t->outbuf = NULL;
}

/* The output of a host command run with chroot /host; NULL on failure. */
static char *host_cmd(const char *cmd)
{
	char line[512], *buf = calloc(1, OUT_SIZE);
	size_t len = 0;
	FILE *p;

	snprintf(line, sizeof(line), "chroot /host %s 2>&1", cmd);
	p = popen(line, "r");
	if (!p || !buf) {
		free(buf);
		return NULL;
	}
	len = fread(buf, 1, OUT_SIZE - 1, p);
	buf[len] = '\0';
	if (pclose(p)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* --- its JSON ------------------------------------------------------------- */

/* Parses every line of @text as one JSON value; their number or -1. */
static int jlines(const char *text, struct json_object **out, int max)
{
	const char *p = text;
	int n = 0;

	while (*p) {
		if (n == max)
			return -1;
		out[n] = js_parse(&p);
		if (!out[n])
			return -1;
		n++;
	}
	return n;
}

/* --- the scenarios -------------------------------------------------------- */

struct scenario {
	char top[64];
	char a[128];
	char b[128];
	char name[DMEM_SIM_NAME_LEN];
	char region[DMEM_SIM_NAME_LEN + 4];
	int admin;		/* creates and destroys the region */
	int fb;			/* owner B */
	pid_t owner_a;
	int go_a;		/* write end: tells A to exit */
	__u32 bh[5];		/* B's buffers */
};

static const char *const tree[] = { "a", "b", NULL };

/* Owner A: its buffers, then waits for a byte on @go before exiting. */
static void owner_a(struct scenario *s, int ready, int go)
{
	__u32 h[4], imp;
	int fd, nfd, dmabuf = -1;
	char c = 'e';

	prctl(PR_SET_NAME, OWNER_A_COMM);
	fd = cg_enter(s->a) ? -1 : sim_open();
	nfd = nic_open();
	if (fd >= 0 && nfd >= 0 &&
	    !sim_alloc(fd, s->name, MiB, DMEM_SIM_ALLOC_PINNED, &h[0]) &&
	    !sim_alloc(fd, s->name, MiB, DMEM_SIM_ALLOC_PINNED, &h[1]))
		dmabuf = sim_export(fd, h[1]);
	if (dmabuf >= 0 &&
	    !nic_import(nfd, dmabuf, DMEM_NIC_IMPORT_PINNED,
			DMEM_NIC_ACK_DELAYED, ACK_DELAY_MS, &imp) &&
	    !sim_alloc(fd, s->name, MiB, 0, &h[2]) &&
	    !sim_alloc(fd, s->name, MiB, 0, &h[3]))
		c = 'r';
	if (write(ready, &c, 1) != 1 || c != 'r')
		_exit(1);
	if (read(go, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

/* Cgroups and the region. */
static void scenario_setup(struct __test_metadata *_metadata,
			   struct scenario *s, const char *tag)
{
	memset(s, 0, sizeof(*s));
	s->admin = -1;
	s->fb = -1;
	s->go_a = -1;
	ASSERT_EQ(0, cg_setup_tree(s->top, sizeof(s->top), tag, tree));
	snprintf(s->a, sizeof(s->a), "%s/a", s->top);
	snprintf(s->b, sizeof(s->b), "%s/b", s->top);
	sim_unique_name(s->name, tag);
	sim_cg_name(s->region, s->name);
	s->admin = sim_open();
	ASSERT_LE(0, s->admin);
	ASSERT_EQ(0, sim_region_create(s->admin, s->name, 4 * MiB));
	/* Acks come after 50 ms; a slow TCG guest must not time them out. */
	ASSERT_EQ(0, sim_policy(s->name, "soft timeout_ms=10000"));
}

/* Owner A and its buffers, then owner B's file and buffers. */
static void scenario_run(struct __test_metadata *_metadata, struct scenario *s)
{
	int ready[2], go[2], i;
	char c = 0;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	s->owner_a = fork();
	ASSERT_LE(0, s->owner_a);
	if (!s->owner_a) {
		close(go[1]);
		owner_a(s, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	s->go_a = go[1];
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	ASSERT_EQ('r', c);

	ASSERT_EQ(0, cg_enter(s->b));
	s->fb = sim_open();
	ASSERT_LE(0, s->fb);
	ASSERT_EQ(0, cg_enter(""));
	/* 2 evictions, 2 revokes, 1 ENOMEM, 1 unpin. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, sim_alloc(s->fb, s->name, MiB, DMEM_SIM_ALLOC_PINNED,
				       &s->bh[i]));
	ASSERT_EQ(-ENOMEM, sim_alloc(s->fb, s->name, MiB, DMEM_SIM_ALLOC_PINNED,
				     &s->bh[4]));
	ASSERT_EQ(0, sim_op(s->fb, DMEM_SIM_IOC_UNPIN, s->bh[3]));
	ASSERT_EQ(0, sim_op(s->fb, DMEM_SIM_IOC_FREE, s->bh[3]));
}

static void scenario_cleanup(struct scenario *s)
{
	int status;

	if (s->go_a >= 0)
		close(s->go_a);
	if (s->owner_a > 0)
		waitpid(s->owner_a, &status, 0);
	if (s->fb >= 0)
		close(s->fb);
	if (s->admin >= 0) {
		sim_region_destroy(s->admin, s->name);
		close(s->admin);
	}
	cg_cleanup_tree(s->top);
}

/*
 * A second region where an importer never acknowledges: a revoke times
 * out (revoke_timeout), the next victim is revoked, and the late ack
 * finishes the first revoke.
 */
static void timeout_scenario(struct __test_metadata *_metadata, char *name)
{
	struct dmem_sim_event ev;
	int fa, fb, nf, dmabuf, i;
	__u32 p1, p2, x, nic;

	sim_unique_name(name, "dt_tmo");
	fa = sim_open();
	fb = sim_open();
	nf = nic_open();
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_LE(0, nf);
	ASSERT_EQ(0, sim_region_create(fa, name, 2 * MiB));
	ASSERT_EQ(0, sim_policy(name, "soft timeout_ms=200"));
	ASSERT_EQ(0, sim_alloc(fa, name, MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = sim_export(fa, p1);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, nic_import(nf, dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &nic));
	ASSERT_EQ(0, sim_alloc(fa, name, MiB, DMEM_SIM_ALLOC_PINNED, &p2));
	ASSERT_EQ(0, sim_alloc(fb, name, MiB, 0, &x));
	ASSERT_EQ(0, nic_op(nf, DMEM_NIC_IOC_IMPORTER_ACK, nic));
	/* Until p1's revoke is done (its BUF_REVOKED event). */
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(1, sim_event(fa, &ev, 5000));
		if (ev.type == DMEM_SIM_EVENT_BUF_REVOKED && ev.handle == p1)
			break;
	}
	ASSERT_GT(10, i);
	close(nf);
	close(dmabuf);
	close(fb);
	ASSERT_EQ(0, sim_region_destroy(fa, name));
	close(fa);
}

/* --- checks of the output ------------------------------------------------ */

/* The summary (the last line) of a --json run; NULL if not valid. */
static struct json_object *json_summary(const char *out)
{
	const char *last = out, *p, *type;
	struct json_object *sum;

	for (p = out; *p; p++)
		if (p[0] == '\n' && p[1])
			last = p + 1;
	sum = js_parse(&last);
	type = js_str(sum, "type");
	if (sum && (!type || strcmp(type, "summary"))) {
		js_put(sum);
		return NULL;
	}
	return sum;
}

static long long hist_total(struct json_object *lat)
{
	struct json_object *hist = js_get(lat, "hist");
	long long total = 0;
	size_t i;

	for (i = 0; i < js_len(hist); i++)
		total += js_int(js_at(hist, i), "count", -1);
	return total;
}

/* Checks the counting scenario's numbers in a --json summary. */
static void check_summary(struct __test_metadata *_metadata,
			  const struct scenario *s, struct json_object *sum)
{
	struct json_object *region, *ev, *bytes, *lat, *hist, *owner, *owners;
	long long lo, hi, prev_hi = -1;
	int i, n;

	region = js_find(js_get(sum, "regions"), "name", s->region);
	ASSERT_NE(NULL, region);
	ev = js_get(region, "events");
	bytes = js_get(region, "bytes");
	ASSERT_NE(NULL, ev);
	ASSERT_NE(NULL, bytes);
	for (i = 0; i < (int)NR_EVENTS; i++) {
		EXPECT_EQ(expected[i], js_int(ev, events[i], -1))
			TH_LOG("event %s", events[i]);
		EXPECT_EQ(expected[i] * (long long)MiB, js_int(bytes, events[i], -1))
			TH_LOG("bytes of %s", events[i]);
	}
	EXPECT_EQ(0, js_int(region, "revoke_failed", -1));

	/* Revoke latency: 2 revokes, one of them waited 50 ms for its ack. */
	lat = js_get(region, "revoke_latency");
	ASSERT_NE(NULL, lat);
	EXPECT_EQ(2, js_int(lat, "count", -1));
	EXPECT_EQ(2, hist_total(lat));
	EXPECT_LE(ACK_DELAY_MS * 1000000LL, js_int(lat, "max_ns", -1));
	EXPECT_LE(js_int(lat, "max_ns", -1), js_int(lat, "sum_ns", -1));
	hist = js_get(lat, "hist");
	ASSERT_NE(NULL, hist);
	n = js_len(hist);
	ASSERT_LE(1, n);
	/* The slowest bucket holds the 50 ms one: it ends above 50000 us. */
	EXPECT_LE(ACK_DELAY_MS * 1000LL, js_int(js_at(hist, n - 1), "hi_us", -1));
	for (i = 0; i < n; i++) {
		lo = js_int(js_at(hist, i), "lo_us", -1);
		hi = js_int(js_at(hist, i), "hi_us", -1);
		EXPECT_TRUE(lo == 0 ? hi == 0 : hi == 2 * lo - 1);
		EXPECT_LT(prev_hi, lo);
		EXPECT_LT(0, js_int(js_at(hist, i), "count", -1));
		prev_hi = hi;
	}

	/* Eviction latency, from the kprobe: 2 evictions. */
	EXPECT_STREQ("kprobe:dmem_evict_one", js_str(sum, "evict_latency_source"));
	lat = js_get(region, "evict_latency");
	ASSERT_NE(NULL, lat);
	EXPECT_EQ(2, js_int(lat, "count", -1));
	EXPECT_EQ(2, hist_total(lat));
	EXPECT_LT(0, js_int(lat, "max_ns", -1));
	EXPECT_EQ(0, js_int(sum, "evict_unpaired", -1));
	EXPECT_EQ(0, js_int(sum, "lost", -1));
	EXPECT_EQ(0, js_int(sum, "map_full", -1));

	/* One owner lost bytes in this region: A, in cgroup a. */
	owners = js_get(sum, "owners");
	ASSERT_NE(NULL, owners);
	owner = NULL;
	for (i = n = 0; i < (int)js_len(owners); i++) {
		if (strcmp(js_str(js_at(owners, i), "region"), s->region))
			continue;
		owner = js_at(owners, i);
		n++;
	}
	ASSERT_EQ(1, n);
	EXPECT_EQ(s->owner_a, js_int(owner, "tgid", -1));
	EXPECT_STREQ(OWNER_A_COMM, js_str(owner, "comm"));
	EXPECT_EQ((long long)cg_id(s->a), js_int(owner, "cgroup_id", -1));
	ASSERT_NE(NULL, js_str(owner, "cgroup"));
	EXPECT_EQ(0, strcmp(js_str(owner, "cgroup") + 1, s->a));
	EXPECT_EQ(2 * (long long)MiB, js_int(owner, "evicted_bytes", -1));
	EXPECT_EQ(2, js_int(owner, "evictions", -1));
	EXPECT_EQ(2 * (long long)MiB, js_int(owner, "revoked_bytes", -1));
	EXPECT_EQ(2, js_int(owner, "revokes", -1));
}

/* The line of @text that starts with @start (after blanks); NULL if none. */
static const char *find_line(const char *text, const char *start)
{
	const char *p = text;

	while (p && *p) {
		const char *q = p + strspn(p, " ");

		if (!strncmp(q, start, strlen(start)))
			return q;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

/*
 * Checks one histogram of the text summary, starting at its title line:
 * "  N <what>, avg X, max Y", the header, then rows "lo -> hi : count |*|"
 * with a bar of count * 40 / max stars; returns the sum of the counts.
 */
static long long check_hist_text(struct __test_metadata *_metadata,
				 const char *title, const char *what)
{
	unsigned long long lo, hi, count, max = 0, total = 0, counts[64];
	const char *p = strchr(title, '\n') + 1;
	int rows = 0, stars[64], i;
	char unit[16];
	long long n;

	if (sscanf(p, " %lld %15[a-z],", &n, unit) != 2) {
		TH_LOG("no count line: %.*s", (int)strcspn(p, "\n"), p);
		_metadata->exit_code = KSFT_FAIL;
		return -1;
	}
	EXPECT_STREQ(what, unit);
	p = strchr(p, '\n') + 1;
	EXPECT_EQ(p + strspn(p, " "), find_line(p, "usecs : count    distribution"));
	p = strchr(p, '\n') + 1;
	while (rows < 64 && sscanf(p, " %llu -> %llu : %llu |", &lo, &hi, &count) == 3) {
		const char *bar = strchr(p, '|');

		EXPECT_TRUE(lo == 0 ? hi == 0 : hi == 2 * lo - 1);
		stars[rows] = strspn(bar + 1, "*");
		EXPECT_EQ('|', bar[41]);
		counts[rows++] = count;
		total += count;
		if (count > max)
			max = count;
		p = strchr(p, '\n') + 1;
	}
	EXPECT_LT(0, rows);
	for (i = 0; i < rows; i++)
		EXPECT_EQ((int)(counts[i] * 40 / max), stars[i]);
	EXPECT_EQ(n, (long long)total);
	return total;
}

/* Checks the text summary of the counting scenario. */
static void check_text_summary(struct __test_metadata *_metadata,
			       const struct scenario *s, const char *out)
{
	char title[256], row[512], cgpath[160], *tok, *save;
	const char *p;
	size_t i;

	p = find_line(out, "EVENTS ");
	ASSERT_NE(NULL, p);
	snprintf(row, sizeof(row), "%.*s", (int)strcspn(p, "\n"), p);
	tok = strtok_r(row, " ", &save);
	for (i = 0; i < NR_EVENTS; i++) {
		tok = strtok_r(NULL, " ", &save);
		ASSERT_NE(NULL, tok);
		EXPECT_STREQ(events[i], tok);
	}
	p = find_line(p, s->region);
	ASSERT_NE(NULL, p);
	snprintf(row, sizeof(row), "%.*s", (int)strcspn(p, "\n"), p);
	tok = strtok_r(row, " ", &save);
	for (i = 0; i < NR_EVENTS; i++) {
		tok = strtok_r(NULL, " ", &save);
		ASSERT_NE(NULL, tok);
		EXPECT_EQ(expected[i], atoll(tok)) TH_LOG("event %s", events[i]);
	}

	snprintf(title, sizeof(title), "%s: eviction latency (dmem_evict_one() to dmem:dmem_evict)",
		 s->region);
	p = find_line(out, title);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(2, check_hist_text(_metadata, p, "evictions"));
	snprintf(title, sizeof(title),
		 "%s: revoke latency (dmem:dmem_revoke_start to dmem:dmem_revoke_done)",
		 s->region);
	p = find_line(out, title);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(2, check_hist_text(_metadata, p, "revokes"));

	/* REGION CGROUP TGID COMM EVICTED EVICTIONS */
	snprintf(cgpath, sizeof(cgpath), "/%s", s->a);
	p = find_line(out, "Top owners by evicted bytes");
	ASSERT_NE(NULL, p);
	p = find_line(p, s->region);
	ASSERT_NE(NULL, p);
	snprintf(row, sizeof(row), "%s %s %d %s 2.0M 2", s->region, cgpath,
		 s->owner_a, OWNER_A_COMM);
	snprintf(title, sizeof(title), "%.*s", (int)strcspn(p, "\n"), p);
	for (tok = title; *tok; tok++)	/* squeeze the blanks */
		while (tok[0] == ' ' && tok[1] == ' ')
			memmove(tok, tok + 1, strlen(tok));
	EXPECT_STREQ(row, title);
	p = find_line(out, "Top owners by revoked bytes");
	ASSERT_NE(NULL, p);
	p = find_line(p, s->region);
	ASSERT_NE(NULL, p);
	snprintf(title, sizeof(title), "%.*s", (int)strcspn(p, "\n"), p);
	for (tok = title; *tok; tok++)
		while (tok[0] == ' ' && tok[1] == ' ')
			memmove(tok, tok + 1, strlen(tok));
	EXPECT_STREQ(row, title);
}

/* --- the tests ------------------------------------------------------------ */

/*
 * No state of its own: the fixture is there for the timeout. Each test
 * boots dmemtrace (the verifier runs on 10 programs) and drives QEMU TCG
 * scenarios, which on a loaded host take longer than the default 30 s.
 */
FIXTURE(trace) {
	int unused;
};

FIXTURE_SETUP(trace)
{
}

FIXTURE_TEARDOWN(trace)
{
}

#define TIMEOUT		180

/*
 * --json: the exact counts, bytes, latencies and owners; and bpftool sees
 * the programs and their perf attachments while it runs, none after.
 */
TEST_F_TIMEOUT(trace, counts_and_bpftool, TIMEOUT)
{
	struct scenario s;
	struct trace t;
	struct json_object *sum;
	char *list, *perf, want[128];
	size_t i;

	scenario_setup(_metadata, &s, "dt_count");
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "--json", NULL }, true))
		TH_LOG("stderr: %s", t.errbuf);

	list = host_cmd("bpftool prog list");
	perf = host_cmd("bpftool perf list");
	ASSERT_NE(NULL, list);
	ASSERT_NE(NULL, perf);
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		snprintf(want, sizeof(want), "%s  name %s  tag", i == ARRAY_SIZE(progs) - 1 ?
			 "kprobe" : "tracepoint", progs[i]);
		EXPECT_NE(NULL, strstr(list, want)) TH_LOG("no '%s' in:\n%s", want, list);
	}
	for (i = 0; i < NR_EVENTS; i++) {
		snprintf(want, sizeof(want), "tracepoint  dmem_%s\n", events[i]);
		EXPECT_NE(NULL, strstr(perf, want)) TH_LOG("no '%s' in:\n%s", want, perf);
	}
	EXPECT_NE(NULL, strstr(perf, "kprobe  func dmem_evict_one  offset 0"));
	snprintf(want, sizeof(want), "pid %d  fd", t.pid);
	EXPECT_NE(NULL, strstr(perf, want));
	free(list);
	free(perf);

	scenario_run(_metadata, &s);
	trace_stop(&t, SIGINT);
	EXPECT_EQ(0, t.status) TH_LOG("stderr: %s", t.errbuf);
	sum = json_summary(t.outbuf);
	ASSERT_NE(NULL, sum) TH_LOG("output: %s", t.outbuf);
	check_summary(_metadata, &s, sum);
	js_put(sum);

	/* Gone with it: no program and no attachment left. */
	list = host_cmd("bpftool prog list");
	perf = host_cmd("bpftool perf list");
	ASSERT_NE(NULL, list);
	ASSERT_NE(NULL, perf);
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		snprintf(want, sizeof(want), "name %s  tag", progs[i]);
		EXPECT_EQ(NULL, strstr(list, want));
	}
	EXPECT_EQ(NULL, strstr(perf, "dmem_"));
	free(list);
	free(perf);
	trace_free(&t);
	scenario_cleanup(&s);
}

/* The text summary: the table, both histograms, both owner tables. */
TEST_F_TIMEOUT(trace, text_summary, TIMEOUT)
{
	struct scenario s;
	struct trace t;

	scenario_setup(_metadata, &s, "dt_text");
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-R", s.region, NULL }, true))
		TH_LOG("stderr: %s", t.errbuf);
	scenario_run(_metadata, &s);
	trace_stop(&t, SIGINT);
	EXPECT_EQ(0, t.status) TH_LOG("stderr: %s", t.errbuf);
	check_text_summary(_metadata, &s, t.outbuf);
	/* -R: no other region. */
	EXPECT_NE(NULL, strstr(t.outbuf, ", 1 region\n")) TH_LOG("%s", t.outbuf);
	trace_free(&t);
	scenario_cleanup(&s);
}

/* The index of event @name in events[], or NR_EVENTS. */
static int event_idx(const char *name)
{
	int e;

	for (e = 0; e < (int)NR_EVENTS; e++)
		if (!strcmp(name, events[e]))
			break;
	return e;
}

/* -e in text: counts the lines of each event in @s's and @tmo's regions. */
static void text_events(struct __test_metadata *_metadata, const char *out,
			const struct scenario *s, const char *tmo,
			long long seen[2][NR_EVENTS])
{
	/* TIME EVENT REGION CGROUP OWNER BYTES LATENCY BY */
	const char *p = find_line(out, "TIME(s) ");
	char ev[32], reg[80], cg[160], owner[64], size[16], lat[16];
	unsigned long sec, usec;
	int n, e;

	ASSERT_NE(NULL, p);
	for (p = strchr(p, '\n') + 1; *p && *p != '\n'; p = strchr(p, '\n') + 1) {
		n = sscanf(p, " %lu.%6lu %31s %79s %159s %63s %15s %15s",
			   &sec, &usec, ev, reg, cg, owner, size, lat);
		ASSERT_EQ(8, n) TH_LOG("line: %.*s", (int)strcspn(p, "\n"), p);
		e = event_idx(ev);
		ASSERT_GT((int)NR_EVENTS, e) TH_LOG("event %s", ev);
		if (!strcmp(reg, s->region)) {
			seen[0][e]++;
			EXPECT_STREQ("1.0M", size);
			if (e == 2 || e == 4)	/* evict, revoke_done */
				EXPECT_STRNE("-", lat);
		} else if (!strcmp(reg, tmo)) {
			seen[1][e]++;
		}
	}
	/* Counts in the summary's table. */
	p = find_line(p, s->region);
	ASSERT_NE(NULL, p);
	expect_counts(_metadata, "-e lines", expected, seen[0]);
}

/* -e in JSON: the same count, then the summary against the lines. */
static void json_events(struct __test_metadata *_metadata, const char *out,
			const struct scenario *s, const char *tmo,
			long long seen[2][NR_EVENTS])
{
	static struct json_object *lines[4096];
	struct json_object *region, *l;
	long long want[NR_EVENTS];
	const char *ev, *reg;
	int n, i, e;

	n = jlines(out, lines, ARRAY_SIZE(lines));
	ASSERT_LE(2, n) TH_LOG("not JSON lines: %s", out);
	for (i = 0; i < n - 1; i++) {
		l = lines[i];
		ev = js_str(l, "event");
		reg = js_str(l, "region");
		EXPECT_STREQ("event", js_str(l, "type"));
		ASSERT_NE(NULL, ev);
		ASSERT_NE(NULL, reg);
		e = event_idx(ev);
		ASSERT_GT((int)NR_EVENTS, e);
		if (!strcmp(reg, s->region)) {
			seen[0][e]++;
			EXPECT_EQ((long long)MiB, js_int(l, "bytes", -1));
			if (e == 2 || e == 4)
				EXPECT_LT(0, js_int(l, "latency_ns", -1));
			if (e == 2) {
				EXPECT_EQ(s->owner_a, js_int(l, "tgid", -1));
				EXPECT_EQ(getpid(), js_int(l, "by_tgid", -1));
			}
		} else if (!strcmp(reg, tmo)) {
			seen[1][e]++;
		}
	}
	EXPECT_STREQ("summary", js_str(lines[n - 1], "type"));
	check_summary(_metadata, s, lines[n - 1]);
	expect_counts(_metadata, "-e lines", expected, seen[0]);
	/* The timeout region: the lines agree with its counts. */
	region = js_find(js_get(lines[n - 1], "regions"), "name", tmo);
	ASSERT_NE(NULL, region);
	for (e = 0; e < (int)NR_EVENTS; e++)
		want[e] = js_int(js_get(region, "events"), events[e], -1);
	expect_counts(_metadata, "timeout region", want, seen[1]);
	for (i = 0; i < n; i++)
		js_put(lines[i]);
}

/*
 * -e: one line per event, every type seen (a revoke timeout too), as many
 * lines of each as the summary counts; in text and in JSON.
 */
TEST_F_TIMEOUT(trace, live_events, TIMEOUT)
{
	const char *const *modes[2] = {
		(const char *const []){ "-e", NULL },
		(const char *const []){ "-e", "--json", NULL },
	};
	char tmo[DMEM_SIM_NAME_LEN], tmo_region[DMEM_SIM_NAME_LEN + 4];
	long long seen[2][NR_EVENTS], want[NR_EVENTS];
	struct scenario s;
	struct trace t;
	int m, e;

	for (m = 0; m < 2; m++) {
		memset(seen, 0, sizeof(seen));
		scenario_setup(_metadata, &s, m ? "dt_livej" : "dt_live");
		ASSERT_EQ(0, trace_start(&t, modes[m], true)) TH_LOG("stderr: %s", t.errbuf);
		scenario_run(_metadata, &s);
		timeout_scenario(_metadata, tmo);
		sim_cg_name(tmo_region, tmo);
		trace_stop(&t, SIGINT);
		EXPECT_EQ(0, t.status) TH_LOG("stderr: %s", t.errbuf);
		if (m == 0)
			text_events(_metadata, t.outbuf, &s, tmo_region, seen);
		else
			json_events(_metadata, t.outbuf, &s, tmo_region, seen);
		/* Every event type at least once, the timeout in its region. */
		for (e = 0; e < (int)NR_EVENTS; e++)
			want[e] = seen[0][e] + seen[1][e] ? : -1;
		expect_counts(_metadata, "every type (-1: none)", want, want);
		EXPECT_EQ(1, seen[1][5]);
		EXPECT_EQ(2, seen[1][3]);
		EXPECT_EQ(2, seen[1][4]);
		trace_free(&t);
		scenario_cleanup(&s);
	}
}

/* -d ends it by itself; SIGTERM and SIGINT at once; both with a summary. */
TEST_F_TIMEOUT(trace, duration_and_signals, TIMEOUT)
{
	struct json_object *sum;
	struct trace t;
	int sig;

	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-d", "1.5", "-j", NULL },
				 false));
	trace_stop(&t, 0);
	EXPECT_EQ(0, t.status) TH_LOG("stderr: %s", t.errbuf);
	EXPECT_LE(1.5, t.secs);
	EXPECT_GT(60, t.secs);
	sum = json_summary(t.outbuf);
	ASSERT_NE(NULL, sum) TH_LOG("output: %s", t.outbuf);
	EXPECT_LE(1500, js_int(sum, "duration_ms", -1));
	EXPECT_GT(3000, js_int(sum, "duration_ms", -1));
	js_put(sum);
	trace_free(&t);

	for (sig = 0; sig < 2; sig++) {
		ASSERT_EQ(0, trace_start(&t, (const char *const []){ NULL }, true))
			TH_LOG("stderr: %s", t.errbuf);
		usleep(200000);
		trace_stop(&t, sig ? SIGTERM : SIGINT);
		EXPECT_EQ(0, t.status);
		EXPECT_NE(NULL, find_line(t.outbuf, "dmemtrace: "));
		EXPECT_NE(NULL, find_line(t.outbuf, "EVENTS "));
		EXPECT_NE(NULL, find_line(t.outbuf, "Top owners by revoked bytes"));
		trace_free(&t);
	}
}

/* Writes a copy of the kernel's dmem event directory into @dir. */
static int copy_events(const char *dir)
{
	static const char *const src = "/sys/kernel/tracing/events/dmem";
	char path[512], buf[8192];
	size_t i;
	int in, out;
	ssize_t n;

	for (i = 0; i < NR_EVENTS; i++) {
		snprintf(path, sizeof(path), "%s/events/dmem/dmem_%s", dir, events[i]);
		if (mkdir(path, 0755))
			return -1;
		snprintf(path, sizeof(path), "%s/dmem_%s/format", src, events[i]);
		in = open(path, O_RDONLY);
		n = in < 0 ? -1 : read(in, buf, sizeof(buf));
		if (in >= 0)
			close(in);
		snprintf(path, sizeof(path), "%s/events/dmem/dmem_%s/format", dir, events[i]);
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (n <= 0 || out < 0 || write(out, buf, n) != n)
			return -1;
		close(out);
	}
	return 0;
}

/* Not root: exit 3, and says so. Usage errors: exit 1. */
static void root_and_usage(struct __test_metadata *_metadata)
{
	const char *const *bad[] = {
		(const char *const []){ "-d", "0", NULL },
		(const char *const []){ "-d", "x", NULL },
		(const char *const []){ "-t", "-1", NULL },
		(const char *const []){ "--nope", NULL },
		(const char *const []){ "extra", NULL },
	};
	struct trace t;
	size_t i;

	as_nobody = true;
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-d", "0.1", NULL }, false));
	trace_stop(&t, 0);
	as_nobody = false;
	EXPECT_EQ(3, t.status);
	EXPECT_NE(NULL, strstr(t.errbuf, "root")) TH_LOG("stderr: %s", t.errbuf);
	trace_free(&t);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, trace_start(&t, bad[i], false));
		trace_stop(&t, 0);
		EXPECT_EQ(1, t.status) TH_LOG("case %zu", i);
		trace_free(&t);
	}
}

/* A kernel whose events moved: exit 2 and the field named. Bad usage: 1. */
TEST_F_TIMEOUT(trace, format_check_and_usage, TIMEOUT)
{
	char dir[] = "/tmp/dmemtrace.XXXXXX", path[512], cmd[1024];
	struct trace t;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events", dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	strcat(path, "/dmem");
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, copy_events(dir));

	/* The copy as it is: the check passes (then it traces the kernel). */
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-T", dir, "-d", "0.1", NULL },
				 false));
	trace_stop(&t, 0);
	EXPECT_EQ(0, t.status) TH_LOG("stderr: %s", t.errbuf);
	trace_free(&t);

	/* bytes of dmem_evict moved by 8. */
	snprintf(cmd, sizeof(cmd), "sed -i '%s' %s/events/dmem/dmem_evict/format",
		 "s/u64 bytes;\toffset:32;/u64 bytes;\toffset:40;/", dir);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-T", dir, "-d", "0.1", NULL },
				 false));
	trace_stop(&t, 0);
	EXPECT_EQ(2, t.status);
	EXPECT_NE(NULL, strstr(t.errbuf,
			       "dmem_evict/format: field \"u64 bytes\" at offset 40, size 8;"))
		TH_LOG("stderr: %s", t.errbuf);
	EXPECT_NE(NULL, strstr(t.errbuf, "expected \"u64 bytes\" at offset 32, size 8"));
	EXPECT_NE(NULL, strstr(t.errbuf, "not those this dmemtrace was built for"));
	trace_free(&t);

	/* latency_ns of dmem_revoke_done gone. */
	snprintf(cmd, sizeof(cmd), "sed -i '/latency_ns;/d' %s/events/dmem/dmem_revoke_done/format",
		 dir);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-T", dir, NULL }, false));
	trace_stop(&t, 0);
	EXPECT_EQ(2, t.status);
	EXPECT_NE(NULL, strstr(t.errbuf, "dmem_revoke_done/format: no field latency_ns"))
		TH_LOG("stderr: %s", t.errbuf);
	trace_free(&t);

	/* No dmem events at all. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s/events", dir);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, trace_start(&t, (const char *const []){ "-T", dir, NULL }, false));
	trace_stop(&t, 0);
	EXPECT_EQ(2, t.status);
	EXPECT_NE(NULL, strstr(t.errbuf, "no dmem trace events in"));
	trace_free(&t);
	rmdir(dir);

	root_and_usage(_metadata);
}

TEST_HARNESS_MAIN
