// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemsim - drive /dev/dmem_sim and the simulated NIC /dev/dmem_nic from
 * shell scripts.
 *
 *   dmemsim [-n NAME] [-q] SCRIPT...
 *
 * Opens /dev/dmem_sim once (one owner, charged to the caller's cgroup),
 * and /dev/dmem_nic at the first import (its importers live there), and
 * runs the commands of the SCRIPT arguments in order; commands are
 * separated by ';' or newlines, '#' starts a comment. A command prefixed
 * with "!ERRNO " (e.g. "!ENOMEM alloc x vram0 64M") must fail with that
 * errno, "! " with any; otherwise it must succeed. The first surprise
 * stops the script with exit status 1. Buffers, dma-buf fds and importers
 * get names given in the commands. Output lines start with "[NAME]".
 *
 * Commands:
 *   region-create REGION SIZE        region-destroy REGION
 *   region-info REGION               owner
 *   alloc BUF REGION SIZE [pinned]   free BUF
 *   pin BUF    unpin BUF    touch BUF    info BUF
 *   fill BUF SEED                    verify BUF SEED
 *   export BUF                       (the dma-buf is then named BUF too)
 *   dmabuf BUF FD                    BUF: another exporter's dma-buf,
 *                                    inherited as descriptor FD (a GPU's
 *                                    PRIME export), to be imported
 *   import IMP BUF pinned [prompt|manual|delay=MS]
 *   import IMP BUF dynamic           use IMP    ack IMP    detach IMP
 *   events                           print the events queued (the
 *                                    owner's, then the NIC's)
 *   wait-event TYPE [NAME] [MS]      print events until one of TYPE (of
 *                                    the buffer or importer NAME) came
 *   expect-state BUF STATE           sleep MS    echo TEXT...
 *   touch-file PATH                  wait-file PATH [MS]
 * SIZE takes K, M or G. Event types: evicted, revoked, importer-revoked,
 * importer-acked, importer-moved, region-destroyed, revoke-failed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/dmem_nic.h>
#include <linux/dmem_sim.h>

#include "size.h"

#define fallthrough	__attribute__((__fallthrough__))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_NAMES	64
#define MAX_ARGS	16

enum kind { K_BUF, K_IMP };

struct name {
	char name[32];
	enum kind kind;
	unsigned int id;	/* handle or importer id */
	int fd;			/* dma-buf fd of an exported buffer, or -1 */
	unsigned long long size;
};

static struct name names[MAX_NAMES];
static int nr_names;
static int dev = -1;
static int nic = -1;	/* /dev/dmem_nic, opened by the first import */
static const char *me = "dmemsim";
static int quiet;

static void out(const char *fmt, ...)
{
	va_list ap;

	printf("[%s] ", me);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *const errnames[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [EINTR] = "EINTR",
	[EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
	[EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
	[ENODEV] = "ENODEV", [EINVAL] = "EINVAL", [ENOTTY] = "ENOTTY",
	[ETIMEDOUT] = "ETIMEDOUT", [EOVERFLOW] = "EOVERFLOW",
};

static const char *errname(int e)
{
	if (e > 0 && e < (int)ARRAY_SIZE(errnames) &&
	    errnames[e])
		return errnames[e];
	return "E?";
}

static int errnum(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i] && !strcmp(errnames[i], s))
			return i;
	return -1;
}

static int parse_size(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (toupper(*end)) {
	case 'G':
		*v <<= 10;
		fallthrough;
	case 'M':
		*v <<= 10;
		fallthrough;
	case 'K':
		*v <<= 10;
		end++;
		break;
	}
	return *end ? -1 : 0;
}

static struct name *lookup(const char *n, enum kind kind)
{
	int i;

	for (i = 0; i < nr_names; i++)
		if (names[i].kind == kind && !strcmp(names[i].name, n))
			return &names[i];
	return NULL;
}

/* The buffer named @n in *@b; -ENOENT if there is none. */
static int find_buf(const char *n, struct name **b)
{
	*b = lookup(n, K_BUF);
	return *b ? 0 : -ENOENT;
}

static struct name *by_id(enum kind kind, unsigned int id)
{
	int i;

	for (i = 0; i < nr_names; i++)
		if (names[i].kind == kind && names[i].id == id)
			return &names[i];
	return NULL;
}

static struct name *add_name(const char *n, enum kind kind, unsigned int id,
			     unsigned long long size)
{
	struct name *nm = lookup(n, kind);

	if (!nm) {
		if (nr_names == MAX_NAMES)
			return NULL;
		nm = &names[nr_names++];
	}
	snprintf(nm->name, sizeof(nm->name), "%s", n);
	nm->kind = kind;
	nm->id = id;
	nm->fd = -1;
	nm->size = size;
	return nm;
}

static void region_name(char *dst, const char *src)
{
	memset(dst, 0, DMEM_SIM_NAME_LEN);
	if (!strncmp(src, "sim/", 4))
		src += 4;
	snprintf(dst, DMEM_SIM_NAME_LEN, "%s", src);
}

static const char *const states[] = {
	"evicted", "resident", "evicting", "revoking", "revoked",
};

/* dmem_sim's owner events and the NIC's importer events have distinct numbers. */
static const char *const event_names[] = {
	[DMEM_SIM_EVENT_BUF_EVICTED] = "evicted",
	[DMEM_SIM_EVENT_BUF_REVOKED] = "revoked",
	[DMEM_NIC_EVENT_IMPORTER_REVOKED] = "importer-revoked",
	[DMEM_NIC_EVENT_IMPORTER_ACKED] = "importer-acked",
	[DMEM_NIC_EVENT_IMPORTER_MOVED] = "importer-moved",
	[DMEM_SIM_EVENT_REGION_DESTROYED] = "region-destroyed",
	[DMEM_SIM_EVENT_BUF_REVOKE_FAILED] = "revoke-failed",
};

static int event_type(const char *s)
{
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(event_names); i++)
		if (!strcmp(event_names[i], s))
			return i;
	return -1;
}

static const char *event_name(unsigned int type)
{
	return type < ARRAY_SIZE(event_names) && event_names[type] ?
	       event_names[type] : "?";
}

/* Print one owner event; return the name it concerns (or NULL). */
static struct name *print_event(const struct dmem_sim_event *ev)
{
	char sz[SIZE_STR_LEN];
	struct name *nm;

	size_str(sz, sizeof(sz), ev->size);
	if (ev->type == DMEM_SIM_EVENT_REGION_DESTROYED) {
		out("event #%llu region-destroyed sim/%s", ev->seq, ev->region);
		return NULL;
	}
	nm = by_id(K_BUF, ev->handle);
	out("event #%llu %s: buffer %s (%s in sim/%s)", ev->seq,
	    event_name(ev->type), nm ? nm->name : "?", sz, ev->region);
	return nm;
}

/* Print one event of the NIC; return the importer it concerns (or NULL). */
static struct name *print_nic_event(const struct dmem_nic_event *ev)
{
	char sz[SIZE_STR_LEN];
	struct name *nm = by_id(K_IMP, ev->importer);

	size_str(sz, sizeof(sz), ev->size);
	out("nic event #%llu %s: importer %s (%s dma-buf)", ev->seq,
	    event_name(ev->type), nm ? nm->name : "?", sz);
	return nm;
}

/*
 * The next event of each file, read ahead so that the two files' events
 * print in the order they happened (their times are CLOCK_MONOTONIC).
 */
struct ahead {
	struct dmem_sim_event ev;
	struct dmem_nic_event nev;
	bool have_ev, have_nev;
};

/* Read ahead from the files that @pfd found ready; 0 or -errno. */
static int read_ahead(struct ahead *a, const struct pollfd *pfd)
{
	if (!a->have_ev && (pfd[0].revents & POLLIN)) {
		if (read(dev, &a->ev, sizeof(a->ev)) != sizeof(a->ev))
			return -errno;
		a->have_ev = true;
	}
	if (!a->have_nev && (pfd[1].revents & POLLIN)) {
		if (read(nic, &a->nev, sizeof(a->nev)) != sizeof(a->nev))
			return -errno;
		a->have_nev = true;
	}
	return 0;
}

/* Print the earlier event read ahead; its type, and in *@got its name. */
static int print_earlier(struct ahead *a, struct name **got)
{
	if (a->have_ev && (!a->have_nev || a->ev.time_ns <= a->nev.time_ns)) {
		a->have_ev = false;
		*got = print_event(&a->ev);
		return a->ev.type;
	}
	a->have_nev = false;
	*got = print_nic_event(&a->nev);
	return a->nev.type;
}

/* Read and print events; stop at one of @type (and @nm) if @type > 0. */
static int read_events(int type, const char *nm, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = dev, .events = POLLIN }, { .fd = nic, .events = POLLIN },
	};
	/* Kept across calls: a wait may stop with the other file's read. */
	static struct ahead a;
	struct timespec start, now;
	struct name *got;
	int left = ms, r, e, got_type;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		/* What is queued now; a negative fd (no NIC yet) is ignored. */
		r = poll(pfd, 2, 0);
		if (!r && !a.have_ev && !a.have_nev)
			r = poll(pfd, 2, type > 0 ? left : 0);
		if (r < 0)
			return -errno;
		if (!r && !a.have_ev && !a.have_nev)
			return type > 0 ? -ETIMEDOUT : 0;
		e = r ? read_ahead(&a, pfd) : 0;
		if (e)
			return e;
		got_type = print_earlier(&a, &got);
		if (type <= 0)
			continue;
		if (got_type == type && (!nm || (got && !strcmp(got->name, nm))))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left < 0)
			left = 0;
	}
}

