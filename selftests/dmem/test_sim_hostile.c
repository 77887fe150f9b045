// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hostile user of the world-writable /dev/dmem_sim:
 *  - importers that never acknowledge delay a region destroy, and an
 *    allocation that revokes their buffers, by one revoke timeout in all,
 *    however many they are; a killed destroy returns at once and the
 *    teardown finishes in the background;
 *  - the device pages such an importer still maps go back to the system
 *    only when it detaches;
 *  - what imports and files kept alive by imports make the kernel
 *    allocate is charged to the importer's memory cgroup: its slab growth
 *    that no cgroup pays for stays below a tenth of what it was charged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "sim_util.h"

static const char *const tree[] = { "u", "v", NULL };

#define NBUF		16
#define TIMEOUT_MS	500
/*
 * The destroy's timeout, and the size of the buffers whose destroy is
 * timed: 16 evictions of 64 KiB after the one wait copy 1 MiB, a few tens
 * of milliseconds even on the KASAN kernel of a loaded host, so half a
 * timeout of slack is ample, and a second wait (8 s) or sixteen (64 s)
 * fail. With 2 MiB buffers (32 MiB of copies) the work after the wait
 * once took 2,030 ms on a host running three VMs.
 */
#define DESTROY_TIMEOUT_MS	4000
#define TIMED_BUF		(64 * 1024)
/* The memory cgroup of the hostile user, and where its loops stop. */
#define MEM_MAX		(64 * MiB)
#define MEM_STOP	(56 * MiB)

FIXTURE(hostile) {
	char top[64];
	char u[128];
	char v[128];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fd;
};

FIXTURE_SETUP(hostile)
{
	char line[32];

	child_reset();
	self->fd = -1;
	ASSERT_EQ(0, cg_write("", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_hostile", tree));
	ASSERT_EQ(0, cg_write(self->top, "cgroup.subtree_control", "+memory"));
	snprintf(self->u, sizeof(self->u), "%s/u", self->top);
	snprintf(self->v, sizeof(self->v), "%s/v", self->top);
	snprintf(line, sizeof(line), "%lld", MEM_MAX);
	ASSERT_EQ(0, cg_write(self->u, "memory.max", line));
	sim_unique_name(self->name, "hostile");
	sim_cg_name(self->cg, self->name);
	self->fd = sim_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->fd >= 0)
		close(self->fd);
	sim_region_remove(self->name);
	cg_cleanup_tree(self->top);
}

static void set_timeout(struct __test_metadata *_metadata, const char *name,
			int ms)
{
	char p[64];

	snprintf(p, sizeof(p), "soft timeout_ms=%d", ms);
	ASSERT_EQ(0, sim_policy(name, p));
}

/* Free pages, including those on the per-cpu lists, in bytes. */
static long long free_bytes(void)
{
	long long pcp = 0;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "count:");

		if (p && strncmp(line, "              count:", 20) == 0)
			pcp += strtoll(p + 6, NULL, 10);
	}
	fclose(f);
	return meminfo_bytes("MemFree") + pcp * 4096;
}

/*
 * Slab the kernel's own debugging keeps per allocation, whoever made it:
 * kmemleak's objects (the debug kernel's), from /proc/slabinfo where the
 * kernel has it. It follows the user's allocations without being theirs.
 */
static long long debug_slab_bytes(void)
{
	long long total = 0, objs, size;
	char line[512], name[64];
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %*d %lld %lld", name, &objs, &size) != 3)
			continue;
		if (!strncmp(name, "kmemleak_", 9))
			total += objs * size;
	}
	fclose(f);
	return total;
}

/*
 * Shrink every slab cache: this also empties KASAN's quarantine, which
 * would otherwise keep objects already freed (and uncharged) in Slab.
 */
static void shrink_slabs(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir("/sys/kernel/slab");
	int fd;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", de->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		/* A cache that cannot shrink is measured as it is. */
		(void)!write(fd, "1", 1);
		close(fd);
	}
	closedir(d);
}

