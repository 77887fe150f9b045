// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hot-unplug of /dev/dmem_sim: REGION_DESTROY while 8 processes in two
 * cgroups hammer the region (allocate, pin, touch, read, write, mmap and
 * touch the mapping, export, import pinned with prompt, delayed, manual
 * and never-given acks, import dynamic, free), over several rounds with a
 * different delay before the destroy.
 *
 * What the ABI documents (uapi/linux/dmem_sim.h) and this test asserts:
 *  - destroy returns 0; a never-acking importer only delays it by the
 *    region's revoke timeout (the teardown abandons the revoke);
 *  - every pinned importer got DMEM_NIC_EVENT_IMPORTER_REVOKED (as many
 *    events as its revoke_notifies counter) and is REVOKED (USE: ENODEV);
 *    every dynamic importer is unmapped, with one IMPORTER_MOVED event per
 *    move notification; every file got REGION_DESTROYED;
 *  - the buffers stay valid: INFO, READ, WRITE, FREE and EXPORT work and
 *    the bytes are intact; TOUCH, PIN, IMPORT and IMPORTER_USE fail with
 *    ENODEV, UNPIN with EINVAL (the revoke ended the pins), ALLOC and
 *    REGION_INFO with ENOENT (the name is gone); mappings keep working
 *    over system memory (no SIGBUS) and new ones can be made;
 *  - nothing is charged: the owners report 0 bytes resident and pinned,
 *    the region is gone from dmem.capacity and from every cgroup's
 *    dmem.current, and the controller's pools and regions are back to
 *    their number before the region was created;
 *  - the processes exit cleanly.
 * A destroy racing a dma-buf attach that waits for a busy buffer of the
 * region is tested on its own, as is the never-acking importer.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "reliability.h"
#include "sim_util.h"

#define WORKERS		8
#define SLOTS		6
#define MAX_IMPS	24
#define ROUNDS		5
#define REGION_SIZE	(24 * MiB)
#define TIMEOUT_MS	300
#define PAGE		4096

static const char *const tree[] = { "a", "b", NULL };
/* Milliseconds of load before each round's destroy. */
static const int destroy_after_ms[ROUNDS] = { 150, 700, 40, 1500, 400 };

/* Counters of the whole program, shared with every child. */
struct totals {
	struct child_report rep;	/* ops, mismatches, errors */
	long long rounds;
};

static struct totals *totals;

/* What the parent tells the workers of one round, and what they report. */
struct wreport {
	struct child_report rep;	/* ops, and the problems */
	long long pinned_imps;
	long long dynamic_imps;
	long long import_tries;
	long long enomem;
	long long revoked_imps;		/* pinned importers told at the destroy */
};

struct round {
	int opened;		/* workers whose files are open */
	int destroyed;		/* set once REGION_DESTROY returned */
	struct wreport w[WORKERS];
};

/* The byte pattern of sim_fill(): the workers check mappings with it. */
static unsigned char pattern(unsigned int seed, __u64 i)
{
	return (unsigned char)(seed * 131 + i * 7 + (i >> 12));
}

/* ------------------------------------------------------------------ */
/* One worker process.                                                  */

enum imp_kind { IMP_PROMPT, IMP_DELAYED, IMP_MANUAL, IMP_NEVER, IMP_DYNAMIC };

/*
 * The worker's files: the owner, manual ackers, the never-acker; each is a
 * file of /dev/dmem_sim (fds) and one of /dev/dmem_nic (nfds) holding the
 * importers of its kind.
 */
enum { F_OWNER, F_ACK, F_NEVER, NFILES };
/* Importer ids are small: each file holds at most MAX_IMPS. */
#define MAX_ID		64
enum { EV_REVOKED, EV_ACKED, EV_MOVED, NEV };

struct imp {
	int used;
	int file;		/* F_* */
	__u32 id;
	enum imp_kind kind;
};

struct slot {
	__u32 h;
	__u64 size;
	unsigned int seed;
	unsigned char *map;
	int dmabuf;
};

struct worker {
	int idx;
	const char *region;
	struct round *rd;
	int fds[NFILES];
	int nfds[NFILES];
	struct slot s[SLOTS];
	struct imp imps[MAX_IMPS];	/* the main thread's only */
	int have_never;
	/* Written by the event thread, read with atomics. */
	long long ev[NFILES][MAX_ID][NEV];
	int destroyed_ev[NFILES];
	long long seq[NFILES];
	long long nseq[NFILES];
	long long gaps;
	int stop;
	struct wreport *rep;
};

#define problem(w, mismatch, ...)	child_problem(&(w)->rep->rep, mismatch, __VA_ARGS__)

static long long evget(struct worker *w, const struct imp *imp, int type)
{
	return __atomic_load_n(&w->ev[imp->file][imp->id][type], __ATOMIC_ACQUIRE);
}

/* Counts a gap in the sequence numbers of a file's events. */
static void on_seq(struct worker *w, long long *last, __u64 seq)
{
	if ((long long)seq != *last + 1)
		w->gaps++;
	*last = seq;
}

static void on_sim_event(struct worker *w, int file, const struct dmem_sim_event *ev)
{
	on_seq(w, &w->seq[file], ev->seq);
	if (ev->type == DMEM_SIM_EVENT_REGION_DESTROYED &&
	    !strcmp(ev->region, w->region))
		__atomic_add_fetch(&w->destroyed_ev[file], 1, __ATOMIC_RELEASE);
}

