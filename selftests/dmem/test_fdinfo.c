// SPDX-License-Identifier: GPL-2.0-only
/*
 * fdinfo of /dev/dmem_sim files (the DRM usage-stats keys and the
 * project's dmem- keys): after allocations, pins, an eviction and a revoke
 * the figures of each of two owners in two cgroups equal the owner's own
 * (OWNER_INFO) to the byte; a dup()ed fd is the same client; the figures
 * stay consistent while another process evicts and restores the buffers.
 *
 * The scenario, in a region of 8M with the soft policy:
 *	A (cgroup a): x 2M, p 2M pinned, q 1M pinned
 *	B (cgroup b): y 6M, which evicts x and then revokes p
 *	A: total 5M, resident 1M, pinned 1M, evicted 2M, revoked 2M
 *	B: total 6M, resident 6M, pinned 0, evicted 0, revoked 0
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "fdinfo_util.h"
#include "sim_util.h"

FIXTURE(fdinfo) {
	struct sim_pair o;
};

FIXTURE_SETUP(fdinfo)
{
	ASSERT_EQ(0, sim_pair_setup(&self->o, "dmt_fdinfo", NULL, "fdinfo",
				    8 * MiB));
	ASSERT_EQ(0, sim_policy(self->o.name, "soft timeout_ms=300"));
}

FIXTURE_TEARDOWN(fdinfo)
{
	sim_pair_teardown(&self->o);
}

/* The figures of owner @fd, from OWNER_INFO. */
static void owner_figures(int fd, struct fdinfo_fig *f)
{
	struct dmem_sim_owner_info oi;

	memset(f, 0xff, sizeof(*f));
	if (sim_owner(fd, &oi))
		return;
	f->resident = oi.resident;
	f->pinned = oi.pinned;
	f->evicted = oi.evicted;
	f->revoked = oi.revoked;
}

TEST_F(fdinfo, figures_equal_owner)
{
	struct fdinfo_fig fa, fb, oa, ob;
	char key[96], line[160];

	ASSERT_EQ(0, fdinfo_scenario(&self->o));
	ASSERT_EQ(0, fdinfo_read(getpid(), self->o.fa, self->o.cg, &fa));
	ASSERT_EQ(0, fdinfo_read(getpid(), self->o.fb, self->o.cg, &fb));
	owner_figures(self->o.fa, &oa);
	owner_figures(self->o.fb, &ob);

	EXPECT_EQ(5 * MiB, fa.total);
	EXPECT_EQ(1 * MiB, fa.resident);
	EXPECT_EQ(1 * MiB, fa.pinned);
	EXPECT_EQ(2 * MiB, fa.evicted);
	EXPECT_EQ(2 * MiB, fa.revoked);
	EXPECT_EQ(oa.resident, fa.resident);
	EXPECT_EQ(oa.pinned, fa.pinned);
	EXPECT_EQ(oa.evicted, fa.evicted);
	EXPECT_EQ(oa.revoked, fa.revoked);

	EXPECT_EQ(6 * MiB, fb.total);
	EXPECT_EQ(6 * MiB, fb.resident);
	EXPECT_EQ(0, fb.pinned);
	EXPECT_EQ(0, fb.evicted);
	EXPECT_EQ(0, fb.revoked);
	EXPECT_EQ(ob.resident, fb.resident);
	EXPECT_EQ(ob.evicted, fb.evicted);

	/* The exact text of the keys: DRM's, sizes in KiB or MiB. */
	EXPECT_STREQ("dmem_sim", fa.driver);
	EXPECT_NE(fa.client_id, fb.client_id);
	EXPECT_LT(0, fa.client_id);
	snprintf(key, sizeof(key), "drm-total-%s", self->o.cg);
	ASSERT_EQ(0, fdinfo_line(getpid(), self->o.fa, key, line,
				 sizeof(line)));
	EXPECT_STREQ("5 MiB", line);
	snprintf(key, sizeof(key), "dmem-pinned-%s", self->o.cg);
	ASSERT_EQ(0, fdinfo_line(getpid(), self->o.fb, key, line,
				 sizeof(line)));
	EXPECT_STREQ("0", line);
	/* The cgroup files agree: B's 6M and A's 1M are charged. */
	EXPECT_EQ(1 * MiB, cg_region_value(self->o.a, "dmem.current",
					   self->o.cg));
	EXPECT_EQ(6 * MiB, cg_region_value(self->o.b, "dmem.current",
					   self->o.cg));
}

TEST_F(fdinfo, dup_is_one_client)
{
	struct fdinfo_fig f1, f2;
	int fd2;

	ASSERT_EQ(0, fdinfo_scenario(&self->o));
	fd2 = dup(self->o.fa);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, fdinfo_read(getpid(), self->o.fa, self->o.cg, &f1));
	ASSERT_EQ(0, fdinfo_read(getpid(), fd2, self->o.cg, &f2));
	EXPECT_EQ(f1.client_id, f2.client_id);
	EXPECT_EQ(f1.total, f2.total);
	close(fd2);
}

TEST_F(fdinfo, no_region_lines_before_alloc)
{
	struct fdinfo_fig f;
	__u32 h;

	/* A region named nowhere: ENOENT, and no lines for it. */
	EXPECT_EQ(-ENOENT, sim_alloc(self->o.fa, "nosuchregion", MiB, 0, &h));
	EXPECT_EQ(-ENOENT, fdinfo_read(getpid(), self->o.fa, "sim/nosuchregion",
				       &f));
	EXPECT_EQ(-ENOENT, fdinfo_read(getpid(), self->o.fa, self->o.cg, &f));
	EXPECT_STREQ("dmem_sim", f.driver);
}

/* B evicts A's x @rounds times; A makes it resident again each time. */
static int bounce(struct sim_pair *o, __u32 x, int rounds)
{
	__u32 y;
	int i;

	for (i = 0; i < rounds; i++) {
		if (sim_alloc(o->fb, o->name, 7 * MiB, 0, &y) ||
		    sim_op(o->fb, DMEM_SIM_IOC_FREE, y) ||
		    sim_op(o->fa, DMEM_SIM_IOC_TOUCH, x))
			return 1;
	}
	return 0;
}

#define ROUNDS	40

TEST_F(fdinfo, consistent_while_evicted)
{
	struct fdinfo_fig f, oa;
	long long last = 0, reads = 0;
	int status;
	__u32 x;
	pid_t pid;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 2 * MiB, 0, &x));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(bounce(&self->o, x, ROUNDS));
	while (waitpid(pid, &status, WNOHANG) == 0) {
		ASSERT_EQ(0, fdinfo_read(getpid(), self->o.fa, self->o.cg, &f));
		reads++;
		EXPECT_EQ(2 * MiB, f.total);
		EXPECT_TRUE(f.resident == 0 || f.resident == 2 * MiB);
		EXPECT_EQ(0, f.pinned);
		EXPECT_EQ(0, f.evicted % (2 * MiB));
		EXPECT_LE(last, f.evicted);
		last = f.evicted;
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, fdinfo_read(getpid(), self->o.fa, self->o.cg, &f));
	owner_figures(self->o.fa, &oa);
	EXPECT_EQ(ROUNDS * 2 * MiB, f.evicted);
	EXPECT_EQ(oa.evicted, f.evicted);
	EXPECT_EQ(2 * MiB, f.resident);
	EXPECT_EQ(oa.resident, f.resident);
	TH_LOG("%lld reads during %d evictions", reads, ROUNDS);
}

TEST_HARNESS_MAIN
