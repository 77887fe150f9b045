// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unbinding the GPU driver takes its dmem region away, and binding it
 * again registers a fresh one. qxl unregisters the region when the DRM
 * device is released (qxl_ttm_fini() from its drm_driver.release), which
 * is at the unbind when no client has the device open, and at the last
 * close otherwise. A limit set on the old region does not apply to the
 * new one; the old one's pools stay only while charges hold them.
 *
 * Several unbind/bind cycles also check kernel/patches/0008: before it,
 * 6.12's qxl left its interrupt handler installed on the freed device.
 * Runs only in the GPU boot of make check.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "faultinj.h"
#include "gpu_util.h"

#define MiB		(1024LL * 1024)
#define QXL_DRIVER	"/sys/bus/pci/drivers/qxl/"
#define CYCLES		3

static const char *const tree[] = { "a", NULL };

FIXTURE(unbind) {
	char top[64];
	char cg[128];
	char region[128];
	char pci[64];
	long long capacity;
	long long root_before;
	struct gpu_client cl;
};

/* "drm/<pci-name>/vram0" -> "<pci-name>" */
static int region_pci_name(const char *region, char *pci, size_t len)
{
	const char *slash = strrchr(region, '/');

	if (strncmp(region, "drm/", 4) || !slash || slash - region - 4 <= 0 ||
	    (size_t)(slash - region - 4) >= len)
		return -EINVAL;
	snprintf(pci, len, "%.*s", (int)(slash - region - 4), region + 4);
	return 0;
}

/* Writes the device's PCI name to the qxl driver's bind or unbind file. */
static int qxl_driver_write(const char *file, const char *pci)
{
	char path[128];

	snprintf(path, sizeof(path), QXL_DRIVER "%s", file);
	return knob_write(path, pci);
}

/*
 * Waits up to @ms for the GPU's region to be listed (@want 0) or gone
 * (@want -ENOENT) in the root's dmem.capacity; returns the last answer.
 */
static int wait_region(char *name, size_t len, long long *capacity, int want,
		       int ms)
{
	int ret;

	for (;;) {
		ret = gpu_region(name, len, capacity);
		if (ret == want || ms <= 0)
			return ret;
		usleep(10000);
		ms -= 10;
	}
}

FIXTURE_SETUP(unbind)
{
	self->cl.pid = -1;
	ASSERT_EQ(0, access(GPU_CARD, F_OK))
		TH_LOG("no %s: this program needs the GPU boot (qxl)", GPU_CARD);
	ASSERT_EQ(0, gpu_region(self->region, sizeof(self->region),
				&self->capacity));
	ASSERT_EQ(0, region_pci_name(self->region, self->pci, sizeof(self->pci)));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_unbind",
				   tree));
	snprintf(self->cg, sizeof(self->cg), "%s/a", self->top);
	self->root_before = cg_region_value("", "dmem.current", self->region);
	ASSERT_LE(0, self->root_before);
}

FIXTURE_TEARDOWN(unbind)
{
	char name[128];
	long long cap;

	gpu_client_stop(&self->cl);
	/* Leave the GPU bound for whatever runs next, whatever failed. */
	if (gpu_region(name, sizeof(name), &cap))
		qxl_driver_write("bind", self->pci);
	cg_cleanup_tree(self->top);
}

/* Unbinds, and waits for the region to go: the device has no client. */
static void unbind_idle(struct __test_metadata *_metadata,
			struct _test_data_unbind *self)
{
	char name[128];
	long long cap;

	ASSERT_EQ(0, qxl_driver_write("unbind", self->pci));
	ASSERT_EQ(-ENOENT, wait_region(name, sizeof(name), &cap, -ENOENT, 5000));
	EXPECT_EQ(-ENOENT, access(GPU_CARD, F_OK) ? -errno : 0);
}

/* Binds, and checks that the same region came back, fresh. */
static void bind_fresh(struct __test_metadata *_metadata,
		       struct _test_data_unbind *self)
{
	char name[128];
	long long cap = -1;