static void on_nic_event(struct worker *w, int file, const struct dmem_nic_event *ev)
{
	int type = -1;

	on_seq(w, &w->nseq[file], ev->seq);
	if (ev->type == DMEM_NIC_EVENT_IMPORTER_REVOKED)
		type = EV_REVOKED;
	else if (ev->type == DMEM_NIC_EVENT_IMPORTER_ACKED)
		type = EV_ACKED;
	else if (ev->type == DMEM_NIC_EVENT_IMPORTER_MOVED)
		type = EV_MOVED;
	if (type < 0) {
		problem(w, 0, "unknown NIC event %u", ev->type);
		return;
	}
	if (ev->importer >= MAX_ID) {
		problem(w, 0, "importer id %u", ev->importer);
		return;
	}
	/*
	 * Every importer of the ack file is a manual one: acknowledge, as
	 * an importing driver would once its DMA stopped. Count first, so
	 * that the ACKED event this queues never comes before its cause.
	 */
	__atomic_add_fetch(&w->ev[file][ev->importer][type], 1, __ATOMIC_RELEASE);
	if (file == F_ACK && type == EV_REVOKED &&
	    nic_op(w->nfds[F_ACK], DMEM_NIC_IOC_IMPORTER_ACK, ev->importer))
		problem(w, 0, "ack of importer %u failed", ev->importer);
}

/* Drains the files' events and acknowledges the manual importers. */
static void *event_thread(void *arg)
{
	struct worker *w = arg;
	struct pollfd p[2 * NFILES];
	struct dmem_sim_event ev[16];
	struct dmem_nic_event nev[16];
	int i, j;
	ssize_t n;

	for (i = 0; i < NFILES; i++) {
		p[i].fd = w->fds[i];
		p[NFILES + i].fd = w->nfds[i];
		p[i].events = POLLIN;
		p[NFILES + i].events = POLLIN;
	}
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (poll(p, 2 * NFILES, 20) <= 0)
			continue;
		for (i = 0; i < NFILES; i++) {
			if (p[i].revents & POLLIN) {
				n = read(p[i].fd, ev, sizeof(ev));
				for (j = 0; n > 0 && j < n / (ssize_t)sizeof(ev[0]); j++)
					on_sim_event(w, i, &ev[j]);
			}
			if (p[NFILES + i].revents & POLLIN) {
				n = read(p[NFILES + i].fd, nev, sizeof(nev));
				for (j = 0; n > 0 && j < n / (ssize_t)sizeof(nev[0]); j++)
					on_nic_event(w, i, &nev[j]);
			}
		}
	}
	return NULL;
}

static int destroyed(struct worker *w)
{
	return __atomic_load_n(&w->rd->destroyed, __ATOMIC_ACQUIRE);
}

/* Errors the load may cause before the destroy returned. */
static int load_ok(int err, const int *allowed)
{
	if (!err)
		return 1;
	for (; *allowed; allowed++)
		if (err == -*allowed)
			return 1;
	return 0;
}

static const int E_ALLOC[] = { ENOMEM, EBUSY, ENODEV, ENOENT, 0 };
static const int E_USE[] = { ENOMEM, EBUSY, ENODEV, 0 };
static const int E_UNPIN[] = { EINVAL, 0 };
static const int E_DYN[] = { ENOMEM, EBUSY, ENODEV, EAGAIN, 0 };
static const int E_NONE[] = { 0 };

#define CHECK(w, err, allowed, what)						\
	do {									\
		int __e = (err);						\
		if (!load_ok(__e, allowed))					\
			problem(w, 0, "%s: errno %d", what, -__e);		\
	} while (0)

static int map_check(struct worker *w, struct slot *s, const char *when)
{
	__u64 i;

	for (i = 0; i < s->size; i += 509)
		if (s->map[i] != pattern(s->seed, i)) {
			problem(w, 1, "%s: mapping byte %llu", when,
				(unsigned long long)i);
			return 1;
		}
	return 0;
}

/* Touch every page of the mapping with a write that changes nothing. */
static void map_touch(struct slot *s)
{
	__u64 i;

	for (i = 0; i < s->size; i += PAGE)
		s->map[i] = pattern(s->seed, i);
}

static void slot_free(struct worker *w, struct slot *s)
{
	if (s->map)
		munmap(s->map, s->size);
	if (s->dmabuf >= 0)
		close(s->dmabuf);	/* its importers keep the dma-buf */
	CHECK(w, sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_FREE, s->h), E_NONE, "free");
	memset(s, 0, sizeof(*s));
	s->dmabuf = -1;
}

