// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection against every operation of /dev/dmem_sim and the writes
 * to the dmem cgroup files: failslab, fail_page_alloc and the controller's
 * own fail_dmem_charge, aimed one at a time with the task's fail-nth, then
 * fail_dmem_charge by probability under a random workload.
 *
 * For each operation and n = 1, 2, ...: build the state the operation
 * needs (no fault armed), write n to /proc/thread-self/fail-nth, run the
 * operation, read fail-nth back (0: the n-th fault point failed). The
 * operation must succeed or fail with ENOMEM (the only errno a failed
 * allocation or charge may produce here); every view of the memory must
 * agree (the cgroup's dmem.current and dmem.pinned.current, the owner's
 * and the region's counters, the buffers' states); a failed operation
 * must have changed nothing; then everything is closed and must return to
 * zero. The loop ends at the first n at which no fault fired.
 *
 * fail-nth counts only the fault points that would be considered: failslab
 * and fail_page_alloc skip GFP_KERNEL allocations unless ignore-gfp-wait is
 * N, and fail_page_alloc skips order 0 unless min-order is 0. Those knobs
 * are set by lib/faultinj.c (probability stays 0: no other task is
 * affected) and their verbose knobs set to 0, so that an injected failure
 * does not print a stack trace the VM runner would take for a kernel splat.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "faultinj.h"
#include "reliability.h"
#include "sim_util.h"

#define PG		4096ULL
#define BUF		(4 * PG)
/* The region holds two buffers: a third evicts. */
#define CAP		(2 * BUF)
#define MAX_N		5000
#define NBUF		4
#define DBG		"/sys/kernel/debug"

/* Totals of every test, in memory shared with the harness's children. */
struct totals {
	long long ops, faults, mismatches, errors;
};

static struct totals *tot;

static void __attribute__((constructor)) totals_init(void)
{
	tot = shared_alloc(sizeof(*tot));
}

/* Once, in the harness's process, after every test. */
static void __attribute__((destructor)) totals_print(void)
{
	RELIABILITY("faults", { "ops", tot->ops }, { "faults", tot->faults },
		    { "mismatches", tot->mismatches }, { "errors", tot->errors });
}

/* The state one operation runs in; rebuilt for every n. */
struct world {
	int fd;			/* the owner under test */
	int fd2;		/* a second owner, or -1 */
	int nfd;		/* the NIC's file, holding @imp */
	int dmabuf;		/* a dma-buf of h[0], or -1 */
	int newfd;		/* a dma-buf the operation created, or -1 */
	int cgfd;		/* the cgroup file written, or -1 */
	__u32 h[NBUF];		/* the buffers of @fd, by index */
	int nh;
	__u32 imp;		/* an importer in @nfd of h[0]'s dma-buf */
	char region[DMEM_SIM_NAME_LEN];	/* the region the buffers are in */
	char cgr[DMEM_SIM_NAME_LEN + 4];	/* "sim/<region>" */
	unsigned char page[PG];
};

/* Every view of the memory, at one moment. */
struct snap {
	long long cur, pcur, top_cur;
	int ri_ret;
	struct dmem_sim_region_info ri;
	__u64 resident, pinned;
	int bret[NBUF];
	struct dmem_sim_buf_info b[NBUF];
	char file[1024];
};

FIXTURE(faults) {
	char top[64];
	char leaf[128];
	char name[DMEM_SIM_NAME_LEN];	/* the fixture's region */
	char cg[DMEM_SIM_NAME_LEN + 4];
	char name2[DMEM_SIM_NAME_LEN];	/* created and destroyed by tests */
	int admin;			/* an fd for region ioctls */
	int nth;
	struct world w;
	const char *file_cg;		/* the cgroup of the file compared */
	const char *file;		/* the file compared, or NULL */
};

FIXTURE_SETUP(faults)
{
	static const char *const tree[] = { "a", NULL };

	self->admin = -1;
	self->nth = -1;
	self->file = NULL;
	/* FAILSLAB, FAIL_PAGE_ALLOC, DMEM_FAULT_INJECTION and their debugfs. */
	ASSERT_EQ(0, faults_scope(FAULTS_ALL));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_faults", tree));
	snprintf(self->leaf, sizeof(self->leaf), "%s/a", self->top);
	sim_unique_name(self->name, "flt");
	sim_unique_name(self->name2, "flt2");
	sim_cg_name(self->cg, self->name);
	/* Every owner is opened here: charged to the leaf. */
	ASSERT_EQ(0, cg_enter(self->leaf));
	self->admin = sim_open();
	ASSERT_LE(0, self->admin);
	ASSERT_EQ(0, sim_region_create(self->admin, self->name, CAP));
	self->nth = nth_open();
	ASSERT_LE(0, self->nth);
}

FIXTURE_TEARDOWN(faults)
{
	EXPECT_EQ(0, faults_scope(FAULTS_DEFAULT));
	if (self->nth >= 0)
		close(self->nth);
	if (self->admin >= 0) {
		sim_region_destroy(self->admin, self->name);
		sim_region_destroy(self->admin, self->name2);
		close(self->admin);
	}
	cg_cleanup_tree(self->top);
}

static void take_snap(struct __test_metadata *_metadata,
		      struct _test_data_faults *self, struct snap *s)
{
	struct world *w = &self->w;
	struct dmem_sim_owner_info oi;
	int i;

	memset(s, 0, sizeof(*s));
	s->cur = cg_region_value(self->leaf, "dmem.current", w->cgr);
	s->pcur = cg_region_value(self->leaf, "dmem.pinned.current", w->cgr);
	s->top_cur = cg_region_value(self->top, "dmem.current", w->cgr);
	s->ri_ret = sim_region_info(self->admin, w->region, &s->ri);
	if (w->fd >= 0) {
		ASSERT_EQ(0, sim_owner(w->fd, &oi));
		s->resident += oi.resident;
		s->pinned += oi.pinned;
	}
	if (w->fd2 >= 0) {
		ASSERT_EQ(0, sim_owner(w->fd2, &oi));
		s->resident += oi.resident;
		s->pinned += oi.pinned;
	}
	for (i = 0; i < w->nh && w->fd >= 0; i++)
		s->bret[i] = sim_info(w->fd, w->h[i], &s->b[i]);
	if (self->file)
		ASSERT_LE(0, cg_read(self->file_cg, self->file, s->file,
				     sizeof(s->file)));
}

#define MISMATCH(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		tot->mismatches++;					\
		TH_LOG("%s n=%u: " fmt, what, n, ##__VA_ARGS__);	\
		_metadata->exit_code = KSFT_FAIL;			\
	}								\
} while (0)