static unsigned char pattern(unsigned long long seed, unsigned long long i)
{
	return (unsigned char)(seed * 131 + i * 7 + (i >> 12));
}

static int fill_verify(struct name *b, unsigned long long seed, int verify)
{
	unsigned long long off, chunk = 1 << 20;
	unsigned char *data = malloc(chunk), *want = malloc(chunk);
	int ret = 0;

	if (!data || !want) {
		free(data);
		free(want);
		return -ENOMEM;
	}
	for (off = 0; off < b->size && !ret; off += chunk) {
		unsigned long long n = b->size - off < chunk ? b->size - off : chunk;
		struct dmem_sim_rw rw = {
			.handle = b->id, .offset = off, .len = n,
			.ptr = (uintptr_t)data,
		};
		unsigned long long i;

		for (i = 0; i < n; i++)
			want[i] = pattern(seed, off + i);
		if (!verify) {
			memcpy(data, want, n);
			if (ioctl(dev, DMEM_SIM_IOC_WRITE, &rw))
				ret = -errno;
			continue;
		}
		if (ioctl(dev, DMEM_SIM_IOC_READ, &rw)) {
			ret = -errno;
		} else if (memcmp(data, want, n)) {
			for (i = 0; data[i] == want[i]; i++)
				;
			out("verify %s: byte %llu is 0x%02x, expected 0x%02x",
			    b->name, off + i, data[i], want[i]);
			ret = -EIO;
		}
	}
	free(data);
	free(want);
	return ret;
}