static void import_one(struct worker *w, struct slot *s)
{
	static const __u32 ack[] = {
		DMEM_NIC_ACK_PROMPT, DMEM_NIC_ACK_DELAYED, DMEM_NIC_ACK_MANUAL,
		DMEM_NIC_ACK_MANUAL, 0,
	};
	static const __u32 delay[] = { 0, 50, 0, 0, 0 };
	enum imp_kind kind = rand() % 5;
	struct imp *imp = NULL;
	int i, file, err;
	__u32 id;

	/* One never-acking importer per round, in worker 7. */
	if (kind == IMP_NEVER && (w->idx != 7 || w->have_never))
		kind = IMP_MANUAL;
	for (i = 0; i < MAX_IMPS && !imp; i++)
		if (!w->imps[i].used)
			imp = &w->imps[i];
	if (!imp)
		return;
	if (s->dmabuf < 0) {
		s->dmabuf = sim_export(w->fds[F_OWNER], s->h);
		if (s->dmabuf < 0) {
			CHECK(w, s->dmabuf, E_NONE, "export");
			s->dmabuf = -1;
			return;
		}
	}
	w->rep->import_tries++;
	file = kind == IMP_MANUAL ? F_ACK : kind == IMP_NEVER ? F_NEVER : F_OWNER;
	err = nic_import(w->nfds[file], s->dmabuf,
			 kind == IMP_DYNAMIC ? DMEM_NIC_IMPORT_DYNAMIC :
			 DMEM_NIC_IMPORT_PINNED, ack[kind], delay[kind], &id);
	CHECK(w, err, kind == IMP_DYNAMIC ? E_DYN : E_USE, "import");
	if (err)
		return;
	if (id >= MAX_ID) {
		problem(w, 0, "importer id %u", id);
		return;
	}
	imp->used = 1;
	imp->file = file;
	imp->id = id;
	imp->kind = kind;
	w->have_never |= kind == IMP_NEVER;
	if (kind == IMP_DYNAMIC)
		w->rep->dynamic_imps++;
	else
		w->rep->pinned_imps++;
}

/* One random operation on the region, while it lives (or is dying). */
static void load_op(struct worker *w)
{
	struct dmem_nic_importer_info ii;
	struct slot *s = &w->s[rand() % SLOTS];
	struct imp *imp;
	int err, i;

	/* Mostly use the buffers there are: allocations fail under pressure. */
	for (i = 0; !s->h && rand() % 4 && i < SLOTS; i++)
		if (w->s[i].h)
			s = &w->s[i];

	__atomic_add_fetch(&w->rep->rep.checks, 1, __ATOMIC_RELAXED);
	if (!s->h) {
		s->size = (__u64)(1 + rand() % 16) * 64 * 1024;
		s->seed = rand();
		err = sim_alloc(w->fds[F_OWNER], w->region, s->size,
				rand() % 3 ? 0 : DMEM_SIM_ALLOC_PINNED, &s->h);
		CHECK(w, err, E_ALLOC, "alloc");
		if (err == -ENOMEM)
			w->rep->enomem++;
		if (err) {
			s->h = 0;
			return;
		}
		CHECK(w, sim_fill(w->fds[F_OWNER], s->h, s->size, s->seed), E_NONE, "fill");
		return;
	}
	switch (rand() % 10) {
	case 0:
		CHECK(w, sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_TOUCH, s->h), E_USE, "touch");
		break;
	case 1:
		CHECK(w, sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_PIN, s->h), E_USE, "pin");
		break;
	case 2:
		CHECK(w, sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_UNPIN, s->h), E_UNPIN, "unpin");
		break;
	case 3:
		err = sim_verify(w->fds[F_OWNER], s->h, s->size, s->seed);
		if (err == 1)
			problem(w, 1, "read: bytes of handle %u", s->h);
		else
			CHECK(w, err, E_NONE, "read");
		break;
	case 4:
		s->seed++;
		CHECK(w, sim_fill(w->fds[F_OWNER], s->h, s->size, s->seed), E_NONE, "write");
		break;
	case 5:
		if (!s->map) {
			s->map = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
				      MAP_SHARED, w->fds[F_OWNER], DMEM_SIM_MMAP_OFFSET(s->h));
			if (s->map == MAP_FAILED) {
				s->map = NULL;
				problem(w, 0, "mmap: errno %d", errno);
				break;
			}
		}
		if (!map_check(w, s, "load"))
			map_touch(s);
		break;
	case 6:
	case 7:
		import_one(w, s);
		break;
	case 8:
		imp = &w->imps[rand() % MAX_IMPS];
		if (imp->used) {
			err = nic_use(w->nfds[imp->file], imp->id, &ii);
			CHECK(w, err, imp->kind == IMP_DYNAMIC ? E_DYN : E_USE,
			      "importer use");
		}
		break;
	default:
		slot_free(w, s);
		break;
	}
}

