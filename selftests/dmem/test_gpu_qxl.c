// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem on a real driver: QEMU's qxl GPU, whose VRAM heap TTM manages and
 * whose driver registers it as the dmem region drm/<pci-name>/vram0
 * (kernel/patches/0006). Client processes, each in a cgroup of its own,
 * allocate buffer objects with DRM_IOCTL_QXL_ALLOC, which always lands in
 * that heap (TTM_PL_VRAM) and is evicted to system memory (qxl's
 * evict_flags). Runs only in the GPU boot of make check; without the GPU
 * every test fails.
 *
 * What is charged is the buffer object's size, qxl's request rounded up
 * to whole pages, to the cgroup of the process that allocates it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "gpu_util.h"

#define KiB		1024LL
#define MiB		(1024 * KiB)
#define PAGE		(4 * KiB)
#define NR_CLIENTS	3

static const char *const tree[] = { "a", "b", "c", NULL };

FIXTURE(qxl) {
	char top[64];
	char cg[NR_CLIENTS][128];
	char region[128];
	long long capacity;
	long long root_before;
	struct gpu_client cl[NR_CLIENTS];
};

FIXTURE_SETUP(qxl)
{
	static const char *const names[NR_CLIENTS] = { "a", "b", "c" };
	int i;

	for (i = 0; i < NR_CLIENTS; i++)
		self->cl[i].pid = -1;
	ASSERT_EQ(0, access(GPU_CARD, F_OK))
		TH_LOG("no %s: this program needs the GPU boot (qxl)", GPU_CARD);
	ASSERT_EQ(0, gpu_region(self->region, sizeof(self->region),
				&self->capacity))
		TH_LOG("no drm/*/vram0 line in dmem.capacity");
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_gpu", tree));
	for (i = 0; i < NR_CLIENTS; i++) {
		snprintf(self->cg[i], sizeof(self->cg[i]), "%s/%s", self->top,
			 names[i]);
		ASSERT_EQ(0, gpu_client_start(&self->cl[i], self->cg[i]));
	}
	/* The kernel's own buffer objects, charged to the root. */
	self->root_before = cg_region_value("", "dmem.current", self->region);
	ASSERT_LE(0, self->root_before);
}

FIXTURE_TEARDOWN(qxl)
{
	int i;

	for (i = 0; i < NR_CLIENTS; i++)
		gpu_client_stop(&self->cl[i]);
	cg_cleanup_tree(self->top);
}

/* @n buffer objects of @size bytes by client @i, all of which must succeed. */
#define ALLOC_OK(i, size, n) do {					\
	int __n = (n), __err;						\
									\
	ASSERT_EQ(__n, gpu_client_alloc(&self->cl[i], (size), __n, &__err)); \
	ASSERT_EQ(0, __err);						\
} while (0)

#define CURRENT(i)	cg_region_value(self->cg[i], "dmem.current", self->region)
#define EVENT(i, key)	cg_region_key(self->cg[i], "dmem.events.local",	\
				      self->region, (key))

/* Every client closes its file: every cgroup back to 0, the root too. */
static void close_all(struct __test_metadata *_metadata,
		      struct _test_data_qxl *self)
{
	int i;

	for (i = 0; i < NR_CLIENTS; i++) {
		ASSERT_EQ(0, gpu_client_close(&self->cl[i]));
		EXPECT_EQ(0, gpu_wait_value(self->cg[i], "dmem.current",
					    self->region, 0, 5000));
	}
	EXPECT_EQ(0, gpu_wait_value(self->top, "dmem.current", self->region,
				    0, 5000));
	EXPECT_EQ(self->root_before,
		  gpu_wait_value("", "dmem.current", self->region,
				 self->root_before, 5000));
}

/*
 * The region is the VRAM manager, exactly: its capacity is the manager's
 * size, and what the root is charged (the kernel's buffer objects: the
 * region is registered before the first) is the manager's usage.
 */