/*
 * The views agree: the cgroup (leaf and parent), the owners, the region
 * and the buffers. Only the owners under test use the region. With the
 * region gone, its charges must be gone too.
 */
static void check_consistent(struct __test_metadata *_metadata,
			     struct _test_data_faults *self, const struct snap *s,
			     const char *what, unsigned int n)
{
	__u64 res = 0, pin = 0;
	int i;

	MISMATCH(s->cur == s->top_cur, "leaf current %lld, parent %lld",
		 s->cur, s->top_cur);
	MISMATCH((__u64)s->cur == s->resident || (s->cur == -2 && !s->resident),
		 "dmem.current %lld, owners resident %llu", s->cur,
		 (unsigned long long)s->resident);
	MISMATCH((__u64)s->pcur == s->pinned || (s->pcur == -2 && !s->pinned),
		 "dmem.pinned.current %lld, owners pinned %llu", s->pcur,
		 (unsigned long long)s->pinned);
	if (s->ri_ret == 0)
		MISMATCH(s->ri.used == s->resident,
			 "region used %llu, owners resident %llu",
			 (unsigned long long)s->ri.used,
			 (unsigned long long)s->resident);
	else
		MISMATCH(s->ri_ret == -ENOENT && s->cur == -2,
			 "region info %d, dmem.current %lld", s->ri_ret, s->cur);
	if (self->w.fd2 >= 0)
		return;
	for (i = 0; i < self->w.nh && self->w.fd >= 0; i++) {
		MISMATCH(s->bret[i] == 0, "buffer %d info %d", i, s->bret[i]);
		if (s->b[i].state == DMEM_SIM_STATE_RESIDENT ||
		    s->b[i].state == DMEM_SIM_STATE_REVOKING)
			res += s->b[i].size;
		if (s->b[i].pins)
			pin += s->b[i].size;
		MISMATCH(!s->b[i].pins || s->b[i].state == DMEM_SIM_STATE_RESIDENT,
			 "buffer %d has %u pins in state %u", i, s->b[i].pins,
			 s->b[i].state);
	}
	MISMATCH(res == s->resident, "buffers resident %llu, owner %llu",
		 (unsigned long long)res, (unsigned long long)s->resident);
	MISMATCH(pin == s->pinned, "buffers pinned %llu, owner %llu",
		 (unsigned long long)pin, (unsigned long long)s->pinned);
	if (s->ri_ret == 0)
		MISMATCH(s->ri.buffers == (__u64)self->w.nh,
			 "region has %llu buffers, the owner %d",
			 (unsigned long long)s->ri.buffers, self->w.nh);
}

/* What a failed operation may have changed, see each case. */
enum relax {
	STRICT,		/* nothing */
	RESIDENCY,	/* buffers may have become (or stopped being) resident */
};

/* A failed operation changed nothing (up to @relax). */
static void check_unchanged(struct __test_metadata *_metadata,
			    const struct snap *a, const struct snap *b,
			    enum relax relax, int nh, const char *what,
			    unsigned int n)
{
	int i;

	MISMATCH(a->pcur == b->pcur, "pinned.current %lld -> %lld", a->pcur, b->pcur);
	MISMATCH(a->pinned == b->pinned, "owner pinned changed");
	MISMATCH(a->ri_ret == b->ri_ret, "region info %d -> %d", a->ri_ret, b->ri_ret);
	MISMATCH(a->ri.buffers == b->ri.buffers, "region buffers %llu -> %llu",
		 (unsigned long long)a->ri.buffers,
		 (unsigned long long)b->ri.buffers);
	MISMATCH(!strcmp(a->file, b->file), "file changed: '%s' -> '%s'",
		 a->file, b->file);
	for (i = 0; i < nh; i++) {
		MISMATCH(a->bret[i] == b->bret[i], "buffer %d info %d -> %d", i,
			 a->bret[i], b->bret[i]);
		MISMATCH(a->b[i].pins == b->b[i].pins, "buffer %d pins %u -> %u",
			 i, a->b[i].pins, b->b[i].pins);
		MISMATCH(a->b[i].importers == b->b[i].importers,
			 "buffer %d importers %u -> %u", i, a->b[i].importers,
			 b->b[i].importers);
		MISMATCH(a->b[i].exported == b->b[i].exported,
			 "buffer %d exported %u -> %u", i, a->b[i].exported,
			 b->b[i].exported);
		if (relax == RESIDENCY)
			continue;
		MISMATCH(a->b[i].state == b->b[i].state, "buffer %d state %u -> %u",
			 i, a->b[i].state, b->b[i].state);
	}
	if (relax == RESIDENCY)
		return;
	MISMATCH(a->cur == b->cur, "dmem.current %lld -> %lld", a->cur, b->cur);
	MISMATCH(a->resident == b->resident, "owner resident changed");
	MISMATCH(a->ri.used == b->ri.used, "region used %llu -> %llu",
		 (unsigned long long)a->ri.used, (unsigned long long)b->ri.used);
}

/*
 * Waits up to 2 s for the late acknowledgment's work to finish the parked
 * revoke of h[0]: the region lists it as parked no more as soon as the work
 * starts, and h[0] leaves REVOKING (uncharged) when it is done.
 */
static void wait_unparked(struct _test_data_faults *self)
{
	struct dmem_sim_region_info ri;
	int i;

	for (i = 0; i < 200; i++) {
		if (sim_region_info(self->admin, self->w.region, &ri) ||
		    (!ri.parked &&
		     sim_state(self->w.fd, self->w.h[0]) != DMEM_SIM_STATE_REVOKING))
			return;
		usleep(10000);
	}
}

/* The operations, each with the state it needs. */
enum op {
	OP_REGION_CREATE, OP_REGION_DESTROY,
	OP_ALLOC, OP_ALLOC_PINNED, OP_ALLOC_EVICT,
	OP_PIN, OP_PIN_EVICTED, OP_UNPIN, OP_TOUCH, OP_READ, OP_WRITE,
	OP_EXPORT, OP_IMPORT_PROMPT, OP_IMPORT_DELAYED, OP_IMPORT_MANUAL,
	OP_IMPORT_DYNAMIC, OP_IMPORTER_ACK, OP_IMPORTER_USE,
	OP_IMPORTER_DETACH, OP_FREE, OP_CLOSE, OP_EVENT_READ,
	OP_CG_MAX, OP_CG_PINNED_MAX, OP_CG_MIN, OP_CG_LOW, OP_CG_POLICY,
};

static const char *const op_names[] = {
	"region_create", "region_destroy", "alloc", "alloc_pinned",
	"alloc_evict", "pin", "pin_evicted", "unpin", "touch", "read", "write",
	"export", "import_prompt", "import_delayed", "import_manual",
	"import_dynamic", "importer_ack", "importer_use", "importer_detach",
	"free", "close", "event_read", "dmem.max", "dmem.pinned.max",
	"dmem.min", "dmem.low", "dmem.policy",
};