/* After the destroy: every operation has its documented result. */
static void check_slot(struct worker *w, struct slot *s)
{
	struct dmem_sim_buf_info bi;
	unsigned char *m;
	int err, dfd, i;

	err = sim_info(w->fds[F_OWNER], s->h, &bi);
	if (err)
		return problem(w, 0, "dead info: errno %d", -err);
	if (bi.state != DMEM_SIM_STATE_EVICTED && bi.state != DMEM_SIM_STATE_REVOKED)
		problem(w, 1, "dead buffer %u in state %u", s->h, bi.state);
	if (bi.pins)
		problem(w, 1, "dead buffer %u holds %u pins", s->h, bi.pins);
	err = sim_verify(w->fds[F_OWNER], s->h, s->size, s->seed);
	if (err)
		problem(w, err == 1, "dead read: %d", err);
	if (s->map) {
		/* Faults the system pages in: no SIGBUS, the same bytes. */
		map_check(w, s, "dead mapping");
		s->map[1] = (unsigned char)~pattern(s->seed, 1);
		err = sim_verify(w->fds[F_OWNER], s->h, s->size, s->seed);
		if (err != 1)
			problem(w, 1, "write through dead mapping unseen (%d)", err);
		s->map[1] = pattern(s->seed, 1);
	}
	m = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, w->fds[F_OWNER],
		 DMEM_SIM_MMAP_OFFSET(s->h));
	if (m == MAP_FAILED) {
		problem(w, 0, "mmap of dead buffer: errno %d", errno);
	} else {
		for (i = 0; i < 3; i++)
			if (m[i * 4099 % s->size] != pattern(s->seed, i * 4099 % s->size))
				problem(w, 1, "new mapping of a dead buffer");
		munmap(m, s->size);
	}
	err = sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_TOUCH, s->h);
	if (err != -ENODEV)
		problem(w, 0, "dead touch: %d", err);
	err = sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_PIN, s->h);
	if (err != -ENODEV)
		problem(w, 0, "dead pin: %d", err);
	err = sim_op(w->fds[F_OWNER], DMEM_SIM_IOC_UNPIN, s->h);
	if (err != -EINVAL)
		problem(w, 0, "dead unpin: %d", err);
	s->seed += 3;
	err = sim_fill(w->fds[F_OWNER], s->h, s->size, s->seed);
	if (err)
		problem(w, 0, "dead write: %d", err);
	err = sim_verify(w->fds[F_OWNER], s->h, s->size, s->seed);
	if (err)
		problem(w, err == 1, "dead read after write: %d", err);

	/* EXPORT works (EBUSY while a dma-buf exists); IMPORT cannot pin. */
	dfd = s->dmabuf;
	if (dfd < 0) {
		dfd = sim_export(w->fds[F_OWNER], s->h);
		if (dfd < 0 && dfd != -EBUSY)
			problem(w, 0, "dead export: %d", dfd);
	}
	if (dfd >= 0) {
		err = nic_import(w->nfds[F_OWNER], dfd, DMEM_NIC_IMPORT_PINNED,
				 DMEM_NIC_ACK_PROMPT, 0, NULL);
		if (err != -ENODEV)
			problem(w, 0, "dead pinned import: %d", err);
		err = nic_import(w->nfds[F_OWNER], dfd, DMEM_NIC_IMPORT_DYNAMIC, 0, 0, NULL);
		if (err != -ENODEV)
			problem(w, 0, "dead dynamic import: %d", err);
		if (dfd != s->dmabuf)
			close(dfd);
	}
	__atomic_add_fetch(&w->rep->rep.checks, 13, __ATOMIC_RELAXED);
}

/*
 * One event per notification and per ack. A prompt importer acks each
 * notification; a delayed or manual one may answer two notifications
 * with one ack (the second came before the first was answered: one
 * pending acknowledgment), but answers the last; the never-acker never.
 */
static int imp_settled(struct worker *w, const struct imp *imp,
		       const struct dmem_nic_importer_info *ii)
{
	if (imp->kind == IMP_DYNAMIC)
		return evget(w, imp, EV_MOVED) == (long long)ii->move_notifies &&
		       !ii->revoke_notifies && !ii->acks;
	if (evget(w, imp, EV_REVOKED) != (long long)ii->revoke_notifies ||
	    evget(w, imp, EV_ACKED) != (long long)ii->acks || ii->move_notifies)
		return 0;
	if (imp->kind == IMP_NEVER)
		return ii->acks == 0;
	if (imp->kind == IMP_PROMPT)
		return ii->acks == ii->revoke_notifies;
	return ii->acks >= 1 && ii->acks <= ii->revoke_notifies;
}

/* Every importer was told, as its events and counters show. */
static void check_importers(struct worker *w)
{
	struct dmem_nic_importer_info ii;
	long long end = sim_now_ms() + 5000;
	int i, err, settled;

	for (i = 0; i < MAX_IMPS; i++) {
		struct imp *imp = &w->imps[i];
		int fd = w->nfds[imp->file];

		if (!imp->used)
			continue;
		for (;;) {
			err = nic_use(fd, imp->id, &ii);
			settled = imp_settled(w, imp, &ii);
			if (settled || sim_now_ms() > end)
				break;
			usleep(20000);	/* a delayed ack, events on their way */
		}
		w->rep->rep.checks++;
		if (err != -ENODEV)
			problem(w, 0, "dead importer use: %d", err);
		if (imp->kind == IMP_DYNAMIC) {
			if (ii.state != DMEM_NIC_IMPORTER_UNMAPPED)
				problem(w, 1, "dynamic importer still mapped");
		} else if (ii.state != DMEM_NIC_IMPORTER_REVOKED ||
			   !ii.revoke_notifies) {
			problem(w, 1, "pinned importer %u not revoked (state %u)",
				imp->id, ii.state);
		} else {
			w->rep->revoked_imps++;
		}
		if (!settled)
			problem(w, 1, "imp %u kind %d: ev %lld/%lld/%lld, counts %llu/%llu/%llu",
				imp->id, imp->kind, evget(w, imp, EV_REVOKED),
				evget(w, imp, EV_ACKED), evget(w, imp, EV_MOVED),
				(unsigned long long)ii.revoke_notifies,
				(unsigned long long)ii.acks,
				(unsigned long long)ii.move_notifies);
		err = nic_op(fd, DMEM_NIC_IOC_IMPORTER_DETACH, imp->id);
		if (err)
			problem(w, 0, "detach: %d", err);
		imp->used = 0;
	}
}