TEST_F(qxl, region)
{
	EXPECT_EQ(0, strncmp(self->region, "drm/0000:", 9)) TH_LOG("%s", self->region);
	EXPECT_LT(0, self->capacity);
	EXPECT_EQ(gpu_ttm_mm_key(self->region, "size") * PAGE, self->capacity);
	EXPECT_EQ(gpu_ttm_mm_key(self->region, "usage"), self->root_before);
	TH_LOG("%s: capacity %lld, the kernel's %lld", self->region,
	       self->capacity, self->root_before);
}

TEST_F(qxl, charges_exact)
{
	long long a = 2 * MiB + 3 * PAGE + 2 * PAGE + 3 * MiB + PAGE;
	long long b = 2 * MiB + 2 * 3 * PAGE;

	ALLOC_OK(0, MiB, 2);
	ALLOC_OK(0, 1, 3);		/* a page each */
	ALLOC_OK(0, 5000, 1);		/* two pages */
	ALLOC_OK(0, 3 * MiB + 1, 1);	/* 3 MiB and a page */
	ALLOC_OK(1, 2 * MiB, 1);
	ALLOC_OK(1, 3 * PAGE, 2);

	EXPECT_EQ(a, CURRENT(0));
	EXPECT_EQ(b, CURRENT(1));
	EXPECT_EQ(0, CURRENT(2));
	EXPECT_EQ(a + b, cg_region_value(self->top, "dmem.current", self->region));
	EXPECT_EQ(a, cg_region_value(self->cg[0], "dmem.peak", self->region));
	EXPECT_EQ(self->root_before + a + b,
		  cg_region_value("", "dmem.current", self->region));
	EXPECT_EQ(self->root_before + a + b, gpu_ttm_mm_key(self->region, "usage"));
	EXPECT_EQ(0, cg_region_key(self->top, "dmem.events", self->region, "evict"));

	/* A closed file gives everything back, its process still alive. */
	ASSERT_EQ(0, gpu_client_close(&self->cl[0]));
	EXPECT_EQ(0, gpu_wait_value(self->cg[0], "dmem.current", self->region,
				    0, 5000));
	EXPECT_EQ(b, CURRENT(1));
	EXPECT_EQ(a, cg_region_value(self->cg[0], "dmem.peak", self->region));
	close_all(_metadata, self);
}

/* Writes "<region> @value" to @file of client @i's cgroup (or the top's). */
static int set_limit(struct _test_data_qxl *self, int i, const char *file,
		     const char *value)
{
	char line[192];

	snprintf(line, sizeof(line), "%s %s", self->region, value);
	return cg_write(i < 0 ? self->top : self->cg[i], file, line);
}

/*
 * a's dmem.max makes a's allocations evict a's own oldest buffer objects,
 * while b's, older on TTM's LRU, stay resident: the limit's scope is a's
 * subtree, not the region (which is far from full).
 */
TEST_F(qxl, max_evicts_own)
{
	ALLOC_OK(1, MiB, 4);
	ASSERT_EQ(0, set_limit(self, 0, "dmem.max", "4M"));
	ALLOC_OK(0, MiB, 7);

	EXPECT_EQ(4 * MiB, CURRENT(0));
	EXPECT_EQ(4 * MiB, cg_region_value(self->cg[0], "dmem.peak", self->region));
	EXPECT_EQ(3, EVENT(0, "evict"));
	/*
	 * Each of the 3 allocations over the limit hits it twice: TTM's
	 * validate tries without eviction first, then with it.
	 */
	EXPECT_EQ(6, EVENT(0, "max"));
	EXPECT_EQ(0, EVENT(0, "low"));
	EXPECT_EQ(4 * MiB, CURRENT(1));
	EXPECT_EQ(0, EVENT(1, "evict"));
	EXPECT_EQ(0, EVENT(1, "max"));
	EXPECT_EQ(3, cg_region_key(self->top, "dmem.events", self->region, "evict"));
	close_all(_metadata, self);
}