static int wait_file(const char *path, int ms)
{
	struct stat st;

	while (stat(path, &st)) {
		if (ms <= 0)
			return -ETIMEDOUT;
		usleep(20000);
		ms -= 20;
	}
	return 0;
}

/*
 * A command of a script: its name, how many words it takes (the name
 * included; extra words are refused), its usage, and its handler, which
 * returns 0 or -errno (-EINVAL also for a malformed command). @req is the
 * ioctl of the commands that share a handler (free, pin...; ack, detach).
 */
struct command {
	const char *name;
	int min_words;
	int max_words;
	const char *usage;
	int (*fn)(const struct command *c, int argc, char **argv);
	unsigned long req;
};

static int cmd_region_create(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_region_create a = { 0 };
	char sz[SIZE_STR_LEN];

	region_name(a.name, argv[1]);
	if (parse_size(argv[2], &a.size))
		return -EINVAL;
	if (ioctl(dev, DMEM_SIM_IOC_REGION_CREATE, &a))
		return -errno;
	out("region sim/%s created: %s of simulated VRAM", a.name,
	    size_str(sz, sizeof(sz), a.size));
	return 0;
}

static int cmd_region_destroy(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_region_name a = { 0 };

	region_name(a.name, argv[1]);
	if (ioctl(dev, DMEM_SIM_IOC_REGION_DESTROY, &a))
		return -errno;
	out("region sim/%s destroyed", a.name);
	return 0;
}