static void after_destroy(struct worker *w)
{
	struct dmem_sim_owner_info oi;
	long long end;
	int i, err;

	for (i = 0; i < SLOTS; i++)
		if (w->s[i].h)
			check_slot(w, &w->s[i]);
	err = sim_alloc(w->fds[F_OWNER], w->region, PAGE, 0, NULL);
	if (err != -ENOENT)
		problem(w, 0, "alloc in a destroyed region: %d", err);
	err = sim_owner(w->fds[F_OWNER], &oi);
	if (err || oi.resident || oi.pinned)
		problem(w, 1, "owner still charged: %d %llu %llu", err,
			(unsigned long long)oi.resident,
			(unsigned long long)oi.pinned);
	check_importers(w);

	/* The device-wide event reached every file. */
	end = sim_now_ms() + 3000;
	for (i = 0; i < NFILES; i++) {
		while (!__atomic_load_n(&w->destroyed_ev[i], __ATOMIC_ACQUIRE) &&
		       sim_now_ms() < end)
			usleep(10000);
		if (__atomic_load_n(&w->destroyed_ev[i], __ATOMIC_ACQUIRE) != 1)
			problem(w, 1, "REGION_DESTROYED events on file %d: %d",
				i, w->destroyed_ev[i]);
	}
	for (i = 0; i < SLOTS; i++)
		if (w->s[i].h)
			slot_free(w, &w->s[i]);
}

static int worker_main(struct round *rd, int idx, const char *region,
		       unsigned int seed)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_t thr;
	int i;

	if (!w)
		return 10;
	w->idx = idx;
	w->rd = rd;
	w->region = region;
	w->rep = &rd->w[idx];
	for (i = 0; i < SLOTS; i++)
		w->s[i].dmabuf = -1;
	for (i = 0; i < NFILES; i++) {
		w->fds[i] = sim_open();
		w->nfds[i] = nic_open();
		if (w->fds[i] < 0 || w->nfds[i] < 0)
			return 11;
	}
	if (pthread_create(&thr, NULL, event_thread, w))
		return 12;
	/* Files opened after the destroy would not get its event. */
	__atomic_add_fetch(&rd->opened, 1, __ATOMIC_RELEASE);
	srand(seed);
	while (!destroyed(w))
		load_op(w);
	after_destroy(w);
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	if (w->gaps)
		problem(w, 1, "%lld events lost", w->gaps);
	for (i = 0; i < NFILES; i++) {
		close(w->fds[i]);
		close(w->nfds[i]);
	}
	return 0;
}

/* ------------------------------------------------------------------ */

/* The test's cgroups and its root-opened file. */
struct env {
	char top[64];
	char cgs[3][96];	/* top, top/a, top/b */
	int fd;
};

FIXTURE(unplug) {
	struct env e;
};

FIXTURE_SETUP(unplug)
{
	ASSERT_EQ(0, cg_setup_tree(self->e.top, sizeof(self->e.top), "dmt_unplug", tree));
	snprintf(self->e.cgs[0], sizeof(self->e.cgs[0]), "%s", self->e.top);
	snprintf(self->e.cgs[1], sizeof(self->e.cgs[1]), "%s/a", self->e.top);
	snprintf(self->e.cgs[2], sizeof(self->e.cgs[2]), "%s/b", self->e.top);
	self->e.fd = sim_open();
	ASSERT_LE(0, self->e.fd);
}

FIXTURE_TEARDOWN(unplug)
{
	close(self->e.fd);
	cg_cleanup_tree(self->e.top);
}

/* The region is gone from the controller's files, and nothing of it left. */
static void region_gone(struct __test_metadata *_metadata,
			const struct env *self, const char *name,
			long long pools, long long regions)
{
	struct dmem_sim_region_info ri;
	char cgname[DMEM_SIM_NAME_LEN + 4], cap[4096];
	int i;

	sim_cg_name(cgname, name);
	EXPECT_EQ(-ENOENT, sim_region_info(self->fd, name, &ri));
	EXPECT_LE(0, cg_read("", "dmem.capacity", cap, sizeof(cap)));
	EXPECT_EQ(NULL, strstr(cap, cgname));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-2, cg_region_value(self->cgs[i], "dmem.current", cgname));
		EXPECT_EQ(-2, cg_region_value(self->cgs[i], "dmem.pinned.current", cgname));
	}
	/* A charged pool would keep itself and the region alive. */
	EXPECT_EQ(pools, st_stat("pools"));
	EXPECT_EQ(regions, st_stat("regions"));
}

static void policy(struct __test_metadata *_metadata, const char *name, int ms)
{
	char p[64];

	snprintf(p, sizeof(p), "soft timeout_ms=%d", ms);
	ASSERT_EQ(0, sim_policy(name, p));
}

/* Waits up to 10 s for a charge in both cgroups: the load began. */
static void wait_for_load(struct __test_metadata *_metadata,
			  const struct env *self, const char *cgname)
{
	long long end = sim_now_ms() + 10000, a, b;

	do {
		a = cg_region_value(self->cgs[1], "dmem.current", cgname);
		b = cg_region_value(self->cgs[2], "dmem.current", cgname);
		if (a > 0 && b > 0)
			return;
		usleep(1000);
	} while (sim_now_ms() < end);
	EXPECT_LT(0, a);
	EXPECT_LT(0, b);
}