/* Slab bytes after shrinking, less what the kernel's debugging keeps. */
static long long slab_bytes(void)
{
	shrink_slabs();
	return meminfo_bytes("Slab") - debug_slab_bytes();
}

static int region_listed(const char *cg)
{
	char cap[4096];

	if (cg_read("", "dmem.capacity", cap, sizeof(cap)) < 0)
		return -1;
	return !!strstr(cap, cg);
}

/*
 * Buffers whose importers never acknowledge: an owner's file in u, a NIC
 * file, and @n pinned buffers of @size bytes, each filled with its own
 * pattern, exported, and imported by a pinned importer that acknowledges
 * only when told (never, here).
 */
struct silent {
	int ofd, ifd, n;
	long long size;
	__u32 h[NBUF], id[NBUF];
	int dmabuf[NBUF];
};

/*
 * Region @name of @region bytes (created through @ctl), revoke timeout
 * @ms, and the buffers of @s, their owner in cgroup @cg.
 */
static void silent_setup(struct __test_metadata *_metadata, int ctl,
			 const char *name, const char *cg, long long region,
			 int ms, struct silent *s)
{
	int i;

	ASSERT_GE(NBUF, s->n);
	ASSERT_EQ(0, sim_region_create(ctl, name, region));
	set_timeout(_metadata, name, ms);
	s->ofd = sim_open_in(cg);
	ASSERT_LE(0, s->ofd);
	s->ifd = nic_open();
	ASSERT_LE(0, s->ifd);
	for (i = 0; i < s->n; i++) {
		ASSERT_EQ(0, sim_alloc(s->ofd, name, s->size,
				       DMEM_SIM_ALLOC_PINNED, &s->h[i]));
		ASSERT_EQ(0, sim_fill(s->ofd, s->h[i], s->size, i + 1));
		s->dmabuf[i] = sim_export(s->ofd, s->h[i]);
		ASSERT_LE(0, s->dmabuf[i]);
		ASSERT_EQ(0, nic_import(s->ifd, s->dmabuf[i], DMEM_NIC_IMPORT_PINNED,
					DMEM_NIC_ACK_MANUAL, 0, &s->id[i]));
	}
}

/* Detach the importers not detached yet. */
static void silent_detach(struct __test_metadata *_metadata, struct silent *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (!s->id[i])
			continue;
		EXPECT_EQ(0, nic_op(s->ifd, DMEM_NIC_IOC_IMPORTER_DETACH, s->id[i]));
		s->id[i] = 0;
	}
}

/* The buffers were revoked with their bytes; detach, unexport, free, close. */
static void silent_check_and_free(struct __test_metadata *_metadata,
				  struct silent *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(s->ofd, s->h[i]));
		EXPECT_EQ(0, sim_verify(s->ofd, s->h[i], s->size, i + 1));
	}
	silent_detach(_metadata, s);
	for (i = 0; i < s->n; i++) {
		close(s->dmabuf[i]);
		EXPECT_EQ(0, sim_op(s->ofd, DMEM_SIM_IOC_FREE, s->h[i]));
	}
	close(s->ifd);
	close(s->ofd);
}

/*
 * 16 importers that never acknowledge, each on its own buffer: the
 * destroy waits one revoke timeout, not sixteen, and the region is gone
 * at once. The buffers are small, so that the time is the wait's.
 */