static int cmd_region_info(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_region_info a = { 0 };
	char cap[SIZE_STR_LEN], used[SIZE_STR_LEN];

	region_name(a.name, argv[1]);
	if (ioctl(dev, DMEM_SIM_IOC_REGION_INFO, &a))
		return -errno;
	out("sim/%s: capacity %s used %s buffers %llu parked %llu %s %llu",
	    a.name, size_str(cap, sizeof(cap), a.capacity),
	    size_str(used, sizeof(used), a.used), a.buffers, a.parked,
	    "revoke_timeouts", a.revoke_timeouts);
	return 0;
}

static int cmd_owner(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_owner_info a = { 0 };
	char s[4][SIZE_STR_LEN];

	if (ioctl(dev, DMEM_SIM_IOC_OWNER_INFO, &a))
		return -errno;
	out("owner pid %d: resident %s pinned %s evicted %s revoked %s revoke_failures %llu",
	    a.tgid, size_str(s[0], sizeof(s[0]), a.resident),
	    size_str(s[1], sizeof(s[1]), a.pinned),
	    size_str(s[2], sizeof(s[2]), a.evicted),
	    size_str(s[3], sizeof(s[3]), a.revoked),
	    (unsigned long long)a.revoke_failures);
	return 0;
}

static int cmd_alloc(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_alloc a = { 0 };
	char sz[SIZE_STR_LEN];
	int e = 0;

	region_name(a.region, argv[2]);
	if (parse_size(argv[3], &a.size))
		return -EINVAL;
	if (argc > 4 && strcmp(argv[4], "pinned"))
		return -EINVAL;
	if (argc > 4)
		a.flags = DMEM_SIM_ALLOC_PINNED;
	if (ioctl(dev, DMEM_SIM_IOC_ALLOC, &a))
		e = errno;
	else if (!add_name(argv[1], K_BUF, a.handle, a.size))
		return -ENOMEM;
	out("alloc %s: %s in sim/%s%s -> %s", argv[1],
	    size_str(sz, sizeof(sz), a.size), a.region,
	    a.flags ? ", pinned" : "", e ? errname(e) : "ok");
	return -e;
}

/* free, pin, unpin, touch: @c->req on the buffer. */
static int cmd_buf_op(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_buf_op a = { 0 };
	struct name *b;
	int e = 0;

	if (find_buf(argv[1], &b))
		return -ENOENT;
	a.handle = b->id;
	if (ioctl(dev, c->req, &a))
		e = errno;
	out("%s %s -> %s", c->name, b->name, e ? errname(e) : "ok");
	return -e;
}

static const char *state_name(unsigned int state)
{
	return state < ARRAY_SIZE(states) ? states[state] : "?";
}

/* The state of the buffer named @n in *@a. */
static int buf_info(const char *n, struct name **b,
		    struct dmem_sim_buf_info *a)
{
	if (find_buf(n, b))
		return -ENOENT;
	memset(a, 0, sizeof(*a));
	a->handle = (*b)->id;
	return ioctl(dev, DMEM_SIM_IOC_INFO, a) ? -errno : 0;
}

static int cmd_info(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_buf_info a;
	char sz[SIZE_STR_LEN];
	struct name *b;
	int ret;

	ret = buf_info(argv[1], &b, &a);
	if (ret)
		return ret;
	out("%s: %s %s, %u pin(s), %u importer(s), %s %llux, %s %llux, %s %llux",
	    b->name, size_str(sz, sizeof(sz), a.size), state_name(a.state),
	    a.pins, a.importers, "evicted", a.evictions, "restored",
	    a.restores, "revoked", a.revokes);
	return 0;
}