static void w_alloc(struct __test_metadata *_metadata, struct world *w,
		    __u32 flags)
{
	ASSERT_EQ(0, sim_alloc(w->fd, w->region, BUF, flags, &w->h[w->nh]));
	w->nh++;
}

/* Three buffers, the third evicting the first, then freed: h[0] evicted
 * and room for it.
 */
static void w_evict_first(struct __test_metadata *_metadata, struct world *w)
{
	w_alloc(_metadata, w, 0);
	w_alloc(_metadata, w, 0);
	w_alloc(_metadata, w, 0);
	ASSERT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(w->fd, w->h[0]));
	ASSERT_EQ(0, sim_op(w->fd, DMEM_SIM_IOC_FREE, w->h[2]));
	w->nh = 2;
}

static void w_export(struct __test_metadata *_metadata, struct world *w)
{
	w->dmabuf = sim_export(w->fd, w->h[0]);
	ASSERT_LE(0, w->dmabuf);
}

/* The ioctl of each operation, 0 for the others. */
static const unsigned long op_req[] = {
	[OP_REGION_CREATE] = DMEM_SIM_IOC_REGION_CREATE,
	[OP_REGION_DESTROY] = DMEM_SIM_IOC_REGION_DESTROY,
	[OP_ALLOC] = DMEM_SIM_IOC_ALLOC,
	[OP_ALLOC_PINNED] = DMEM_SIM_IOC_ALLOC,
	[OP_ALLOC_EVICT] = DMEM_SIM_IOC_ALLOC,
	[OP_PIN] = DMEM_SIM_IOC_PIN,
	[OP_PIN_EVICTED] = DMEM_SIM_IOC_PIN,
	[OP_UNPIN] = DMEM_SIM_IOC_UNPIN,
	[OP_TOUCH] = DMEM_SIM_IOC_TOUCH,
	[OP_READ] = DMEM_SIM_IOC_READ,
	[OP_WRITE] = DMEM_SIM_IOC_WRITE,
	[OP_EXPORT] = DMEM_SIM_IOC_EXPORT,
	[OP_IMPORT_PROMPT] = DMEM_NIC_IOC_IMPORT,
	[OP_IMPORT_DELAYED] = DMEM_NIC_IOC_IMPORT,
	[OP_IMPORT_MANUAL] = DMEM_NIC_IOC_IMPORT,
	[OP_IMPORT_DYNAMIC] = DMEM_NIC_IOC_IMPORT,
	[OP_IMPORTER_ACK] = DMEM_NIC_IOC_IMPORTER_ACK,
	[OP_IMPORTER_USE] = DMEM_NIC_IOC_IMPORTER_USE,
	[OP_IMPORTER_DETACH] = DMEM_NIC_IOC_IMPORTER_DETACH,
	[OP_FREE] = DMEM_SIM_IOC_FREE,
	[OP_CG_POLICY] = 0,
};

/* The cgroup file each cgroup operation writes, and the value written. */
static const char *const cg_files[][2] = {
	[OP_CG_MAX] = { "dmem.max", "1048576" },
	[OP_CG_PINNED_MAX] = { "dmem.pinned.max", "524288" },
	[OP_CG_MIN] = { "dmem.min", "65536" },
	[OP_CG_LOW] = { "dmem.low", "131072" },
	[OP_CG_POLICY] = { "dmem.policy", "strict timeout_ms=250" },
};

static const char *cg_file(enum op op)
{
	return op >= OP_CG_MAX ? cg_files[op][0] : NULL;
}

static const char *cg_value(enum op op)
{
	return op >= OP_CG_MAX ? cg_files[op][1] : NULL;
}

/* An empty world in region @region: nothing open. */
static void world_init(struct world *w, const char *region)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->fd2 = -1;
	w->nfd = -1;
	w->dmabuf = -1;
	w->newfd = -1;
	w->cgfd = -1;
	snprintf(w->region, sizeof(w->region), "%s", region);
	sim_cg_name(w->cgr, w->region);
}

/* The state of the importer, close and cgroup file operations. */
static void setup_importers(struct __test_metadata *_metadata,
			    struct _test_data_faults *self, enum op op);

static void setup_world(struct __test_metadata *_metadata,
			struct _test_data_faults *self, enum op op)
{
	struct world *w = &self->w;
	struct dmem_sim_rw rw = { .len = PG, .ptr = (uintptr_t)w->page };

	world_init(w, op == OP_REGION_CREATE || op == OP_REGION_DESTROY ?
		   self->name2 : self->name);
	w->fd = sim_open();
	ASSERT_LE(0, w->fd);
	w->nfd = nic_open();
	ASSERT_LE(0, w->nfd);
	self->file = cg_file(op);
	self->file_cg = op == OP_CG_POLICY ? "" : self->leaf;

	switch (op) {
	case OP_REGION_CREATE:
	case OP_ALLOC:
	case OP_ALLOC_PINNED:
		break;
	case OP_REGION_DESTROY:
		ASSERT_EQ(0, sim_region_create(self->admin, w->region, CAP));
		w_alloc(_metadata, w, DMEM_SIM_ALLOC_PINNED);
		w_alloc(_metadata, w, 0);
		w_export(_metadata, w);
		ASSERT_EQ(0, nic_import(w->nfd, w->dmabuf, DMEM_NIC_IMPORT_PINNED,
					DMEM_NIC_ACK_PROMPT, 0, &w->imp));
		break;
	case OP_ALLOC_EVICT:
	case OP_EVENT_READ:
		w_alloc(_metadata, w, 0);
		w_alloc(_metadata, w, 0);
		if (op == OP_EVENT_READ)
			w_alloc(_metadata, w, 0);	/* evicts h[0]: an event */
		break;
	case OP_PIN:
	case OP_EXPORT:
	case OP_FREE:
		w_alloc(_metadata, w, op == OP_FREE ? DMEM_SIM_ALLOC_PINNED : 0);
		break;
	case OP_UNPIN:
		w_alloc(_metadata, w, DMEM_SIM_ALLOC_PINNED);
		break;
	case OP_PIN_EVICTED:
	case OP_TOUCH:
		w_evict_first(_metadata, w);
		break;
	case OP_READ:
		w_alloc(_metadata, w, 0);
		ASSERT_EQ(0, sim_fill(w->fd, w->h[0], BUF, 1));
		break;
	case OP_WRITE:
		/* Page 0 all 0x11; the operation writes it all 0x22. */
		w_alloc(_metadata, w, 0);
		memset(w->page, 0x11, PG);
		rw.handle = w->h[0];
		ASSERT_EQ(0, ioctl(w->fd, DMEM_SIM_IOC_WRITE, &rw));
		break;
	default:
		setup_importers(_metadata, self, op);
		break;
	}
}