/* Forks the workers of round @r into a and b; 0 or -1. */
static int start_workers(const struct env *self, struct round *rd, int r,
			 const char *name, pid_t *pids)
{
	char cg[128];
	int i;

	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (!pids[i]) {
			child_rep = &rd->w[i].rep;
			snprintf(cg, sizeof(cg), "%s/%s", self->top, i % 2 ? "b" : "a");
			CHILD_EQ(0, cg_enter(cg));
			_exit(worker_main(rd, i, name, 7919 * r + i));
		}
	}
	return 0;
}

/* Waits for the workers; adds their reports to @sum. */
static void reap_workers(struct __test_metadata *_metadata, struct round *rd,
			 int r, const pid_t *pids, struct wreport *sum)
{
	struct wreport *w;
	int i;

	for (i = 0; i < WORKERS; i++) {
		w = &rd->w[i];
		EXPECT_CHILD_OK(pids[i]);
		EXPECT_EQ(0, w->rep.mismatches + w->rep.errors)
			TH_LOG("round %d worker %d: %s", r, i, w->rep.msg);
		sum->rep.checks += w->rep.checks;
		sum->rep.mismatches += w->rep.mismatches;
		sum->rep.errors += w->rep.errors;
		sum->pinned_imps += w->pinned_imps;
		sum->dynamic_imps += w->dynamic_imps;
		sum->import_tries += w->import_tries;
		sum->enomem += w->enomem;
		sum->revoked_imps += w->revoked_imps;
	}
}

/* Imports of each kind so far: @sum's rounds and round @rd's, live. */
static bool both_kinds_imported(const struct round *rd, const struct wreport *sum)
{
	long long pinned = sum->pinned_imps, dynamic = sum->dynamic_imps;
	int i;

	for (i = 0; i < WORKERS; i++) {
		pinned += __atomic_load_n(&rd->w[i].pinned_imps, __ATOMIC_RELAXED);
		dynamic += __atomic_load_n(&rd->w[i].dynamic_imps, __ATOMIC_RELAXED);
	}
	return pinned > 0 && dynamic > 0;
}

/*
 * Round @r: the load, the destroy under it, the workers' checks after.
 * The last round's destroy also waits (up to 60 s) until the rounds
 * together have had importers of both kinds, which the test asserts: on
 * a slow kernel the load's fixed windows may hold too few imports.
 */
static void unplug_round(struct __test_metadata *_metadata, const struct env *self,
			 struct round *rd, int r, struct wreport *sum)
{
	char name[DMEM_SIM_NAME_LEN], tag[16], cgname[DMEM_SIM_NAME_LEN + 4];
	long long pools, regions, t0, t1, load_a, load_b;
	pid_t pids[WORKERS];

	memset(rd, 0, sizeof(*rd));
	snprintf(tag, sizeof(tag), "unplug%d", r);
	sim_unique_name(name, tag);
	sim_cg_name(cgname, name);
	pools = st_stat("pools");
	regions = st_stat("regions");
	ASSERT_EQ(0, sim_region_create(self->fd, name, REGION_SIZE));
	policy(_metadata, name, TIMEOUT_MS);

	ASSERT_EQ(0, start_workers(self, rd, r, name, pids));
	while (__atomic_load_n(&rd->opened, __ATOMIC_ACQUIRE) < WORKERS)
		usleep(1000);
	wait_for_load(_metadata, self, cgname);
	usleep(destroy_after_ms[r] * 1000);
	t0 = sim_now_ms();
	while (r == ROUNDS - 1 && !both_kinds_imported(rd, sum) &&
	       sim_now_ms() - t0 < 60000)
		usleep(10000);
	load_a = cg_region_value(self->cgs[1], "dmem.current", cgname);
	load_b = cg_region_value(self->cgs[2], "dmem.current", cgname);
	/* The destroy happens under load: something is charged. */
	EXPECT_LT(0, load_a + load_b);

	t0 = sim_now_ms();
	ASSERT_EQ(0, sim_region_destroy(self->fd, name));
	t1 = sim_now_ms();
	__atomic_store_n(&rd->destroyed, 1, __ATOMIC_RELEASE);
	/* While the workers still hold every buffer and importer. */
	region_gone(_metadata, self, name, pools, regions);
	EXPECT_EQ(-ENOENT, sim_region_destroy(self->fd, name));

	reap_workers(_metadata, rd, r, pids, sum);
	region_gone(_metadata, self, name, pools, regions);
	TH_LOG("round %d: load %d ms, dmem.current a=%lld b=%lld, destroy %lld ms",
	       r, destroy_after_ms[r], load_a, load_b, t1 - t0);
	totals->rounds++;
}

TEST_F_TIMEOUT(unplug, destroy_under_load, 600)
{
	struct wreport sum = { 0 };
	struct round *rd;
	int r;

	rd = shared_alloc(sizeof(*rd));
	for (r = 0; r < ROUNDS; r++)
		unplug_round(_metadata, &self->e, rd, r, &sum);
	TH_LOG("importers: %lld pinned (%lld revoked), %lld dynamic, of %lld tries",
	       sum.pinned_imps, sum.revoked_imps, sum.dynamic_imps, sum.import_tries);
	TH_LOG("%lld ENOMEM allocs", sum.enomem);
	/* The load had both kinds of importers, and every pinned one was told. */
	EXPECT_LT(0, sum.pinned_imps);
	EXPECT_LT(0, sum.dynamic_imps);
	EXPECT_EQ(sum.pinned_imps, sum.revoked_imps);
	EXPECT_LT(0, sum.rep.checks);
	totals->rep.checks += sum.rep.checks;
	totals->rep.mismatches += sum.rep.mismatches;
	totals->rep.errors += sum.rep.errors;
	munmap(rd, sizeof(*rd));
}