static int cmd_expect_state(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_buf_info a;
	struct name *b;
	int ret;

	ret = buf_info(argv[1], &b, &a);
	if (ret)
		return ret;
	if (a.state >= ARRAY_SIZE(states) || strcmp(states[a.state], argv[2])) {
		out("%s is %s, expected %s", b->name, state_name(a.state),
		    argv[2]);
		return -EIO;
	}
	return 0;
}

/* Writes or checks the pattern of SEED in the buffer argv[1]. */
static int fill_or_verify(const struct command *c, char **argv, bool verify)
{
	unsigned long long seed;
	char sz[SIZE_STR_LEN];
	struct name *b;
	int ret;

	if (find_buf(argv[1], &b))
		return -ENOENT;
	if (parse_size(argv[2], &seed))
		return -EINVAL;
	ret = fill_verify(b, seed, verify);
	if (!ret)
		out("%s %s: %s %s pattern %llu", c->name, b->name,
		    size_str(sz, sizeof(sz), b->size),
		    verify ? "intact," : "written,", seed);
	return ret;
}

static int cmd_fill(const struct command *c, int argc, char **argv)
{
	return fill_or_verify(c, argv, false);
}

static int cmd_verify(const struct command *c, int argc, char **argv)
{
	return fill_or_verify(c, argv, true);
}

static int cmd_export(const struct command *c, int argc, char **argv)
{
	struct dmem_sim_export a = { 0 };
	struct name *b;

	if (find_buf(argv[1], &b))
		return -ENOENT;
	a.handle = b->id;
	if (ioctl(dev, DMEM_SIM_IOC_EXPORT, &a))
		return -errno;
	b->fd = a.fd;
	out("export %s -> dma-buf fd %d", b->name, a.fd);
	return 0;
}

static int cmd_dmabuf(const struct command *c, int argc, char **argv)
{
	int fd = atoi(argv[2]);
	off_t size = lseek(fd, 0, SEEK_END);
	struct name *b;

	if (size < 0)
		return -errno;
	b = add_name(argv[1], K_BUF, 0, size);
	if (!b)
		return -ENOMEM;
	b->fd = fd;
	out("dmabuf %s: descriptor %d, %lld bytes", b->name, fd,
	    (long long)size);
	return 0;
}

/* "dynamic", or "pinned [prompt|manual|delay=MS]", into @a; NULL if bad. */
static const char *import_mode(int argc, char **argv,
			       struct dmem_nic_import *a)
{
	const char *ack = argc > 4 ? argv[4] : "prompt";

	if (!strcmp(argv[3], "dynamic")) {
		a->mode = DMEM_NIC_IMPORT_DYNAMIC;
		return "dynamic (move_notify)";
	}
	if (strcmp(argv[3], "pinned"))
		return NULL;
	a->mode = DMEM_NIC_IMPORT_PINNED;
	if (!strcmp(ack, "manual")) {
		a->ack = DMEM_NIC_ACK_MANUAL;
		return "pinned, acks only when told";
	}
	if (!strncmp(ack, "delay=", 6)) {
		a->ack = DMEM_NIC_ACK_DELAYED;
		a->delay_ms = atoi(ack + 6);
		return "pinned, acks after a delay";
	}
	return strcmp(ack, "prompt") ? NULL : "pinned, acks promptly";
}

/* The NIC's file, opened at the first use: 0 or -errno. */
static int nic_open(void)
{
	if (nic < 0)
		nic = open("/dev/dmem_nic", O_RDWR | O_CLOEXEC);
	return nic < 0 ? -errno : 0;
}

static int cmd_import(const struct command *c, int argc, char **argv)
{
	struct dmem_nic_import a = { 0 };
	struct name *b, *imp;
	const char *how;
	int e;

	b = lookup(argv[2], K_BUF);
	if (!b || b->fd < 0)
		return -ENOENT;
	a.fd = b->fd;
	how = import_mode(argc, argv, &a);
	if (!how)
		return -EINVAL;
	e = nic_open();
	if (e) {
		out("import %s: /dev/dmem_nic: %s", argv[1], errname(-e));
		return e;
	}
	if (ioctl(nic, DMEM_NIC_IOC_IMPORT, &a)) {
		e = errno;
		out("import %s of %s, %s -> %s", argv[1], b->name, how,
		    errname(e));
		return -e;
	}
	imp = add_name(argv[1], K_IMP, a.id, b->size);
	if (!imp)
		return -ENOMEM;
	out("import %s: attached to %s's dma-buf, %s", imp->name, b->name,
	    how);
	return 0;
}

