// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemtrace: trace the dmem eviction manager's events with BPF. Attaches to
 * every dmem:* tracepoint (and a kprobe for the start of evictions), prints
 * the events as they happen (-e) and, at the end (-d SECONDS, SIGINT or
 * SIGTERM), event counts, latency histograms per region and the owners
 * that lost the most to evictions and revokes. See docs/tools.md.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "dmemtrace.h"
#include "dmemtrace.skel.h"

#define OFF(type, field)	__builtin_offsetof(struct type, field)
static_assert(OFF(dt_tp_buf, region_loc) == DT_OFF_REGION &&
	      OFF(dt_tp_buf, cgroup) == DT_OFF_CGROUP &&
	      OFF(dt_tp_buf, tgid) == DT_OFF_TGID &&
	      OFF(dt_tp_buf, bytes) == DT_OFF_BYTES,
	      "struct dt_tp_buf does not match the DT_OFF_* offsets");
static_assert(OFF(dt_tp_revoke_done, region_loc) == DT_OFF_REGION &&
	      OFF(dt_tp_revoke_done, cgroup) == DT_OFF_CGROUP &&
	      OFF(dt_tp_revoke_done, tgid) == DT_OFF_TGID &&
	      OFF(dt_tp_revoke_done, bytes) == DT_OFF_BYTES &&
	      OFF(dt_tp_revoke_done, latency_ns) == DT_OFF_LATENCY &&
	      OFF(dt_tp_revoke_done, ret) == DT_OFF_RET,
	      "struct dt_tp_revoke_done does not match the DT_OFF_* offsets");

/* One run: the options, the loaded programs, what the summary needs. */
struct trace {
	struct dt_options opt;
	struct dt_summary sum;
	const char *tracefs_arg;	/* -T, or NULL */
	const char *tracefs;		/* the tracefs used */
	long long duration_ms;		/* -d, 0 for none */
	struct dmemtrace_bpf *skel;
	struct ring_buffer *rb;		/* the -e records, or NULL */
	unsigned long long start;	/* CLOCK_MONOTONIC ns */
	int sfd;			/* signalfd of SIGINT and SIGTERM */
};

static bool verbose;

