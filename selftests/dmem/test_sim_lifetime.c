// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetimes of /dev/dmem_sim objects: destroying a region with live
 * buffers, dma-bufs, pinned and dynamic importers (a device-level revoke);
 * closing files and fds in any order; fork() and fd passing.
 *
 * Documented behaviour tested here: an open file is one owner, charged to
 * the cgroup of the task that opened it; after fork() parent and child
 * share that owner (and its handles), wherever the child moves. A dma-buf
 * fd passed to another process (SCM_RIGHTS) can be imported there; the
 * pins of its importers are charged to the buffer's owner, not to the
 * importer.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "fdpass.h"
#include "sim_util.h"

static const char *const tree[] = { "a", "b", NULL };

FIXTURE(life) {
	char top[64];
	char a[128];
	char b[128];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fr;
};

FIXTURE_SETUP(life)
{
	child_reset();
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_simlife", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/b", self->top);
	sim_unique_name(self->name, "life");
	sim_cg_name(self->cg, self->name);
	self->fr = sim_open();
	ASSERT_LE(0, self->fr);
	ASSERT_EQ(0, sim_region_create(self->fr, self->name, 16 * MiB));
}

FIXTURE_TEARDOWN(life)
{
	if (self->fr >= 0) {
		sim_region_destroy(self->fr, self->name);
		close(self->fr);
	}
	cg_cleanup_tree(self->top);
}

static int count_type(const struct dmem_sim_event *evs, int n, __u32 type)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += evs[i].type == type;
	return c;
}