TEST_F_TIMEOUT(hostile, destroy_waits_one_timeout, 120)
{
	struct silent s = { .n = NBUF, .size = TIMED_BUF };
	long long t0, t1;

	silent_setup(_metadata, self->fd, self->name, self->u,
		     NBUF * TIMED_BUF, DESTROY_TIMEOUT_MS, &s);
	EXPECT_EQ(NBUF * TIMED_BUF, cg_region_value(self->u, "dmem.pinned.current", self->cg));

	t0 = sim_now_ms();
	ASSERT_EQ(0, sim_region_destroy(self->fd, self->name));
	t1 = sim_now_ms();
	TH_LOG("destroy with %d silent importers took %lld ms", NBUF, t1 - t0);
	/* It waited (allowing 20% for the VM's clocks), but only once. */
	EXPECT_LE(DESTROY_TIMEOUT_MS * 8 / 10, t1 - t0);
	EXPECT_GT(DESTROY_TIMEOUT_MS * 3 / 2, t1 - t0);

	EXPECT_EQ(0, region_listed(self->cg));
	EXPECT_EQ(-2, cg_region_value(self->u, "dmem.current", self->cg));
	EXPECT_EQ(-2, cg_region_value(self->u, "dmem.pinned.current", self->cg));
	EXPECT_EQ(-2, cg_region_value(self->top, "dmem.current", self->cg));
	silent_check_and_free(_metadata, &s);
}

/*
 * After such a destroy, the device pages stay with the importers'
 * mappings until they detach, then go back to the system: 32 MiB of them,
 * so that the free memory's noise does not hide them.
 */
TEST_F_TIMEOUT(hostile, detach_returns_device_pages, 120)
{
	struct silent s = { .n = NBUF, .size = 2 * MiB };
	long long before, after;
	int i;

	silent_setup(_metadata, self->fd, self->name, self->u,
		     NBUF * 2 * MiB, TIMEOUT_MS, &s);
	EXPECT_EQ(NBUF * 2 * MiB, cg_region_value(self->u, "dmem.pinned.current", self->cg));
	ASSERT_EQ(0, sim_region_destroy(self->fd, self->name));
	EXPECT_EQ(0, region_listed(self->cg));

	for (i = 0; i < NBUF; i++)
		EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(s.ofd, s.h[i]));
	before = free_bytes();
	silent_detach(_metadata, &s);
	after = free_bytes();
	TH_LOG("detaching freed %lld KiB", (after - before) / 1024);
	EXPECT_LE(NBUF * 2 * MiB * 3 / 4, after - before);
	silent_check_and_free(_metadata, &s);
}

/*
 * A SIGKILL ends a destroy waiting for silent importers within a second;
 * the teardown finishes in the background within the revoke timeout, and
 * until then the name cannot be created again.
 */
TEST_F_TIMEOUT(hostile, killed_destroy_finishes_in_background, 120)
{
	struct silent s = { .n = 4, .size = 1 * MiB };
	const int timeout = 4000;
	struct dmem_sim_region_info ri;
	long long t0, t1, start;
	int status, listed;
	pid_t pid;

	silent_setup(_metadata, self->fd, self->name, self->u,
		     8 * MiB, timeout, &s);

	start = sim_now_ms();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(sim_region_destroy(self->fd, self->name) ? 1 : 0);
	/* Kill it once it is inside the destroy: the name is off the list. */
	while (sim_region_info(self->fd, self->name, &ri) == 0 &&
	       sim_now_ms() - start < 5000)
		usleep(10 * 1000);
	usleep(200 * 1000);
	t0 = sim_now_ms();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t1 = sim_now_ms();
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_GE(1000, t1 - t0);

	EXPECT_EQ(-ENOENT, sim_region_info(self->fd, self->name, &ri));
	EXPECT_EQ(1, region_listed(self->cg));
	EXPECT_EQ(-EEXIST, sim_region_create(self->fd, self->name, 8 * MiB));

	/* The teardown goes on: gone within the timeout (and 50% for TCG). */
	while ((listed = region_listed(self->cg)) == 1 &&
	       sim_now_ms() - start < timeout * 3 / 2)
		usleep(20 * 1000);
	TH_LOG("torn down %lld ms after the destroy began", sim_now_ms() - start);
	EXPECT_EQ(0, listed);
	EXPECT_EQ(-2, cg_region_value(self->u, "dmem.current", self->cg));
	EXPECT_EQ(-2, cg_region_value(self->u, "dmem.pinned.current", self->cg));
	silent_check_and_free(_metadata, &s);

	/* The name is free again. */
	EXPECT_EQ(0, sim_region_create(self->fd, self->name, 8 * MiB));
}

