// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat: show the device memory usage, limits and events of every
 * cgroup, per region, from the dmem cgroup controller's files. Read only;
 * works unprivileged. See docs/tools.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "dmemstat.h"

#define DEFAULT_ROOT		"/sys/fs/cgroup"
#define DEFAULT_PROC		"/proc"
#define DEFAULT_INTERVAL_MS	2000

static void print_help(FILE *f)
{
	fprintf(f,
		"Usage: dmemstat [OPTIONS]\n"
		"       dmemstat --processes [OPTIONS]\n"
		"       dmemstat --prometheus [OPTIONS] [FILE]\n"
		"Show device memory (dmem cgroup controller) usage per cgroup and region,\n"
		"largest current usage first; or per process, from the fdinfo of the\n"
		"device files it holds; or write it in Prometheus's text format.\n"
		"\n"
		"Options:\n"
		"  -r, --root DIR        cgroup v2 root to read (default " DEFAULT_ROOT ")\n"
		"  -c, --cgroup PATH     only the subtree at PATH, relative to the root\n"
		"  -R, --region NAME     only region NAME (e.g. selftest/vram0)\n"
		"  -b, --bytes           exact bytes instead of K/M/G/T (powers of 1024)\n"
		"  -j, --json            JSON: exact bytes, \"max\" for no limit, null for\n"
		"                        a file that is absent or cannot be read\n"
		"  -w, --watch SECONDS   refresh every SECONDS (fractions allowed) until\n"
		"                        SIGINT or SIGTERM; clears the screen on a terminal\n"
		"  -n, --count COUNT     stop after COUNT reports (with -w, or every 2 s)\n"
		"  -p, --processes       per process: the device memory of the clients in\n"
		"                        /proc/PID/fdinfo (drm-total-, drm-resident-,\n"
		"                        dmem-pinned-, dmem-evicted-, dmem-revoked- keys);\n"
		"                        --cgroup and --region filter, -j and -w apply;\n"
		"                        unprivileged, only one's own processes\n"
		"      --proc DIR        the proc file system to read (default " DEFAULT_PROC ")\n"
		"  -P, --prometheus      the Prometheus text format (gauges and counters,\n"
		"                        labels cgroup and region), to stdout, or to FILE\n"
		"                        written atomically (temporary file, rename) for\n"
		"                        node_exporter's textfile collector\n"
		"  -h, --help            this text\n"
		"\n"
		"Columns: CURRENT (dmem.current), PINNED (dmem.pinned.current), MIN, LOW,\n"
		"MAX, PIN.MAX (dmem.pinned.max), PEAK, and the event counts of dmem.events\n"
		"(low max pin_max evict revoke enomem), which are subtree totals: a\n"
		"cgroup's counts include its descendants'. '-' is a value the cgroup does\n"
		"not have (the root has no limits, peak or events) or that cannot be read.\n"
		"\n"
		"Exit status:\n"
		"  0  success (also when stopped by SIGINT or SIGTERM)\n"
		"  1  usage error: bad option or value, or --cgroup names no cgroup\n"
		"  2  no dmem controller: the root has no dmem files, or dmem is not\n"
		"     enabled for the --cgroup cgroup (not in its parent's\n"
		"     cgroup.subtree_control)\n"
		"  3  I/O error: the root (or /proc) cannot be opened, or writing the\n"
		"     output (or FILE) failed\n");
}

static int check_modes(struct options *o);

/* "a//b/" -> "a/b"; NULL if a component is "..". */
static char *normalize_cgroup(const char *arg)
{
	char *copy = xstrdup(arg), *out, *tok, *save;
	size_t len = 0;

	out = xrealloc(NULL, strlen(arg) + 1, 1);
	out[0] = '\0';
	for (tok = strtok_r(copy, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			free(copy);
			free(out);
			return NULL;
		}
		len += sprintf(out + len, "%s%s", len ? "/" : "", tok);
	}
	free(copy);
	return out;
}

/* Applies option @c with its argument @arg; 0 or EXIT_USAGE. */
static int apply_option(int c, char *arg, struct options *o)
{
	switch (c) {
	case 'r':
		o->root = arg;
		return 0;
	case 'c':
		free(o->cgroup);
		o->cgroup = normalize_cgroup(arg);
		if (!o->cgroup) {
			fprintf(stderr, "dmemstat: --cgroup %s: \"..\" is not allowed\n",
				arg);
			return EXIT_USAGE;
		}
		return 0;
	case 'R':
		o->region = arg;
		return 0;
	case 'b':
		o->bytes = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'w':
		o->interval_ms = parse_seconds_ms(arg);
		if (o->interval_ms < 0) {
			fprintf(stderr, "dmemstat: -w %s: not in (0, 86400] seconds\n",
				arg);
			return EXIT_USAGE;
		}
		return 0;
	case 'n':
		if (!parse_long(arg, 1, LONG_MAX, &o->count)) {
			fprintf(stderr, "dmemstat: -n %s: not a positive count\n",
				arg);
			return EXIT_USAGE;
		}
		return 0;
	case 'p':
		o->processes = true;
		return 0;
	case 'x':
		o->proc = arg;
		return 0;
	case 'P':
		o->prometheus = true;
		return 0;
	case 'h':
		print_help(stdout);
		exit(EXIT_OK);
	default:
		print_help(stderr);
		return EXIT_USAGE;
	}
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "root",   required_argument, NULL, 'r' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "region", required_argument, NULL, 'R' },
		{ "bytes",  no_argument,       NULL, 'b' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "watch",  required_argument, NULL, 'w' },
		{ "count",  required_argument, NULL, 'n' },
		{ "processes", no_argument,    NULL, 'p' },
		{ "proc",   required_argument, NULL, 'x' },
		{ "prometheus", no_argument,   NULL, 'P' },
		{ "help",   no_argument,       NULL, 'h' },
		{ }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->root = DEFAULT_ROOT;
	o->proc = DEFAULT_PROC;
	o->cgroup = xstrdup("");
	while ((c = getopt_long(argc, argv, "r:c:R:bjw:n:pPh", longopts,
				NULL)) != -1) {
		int ret = apply_option(c, optarg, o);

		if (ret)
			return ret;
	}
	if (o->prometheus && optind < argc)
		o->prom_file = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "dmemstat: unexpected argument %s\n", argv[optind]);
		print_help(stderr);
		return EXIT_USAGE;
	}
	return check_modes(o);
}