TEST_F(life, region_destroy_with_everything_live)
{
	struct dmem_nic_importer_info ii;
	struct dmem_sim_region_info ri;
	struct dmem_sim_event evs[16];
	struct dmem_nic_event nevs[16];
	__u32 p1, u1, u2, x, nic, dyn;
	int fa, fi, d1, d2, n;

	ASSERT_EQ(0, cg_enter(self->a));
	fa = sim_open();
	ASSERT_LE(0, fa);
	fi = nic_open();
	ASSERT_LE(0, fi);
	ASSERT_EQ(0, cg_enter(""));

	ASSERT_EQ(0, sim_alloc(fa, self->name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	ASSERT_EQ(0, sim_alloc(fa, self->name, 4 * MiB, 0, &u1));
	ASSERT_EQ(0, sim_alloc(fa, self->name, 2 * MiB, 0, &u2));
	ASSERT_EQ(0, sim_fill(fa, p1, 4 * MiB, 7));
	ASSERT_EQ(0, sim_fill(fa, u1, 4 * MiB, 8));
	ASSERT_EQ(0, sim_fill(fa, u2, 2 * MiB, 9));
	d1 = sim_export(fa, p1);
	ASSERT_LE(0, d1);
	d2 = sim_export(fa, u1);
	ASSERT_LE(0, d2);
	EXPECT_EQ(-EBUSY, sim_export(fa, u1));
	ASSERT_EQ(0, nic_import(fi, d1, DMEM_NIC_IMPORT_PINNED, DMEM_NIC_ACK_PROMPT, 0, &nic));
	ASSERT_EQ(0, nic_import(fi, d2, DMEM_NIC_IMPORT_DYNAMIC, 0, 0, &dyn));
	EXPECT_EQ(10 * MiB, cg_region_value(self->a, "dmem.current", self->cg));

	/* Hot-unplug: everything resident is revoked, importers told. */
	ASSERT_EQ(0, sim_region_destroy(self->fr, self->name));
	n = sim_events(fa, evs, 16);
	EXPECT_EQ(4, n);
	EXPECT_EQ(3, count_type(evs, n, DMEM_SIM_EVENT_BUF_REVOKED));
	EXPECT_EQ(DMEM_SIM_EVENT_REGION_DESTROYED, (long long)evs[n - 1].type);
	EXPECT_EQ(0, strcmp(evs[n - 1].region, self->name));
	/* The NIC's file heard of its importers only: a revoke, a move. */
	n = nic_events(fi, nevs, 16);
	EXPECT_EQ(3, n);
	EXPECT_EQ(DMEM_NIC_EVENT_IMPORTER_REVOKED, (long long)nevs[0].type);
	EXPECT_EQ(nic, nevs[0].importer);
	EXPECT_EQ(DMEM_NIC_EVENT_IMPORTER_ACKED, (long long)nevs[1].type);
	EXPECT_EQ(nic, nevs[1].importer);
	EXPECT_EQ(DMEM_NIC_EVENT_IMPORTER_MOVED, (long long)nevs[2].type);
	EXPECT_EQ(dyn, nevs[2].importer);
	EXPECT_EQ(4 * MiB, (long long)nevs[2].size);

	EXPECT_EQ(-2, cg_region_value("", "dmem.capacity", self->cg));
	EXPECT_EQ(-2, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(-ENOENT, sim_region_info(fa, self->name, &ri));
	EXPECT_EQ(-ENOENT, sim_alloc(fa, self->name, 4096, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(fa, p1));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(fa, u1));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(fa, u2));
	EXPECT_EQ(0, sim_verify(fa, p1, 4 * MiB, 7));
	EXPECT_EQ(0, sim_verify(fa, u1, 4 * MiB, 8));
	EXPECT_EQ(0, sim_verify(fa, u2, 2 * MiB, 9));
	EXPECT_EQ(-ENODEV, sim_op(fa, DMEM_SIM_IOC_TOUCH, p1));
	EXPECT_EQ(-ENODEV, sim_op(fa, DMEM_SIM_IOC_PIN, u2));
	EXPECT_EQ(-ENODEV, nic_use(fi, nic, &ii));
	EXPECT_EQ(-ENODEV, nic_use(fi, dyn, &ii));

	/* The name is free again; the old buffers do not mind. */
	ASSERT_EQ(0, sim_region_create(self->fr, self->name, 8 * MiB));
	EXPECT_EQ(0, sim_alloc(fa, self->name, 8 * MiB, 0, &x));
	EXPECT_EQ(8 * MiB, cg_region_value(self->a, "dmem.current", self->cg));

	/* Close in an awkward order: owner, then dma-bufs, then importers. */
	close(fa);
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.current", self->cg));
	close(d1);
	close(d2);
	close(fi);
}

TEST_F(life, close_exporter_first)
{
	struct dmem_nic_importer_info ii;
	__u32 p1, nic;
	int fa, fi, d1;

	ASSERT_EQ(0, cg_enter(self->a));
	fa = sim_open();
	ASSERT_LE(0, fa);
	ASSERT_EQ(0, cg_enter(self->b));
	fi = nic_open();
	ASSERT_LE(0, fi);
	ASSERT_EQ(0, cg_enter(""));
	ASSERT_EQ(0, sim_alloc(fa, self->name, 4 * MiB, 0, &p1));
	d1 = sim_export(fa, p1);
	ASSERT_LE(0, d1);
	ASSERT_EQ(0, nic_import(fi, d1, DMEM_NIC_IMPORT_PINNED, DMEM_NIC_ACK_PROMPT, 0, &nic));
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.pinned.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.pinned.current", self->cg));

	/* The dma-buf and the importer keep the buffer, charged to A. */
	close(fa);
	close(d1);
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.pinned.current", self->cg));
	EXPECT_EQ(0, nic_use(fi, nic, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (long long)ii.state);
	EXPECT_EQ(0, nic_op(fi, DMEM_NIC_IOC_IMPORTER_DETACH, nic));
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.pinned.current", self->cg));
	close(fi);
}

struct fork_args {
	const char *b;
	const char *name;
	int fa;
};

/* The child moves away, yet charges the file's owner: handle 1. */
static int fork_child(void *p)
{
	struct fork_args *a = p;
	__u32 h = 0;

	CHILD_EQ(0, cg_enter(a->b));
	CHILD_EQ(0, sim_alloc(a->fa, a->name, 4 * MiB, 0, &h));
	CHILD_EQ(1, h);
	return 0;
}

TEST_F(life, fork_shares_the_owner)
{
	struct fork_args a = { .b = self->b, .name = self->name };
	struct dmem_sim_owner_info oi;
	struct dmem_sim_buf_info bi;
	const __u32 h = 1;

	a.fa = sim_open_in(self->a);
	ASSERT_LE(0, a.fa);
	EXPECT_CHILD_OK(child_start(NULL, false, fork_child, &a));
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", self->cg));
	/* The handle is the parent's too; the owner is the opener. */
	ASSERT_EQ(0, sim_info(a.fa, h, &bi));
	EXPECT_EQ(4 * MiB, (long long)bi.size);
	ASSERT_EQ(0, sim_owner(a.fa, &oi));
	EXPECT_EQ(getpid(), (long long)oi.tgid);
	EXPECT_EQ(4 * MiB, (long long)oi.resident);
	EXPECT_EQ(0, sim_op(a.fa, DMEM_SIM_IOC_FREE, h));
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.current", self->cg));
	close(a.fa);
}

/* Another process in another cgroup: the "NIC" side. */
static int nic_child(void *p)
{
	int sock = *(int *)p, fi, d;
	char c = 'i';
	__u32 nic;

	fi = nic_open();
	CHILD_TRUE(fi >= 0);
	d = fd_recv(sock, NULL, 0, 0);
	CHILD_TRUE(d >= 0);
	CHILD_EQ(0, nic_import(fi, d, DMEM_NIC_IMPORT_PINNED, DMEM_NIC_ACK_PROMPT, 0, &nic));
	close(d);
	CHILD_EQ(1, write(sock, &c, 1));
	CHILD_EQ(1, read(sock, &c, 1));
	return 0;	/* closing fi detaches the importer */
}

TEST_F(life, dmabuf_fd_passing)
{
	struct dmem_sim_buf_info bi;
	int fa, d1, sv[2];
	__u32 p1;
	pid_t pid;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = child_start(self->b, false, nic_child, &sv[1]);
	ASSERT_LE(0, pid);
	close(sv[1]);
	ASSERT_EQ(0, cg_enter(self->a));
	fa = sim_open();
	ASSERT_LE(0, fa);
	ASSERT_EQ(0, cg_enter(""));
	ASSERT_EQ(0, sim_alloc(fa, self->name, 4 * MiB, 0, &p1));
	d1 = sim_export(fa, p1);
	ASSERT_LE(0, d1);
	ASSERT_EQ(0, fd_send(sv[0], d1, NULL, 0, 0));
	ASSERT_EQ(1, read(sv[0], &c, 1));

	/* The importer's pin is charged to the buffer's owner. */
	ASSERT_EQ(0, sim_info(fa, p1, &bi));
	EXPECT_EQ(1, (long long)bi.importers);
	EXPECT_EQ(1, (long long)bi.pins);
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.pinned.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", self->cg));

	ASSERT_EQ(1, write(sv[0], &c, 1));
	EXPECT_CHILD_OK(pid);
	ASSERT_EQ(0, sim_info(fa, p1, &bi));
	EXPECT_EQ(0, (long long)bi.importers);
	EXPECT_EQ(0, (long long)bi.pins);
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.pinned.current", self->cg));
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
	close(d1);
	close(fa);
	close(sv[0]);
}

TEST_HARNESS_MAIN