static void print_help(FILE *f)
{
	fprintf(f,
		"Usage: dmemtrace [OPTIONS]\n"
		"Trace the dmem eviction manager: attach BPF programs to the dmem:*\n"
		"tracepoints, print events as they happen (-e) and, at the end, event\n"
		"counts, log2 histograms of eviction and revoke latency per region and\n"
		"the owners that lost the most bytes to evictions and revokes.\n"
		"\n"
		"Options:\n"
		"  -e, --events          print every event as it happens\n"
		"  -d, --duration SECS   stop after SECS seconds (fractions allowed);\n"
		"                        default: at SIGINT (Ctrl-C) or SIGTERM\n"
		"  -j, --json            JSON, one object per line: with -e one per\n"
		"                        event, then the summary\n"
		"  -R, --region NAME     only region NAME (e.g. sim/vram0)\n"
		"  -t, --top N           owners per table (default 10, 0 for all)\n"
		"  -T, --tracefs DIR     tracefs mount (default /sys/kernel/tracing, or\n"
		"                        /sys/kernel/debug/tracing)\n"
		"  -v, --verbose         libbpf's messages\n"
		"  -h, --help            this text\n"
		"\n"
		"Eviction latency runs from the entry of dmem_evict_one() (a kprobe:\n"
		"the victim is chosen) to dmem:dmem_evict in the same thread; revoke\n"
		"latency is dmem:dmem_revoke_done's latency_ns. Owners are the tgid\n"
		"and cgroup of the buffer's owner, as the events give them.\n"
		"\n"
		"Needs root (CAP_BPF and CAP_PERFMON). Kernel BTF is not needed.\n"
		"\n"
		"Exit status:\n"
		"  0  success (also when stopped by SIGINT or SIGTERM)\n"
		"  1  usage error\n"
		"  2  the kernel has no dmem trace events, or their format is not the\n"
		"     one dmemtrace was built for\n"
		"  3  the BPF programs could not be loaded or attached, or writing\n"
		"     the output failed\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (level == LIBBPF_INFO && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int handle_record(void *ctx, void *data, size_t len)
{
	const struct trace *t = ctx;

	if (len >= sizeof(struct dt_record))
		dt_print_record(stdout, &t->opt, data, t->start,
				t->sum.comms_fd);
	return 0;
}

/* Attaches every program; only the eviction-start kprobe may fail. */
static int attach_all(struct dmemtrace_bpf *skel, bool *evict_latency)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int n = 0;

	*evict_latency = false;
	bpf_object__for_each_program(prog, skel->obj) {
		link = bpf_program__attach(prog);
		if (!link && prog == skel->progs.dt_evict_one) {
			fprintf(stderr,
				"dmemtrace: cannot attach a kprobe to %s (%s): eviction latency is not measured\n",
				EVICT_START_FUNC, strerror(errno));
			continue;
		}
		if (!link) {
			fprintf(stderr, "dmemtrace: cannot attach %s to %s: %s\n",
				bpf_program__name(prog),
				bpf_program__section_name(prog), strerror(errno));
			return -1;
		}
		if (prog == skel->progs.dt_evict_one)
			*evict_latency = true;
		n++;
	}
	return n;
}

static int parse_duration(const char *arg, long long *ms)
{
	*ms = parse_seconds_ms(arg);
	if (*ms >= 0)
		return DT_EXIT_OK;
	fprintf(stderr,
		"dmemtrace: bad duration '%s': seconds, more than 0, at most 86400\n",
		arg);
	return DT_EXIT_USAGE;
}

static int parse_top(const char *arg, int *top)
{
	long v;

	if (!parse_long(arg, 0, 1000000, &v)) {
		fprintf(stderr, "dmemtrace: bad --top '%s'\n", arg);
		return DT_EXIT_USAGE;
	}
	*top = v;
	return DT_EXIT_OK;
}

/* The command line into @t; an exit code, DT_EXIT_OK to go on. */
static int parse_options(int argc, char **argv, struct trace *t)
{
	static const struct option longopts[] = {
		{ "events", no_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "region", required_argument, NULL, 'R' },
		{ "top", required_argument, NULL, 't' },
		{ "tracefs", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL },
	};
	int c, ret = DT_EXIT_OK;

	while (!ret &&
	       (c = getopt_long(argc, argv, "ed:jR:t:T:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			t->opt.live = true;
			break;
		case 'd':
			ret = parse_duration(optarg, &t->duration_ms);
			break;
		case 'j':
			t->opt.json = true;
			break;
		case 'R':
			t->opt.region = optarg;
			break;
		case 't':
			ret = parse_top(optarg, &t->opt.top);
			break;
		case 'T':
			t->tracefs_arg = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			print_help(stdout);
			exit(DT_EXIT_OK);
		default:
			print_help(stderr);
			return DT_EXIT_USAGE;
		}
	}
	if (!ret && optind < argc) {
		fprintf(stderr, "dmemtrace: unexpected argument '%s'\n", argv[optind]);
		return DT_EXIT_USAGE;
	}
	return ret;
}

/*
 * SIGINT and SIGTERM end the trace: blocked from now on, and read from
 * the returned signalfd in the main loop, so that a signal that comes
 * while the programs load still ends in a summary. -1 on failure.
 */
static int signals_fd(void)
{
	sigset_t signals;
	int sfd;

	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	sfd = signalfd(-1, &signals, SFD_CLOEXEC);
	if (sfd < 0)
		fprintf(stderr, "dmemtrace: signalfd: %s\n", strerror(errno));
	return sfd;
}

/* Opens and loads the BPF object, and the ring buffer of -e. */
static int load_programs(struct trace *t)
{
	int err;

	libbpf_set_print(libbpf_print);
	t->skel = dmemtrace_bpf__open();
	if (!t->skel) {
		fprintf(stderr, "dmemtrace: cannot open the BPF object: %s\n",
			strerror(errno));
		return DT_EXIT_BPF;
	}
	t->skel->rodata->live = t->opt.live;
	err = dmemtrace_bpf__load(t->skel);
	if (err) {
		fprintf(stderr, "dmemtrace: cannot load the BPF programs: %s%s\n",
			strerror(-err), err == -EPERM ?
			" (run as root: CAP_BPF and CAP_PERFMON are needed)" : "");
		return DT_EXIT_BPF;
	}
	t->sum.regions_fd = bpf_map__fd(t->skel->maps.regions);
	t->sum.owners_fd = bpf_map__fd(t->skel->maps.owners);
	t->sum.comms_fd = bpf_map__fd(t->skel->maps.comms);
	if (!t->opt.live)
		return DT_EXIT_OK;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.records),
				 handle_record, t, NULL);
	if (!t->rb) {
		fprintf(stderr, "dmemtrace: cannot set up the ring buffer: %s\n",
			strerror(errno));
		return DT_EXIT_BPF;
	}
	return DT_EXIT_OK;
}