/*
 * The events of never_acking_importer: the NIC's file got one revoke of
 * @id on the dma-buf @dmabuf and no ack; the owner's file one BUF_REVOKED
 * of @h and one REGION_DESTROYED.
 */
static void check_never_events(struct __test_metadata *_metadata, int ofd,
			       int nfd, int dmabuf, const char *name, __u32 h,
			       __u32 id)
{
	int n, i, revoked = 0, acked = 0, destroyed = 0, buf_revoked = 0;
	struct dmem_sim_event evs[16];
	struct dmem_nic_event nevs[16];
	struct stat st;

	ASSERT_EQ(0, fstat(dmabuf, &st));
	n = nic_events(nfd, nevs, 16);
	for (i = 0; i < n; i++) {
		revoked += nevs[i].type == DMEM_NIC_EVENT_IMPORTER_REVOKED &&
			   nevs[i].importer == id && nevs[i].ino == st.st_ino;
		acked += nevs[i].type == DMEM_NIC_EVENT_IMPORTER_ACKED;
	}
	EXPECT_EQ(1, revoked);
	EXPECT_EQ(0, acked);
	n = sim_events(ofd, evs, 16);
	for (i = 0; i < n; i++) {
		buf_revoked += evs[i].type == DMEM_SIM_EVENT_BUF_REVOKED &&
			       evs[i].handle == h;
		destroyed += evs[i].type == DMEM_SIM_EVENT_REGION_DESTROYED &&
			     !strcmp(evs[i].region, name);
	}
	EXPECT_EQ(1, buf_revoked);
	EXPECT_EQ(1, destroyed);
}

/*
 * A pinned importer that never acknowledges: the destroy waits the
 * revoke timeout for it, then revokes all the same and returns 0. The
 * importer is told (REVOKED event, USE: ENODEV), counts no ack; a late
 * ack is harmless.
 */