	ASSERT_EQ(0, qxl_driver_write("bind", self->pci));
	ASSERT_EQ(0, wait_region(name, sizeof(name), &cap, 0, 5000));
	EXPECT_STREQ(self->region, name);
	EXPECT_EQ(self->capacity, cap);
	EXPECT_EQ(0, access(GPU_CARD, F_OK));
	/* The new device's own buffer objects, as at the first probe. */
	EXPECT_EQ(self->root_before,
		  gpu_wait_value("", "dmem.current", self->region,
				 self->root_before, 5000));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->cg, "dmem.max", self->region));
	EXPECT_EQ(0, cg_region_value(self->cg, "dmem.current", self->region));
}

/*
 * A client's charges and a limit on the old region; the unbind with the
 * client open keeps the region until the client closes; after the bind
 * the limit is gone and a new client is charged exactly.
 */
TEST_F(unbind, region_follows_device)
{
	char name[128], limit[192];
	long long cap;
	int err;

	ASSERT_EQ(0, gpu_client_start(&self->cl, self->cg));
	ASSERT_EQ(4, gpu_client_alloc(&self->cl, MiB, 4, &err));
	ASSERT_EQ(0, err);
	EXPECT_EQ(4 * MiB, cg_region_value(self->cg, "dmem.current", self->region));
	snprintf(limit, sizeof(limit), "%s %lld", self->region, 8 * MiB);
	ASSERT_EQ(0, cg_write(self->cg, "dmem.max", limit));
	EXPECT_EQ(8 * MiB, cg_region_value(self->cg, "dmem.max", self->region));

	ASSERT_EQ(0, qxl_driver_write("unbind", self->pci));
	/* The client still has the device open: the region stays. */
	EXPECT_EQ(-ENOENT, access(GPU_CARD, F_OK) ? -errno : 0);
	EXPECT_EQ(0, gpu_region(name, sizeof(name), &cap));
	EXPECT_EQ(8 * MiB, cg_region_value(self->cg, "dmem.max", self->region));

	ASSERT_EQ(0, gpu_client_close(&self->cl));
	ASSERT_EQ(-ENOENT, wait_region(name, sizeof(name), &cap, -ENOENT, 5000));
	EXPECT_EQ(-2, cg_region_value(self->cg, "dmem.max", self->region));
	EXPECT_EQ(-2, cg_region_value(self->cg, "dmem.current", self->region));
	ASSERT_EQ(0, gpu_client_stop(&self->cl));

	bind_fresh(_metadata, self);
	ASSERT_EQ(0, gpu_client_start(&self->cl, self->cg));
	ASSERT_EQ(2, gpu_client_alloc(&self->cl, MiB, 2, &err));
	ASSERT_EQ(0, err);
	EXPECT_EQ(2 * MiB, cg_region_value(self->cg, "dmem.current", self->region));
	ASSERT_EQ(0, gpu_client_close(&self->cl));
	EXPECT_EQ(0, gpu_wait_value(self->cg, "dmem.current", self->region, 0,
				    5000));
}

/*
 * Unbind and bind again, several times, with no client: the region goes
 * and comes back each time, and the device works after the last bind.
 */
TEST_F(unbind, cycles)
{
	int i, err;

	for (i = 0; i < CYCLES; i++) {
		unbind_idle(_metadata, self);
		bind_fresh(_metadata, self);
	}
	ASSERT_EQ(0, gpu_client_start(&self->cl, self->cg));
	ASSERT_EQ(3, gpu_client_alloc(&self->cl, MiB, 3, &err));
	ASSERT_EQ(0, err);
	EXPECT_EQ(3 * MiB, cg_region_value(self->cg, "dmem.current", self->region));
	ASSERT_EQ(0, gpu_client_close(&self->cl));
	EXPECT_EQ(0, gpu_wait_value(self->cg, "dmem.current", self->region, 0,
				    5000));
}

TEST_HARNESS_MAIN