/* Client @i allocates 1 MiB buffer objects until @cg's evict count is @n. */
static int alloc_until_evicted(struct _test_data_qxl *self, int i, int cg, int n,
			       int bound)
{
	int done = 0, err;

	while (done < bound && EVENT(cg, "evict") < n) {
		if (gpu_client_alloc(&self->cl[i], MiB, 1, &err) != 1)
			return -1;
		done++;
	}
	return done;
}

/*
 * The region full: c's buffer objects, below c's dmem.low, stay resident;
 * the oldest unprotected ones go first: all of b's, then a's own.
 */
/* About 75 allocations, 10 of them evicting: time for the debug kernel. */
TEST_F_TIMEOUT(qxl, low_protects, 180)
{
	int bound = self->capacity / MiB + 16;
	int n1, n2, n3;

	/* c's 8M is all the protection there is: nothing left for a or b. */
	ASSERT_EQ(0, set_limit(self, -1, "dmem.low", "8M"));
	ASSERT_EQ(0, set_limit(self, 2, "dmem.low", "8M"));
	ALLOC_OK(2, MiB, 8);
	ALLOC_OK(1, MiB, 8);

	/*
	 * What fits in the free room (one piece: the kernel's page is at the
	 * top), then one eviction of b's for each of 4 more.
	 */
	n1 = alloc_until_evicted(self, 0, 1, 4, bound);
	ASSERT_EQ((self->capacity - self->root_before - 16 * MiB) / MiB + 4, n1);
	EXPECT_EQ(4 * MiB, CURRENT(1));
	EXPECT_EQ(4, EVENT(1, "evict"));
	EXPECT_EQ(n1 * MiB, CURRENT(0));
	EXPECT_EQ(0, EVENT(0, "evict"));

	n2 = alloc_until_evicted(self, 0, 1, 8, bound);
	ASSERT_EQ(4, n2);
	EXPECT_EQ(0, CURRENT(1));

	/* b is empty: a's own oldest go, never c's. */
	n3 = alloc_until_evicted(self, 0, 0, 2, bound);
	ASSERT_EQ(2, n3);
	EXPECT_EQ((n1 + n2 + n3 - 2) * MiB, CURRENT(0));
	EXPECT_EQ(8 * MiB, CURRENT(2));
	EXPECT_EQ(0, EVENT(2, "evict"));
	EXPECT_EQ(0, EVENT(2, "low"));
	EXPECT_EQ(0, cg_region_key(self->top, "dmem.events", self->region, "low"));
	EXPECT_EQ(10, cg_region_key(self->top, "dmem.events", self->region, "evict"));
	TH_LOG("a allocated %d MiB before b's 4th eviction, capacity %lld",
	       n1, self->capacity);
	close_all(_metadata, self);
}

/*
 * The region full and every cgroup below its dmem.low, the allocator's
 * own included: TTM's walk finds nothing unprotected, walks again taking
 * protected memory, and evicts the oldest, c's, counting a low event.
 */
TEST_F_TIMEOUT(qxl, low_last_resort, 180)
{
	int bound = self->capacity / MiB + 16;
	int n;

	ASSERT_EQ(0, set_limit(self, -1, "dmem.low", "64M"));
	ASSERT_EQ(0, set_limit(self, 0, "dmem.low", "64M"));
	ASSERT_EQ(0, set_limit(self, 1, "dmem.low", "8M"));
	ASSERT_EQ(0, set_limit(self, 2, "dmem.low", "8M"));
	ALLOC_OK(2, MiB, 8);
	ALLOC_OK(1, MiB, 8);

	/* What fits, then the one that needs an eviction. */
	n = alloc_until_evicted(self, 0, 2, 1, bound);
	ASSERT_EQ((self->capacity - self->root_before - 16 * MiB) / MiB + 1, n);
	EXPECT_EQ(1, EVENT(2, "evict"));
	EXPECT_EQ(1, EVENT(2, "low"));
	EXPECT_EQ(7 * MiB, CURRENT(2));
	EXPECT_EQ(0, EVENT(1, "evict"));
	EXPECT_EQ(8 * MiB, CURRENT(1));
	EXPECT_EQ(0, EVENT(0, "evict"));
	EXPECT_EQ(n * MiB, CURRENT(0));
	EXPECT_EQ(1, cg_region_key(self->top, "dmem.events", self->region, "low"));
	close_all(_metadata, self);
}

