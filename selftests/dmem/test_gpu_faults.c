// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection on TTM's allocation path, on the emulated GPU: a client
 * whose cgroup is at its dmem.max allocates one more buffer object with
 * DRM_IOCTL_QXL_ALLOC, so TTM charges, hits the limit, evicts one of the
 * client's own buffer objects to system memory and charges again. Its
 * fail-nth (lib/faultinj.h) fails the n-th fault point of that ioctl, for
 * n = 1, 2, ... until no fault fires:
 *
 *  - FAULTS_ALL: every allocation (failslab, fail_page_alloc) and every
 *    dmem charge (fail_dmem_charge) on the path;
 *  - FAULTS_CHARGE: the dmem charges alone.
 *
 * Each ioctl succeeds or fails with ENOMEM, the only errno a failed
 * allocation or charge may give (TTM's -ENOSPC, "evict and retry", must
 * not reach userspace). Whatever happened, every view of the memory must
 * agree: TTM's usage of the VRAM manager is the root's charge exactly,
 * the kernel's own buffer objects' charge did not move, the client's
 * charge is within its limit in whole buffer objects; and once the
 * client closed its file, its cgroup is back to 0 and the root and TTM to
 * where they started: a failed ioctl leaves no charge behind. The test
 * also checks that the load happened: faults fired, and ioctls failed.
 * Runs only in the GPU boot of make check.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "faultinj.h"
#include "gpu_util.h"

#define MiB		(1024LL * 1024)
#define RESIDENT	2	/* buffer objects that fit under the limit */
#define MAX_N		2000

static const char *const tree[] = { "a", NULL };

FIXTURE(gpufaults) {
	char top[64];
	char cg[128];
	char region[128];
	long long capacity;
	long long root_before;
	struct gpu_client cl;
};

FIXTURE_SETUP(gpufaults)
{
	char limit[192];

	self->cl.pid = -1;
	ASSERT_EQ(0, access(GPU_CARD, F_OK))
		TH_LOG("no %s: this program needs the GPU boot (qxl)", GPU_CARD);
	ASSERT_EQ(0, gpu_region(self->region, sizeof(self->region),
				&self->capacity));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_gpuflt",
				   tree));
	snprintf(self->cg, sizeof(self->cg), "%s/a", self->top);
	snprintf(limit, sizeof(limit), "%s %lld", self->region, RESIDENT * MiB);
	ASSERT_EQ(0, cg_write(self->cg, "dmem.max", limit));
	self->root_before = cg_region_value("", "dmem.current", self->region);
	ASSERT_LE(0, self->root_before);
	ASSERT_EQ(self->root_before, gpu_ttm_mm_key(self->region, "usage"));
}

FIXTURE_TEARDOWN(gpufaults)
{
	EXPECT_EQ(0, faults_scope(FAULTS_DEFAULT));
	gpu_client_stop(&self->cl);
	cg_cleanup_tree(self->top);
}

struct tally {
	int points;	/* fault points the ioctl reached (the last n that fired) */
	int failed;	/* ioctls that failed */
	int first_ret;	/* the ioctl's result at n = 1 */
};

/*
 * TTM's usage is the root's charge (hierarchical: the kernel's buffer
 * objects plus the client's), and the kernel's own did not change.
 */
static void check_views(struct __test_metadata *_metadata,
			struct _test_data_gpufaults *self)
{
	long long mine = cg_region_value(self->cg, "dmem.current", self->region);
	long long root = cg_region_value("", "dmem.current", self->region);

	EXPECT_LE(0, mine);
	EXPECT_GE(RESIDENT * MiB, mine);
	EXPECT_EQ(0, mine % MiB);
	EXPECT_EQ(gpu_ttm_mm_key(self->region, "usage"), root);
	EXPECT_EQ(self->root_before, root - mine);
}

/*
 * One n: a fresh client fills its limit, then allocates once more with
 * fail-nth armed at @n. Returns whether the n-th fault point fired.
 */
static int one_n(struct __test_metadata *_metadata,
		 struct _test_data_gpufaults *self, int n,
		 struct tally *t)
{
	int fired = -1, ret, err;

	ASSERT_EQ(0, gpu_client_start(&self->cl, self->cg));
	ASSERT_EQ(RESIDENT, gpu_client_alloc(&self->cl, MiB, RESIDENT, &err));
	ASSERT_EQ(0, err);
	ret = gpu_client_alloc_nth(&self->cl, MiB, n, &fired);
	ASSERT_LE(0, fired);
	if (n == 1)
		t->first_ret = ret;
	/* Without a fault the ioctl succeeds; with one, at worst ENOMEM. */
	EXPECT_EQ(fired ? ret : 0, ret) TH_LOG("n=%d: no fault fired", n);
	if (ret) {
		EXPECT_EQ(-ENOMEM, ret) TH_LOG("n=%d", n);
		t->failed++;
	} else {
		EXPECT_EQ(RESIDENT * MiB,
			  cg_region_value(self->cg, "dmem.current", self->region));
	}
	check_views(_metadata, self);

	ASSERT_EQ(0, gpu_client_close(&self->cl));
	EXPECT_EQ(0, gpu_wait_value(self->cg, "dmem.current", self->region, 0,
				    5000)) TH_LOG("n=%d", n);
	EXPECT_EQ(self->root_before,
		  gpu_wait_value("", "dmem.current", self->region,
				 self->root_before, 5000)) TH_LOG("n=%d", n);
	EXPECT_EQ(self->root_before, gpu_ttm_mm_key(self->region, "usage"));
	ASSERT_EQ(0, gpu_client_stop(&self->cl));
	if (fired)
		t->points = n;
	return fired;
}

static void fault_loop(struct __test_metadata *_metadata,
		       struct _test_data_gpufaults *self,
		       enum fault_scope scope, struct tally *t)
{
	int n;

	ASSERT_EQ(0, faults_scope(scope));
	for (n = 1; n <= MAX_N; n++)
		if (!one_n(_metadata, self, n, t))
			break;
	ASSERT_EQ(0, faults_scope(FAULTS_DEFAULT));
	ASSERT_GE(MAX_N, n) TH_LOG("faults still fired at n=%d", MAX_N);
	TH_LOG("%d fault points, %d ioctls failed", t->points, t->failed);
}

/* Every allocation and charge on the path, one at a time. */
TEST_F_TIMEOUT(gpufaults, every_fault_point, 300)
{
	struct tally t = { 0 };

	fault_loop(_metadata, self, FAULTS_ALL, &t);
	/* The load: the path has fault points, and failing them fails ioctls. */
	EXPECT_LT(2, t.points);
	EXPECT_LT(0, t.failed);
}

/*
 * The dmem charges alone: the first charge point is the new buffer
 * object's first charge, whose failure is the ioctl's ENOMEM; the charge
 * after the eviction is another point.
 */
TEST_F_TIMEOUT(gpufaults, charge_faults, 120)
{
	struct tally t = { 0 };

	fault_loop(_metadata, self, FAULTS_CHARGE, &t);
	EXPECT_EQ(-ENOMEM, t.first_ret);
	EXPECT_LE(2, t.points);
	EXPECT_LT(0, t.failed);
}

TEST_HARNESS_MAIN