/* The options that do not go together. */
static int check_modes(struct options *o)
{
	const char *bad = NULL;

	if (o->processes && o->prometheus)
		bad = "--processes and --prometheus";
	else if (o->prometheus && o->json)
		bad = "--prometheus and --json";
	else if (o->prometheus && o->bytes)
		bad = "--prometheus and --bytes (it always writes bytes)";
	else if (o->processes && strcmp(o->root, DEFAULT_ROOT))
		bad = "--processes and --root (it reads /proc, see --proc)";
	if (bad) {
		fprintf(stderr, "dmemstat: %s do not go together\n", bad);
		return EXIT_USAGE;
	}
	if (o->count && !o->interval_ms)
		o->interval_ms = DEFAULT_INTERVAL_MS;
	return EXIT_OK;
}

/*
 * SIGINT and SIGTERM end the watch loop: they are blocked, and taken by
 * sigtimedwait() while waiting for the next refresh (a signal that came
 * while reading is pending and taken at once).
 */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigprocmask(SIG_BLOCK, set, NULL);
}

/* Waits @ms; false if a signal asks to stop. */
static bool sleep_ms(const sigset_t *set, long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ts.tv_sec;
	end.tv_nsec += ts.tv_nsec;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		if (sigtimedwait(set, NULL, &ts) >= 0)
			return false;
		if (errno != EINTR)
			return true;
		/* Another signal (SIGWINCH, SIGCONT...): wait the rest. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		ts.tv_sec = end.tv_sec - now.tv_sec;
		ts.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (ts.tv_nsec < 0) {
			ts.tv_sec--;
			ts.tv_nsec += 1000000000L;
		}
		if (ts.tv_sec < 0)
			return true;
	}
}

static void print_watch_header(const struct options *o, bool tty)
{
	char stamp[32];
	time_t now = time(NULL);

	if (tty)
		fputs("\033[H\033[J", stdout);
	strftime(stamp, sizeof(stamp), "%F %T", localtime(&now));
	printf("dmemstat %s%s%s, every %gs, %s\n",
	       o->processes ? "--processes" : o->root,
	       *o->cgroup ? " --cgroup /" : "", o->cgroup,
	       o->interval_ms / 1000.0, stamp);
}

/* In watch mode, the header of a table. */
static void watch_header(const struct options *o, long n)
{
	bool tty = isatty(STDOUT_FILENO);

	if (!o->interval_ms || o->json)
		return;
	if (n && !tty)
		putchar('\n');
	print_watch_header(o, tty);
}

static int report_processes(const struct options *o, long n)
{
	struct proc_snapshot ps;
	int ret;

	ret = procs_read(&ps, o);
	if (ret)
		return ret;
	watch_header(o, n);
	procs_print(&ps, o);
	procs_free(&ps);
	return EXIT_OK;
}

static int report_cgroups(const struct options *o, long n)
{
	struct snapshot s;
	struct row *rows;
	size_t nr;
	int ret;

	ret = snapshot_read(&s, o);
	if (ret)
		return ret;
	if (o->prometheus) {
		ret = prometheus_write(&s, o);
		snapshot_free(&s);
		return ret;
	}
	rows = make_rows(&s, o, &nr);
	watch_header(o, n);
	if (o->json)
		print_json(&s, o, rows, nr);
	else
		print_table(&s, o, rows, nr);
	free(rows);
	snapshot_free(&s);
	return EXIT_OK;
}

static int report(const struct options *o, long n)
{
	int ret;

	if (o->processes)
		ret = report_processes(o, n);
	else
		ret = report_cgroups(o, n);
	if (ret)
		return ret;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "dmemstat: writing the output: %s\n",
			strerror(errno));
		return EXIT_IO;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o;
	sigset_t set;
	long n;
	int ret;

	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret;
	if (o.interval_ms)
		block_signals(&set);
	for (n = 0; ; n++) {
		ret = report(&o, n);
		if (ret || !o.interval_ms || (o.count && n + 1 >= o.count))
			break;
		if (!sleep_ms(&set, o.interval_ms))
			break;
	}
	free(o.cgroup);
	return ret;
}