/*
 * An allocation whose only victims are 8 buffers with silent importers
 * waits one revoke timeout, not eight, and fails: nothing is reused
 * while an importer may still write, and every revoke stays parked
 * until its importer detaches.
 */
TEST_F_TIMEOUT(hostile, allocation_waits_one_timeout, 120)
{
	struct silent s = { .n = 8, .size = 2 * MiB };
	struct dmem_sim_region_info ri;
	long long t0, t1;
	int bfd, i;
	__u32 x;

	silent_setup(_metadata, self->fd, self->name, self->u,
		     16 * MiB, TIMEOUT_MS, &s);
	bfd = sim_open_in(self->v);
	ASSERT_LE(0, bfd);

	t0 = sim_now_ms();
	EXPECT_EQ(-ENOMEM, sim_alloc(bfd, self->name, 2 * MiB, 0, &x));
	t1 = sim_now_ms();
	TH_LOG("the allocation gave up after %lld ms", t1 - t0);
	EXPECT_LE(TIMEOUT_MS * 8 / 10, t1 - t0);
	EXPECT_GE(TIMEOUT_MS * 3 / 2, t1 - t0);
	ASSERT_EQ(0, sim_region_info(self->fd, self->name, &ri));
	EXPECT_EQ(16 * MiB, (long long)ri.used);
	EXPECT_EQ(8, (long long)ri.parked);
	EXPECT_EQ(8, (long long)ri.revoke_timeouts);
	EXPECT_EQ(1, cg_region_key(self->v, "dmem.events", self->cg, "enomem"));
	EXPECT_EQ(16 * MiB, cg_region_value(self->u, "dmem.current", self->cg));

	/* Detaching acknowledges: the revokes finish and the room is free. */
	silent_detach(_metadata, &s);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, sim_region_info(self->fd, self->name, &ri));
		if (!ri.parked && !ri.used)
			break;
		usleep(10 * 1000);
	}
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, (long long)ri.used);
	EXPECT_EQ(8, cg_region_key(self->u, "dmem.events", self->cg, "revoke"));
	EXPECT_EQ(0, sim_alloc(bfd, self->name, 2 * MiB, 0, &x));
	close(bfd);
	silent_check_and_free(_metadata, &s);
}

/*
 * What the hostile child reports through its pipe: its rounds, the error
 * that ended them, or else the memory.current it saw at or above MEM_STOP
 * (the parent's later reading may be a little lower: the kernel frees
 * some of it meanwhile, e.g. after an RCU grace period).
 */
struct hostile_report {
	long long rounds;
	long long stop_current;
	int err;
};

/* Has the loop reached MEM_STOP? Checked every @every rounds. */
static bool hostile_at_stop(const char *cg, struct hostile_report *rep,
			    int every)
{
	if (rep->rounds % every)
		return false;
	rep->stop_current = cg_number(cg, "memory.current");
	return rep->stop_current >= MEM_STOP;
}

/*
 * Runs @loop as nobody in cgroup @cg; when it returns, measures what the
 * kernel allocated for it, then lets it exit. Expects the memory cgroup to
 * have paid for almost all of it.
 */