static void setup_importers(struct __test_metadata *_metadata,
			    struct _test_data_faults *self, enum op op)
{
	struct world *w = &self->w;
	char line[128], path[256];
	__u32 big;

	switch (op) {
	case OP_IMPORT_PROMPT:
	case OP_IMPORT_DELAYED:
	case OP_IMPORT_MANUAL:
	case OP_IMPORT_DYNAMIC:
		w_alloc(_metadata, w, 0);
		w_export(_metadata, w);
		break;
	case OP_IMPORTER_USE:
		/* A dynamic importer of h[0], moved away by its eviction. */
		w_alloc(_metadata, w, 0);
		w_export(_metadata, w);
		ASSERT_EQ(0, nic_import(w->nfd, w->dmabuf, DMEM_NIC_IMPORT_DYNAMIC,
					0, 0, &w->imp));
		w_alloc(_metadata, w, 0);
		w_alloc(_metadata, w, 0);
		ASSERT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(w->fd, w->h[0]));
		ASSERT_EQ(0, sim_op(w->fd, DMEM_SIM_IOC_FREE, w->h[2]));
		w->nh = 2;
		break;
	case OP_IMPORTER_DETACH:
		w_alloc(_metadata, w, 0);
		w_export(_metadata, w);
		ASSERT_EQ(0, nic_import(w->nfd, w->dmabuf, DMEM_NIC_IMPORT_PINNED,
					DMEM_NIC_ACK_PROMPT, 0, &w->imp));
		break;
	case OP_IMPORTER_ACK:
		/*
		 * A parked revoke: h[0] pinned by an importer that never
		 * acks, revoked (soft policy, 1 ms timeout) for a second
		 * owner's allocation that needs the whole region.
		 */
		snprintf(line, sizeof(line), "%s soft timeout_ms=1", w->cgr);
		ASSERT_EQ(0, cg_write("", "dmem.policy", line));
		w_alloc(_metadata, w, 0);
		w_export(_metadata, w);
		ASSERT_EQ(0, nic_import(w->nfd, w->dmabuf, DMEM_NIC_IMPORT_PINNED,
					DMEM_NIC_ACK_MANUAL, 0, &w->imp));
		w->fd2 = sim_open();
		ASSERT_LE(0, w->fd2);
		ASSERT_EQ(-ENOMEM, sim_alloc(w->fd2, w->region, CAP, 0, &big));
		ASSERT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(w->fd, w->h[0]));
		break;
	case OP_CLOSE:
		/* Pinned, resident and exported buffers, and an importer. */
		w_alloc(_metadata, w, DMEM_SIM_ALLOC_PINNED);
		w_alloc(_metadata, w, 0);
		w_export(_metadata, w);
		ASSERT_EQ(0, nic_import(w->nfd, w->dmabuf, DMEM_NIC_IMPORT_PINNED,
					DMEM_NIC_ACK_DELAYED, 10, &w->imp));
		close(w->dmabuf);
		w->dmabuf = -1;
		break;
	case OP_CG_MAX:
	case OP_CG_PINNED_MAX:
	case OP_CG_MIN:
	case OP_CG_LOW:
	case OP_CG_POLICY:
		/* Charged, so that the pool exists; or not, for min. */
		if (op != OP_CG_MIN)
			w_alloc(_metadata, w, DMEM_SIM_ALLOC_PINNED);
		cg_path(path, sizeof(path), self->file_cg, self->file);
		w->cgfd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, w->cgfd);
		break;
	default:
		break;
	}
}

/* The arguments of every operation's call, built before arming. */
struct op_args {
	struct dmem_sim_region_create rc;
	struct dmem_sim_region_name rn;
	struct dmem_sim_alloc al;
	struct dmem_sim_buf_op bo;
	struct dmem_sim_rw rw;
	struct dmem_sim_export ex;
	struct dmem_nic_import im;
	struct dmem_nic_importer_op io;
	struct dmem_nic_importer_info ii;
	struct dmem_sim_event ev;
	char line[128];		/* a cgroup file's write */
	size_t len;
};

/* The argument of @which's ioctl, from @w; NULL for the other operations. */
static void *op_arg(struct world *w, enum op which, struct op_args *a)
{
	memset(a, 0, sizeof(*a));
	a->rc.size = CAP;
	memcpy(a->rc.name, w->region, sizeof(a->rc.name));
	memcpy(a->rn.name, w->region, sizeof(a->rn.name));
	a->al.size = BUF;
	memcpy(a->al.region, w->region, sizeof(a->al.region));
	a->bo.handle = w->h[0];
	a->rw.handle = w->h[0];
	a->rw.len = PG;
	a->rw.ptr = (uintptr_t)w->page;
	a->ex.handle = w->h[0];
	a->im.fd = w->dmabuf;
	a->io.id = w->imp;
	a->ii.id = w->imp;
	switch (which) {
	case OP_REGION_CREATE:
		return &a->rc;
	case OP_REGION_DESTROY:
		return &a->rn;
	case OP_ALLOC_PINNED:
		a->al.flags = DMEM_SIM_ALLOC_PINNED;
		return &a->al;
	case OP_ALLOC:
	case OP_ALLOC_EVICT:
		return &a->al;
	case OP_PIN:
	case OP_PIN_EVICTED:
	case OP_UNPIN:
	case OP_TOUCH:
	case OP_FREE:
		return &a->bo;
	case OP_READ:
	case OP_WRITE:
		return &a->rw;
	case OP_EXPORT:
		return &a->ex;
	case OP_IMPORT_PROMPT:
	case OP_IMPORT_DELAYED:
	case OP_IMPORT_MANUAL:
		a->im.mode = DMEM_NIC_IMPORT_PINNED;
		a->im.ack = which == OP_IMPORT_PROMPT ? DMEM_NIC_ACK_PROMPT :
			    which == OP_IMPORT_DELAYED ? DMEM_NIC_ACK_DELAYED :
			    DMEM_NIC_ACK_MANUAL;
		a->im.delay_ms = which == OP_IMPORT_DELAYED ? 20 : 0;
		return &a->im;
	case OP_IMPORT_DYNAMIC:
		a->im.mode = DMEM_NIC_IMPORT_DYNAMIC;
		return &a->im;
	case OP_IMPORTER_ACK:
	case OP_IMPORTER_DETACH:
		return &a->io;
	case OP_IMPORTER_USE:
		return &a->ii;
	default:
		if (cg_value(which))
			a->len = snprintf(a->line, sizeof(a->line), "%s %s",
					  w->cgr, cg_value(which));
		return NULL;
	}
}