static int cmd_use(const struct command *c, int argc, char **argv)
{
	static const char *const ist[] = { "mapped", "unmapped", "revoked" };
	struct dmem_nic_importer_info info = { 0 };
	struct name *imp = lookup(argv[1], K_IMP);
	int e = 0;

	if (!imp)
		return -ENOENT;
	info.id = imp->id;
	if (ioctl(nic, DMEM_NIC_IOC_IMPORTER_USE, &info))
		e = errno;
	if (!e || e == ENODEV)
		out("use %s: %s, %llu map(s), %llu %s, %llu %s, %llu ack(s)%s",
		    imp->name, info.state < 3 ? ist[info.state] : "?",
		    info.maps, info.move_notifies, "move_notify",
		    info.revoke_notifies, "revoke notification(s)",
		    info.acks, e ? " -> ENODEV" : "");
	return -e;
}

/* ack, detach: @c->req on the importer. */
static int cmd_importer_op(const struct command *c, int argc, char **argv)
{
	struct dmem_nic_importer_op op = { 0 };
	struct name *imp = lookup(argv[1], K_IMP);
	int e = 0;

	if (!imp)
		return -ENOENT;
	op.id = imp->id;
	if (ioctl(nic, c->req, &op))
		e = errno;
	out("%s %s -> %s", c->name, imp->name, e ? errname(e) : "ok");
	return -e;
}

static int cmd_events(const struct command *c, int argc, char **argv)
{
	return read_events(0, NULL, 0);
}

static int cmd_wait_event(const struct command *c, int argc, char **argv)
{
	const char *nm = argc > 2 && strcmp(argv[2], "-") ? argv[2] : NULL;
	int type = event_type(argv[1]);

	if (type < 0)
		return -EINVAL;
	return read_events(type, nm, argc > 3 ? atoi(argv[3]) : 10000);
}

static int cmd_sleep(const struct command *c, int argc, char **argv)
{
	usleep(atoi(argv[1]) * 1000);
	return 0;
}

static int cmd_echo(const struct command *c, int argc, char **argv)
{
	char line[512] = "";
	int i;

	for (i = 1; i < argc; i++) {
		strncat(line, argv[i], sizeof(line) - strlen(line) - 2);
		strcat(line, " ");
	}
	out("%s", line);
	return 0;
}