TEST_F(unplug, never_acking_importer)
{
	char name[DMEM_SIM_NAME_LEN], cgname[DMEM_SIM_NAME_LEN + 4];
	struct dmem_nic_importer_info ii;
	struct dmem_sim_buf_info bi;
	long long pools, regions, t0, t1;
	int ofd, ifd, dmabuf;
	__u32 h, id;

	sim_unique_name(name, "never");
	sim_cg_name(cgname, name);
	pools = st_stat("pools");
	regions = st_stat("regions");
	ASSERT_EQ(0, sim_region_create(self->e.fd, name, 8 * MiB));
	policy(_metadata, name, 500);
	/* The owner is charged to a, where it opens the device. */
	ASSERT_EQ(0, cg_enter(self->e.cgs[1]));
	ofd = sim_open();
	ASSERT_LE(0, ofd);
	ifd = nic_open();
	ASSERT_LE(0, ifd);
	ASSERT_EQ(0, sim_alloc(ofd, name, 2 * MiB, 0, &h));
	ASSERT_EQ(0, sim_fill(ofd, h, 2 * MiB, 5));
	dmabuf = sim_export(ofd, h);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, nic_import(ifd, dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &id));
	EXPECT_EQ(2 * MiB, cg_region_value(self->e.cgs[1], "dmem.pinned.current", cgname));

	t0 = sim_now_ms();
	ASSERT_EQ(0, sim_region_destroy(self->e.fd, name));
	t1 = sim_now_ms();
	/*
	 * It waited the revoke timeout (500 ms of jiffies): allow 20% less
	 * by CLOCK_MONOTONIC, as the VM's emulated clocks do not agree.
	 */
	EXPECT_LE(400, t1 - t0);
	EXPECT_GT(500 + 5000, t1 - t0);
	region_gone(_metadata, &self->e, name, pools, regions);

	ASSERT_EQ(0, sim_info(ofd, h, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, (long long)bi.state);
	EXPECT_EQ(0, (long long)bi.pins);
	EXPECT_EQ(1, (long long)bi.revokes);
	EXPECT_EQ(0, sim_verify(ofd, h, 2 * MiB, 5));
	EXPECT_EQ(-ENODEV, nic_use(ifd, id, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_REVOKED, (long long)ii.state);
	EXPECT_EQ(1, (long long)ii.revoke_notifies);
	EXPECT_EQ(0, (long long)ii.acks);

	check_never_events(_metadata, ofd, ifd, dmabuf, name, h, id);

	/* The late ack finds the revoke abandoned: counted, nothing else. */
	EXPECT_EQ(0, nic_op(ifd, DMEM_NIC_IOC_IMPORTER_ACK, id));
	EXPECT_EQ(-ENODEV, nic_use(ifd, id, &ii));
	EXPECT_EQ(1, (long long)ii.acks);
	EXPECT_EQ(0, nic_op(ifd, DMEM_NIC_IOC_IMPORTER_DETACH, id));
	close(dmabuf);
	close(ifd);
	EXPECT_EQ(0, sim_op(ofd, DMEM_SIM_IOC_FREE, h));
	close(ofd);
	totals->rep.checks += 12;
}

struct destroyer {
	int fd;
	const char *name;
	int ret;
	long long ms;
};

static void *destroy_thread(void *arg)
{
	struct destroyer *d = arg;
	long long t0 = sim_now_ms();

	d->ret = sim_region_destroy(d->fd, d->name);
	d->ms = sim_now_ms() - t0;
	return NULL;
}

struct importer_call {
	int fd;
	int dmabuf;
	int ret;
};

static void *import_thread(void *arg)
{
	struct importer_call *c = arg;

	c->ret = nic_import(c->fd, c->dmabuf, DMEM_NIC_IMPORT_PINNED,
			    DMEM_NIC_ACK_PROMPT, 0, NULL);
	return NULL;
}

/*
 * A dma-buf attach that waits for a busy buffer holds the buffer's
 * reservation, which the teardown's evict() needs: the destroy must make
 * the attach give up (ENODEV) instead of waiting for it when the attach
 * started during the destroy (the buffer being revoked by it). Before the
 * fix, that hung until the importer got a signal. An attach of a buffer
 * whose revoke is parked does not wait at all (EBUSY at once), so it
 * holds nothing the destroy needs either.
 */
static void attach_vs_destroy(struct __test_metadata *_metadata,
			      const struct env *self, int before)
{
	char name[DMEM_SIM_NAME_LEN], tag[16];
	struct destroyer d = { .fd = self->fd };
	struct importer_call c;
	struct dmem_sim_region_info ri;
	pthread_t dt, it;
	long long pools, regions, start;
	int ifd, mfd, bfd, dmabuf;
	__u32 x, y, z, m;

	snprintf(tag, sizeof(tag), "attach%d", before);
	sim_unique_name(name, tag);
	pools = st_stat("pools");
	regions = st_stat("regions");
	ASSERT_EQ(0, sim_region_create(self->fd, name, 4 * MiB));
	policy(_metadata, name, before ? 200 : 1500);
	mfd = nic_open();	/* the importer that does not ack in time */
	ifd = nic_open();	/* the attach racing the destroy */
	bfd = sim_open();	/* another owner, who needs the memory */
	ASSERT_LE(0, mfd);
	ASSERT_LE(0, ifd);
	ASSERT_LE(0, bfd);

	ASSERT_EQ(0, sim_alloc(self->fd, name, 2 * MiB, 0, &x));
	dmabuf = sim_export(self->fd, x);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, nic_import(mfd, dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &m));
	if (before) {
		/* Revoking x for room parks it: busy until the late ack. */
		ASSERT_EQ(0, sim_alloc(bfd, name, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &y));
		ASSERT_EQ(-ENOMEM, sim_alloc(bfd, name, 2 * MiB, 0, &z));
		ASSERT_EQ(0, sim_region_info(self->fd, name, &ri));
		ASSERT_EQ(1, (long long)ri.parked);
		ASSERT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(self->fd, x));
	}

	c.fd = ifd;
	c.dmabuf = dmabuf;
	c.ret = 1;
	if (before) {
		/* x's revoke is parked: the attach fails at once. */
		ASSERT_EQ(0, pthread_create(&it, NULL, import_thread, &c));
		ASSERT_EQ(0, pthread_join(it, NULL));
		EXPECT_EQ(-EBUSY, c.ret);
	}
	d.name = name;
	start = sim_now_ms();
	ASSERT_EQ(0, pthread_create(&dt, NULL, destroy_thread, &d));
	if (!before) {
		/*
		 * The destroy is under way once the name is off the list (the
		 * region is marked dead with it); it then waits for m's ack.
		 */
		while (sim_region_info(self->fd, name, &ri) == 0 &&
		       sim_now_ms() - start < 5000)
			usleep(5000);
		ASSERT_EQ(-ENOENT, sim_region_info(self->fd, name, &ri));
		ASSERT_EQ(0, pthread_create(&it, NULL, import_thread, &c));
		ASSERT_EQ(0, pthread_join(it, NULL));
		EXPECT_EQ(-ENODEV, c.ret);
	}
	ASSERT_EQ(0, pthread_join(dt, NULL));
	EXPECT_EQ(0, d.ret);
	TH_LOG("destroy took %lld ms", d.ms);
	EXPECT_GT(5000, d.ms);
	region_gone(_metadata, self, name, pools, regions);
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->fd, x));
	close(dmabuf);
	close(mfd);
	close(ifd);
	close(bfd);
	totals->rep.checks += 8;
}

TEST_F(unplug, attach_of_parked_buffer_before_destroy)
{
	attach_vs_destroy(_metadata, &self->e, 1);
}

TEST_F(unplug, attach_during_destroy)
{
	attach_vs_destroy(_metadata, &self->e, 0);
}

static void __attribute__((constructor)) totals_init(void)
{
	totals = shared_alloc(sizeof(*totals));
}

/* Once, in the harness's process, after every test. */
static void __attribute__((destructor)) totals_print(void)
{
	RELIABILITY("unplug", { "procs", WORKERS }, { "ops", totals->rep.checks },
		    { "rounds", totals->rounds },
		    { "mismatches", totals->rep.mismatches },
		    { "errors", totals->rep.errors });
}

TEST_HARNESS_MAIN