/* Is @op an ioctl of the NIC's file? */
static bool op_nic(enum op op)
{
	return op >= OP_IMPORT_PROMPT && op <= OP_IMPORTER_DETACH;
}

/* What the test keeps of the operation's result. */
static void op_keep(struct __test_metadata *_metadata, struct world *w,
		    enum op op, int ret, const struct op_args *a)
{
	if (op == OP_CLOSE) {
		w->fd = -1;	/* closed even on error */
		w->nfd = -1;
		w->nh = 0;
	}
	if (ret)
		return;
	switch (op) {
	case OP_ALLOC:
	case OP_ALLOC_PINNED:
	case OP_ALLOC_EVICT:
		w->h[w->nh++] = a->al.handle;
		break;
	case OP_FREE:
		w->nh = 0;
		break;
	case OP_EXPORT:
		w->newfd = a->ex.fd;
		break;
	case OP_IMPORT_PROMPT:
	case OP_IMPORT_DELAYED:
	case OP_IMPORT_MANUAL:
	case OP_IMPORT_DYNAMIC:
		w->imp = a->im.id;
		break;
	case OP_EVENT_READ:
		EXPECT_EQ(DMEM_SIM_EVENT_BUF_EVICTED, (int)a->ev.type);
		EXPECT_EQ(w->h[0], (__u32)a->ev.handle);
		break;
	default:
		break;
	}
}

/*
 * Runs the operation with fail-nth armed at @n: 0 or -errno, and in
 * @fired whether the armed fault fired. Everything the operation needs is
 * prepared before arming: no other system call, allocation or page fault
 * of this thread may consume the armed count.
 */
static int run_op(struct __test_metadata *_metadata,
		  struct _test_data_faults *self, enum op op, unsigned int n,
		  int *fired)
{
	struct world *w = &self->w;
	struct op_args a;
	void *arg;
	ssize_t r;
	int ret;

	memset(w->page, op == OP_WRITE ? 0x22 : 0, PG);
	arg = op_arg(w, op, &a);

	ASSERT_EQ(0, nth_arm(self->nth, n));
	if (op == OP_CLOSE) {
		/* The NIC's file first: its importer lets the buffer go. */
		ret = close(w->nfd) ? -errno : 0;
		if (close(w->fd) && !ret)
			ret = -errno;
	} else if (op == OP_EVENT_READ) {
		r = read(w->fd, &a.ev, sizeof(a.ev));
		ret = r == sizeof(a.ev) ? 0 : r < 0 ? -errno : -EIO;
	} else if (a.len) {
		r = write(w->cgfd, a.line, a.len);
		ret = r == (ssize_t)a.len ? 0 : r < 0 ? -errno : -EIO;
	} else {
		ret = ioctl(op_nic(op) ? w->nfd : w->fd, op_req[op], arg) < 0 ?
		      -errno : 0;
	}
	*fired = nth_disarm(self->nth);
	ASSERT_LE(0, *fired);

	op_keep(_metadata, w, op, ret, &a);
	return ret;
}

/* What a successful import, detach or acknowledgment must have done. */
static void check_import_success(struct __test_metadata *_metadata, enum op op,
				 const struct snap *b, unsigned int n)
{
	const char *what = op_names[op];

	switch (op) {
	case OP_IMPORT_PROMPT:
	case OP_IMPORT_DELAYED:
	case OP_IMPORT_MANUAL:
		MISMATCH(b->b[0].importers == 1 && b->b[0].pins == 1 &&
			 b->pcur == (long long)BUF, "importers %u pins %u",
			 b->b[0].importers, b->b[0].pins);
		break;
	case OP_IMPORT_DYNAMIC:
		MISMATCH(b->b[0].importers == 1 && b->b[0].pins == 0,
			 "importers %u pins %u", b->b[0].importers, b->b[0].pins);
		break;
	case OP_IMPORTER_DETACH:
		MISMATCH(b->b[0].importers == 0 && b->b[0].pins == 0 &&
			 b->pcur == 0, "importers %u pins %u",
			 b->b[0].importers, b->b[0].pins);
		break;
	case OP_IMPORTER_ACK:
		MISMATCH(b->b[0].state == DMEM_SIM_STATE_REVOKED &&
			 b->ri.parked == 0, "state %u parked %llu",
			 b->b[0].state, (unsigned long long)b->ri.parked);
		break;
	default:
		break;
	}
}

/* What a success must have done, beyond consistency. */
static void check_success(struct __test_metadata *_metadata,
			  struct _test_data_faults *self, enum op op,
			  const struct snap *a, const struct snap *b,
			  unsigned int n)
{
	struct world *w = &self->w;
	const char *what = op_names[op];
	unsigned int i;

	switch (op) {
	case OP_REGION_CREATE:
		MISMATCH(b->ri_ret == 0 && b->ri.capacity == CAP, "no region");
		break;
	case OP_REGION_DESTROY:
		MISMATCH(b->ri_ret == -ENOENT, "region still there");
		MISMATCH(b->resident == 0 && b->pinned == 0, "still charged");
		for (i = 0; i < 2; i++)
			MISMATCH(b->b[i].state == DMEM_SIM_STATE_REVOKED,
				 "buffer %u state %u", i, b->b[i].state);
		break;
	case OP_ALLOC:
	case OP_ALLOC_PINNED:
	case OP_ALLOC_EVICT:
		MISMATCH(b->ri.buffers == a->ri.buffers + 1, "no new buffer");
		MISMATCH(b->b[w->nh - 1].state == DMEM_SIM_STATE_RESIDENT,
			 "new buffer state %u", b->b[w->nh - 1].state);
		MISMATCH(b->b[w->nh - 1].pins == (op == OP_ALLOC_PINNED),
			 "new buffer pins %u", b->b[w->nh - 1].pins);
		break;
	case OP_PIN:
	case OP_PIN_EVICTED:
		MISMATCH(b->b[0].pins == 1 && b->pcur == (long long)BUF,
			 "pins %u pinned.current %lld", b->b[0].pins, b->pcur);
		break;
	case OP_UNPIN:
		MISMATCH(b->b[0].pins == 0 && b->pcur == 0,
			 "pins %u pinned.current %lld", b->b[0].pins, b->pcur);
		break;
	case OP_TOUCH:
	case OP_IMPORTER_USE:
		MISMATCH(b->b[0].state == DMEM_SIM_STATE_RESIDENT,
			 "state %u", b->b[0].state);
		break;
	case OP_EXPORT:
		MISMATCH(b->b[0].exported == 1 && w->newfd >= 0, "not exported");
		break;
	case OP_FREE:
	case OP_CLOSE:
		MISMATCH(b->ri.buffers == 0 && b->cur == 0 && b->pcur == 0,
			 "buffers %llu current %lld",
			 (unsigned long long)b->ri.buffers, b->cur);
		break;
	case OP_CG_MAX:
	case OP_CG_PINNED_MAX:
	case OP_CG_MIN:
	case OP_CG_LOW:
	case OP_CG_POLICY:
		MISMATCH(strcmp(a->file, b->file), "file unchanged");
		break;
	default:
		check_import_success(_metadata, op, b, n);
		break;
	}
}