/* Attaches the programs: the trace starts. */
static int start_trace(struct trace *t)
{
	int n;

	n = attach_all(t->skel, &t->sum.evict_latency);
	if (n < 0)
		return DT_EXIT_BPF;
	t->start = now_ns();
	fprintf(stderr,
		"dmemtrace: %d programs attached to the dmem events in %s; %s\n",
		n, t->tracefs, t->duration_ms ?
		"tracing for the duration given" : "tracing until Ctrl-C");
	dt_print_record_header(stdout, &t->opt);
	return DT_EXIT_OK;
}

/* Prints the -e records until a signal, or the end of -d. */
static void trace_loop(struct trace *t)
{
	unsigned long long now, deadline = 0;
	struct pollfd pfd[2] = {
		{ .fd = t->sfd, .events = POLLIN },
		{ .fd = t->rb ? ring_buffer__epoll_fd(t->rb) : -1,
		  .events = POLLIN },
	};
	int timeout, err;

	if (t->duration_ms)
		deadline = t->start + t->duration_ms * 1000000ULL;
	for (;;) {
		timeout = -1;
		if (deadline) {
			now = now_ns();
			if (now >= deadline)
				break;
			timeout = (deadline - now + 999999) / 1000000;
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "dmemtrace: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		if (t->rb && pfd[1].revents) {
			err = ring_buffer__consume(t->rb);
			if (err < 0) {
				fprintf(stderr, "dmemtrace: ring buffer: %s\n",
					strerror(-err));
				break;
			}
		}
	}
}

/* The rest of the records and the summary. */
static int report(struct trace *t)
{
	/* What is still in the ring buffer was traced in time: print it. */
	if (t->rb)
		ring_buffer__consume(t->rb);
	t->sum.duration_ms = (now_ns() - t->start) / 1000000;
	memcpy(t->sum.stats, t->skel->bss->stats, sizeof(t->sum.stats));
	dt_print_summary(stdout, &t->opt, &t->sum);
	if (ferror(stdout) || fflush(stdout))
		return DT_EXIT_BPF;
	return DT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct trace t = { .opt = { .top = 10 } };
	int ret;

	ret = parse_options(argc, argv, &t);
	if (ret)
		return ret;
	t.sfd = signals_fd();
	if (t.sfd < 0)
		return DT_EXIT_BPF;
	t.tracefs = dt_tracefs(t.tracefs_arg);
	ret = dt_check_formats(t.tracefs);
	if (ret)
		return ret;
	ret = load_programs(&t);
	if (!ret)
		ret = start_trace(&t);
	if (!ret) {
		trace_loop(&t);
		ret = report(&t);
	}
	close(t.sfd);
	ring_buffer__free(t.rb);
	dmemtrace_bpf__destroy(t.skel);
	return ret;
}
