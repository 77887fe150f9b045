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

/* What the ring buffer's callback needs. */
struct rb_ctx {
	const struct dt_options *opt;
	unsigned long long start;
	int comms_fd;
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
	const struct rb_ctx *c = ctx;

	if (len >= sizeof(struct dt_record))
		dt_print_record(stdout, c->opt, data, c->start, c->comms_fd);
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

int main(int argc, char **argv)
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
	struct dt_options opt = { .top = 10 };
	struct dt_summary sum = { 0 };
	const char *tracefs_arg = NULL, *tracefs;
	struct ring_buffer *rb = NULL;
	struct dmemtrace_bpf *skel;
	unsigned long long start, deadline = 0, now;
	int c, n, err, sfd, ret = DT_EXIT_OK;
	long long duration_ms = 0;
	struct rb_ctx rb_ctx;
	struct pollfd pfd[2];
	sigset_t signals;
	long top;

	while ((c = getopt_long(argc, argv, "ed:jR:t:T:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			opt.live = true;
			break;
		case 'd':
			duration_ms = parse_seconds_ms(optarg);
			if (duration_ms < 0) {
				fprintf(stderr,
					"dmemtrace: bad duration '%s': seconds, more than 0, at most 86400\n",
					optarg);
				return DT_EXIT_USAGE;
			}
			break;
		case 'j':
			opt.json = true;
			break;
		case 'R':
			opt.region = optarg;
			break;
		case 't':
			if (!parse_long(optarg, 0, 1000000, &top)) {
				fprintf(stderr, "dmemtrace: bad --top '%s'\n", optarg);
				return DT_EXIT_USAGE;
			}
			opt.top = top;
			break;
		case 'T':
			tracefs_arg = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			print_help(stdout);
			return DT_EXIT_OK;
		default:
			print_help(stderr);
			return DT_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dmemtrace: unexpected argument '%s'\n", argv[optind]);
		return DT_EXIT_USAGE;
	}

	/*
	 * SIGINT and SIGTERM end the trace: blocked from now on, and read
	 * from a signalfd in the main loop, so that a signal that comes
	 * while the programs load still ends in a summary.
	 */
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	sfd = signalfd(-1, &signals, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "dmemtrace: signalfd: %s\n", strerror(errno));
		return DT_EXIT_BPF;
	}

	tracefs = dt_tracefs(tracefs_arg);
	err = dt_check_formats(tracefs);
	if (err)
		return err;

	libbpf_set_print(libbpf_print);
	skel = dmemtrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "dmemtrace: cannot open the BPF object: %s\n",
			strerror(errno));
		return DT_EXIT_BPF;
	}
	skel->rodata->live = opt.live;
	err = dmemtrace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "dmemtrace: cannot load the BPF programs: %s%s\n",
			strerror(-err), err == -EPERM ?
			" (run as root: CAP_BPF and CAP_PERFMON are needed)" : "");
		ret = DT_EXIT_BPF;
		goto out;
	}
	sum.regions_fd = bpf_map__fd(skel->maps.regions);
	sum.owners_fd = bpf_map__fd(skel->maps.owners);
	sum.comms_fd = bpf_map__fd(skel->maps.comms);

	if (opt.live) {
		rb_ctx.opt = &opt;
		rb_ctx.comms_fd = sum.comms_fd;
		rb = ring_buffer__new(bpf_map__fd(skel->maps.records),
				      handle_record, &rb_ctx, NULL);
		if (!rb) {
			fprintf(stderr, "dmemtrace: cannot set up the ring buffer: %s\n",
				strerror(errno));
			ret = DT_EXIT_BPF;
			goto out;
		}
	}

	n = attach_all(skel, &sum.evict_latency);
	if (n < 0) {
		ret = DT_EXIT_BPF;
		goto out;
	}
	start = now_ns();
	rb_ctx.start = start;
	if (duration_ms)
		deadline = start + duration_ms * 1000000ULL;
	fprintf(stderr,
		"dmemtrace: %d programs attached to the dmem events in %s; %s\n",
		n, tracefs, duration_ms ? "tracing for the duration given" :
		"tracing until Ctrl-C");
	dt_print_record_header(stdout, &opt);

	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = rb ? ring_buffer__epoll_fd(rb) : -1;
	pfd[1].events = POLLIN;
	for (;;) {
		int timeout = -1;

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
		if (rb && pfd[1].revents) {
			err = ring_buffer__consume(rb);
			if (err < 0) {
				fprintf(stderr, "dmemtrace: ring buffer: %s\n",
					strerror(-err));
				break;
			}
		}
	}
	/* What is still in the ring buffer was traced in time: print it. */
	if (rb)
		ring_buffer__consume(rb);

	sum.duration_ms = (now_ns() - start) / 1000000;
	memcpy(sum.stats, skel->bss->stats, sizeof(sum.stats));
	dt_print_summary(stdout, &opt, &sum);
	if (ferror(stdout) || fflush(stdout))
		ret = DT_EXIT_BPF;
out:
	close(sfd);
	ring_buffer__free(rb);
	dmemtrace_bpf__destroy(skel);
	return ret;
}