static int cmd_touch_file(const struct command *c, int argc, char **argv)
{
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int cmd_wait_file(const struct command *c, int argc, char **argv)
{
	return wait_file(argv[1], argc > 2 ? atoi(argv[2]) : 60000);
}

static const struct command commands[] = {
	{ "region-create", 3, 3, "REGION SIZE", cmd_region_create, 0 },
	{ "region-destroy", 2, 2, "REGION", cmd_region_destroy, 0 },
	{ "region-info", 2, 2, "REGION", cmd_region_info, 0 },
	{ "owner", 1, 1, "", cmd_owner, 0 },
	{ "alloc", 4, 5, "BUF REGION SIZE [pinned]", cmd_alloc, 0 },
	{ "free", 2, 2, "BUF", cmd_buf_op, DMEM_SIM_IOC_FREE },
	{ "pin", 2, 2, "BUF", cmd_buf_op, DMEM_SIM_IOC_PIN },
	{ "unpin", 2, 2, "BUF", cmd_buf_op, DMEM_SIM_IOC_UNPIN },
	{ "touch", 2, 2, "BUF", cmd_buf_op, DMEM_SIM_IOC_TOUCH },
	{ "info", 2, 2, "BUF", cmd_info, 0 },
	{ "expect-state", 3, 3, "BUF STATE", cmd_expect_state, 0 },
	{ "fill", 3, 3, "BUF SEED", cmd_fill, 0 },
	{ "verify", 3, 3, "BUF SEED", cmd_verify, 0 },
	{ "export", 2, 2, "BUF", cmd_export, 0 },
	{ "dmabuf", 3, 3, "BUF FD", cmd_dmabuf, 0 },
	{ "import", 4, 5,
	  "IMP BUF pinned [prompt|manual|delay=MS], or IMP BUF dynamic",
	  cmd_import, 0 },
	{ "use", 2, 2, "IMP", cmd_use, 0 },
	{ "ack", 2, 2, "IMP", cmd_importer_op, DMEM_NIC_IOC_IMPORTER_ACK },
	{ "detach", 2, 2, "IMP", cmd_importer_op, DMEM_NIC_IOC_IMPORTER_DETACH },
	{ "events", 1, 1, "", cmd_events, 0 },
	{ "wait-event", 2, 4, "TYPE [NAME|-] [MS]", cmd_wait_event, 0 },
	{ "sleep", 2, 2, "MS", cmd_sleep, 0 },
	{ "echo", 1, MAX_ARGS, "TEXT...", cmd_echo, 0 },
	{ "touch-file", 2, 2, "PATH", cmd_touch_file, 0 },
	{ "wait-file", 2, 3, "PATH [MS]", cmd_wait_file, 0 },
};

/* Runs one command; 0 or -errno (-EINVAL also for a malformed command). */
static int run(int argc, char **argv)
{
	const struct command *c;

	for (c = commands; c < commands + ARRAY_SIZE(commands); c++) {
		if (strcmp(c->name, argv[0]))
			continue;
		if (argc < c->min_words || argc > c->max_words) {
			if (!quiet)
				out("usage: %s%s%s", c->name,
				    *c->usage ? " " : "", c->usage);
			return -EINVAL;
		}
		return c->fn(c, argc, argv);
	}
	return -EINVAL;
}

static void print_usage(void)
{
	const struct command *c;

	fprintf(stderr, "usage: dmemsim [-n NAME] [-q] SCRIPT...\ncommands:\n");
	for (c = commands; c < commands + ARRAY_SIZE(commands); c++)
		fprintf(stderr, "  %s%s%s\n", c->name, *c->usage ? " " : "",
			c->usage);
}

/* Split @line into words and run it, checking the expected outcome. */
static int run_line(char *line)
{
	char *words[MAX_ARGS], **argv = words, *save, *w;
	int argc = 0, want = 0, any = 0, ret;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	for (w = strtok_r(line, " \t", &save); w && argc < MAX_ARGS;
	     w = strtok_r(NULL, " \t", &save))
		words[argc++] = w;
	if (!argc)
		return 0;
	if (argv[0][0] == '!') {
		if (!argv[0][1]) {
			any = 1;
		} else {
			want = errnum(argv[0] + 1);
			if (want < 0) {
				out("unknown errno %s", argv[0] + 1);
				return 1;
			}
		}
		argv++;
		argc--;
		if (!argc)
			return 0;
	}
	ret = run(argc, argv);
	if ((any && ret) || (!any && ret == -want)) {
		if (ret && !quiet)
			out("%s failed with %s, as expected", argv[0], errname(-ret));
		return 0;
	}
	if (ret)
		out("FAILED: %s: %s%s%s", argv[0], errname(-ret),
		    want ? ", expected " : "", want ? errname(want) : "");
	else
		out("FAILED: %s succeeded, expected %s", argv[0],
		    any ? "an error" : errname(want));
	return 1;
}

int main(int argc, char **argv)
{
	int opt, i;

	while ((opt = getopt(argc, argv, "+n:q")) != -1) {
		switch (opt) {
		case 'n':
			me = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			print_usage();
			return 2;
		}
	}
	if (optind >= argc) {
		print_usage();
		return 2;
	}
	dev = open("/dev/dmem_sim", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("dmemsim: /dev/dmem_sim");
		return 1;
	}
	for (i = optind; i < argc; i++) {
		char *save, *line;

		for (line = strtok_r(argv[i], ";\n", &save); line;
		     line = strtok_r(NULL, ";\n", &save))
			if (run_line(line))
				return 1;
	}
	return 0;
}