static void measure_hostile(struct __test_metadata *_metadata, const char *cg,
			    int (*loop)(const char *cg, void *arg,
					struct hostile_report *rep),
			    void *arg)
{
	long long slab0, slab1, cgslab0, cgslab1, cur0, cur1, charged, unpaid;
	struct hostile_report rep = { 0 };
	int to_parent[2], to_child[2];
	char go;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	slab0 = slab_bytes();
	cur0 = cg_number(cg, "memory.current");
	cgslab0 = cg_key(cg, "memory.stat", "slab");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		CHILD_EQ(0, cg_enter(cg));
		CHILD_EQ(0, drop_to_nobody());
		rep.err = loop(cg, arg, &rep);
		CHILD_EQ(sizeof(rep), write(to_parent[1], &rep, sizeof(rep)));
		/* Keep everything alive until measured. */
		CHILD_EQ(1, read(to_child[0], &go, 1));
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(rep), read(to_parent[0], &rep, sizeof(rep)));
	slab1 = slab_bytes();
	cur1 = cg_number(cg, "memory.current");
	cgslab1 = cg_key(cg, "memory.stat", "slab");
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	EXPECT_CHILD_OK(pid);

	charged = cur1 - cur0;
	unpaid = (slab1 - slab0) - (cgslab1 - cgslab0);
	TH_LOG("%lld rounds, ended by %s: charged %lld KiB, slab +%lld KiB, unpaid slab %lld KiB",
	       rep.rounds, rep.err ? strerror(-rep.err) : "the memory cgroup's limit",
	       charged / 1024, (slab1 - slab0) / 1024, unpaid / 1024);
	EXPECT_LT(0, rep.rounds);
	/* It ended in ENOMEM or at the memory cgroup's limit, not before. */
	EXPECT_TRUE(rep.err == -ENOMEM || rep.stop_current >= MEM_STOP);
	EXPECT_LE(MEM_STOP / 2, charged);
	EXPECT_GT(charged / 10, unpaid);
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

/* Imports one dma-buf (fd *arg) over and over into one file. */
static int import_loop(const char *cg, void *arg, struct hostile_report *rep)
{
	int dmabuf = *(int *)arg, ifd = nic_open(), err = 0;
	__u32 id;

	if (ifd < 0)
		return ifd;
	for (rep->rounds = 0; rep->rounds < 500000; rep->rounds++) {
		err = nic_import(ifd, dmabuf, DMEM_NIC_IMPORT_PINNED,
				 DMEM_NIC_ACK_PROMPT, 0, &id);
		if (err)
			break;
		if (hostile_at_stop(cg, rep, 64))
			break;
	}
	return err;
}

/* A 16 MiB buffer imported by nobody until its memory cgroup is full. */
TEST_F_TIMEOUT(hostile, imports_are_charged, 300)
{
	int ofd, dmabuf;
	__u32 h;

	ASSERT_EQ(0, sim_region_create(self->fd, self->name, 64 * MiB));
	ofd = sim_open();
	ASSERT_LE(0, ofd);
	ASSERT_EQ(0, sim_alloc(ofd, self->name, 16 * MiB, 0, &h));
	dmabuf = sim_export(ofd, h);
	ASSERT_LE(0, dmabuf);
	measure_hostile(_metadata, self->u, import_loop, &dmabuf);
	close(dmabuf);
	EXPECT_EQ(0, sim_op(ofd, DMEM_SIM_IOC_FREE, h));
	close(ofd);
}

/*
 * Opens and closes files, each kept alive by a 4 KiB buffer that one
 * long-lived file imports; *arg is the region's name.
 */
static int file_loop(const char *cg, void *arg, struct hostile_report *rep)
{
	int keep = nic_open(), f, dmabuf, err = 0;
	const char *name = arg;
	__u32 h, id;

	if (keep < 0)
		return keep;
	for (rep->rounds = 0; rep->rounds < 100000; rep->rounds++) {
		f = sim_open();
		if (f < 0)
			return f;
		err = sim_alloc(f, name, 4096, 0, &h);
		dmabuf = err ? -1 : sim_export(f, h);
		if (!err && dmabuf < 0)
			err = dmabuf;
		if (!err)
			err = nic_import(keep, dmabuf, DMEM_NIC_IMPORT_PINNED,
					 DMEM_NIC_ACK_PROMPT, 0, &id);
		if (dmabuf >= 0)
			close(dmabuf);
		close(f);
		if (err)
			break;
		if (hostile_at_stop(cg, rep, 32))
			break;
	}
	return err;
}

TEST_F_TIMEOUT(hostile, files_kept_alive_are_charged, 300)
{
	ASSERT_EQ(0, sim_region_create(self->fd, self->name, 64 * MiB));
	measure_hostile(_metadata, self->u, file_loop, self->name);
}

TEST_HARNESS_MAIN