#define TRACEFS		"/sys/kernel/tracing/instances"
#define TR_EVENTS	3

static const char *const tr_events[TR_EVENTS] = {
	"dmem_charge", "dmem_uncharge", "dmem_evict",
};

/* "1" or "0" to the enable file of every event of tr_events in @inst. */
static int trace_enable(const char *inst, const char *on)
{
	char path[256];
	FILE *f;
	int i;

	for (i = 0; i < TR_EVENTS; i++) {
		snprintf(path, sizeof(path), "%s/%s/events/dmem/%s/enable",
			 TRACEFS, inst, tr_events[i]);
		f = fopen(path, "w");
		if (!f)
			return -errno;
		fputs(on, f);
		if (fclose(f))
			return -errno;
	}
	return 0;
}

/*
 * Counts, in the trace of @inst, the events of @region charged to cgroup
 * @id: n[event] those by @tgid of 1 MiB; *bad the others of that cgroup.
 */
static void trace_count(const char *inst, const char *region,
			unsigned long long id, int tgid, int n[TR_EVENTS],
			int *bad)
{
	unsigned long long cg, bytes;
	char path[256], line[512], reg[160], *p;
	int i, pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/trace", TRACEFS, inst);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < TR_EVENTS; i++) {
			p = strstr(line, tr_events[i]);
			if (p && p[strlen(tr_events[i])] == ':')
				break;
		}
		if (i == TR_EVENTS)
			continue;
		p = strstr(line, "region=");
		if (!p || sscanf(p, "region=%159s cgroup=%llu tgid=%d bytes=%llu",
				 reg, &cg, &pid, &bytes) != 4 ||
		    strcmp(reg, region) || cg != id)
			continue;
		if (pid == tgid && bytes == MiB)
			n[i]++;
		else
			(*bad)++;
	}
	fclose(f);
}

/*
 * The dmem:* trace events fire for TTM: one charge per allocation, one
 * evict per eviction, one uncharge per resource freed or evicted, each
 * naming the region, the cgroup and the tgid of the process charged.
 */
TEST_F(qxl, trace_events)
{
	int na[TR_EVENTS] = { 0 }, nb[TR_EVENTS] = { 0 }, bad = 0;
	char inst[64], path[192];

	snprintf(inst, sizeof(inst), "dmt_gpu.%d", getpid());
	snprintf(path, sizeof(path), "%s/%s", TRACEFS, inst);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, trace_enable(inst, "1"));

	ALLOC_OK(1, MiB, 2);
	ASSERT_EQ(0, set_limit(self, 0, "dmem.max", "1M"));
	ALLOC_OK(0, MiB, 2);
	EXPECT_EQ(1, EVENT(0, "evict"));
	close_all(_metadata, self);
	EXPECT_EQ(0, trace_enable(inst, "0"));

	trace_count(inst, self->region, cg_id(self->cg[0]), self->cl[0].pid, na, &bad);
	trace_count(inst, self->region, cg_id(self->cg[1]), self->cl[1].pid, nb, &bad);
	EXPECT_EQ(0, rmdir(path));
	EXPECT_EQ(2, na[0]);	/* charge */
	EXPECT_EQ(2, na[1]);	/* uncharge: the evicted one, the closed one */
	EXPECT_EQ(1, na[2]);	/* evict */
	EXPECT_EQ(2, nb[0]);
	EXPECT_EQ(2, nb[1]);
	EXPECT_EQ(0, nb[2]);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