/* The bytes of h[0]: page 0 all @first, the rest the pattern of seed 1. */
static void check_bytes(struct __test_metadata *_metadata,
			struct _test_data_faults *self, int first, unsigned int n,
			const char *what)
{
	struct world *w = &self->w;
	struct dmem_sim_rw rw = {
		.handle = w->h[0], .len = PG, .ptr = (uintptr_t)w->page,
	};
	unsigned int i, bad = 0;

	ASSERT_EQ(0, ioctl(w->fd, DMEM_SIM_IOC_READ, &rw));
	if (first < 0) {
		ASSERT_EQ(0, sim_verify(w->fd, w->h[0], BUF, 1));
		return;
	}
	for (i = 0; i < PG; i++)
		bad += w->page[i] != first;
	MISMATCH(!bad, "%u bytes of page 0 are not %#x", bad, first);
}

/* Back to nothing: close everything, reset the files, check zeros. */
static void teardown_world(struct __test_metadata *_metadata,
			   struct _test_data_faults *self, enum op op,
			   unsigned int n)
{
	struct world *w = &self->w;
	const char *what = op_names[op];
	struct dmem_sim_region_info ri;
	char line[128];
	int i;

	if (w->newfd >= 0)
		close(w->newfd);
	if (w->dmabuf >= 0)
		close(w->dmabuf);
	if (w->cgfd >= 0)
		close(w->cgfd);
	if (w->fd2 >= 0)
		close(w->fd2);
	if (w->fd >= 0)
		close(w->fd);
	if (w->nfd >= 0)
		close(w->nfd);
	w->fd = -1;
	w->fd2 = -1;
	w->nfd = -1;
	w->nh = 0;
	self->file = NULL;
	if (op == OP_REGION_CREATE || op == OP_REGION_DESTROY)
		sim_region_destroy(self->admin, w->region);
	if (op >= OP_CG_MAX) {
		snprintf(line, sizeof(line), "%s max", self->cg);
		ASSERT_EQ(0, cg_write(self->leaf, "dmem.max", line));
		ASSERT_EQ(0, cg_write(self->leaf, "dmem.pinned.max", line));
		snprintf(line, sizeof(line), "%s 0", self->cg);
		ASSERT_EQ(0, cg_write(self->leaf, "dmem.min", line));
		ASSERT_EQ(0, cg_write(self->leaf, "dmem.low", line));
	}
	snprintf(line, sizeof(line), "%s soft timeout_ms=1000", self->cg);
	ASSERT_EQ(0, cg_write("", "dmem.policy", line));

	/* Closing is synchronous: nothing may remain. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, sim_region_info(self->admin, self->name, &ri));
		if (!ri.buffers)
			break;
		usleep(10000);
	}
	MISMATCH(ri.used == 0 && ri.buffers == 0 && ri.parked == 0,
		 "after close: used %llu buffers %llu parked %llu",
		 (unsigned long long)ri.used, (unsigned long long)ri.buffers,
		 (unsigned long long)ri.parked);
	MISMATCH(cg_region_value(self->leaf, "dmem.current", self->cg) == 0,
		 "after close: dmem.current not 0");
	MISMATCH(cg_region_value(self->leaf, "dmem.pinned.current", self->cg) == 0,
		 "after close: dmem.pinned.current not 0");
}

/*
 * Whether the operation reaches a fault point. The ones listed allocate
 * and charge nothing on the test kernel: fail-nth cannot fail them, so
 * their loop runs once and checks the success (the debug kernel's own
 * allocations may add fault points to them). Every other operation must
 * have faults fire in its loop.
 */
static bool reaches_fault_point(enum op op)
{
	switch (op) {
	case OP_REGION_DESTROY:
	case OP_UNPIN:
	case OP_IMPORTER_ACK:
	case OP_IMPORTER_DETACH:
	case OP_FREE:
	case OP_CLOSE:
	case OP_EVENT_READ:
		return false;
	default:
		return true;
	}
}

/* The fail-nth loop of one operation. */
static void fault_loop(struct __test_metadata *_metadata,
		       struct _test_data_faults *self, enum op op, enum relax relax)
{
	const char *what = op_names[op];
	struct snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	long long fired_total = 0;
	unsigned int n;
	int fired, ret, nh;

	ASSERT_TRUE(a && b);
	for (n = 1; n <= MAX_N; n++) {
		setup_world(_metadata, self, op);
		take_snap(_metadata, self, a);
		check_consistent(_metadata, self, a, what, n);
		nh = self->w.nh;

		ret = run_op(_metadata, self, op, n, &fired);
		tot->ops++;
		if (fired) {
			tot->faults++;
			fired_total++;
		}
		if (op == OP_IMPORTER_ACK)
			wait_unparked(self);
		if (ret && ret != -ENOMEM) {
			tot->errors++;
			_metadata->exit_code = KSFT_FAIL;
			TH_LOG("%s n=%u: unexpected errno %d (fault %s)", what, n,
			       -ret, fired ? "fired" : "not fired");
		}
		MISMATCH(ret == 0 || fired, "failed (%d) with no fault", ret);
		if (op != OP_CLOSE && op != OP_FREE) {
			take_snap(_metadata, self, b);
			check_consistent(_metadata, self, b, what, n);
			if (ret)
				check_unchanged(_metadata, a, b, relax, nh, what, n);
			else
				check_success(_metadata, self, op, a, b, n);
			if (op == OP_WRITE)
				check_bytes(_metadata, self, ret ? 0x11 : 0x22, n, what);
			if (op == OP_READ)
				check_bytes(_metadata, self, -1, n, what);
		} else if (!ret) {
			take_snap(_metadata, self, b);
			check_success(_metadata, self, op, a, b, n);
		}
		teardown_world(_metadata, self, op, n);
		if (!fired)
			break;
	}
	free(a);
	free(b);
	ksft_print_msg("%s: %u runs, %lld faults injected\n", what, n, fired_total);
	ASSERT_LT(n, (unsigned int)MAX_N);
	/* The operation's failure paths ran: at least one fault fired. */
	if (reaches_fault_point(op))
		EXPECT_LT(0, fired_total) TH_LOG("%s: no fault fired", what);
}

/* Hundreds of runs each, under TCG: more than the default 30 s. */
TEST_F_TIMEOUT(faults, region_create, 300)
{
	fault_loop(_metadata, self, OP_REGION_CREATE, STRICT);
}

TEST_F_TIMEOUT(faults, region_destroy, 300)
{
	fault_loop(_metadata, self, OP_REGION_DESTROY, STRICT);
}

TEST_F_TIMEOUT(faults, alloc, 300)
{
	fault_loop(_metadata, self, OP_ALLOC, STRICT);
}

TEST_F_TIMEOUT(faults, alloc_pinned, 300)
{
	fault_loop(_metadata, self, OP_ALLOC_PINNED, STRICT);
}

/* A victim may stay evicted when the allocation fails afterwards. */
TEST_F_TIMEOUT(faults, alloc_evict, 300)
{
	fault_loop(_metadata, self, OP_ALLOC_EVICT, RESIDENCY);
}

TEST_F_TIMEOUT(faults, pin, 300)
{
	fault_loop(_metadata, self, OP_PIN, STRICT);
}

/* A pin fails after making the buffer resident: it stays so, unpinned. */
TEST_F_TIMEOUT(faults, pin_evicted, 300)
{
	fault_loop(_metadata, self, OP_PIN_EVICTED, RESIDENCY);
}

TEST_F_TIMEOUT(faults, unpin, 300)
{
	fault_loop(_metadata, self, OP_UNPIN, STRICT);
}

TEST_F_TIMEOUT(faults, touch, 300)
{
	fault_loop(_metadata, self, OP_TOUCH, STRICT);
}

TEST_F_TIMEOUT(faults, read, 300)
{
	fault_loop(_metadata, self, OP_READ, STRICT);
}

TEST_F_TIMEOUT(faults, write, 300)
{
	fault_loop(_metadata, self, OP_WRITE, STRICT);
}

TEST_F_TIMEOUT(faults, export, 300)
{
	fault_loop(_metadata, self, OP_EXPORT, STRICT);
}

TEST_F_TIMEOUT(faults, import_prompt, 300)
{
	fault_loop(_metadata, self, OP_IMPORT_PROMPT, STRICT);
}

TEST_F_TIMEOUT(faults, import_delayed, 300)
{
	fault_loop(_metadata, self, OP_IMPORT_DELAYED, STRICT);
}

TEST_F_TIMEOUT(faults, import_manual, 300)
{
	fault_loop(_metadata, self, OP_IMPORT_MANUAL, STRICT);
}

TEST_F_TIMEOUT(faults, import_dynamic, 300)
{
	fault_loop(_metadata, self, OP_IMPORT_DYNAMIC, STRICT);
}

TEST_F_TIMEOUT(faults, importer_ack, 300)
{
	fault_loop(_metadata, self, OP_IMPORTER_ACK, STRICT);
}

/* A use maps after making the buffer resident: it may stay resident. */
TEST_F_TIMEOUT(faults, importer_use, 300)
{
	fault_loop(_metadata, self, OP_IMPORTER_USE, RESIDENCY);
}

TEST_F_TIMEOUT(faults, importer_detach, 300)
{
	fault_loop(_metadata, self, OP_IMPORTER_DETACH, STRICT);
}

TEST_F_TIMEOUT(faults, free, 300)
{
	fault_loop(_metadata, self, OP_FREE, STRICT);
}

TEST_F_TIMEOUT(faults, close, 300)
{
	fault_loop(_metadata, self, OP_CLOSE, STRICT);
}

TEST_F_TIMEOUT(faults, event_read, 300)
{
	fault_loop(_metadata, self, OP_EVENT_READ, STRICT);
}

TEST_F_TIMEOUT(faults, cg_max, 300)
{
	fault_loop(_metadata, self, OP_CG_MAX, STRICT);
}

TEST_F_TIMEOUT(faults, cg_pinned_max, 300)
{
	fault_loop(_metadata, self, OP_CG_PINNED_MAX, STRICT);
}

TEST_F_TIMEOUT(faults, cg_min, 300)
{
	fault_loop(_metadata, self, OP_CG_MIN, STRICT);
}

TEST_F_TIMEOUT(faults, cg_low, 300)
{
	fault_loop(_metadata, self, OP_CG_LOW, STRICT);
}

TEST_F_TIMEOUT(faults, cg_policy, 300)
{
	fault_loop(_metadata, self, OP_CG_POLICY, STRICT);
}

#define FDC	DBG "/fail_dmem_charge/"

/* fail_dmem_charge for this process only: task-filter and make-it-fail. */
static int charge_fault_set(const char *probability, const char *times)
{
	int ret;

	ret = knob_write("/proc/self/make-it-fail", "1");
	ret = ret ?: knob_write(FDC "task-filter", "Y");
	ret = ret ?: knob_write(FDC "interval", "1");
	ret = ret ?: knob_write(FDC "space", "0");
	ret = ret ?: knob_write(FDC "times", times);
	ret = ret ?: knob_write(FDC "probability", probability);
	return ret;
}

static int charge_fault_off(void)
{
	int ret = knob_write(FDC "probability", "0");

	ret = ret ?: knob_write(FDC "times", "1");
	ret = ret ?: knob_write(FDC "task-filter", "N");
	return ret ?: knob_write("/proc/self/make-it-fail", "0");
}

/*
 * The charge point by its own knobs: an injected failure is -ENOMEM, is
 * not a limit hit (no "max" or "pin_max" event, nothing evicted), and
 * leaves nothing charged; a touch of a resident buffer charges nothing.
 */
TEST_F(faults, charge_point)
{
	struct dmem_sim_buf_info bi;
	__u32 h, h2;
	int fd;

	fd = sim_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, charge_fault_set("100", "1"));
	EXPECT_EQ(-ENOMEM, sim_alloc(fd, self->name, BUF, 0, &h));
	EXPECT_EQ(0, knob_read(FDC "times"));
	EXPECT_EQ(0, cg_region_value(self->leaf, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_key(self->leaf, "dmem.events", self->cg, "max"));
	ASSERT_EQ(0, sim_alloc(fd, self->name, BUF, 0, &h));
	ASSERT_EQ(0, sim_alloc(fd, self->name, BUF, 0, &h2));

	/* The pinned charge fails: resident, unpinned, nothing evicted. */
	ASSERT_EQ(0, knob_write(FDC "times", "1"));
	EXPECT_EQ(-ENOMEM, sim_op(fd, DMEM_SIM_IOC_PIN, h));
	EXPECT_EQ(0, knob_read(FDC "times"));
	ASSERT_EQ(0, sim_info(fd, h, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, (int)bi.state);
	EXPECT_EQ(0, (int)bi.pins);
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(fd, h2));
	EXPECT_EQ(0, cg_region_value(self->leaf, "dmem.pinned.current", self->cg));
	EXPECT_EQ((long long)(2 * BUF), cg_region_value(self->leaf, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_key(self->leaf, "dmem.events", self->cg, "pin_max"));

	/* Resident: a touch charges nothing, the armed fault stays. */
	ASSERT_EQ(0, knob_write(FDC "times", "1"));
	EXPECT_EQ(0, sim_op(fd, DMEM_SIM_IOC_TOUCH, h));
	EXPECT_EQ(1, knob_read(FDC "times"));
	tot->ops += 6;
	tot->faults += 2;

	ASSERT_EQ(0, charge_fault_off());
	close(fd);
	EXPECT_EQ(0, cg_region_value(self->leaf, "dmem.current", self->cg));
}

static int detach(int fd, __u32 id)
{
	return nic_op(fd, DMEM_NIC_IOC_IMPORTER_DETACH, id);
}

/* A result of random_op(): the operation was not possible. */
#define SKIPPED		1

/*
 * One random operation of charge_random on @w's buffers (@imp: their
 * importers): 0 or -errno, in *@op which one.
 */
static int random_op(struct __test_metadata *_metadata, struct world *w,
		     __u32 *imp, unsigned int *seed, int *op)
{
	int k, ret, dmabuf;

	*op = rand_r(seed) % 8;
	k = w->nh ? rand_r(seed) % w->nh : 0;
	if (!w->nh || (*op == 0 && w->nh < NBUF) || (*op == 1 && w->nh < NBUF)) {
		if (w->nh == NBUF)
			return SKIPPED;
		ret = sim_alloc(w->fd, w->region, BUF,
				*op == 1 ? DMEM_SIM_ALLOC_PINNED : 0, &w->h[w->nh]);
		if (!ret) {
			imp[w->nh] = 0;
			w->nh++;
		}
	} else if (*op == 2) {
		ret = sim_op(w->fd, DMEM_SIM_IOC_PIN, w->h[k]);
	} else if (*op == 3) {
		ret = sim_op(w->fd, DMEM_SIM_IOC_UNPIN, w->h[k]);
		/* Pins end with a revoke. */
		if (ret == -EINVAL)
			ret = 0;
	} else if (*op == 4) {
		ret = sim_op(w->fd, DMEM_SIM_IOC_TOUCH, w->h[k]);
	} else if (*op == 5 && !imp[k]) {
		dmabuf = sim_export(w->fd, w->h[k]);
		ASSERT_LE(0, dmabuf);
		ret = nic_import(w->nfd, dmabuf, DMEM_NIC_IMPORT_PINNED,
				 DMEM_NIC_ACK_PROMPT, 0, &imp[k]);
		close(dmabuf);
	} else if (*op == 6 && imp[k]) {
		ret = detach(w->nfd, imp[k]);
		imp[k] = 0;
	} else {
		if (imp[k])
			ASSERT_EQ(0, detach(w->nfd, imp[k]));
		ret = sim_op(w->fd, DMEM_SIM_IOC_FREE, w->h[k]);
		w->nh--;
		w->h[k] = w->h[w->nh];
		imp[k] = imp[w->nh];
	}
	return ret;
}

/*
 * fail_dmem_charge by probability under a random workload of one owner
 * (allocations plain and pinned, pins, unpins, touches, frees, pinned
 * importers): every operation succeeds or fails with its documented
 * errno, and every view agrees after each one.
 */
TEST_F_TIMEOUT(faults, charge_random, 300)
{
	struct world *w = &self->w;
	struct snap *s = calloc(1, sizeof(*s));
	__u32 imp[NBUF];
	int i, ret, op, ops = 600;
	unsigned int seed = 12345;
	long long faults;
	const char *what = "charge_random";
	unsigned int n;

	ASSERT_NE(NULL, s);
	world_init(w, self->name);
	w->fd = sim_open();
	ASSERT_LE(0, w->fd);
	w->nfd = nic_open();
	ASSERT_LE(0, w->nfd);
	memset(imp, 0, sizeof(imp));
	ASSERT_EQ(0, charge_fault_set("25", "100000"));

	for (n = 1; n <= (unsigned int)ops; n++) {
		ret = random_op(_metadata, w, imp, &seed, &op);
		if (ret == SKIPPED)
			continue;
		tot->ops++;
		if (ret && ret != -ENOMEM) {
			tot->errors++;
			_metadata->exit_code = KSFT_FAIL;
			TH_LOG("%s n=%u: op %d errno %d", what, n, op, -ret);
		}
		take_snap(_metadata, self, s);
		check_consistent(_metadata, self, s, what, n);
	}
	faults = 100000 - knob_read(FDC "times");
	ASSERT_EQ(0, charge_fault_off());
	ksft_print_msg("%s: %u operations, %lld charge faults injected\n",
		       what, ops, faults);
	EXPECT_LT(0, faults);
	tot->faults += faults;
	/* No limit is set: injected failures count no limit events. */
	EXPECT_EQ(0, cg_region_key(self->leaf, "dmem.events", self->cg, "max"));
	EXPECT_EQ(0, cg_region_key(self->leaf, "dmem.events", self->cg, "pin_max"));

	for (i = 0; i < w->nh; i++)
		if (imp[i])
			EXPECT_EQ(0, detach(w->nfd, imp[i]));
	close(w->nfd);
	close(w->fd);
	w->fd = -1;
	w->nfd = -1;
	w->nh = 0;
	EXPECT_EQ(0, cg_region_value(self->leaf, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->leaf, "dmem.pinned.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.current", self->cg));
	free(s);
}

/*
 * The fixture arms fail-nth's knobs without a probability, so that no
 * other task fails: every knob reads what the tests need, the
 * probabilities are 0; and the defaults come back.
 */
TEST_F(faults, knobs_affect_no_other_task)
{
	static const char *const prob[] = {
		DBG "/failslab/probability", DBG "/fail_page_alloc/probability",
		FDC "probability",
	};
	static const enum fault_scope scopes[] = {
		FAULTS_ALL, FAULTS_CHARGE, FAULTS_DEFAULT,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		ASSERT_EQ(0, faults_scope(scopes[i]));
		EXPECT_EQ(NULL, faults_scope_mismatch(scopes[i]));
	}
	for (i = 0; i < ARRAY_SIZE(prob); i++) {
		const char *path = prob[i];

		EXPECT_EQ(0, knob_read(path)) TH_LOG("%s", path);
	}
	tot->ops++;
}

TEST_HARNESS_MAIN
