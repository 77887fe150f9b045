// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRM clients as the owners of the emulated GPU's buffer objects
 * (kernel/ttm/ttm_dmem_client.c): each open file of the qxl card is one
 * owner, created in the cgroup of the task that opens it; its buffer
 * objects are charged there, whichever cgroup the process is in when it
 * allocates, and the file's fdinfo shows its figures per dmem region in
 * the grammar of /dev/dmem_sim's fdinfo (fdinfo_read() reads both). Runs
 * only in the GPU boot of make check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "fdinfo_util.h"
#include "gpu_util.h"
#include "json.h"
#include "run.h"

#define DMEMSTAT	"/opt/dmem/bin/dmemstat"

#ifndef KiB
#define KiB		1024LL
#endif

static const char *const tree[] = { "a", "b", NULL };

FIXTURE(owners) {
	char top[64];
	char cg[2][128];
	char region[128];
	long long capacity;
	struct gpu_client cl[2];
};

FIXTURE_SETUP(owners)
{
	int i;

	for (i = 0; i < 2; i++)
		self->cl[i].pid = -1;
	ASSERT_EQ(0, access(GPU_CARD, F_OK))
		TH_LOG("no %s: this program needs the GPU boot (qxl)", GPU_CARD);
	ASSERT_EQ(0, gpu_region(self->region, sizeof(self->region),
				&self->capacity));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_own", tree));
	for (i = 0; i < 2; i++)
		snprintf(self->cg[i], sizeof(self->cg[i]), "%s/%s", self->top,
			 tree[i]);
}

FIXTURE_TEARDOWN(owners)
{
	int i;

	for (i = 0; i < 2; i++)
		gpu_client_stop(&self->cl[i]);
	cg_cleanup_tree(self->top);	/* the test back in the root first */
}

#define CURRENT(i)	cg_region_value(self->cg[i], "dmem.current", self->region)
#define WAIT_ZERO(i)	gpu_wait_value(self->cg[i], "dmem.current", self->region, 0, 5000)

/* The fdinfo figures of @fd of @pid for the GPU's region, all of them. */
#define FIG(pid, fd, f) ASSERT_EQ(0, fdinfo_read((pid), (fd), self->region, (f)))

static void expect_fig(struct __test_metadata *_metadata,
		       const struct fdinfo_fig *f, long long total,
		       long long resident, long long evicted)
{
	EXPECT_STREQ("qxl", f->driver);
	EXPECT_EQ(total, f->total);
	EXPECT_EQ(resident, f->resident);
	EXPECT_EQ(0, f->pinned);
	EXPECT_EQ(evicted, f->evicted);
	EXPECT_EQ(0, f->revoked);
}

/*
 * Two clients in two cgroups: each one's fdinfo shows exactly its own
 * buffer objects, each cgroup is charged exactly those, and everything
 * goes back to 0 when the clients exit.
 */
TEST_F(owners, two_clients_fdinfo)
{
	struct fdinfo_fig fa, fb;
	int fda, fdb, err;

	ASSERT_EQ(0, gpu_client_start(&self->cl[0], self->cg[0]));
	ASSERT_EQ(0, gpu_client_start(&self->cl[1], self->cg[1]));
	ASSERT_EQ(3, gpu_client_alloc(&self->cl[0], MiB, 3, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(5, gpu_client_alloc(&self->cl[1], 64 * KiB, 5, &err));
	ASSERT_EQ(0, err);
	fda = gpu_card_fd(self->cl[0].pid);
	fdb = gpu_card_fd(self->cl[1].pid);
	ASSERT_LE(0, fda);
	ASSERT_LE(0, fdb);

	FIG(self->cl[0].pid, fda, &fa);
	FIG(self->cl[1].pid, fdb, &fb);
	expect_fig(_metadata, &fa, 3 * MiB, 3 * MiB, 0);
	expect_fig(_metadata, &fb, 320 * KiB, 320 * KiB, 0);
	EXPECT_NE(fa.client_id, fb.client_id);
	EXPECT_EQ(3 * MiB, CURRENT(0));
	EXPECT_EQ(320 * KiB, CURRENT(1));

	/* One client exits: its cgroup goes to 0, the other's stays. */
	ASSERT_EQ(0, gpu_client_stop(&self->cl[0]));
	EXPECT_EQ(0, WAIT_ZERO(0));
	EXPECT_EQ(320 * KiB, CURRENT(1));
	FIG(self->cl[1].pid, fdb, &fb);
	expect_fig(_metadata, &fb, 320 * KiB, 320 * KiB, 0);
	ASSERT_EQ(0, gpu_client_stop(&self->cl[1]));
	EXPECT_EQ(0, WAIT_ZERO(1));
	EXPECT_EQ(0, gpu_wait_value(self->top, "dmem.current", self->region,
				    0, 5000));
}

/*
 * An eviction shows in fdinfo: a's dmem.max of 2 MiB makes a's third
 * 1 MiB buffer object evict a's first, which stays a's (total) but is no
 * longer resident, and counts as evicted.
 */
TEST_F(owners, evicted_in_fdinfo)
{
	struct fdinfo_fig fa;
	char line[192];
	int fda, err;

	snprintf(line, sizeof(line), "%s 2M", self->region);
	ASSERT_EQ(0, cg_write(self->cg[0], "dmem.max", line));
	ASSERT_EQ(0, gpu_client_start(&self->cl[0], self->cg[0]));
	ASSERT_EQ(3, gpu_client_alloc(&self->cl[0], MiB, 3, &err));
	ASSERT_EQ(0, err);
	fda = gpu_card_fd(self->cl[0].pid);
	ASSERT_LE(0, fda);

	FIG(self->cl[0].pid, fda, &fa);
	expect_fig(_metadata, &fa, 3 * MiB, 2 * MiB, MiB);
	EXPECT_EQ(2 * MiB, CURRENT(0));
	EXPECT_EQ(1, cg_region_key(self->cg[0], "dmem.events.local",
				   self->region, "evict"));
	ASSERT_EQ(0, gpu_client_close(&self->cl[0]));
	EXPECT_EQ(0, WAIT_ZERO(0));
}

/*
 * Owners are per file: two files opened by one process are two owners,
 * each with its own figures and its own client id, and closing one gives
 * back its buffer objects only.
 */
TEST_F(owners, two_files_one_process)
{
	struct fdinfo_fig f1, f2;
	int fd1, fd2;

	ASSERT_EQ(0, cg_enter(self->cg[0]));
	fd1 = open(GPU_CARD, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd1);
	fd2 = open(GPU_CARD, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_LT(0, gpu_alloc(fd1, MiB));
	ASSERT_LT(0, gpu_alloc(fd2, 256 * KiB));
	ASSERT_LT(0, gpu_alloc(fd2, 256 * KiB));

	FIG(getpid(), fd1, &f1);
	FIG(getpid(), fd2, &f2);
	expect_fig(_metadata, &f1, MiB, MiB, 0);
	expect_fig(_metadata, &f2, 512 * KiB, 512 * KiB, 0);
	EXPECT_NE(f1.client_id, f2.client_id);
	EXPECT_EQ(MiB + 512 * KiB, CURRENT(0));

	ASSERT_EQ(0, close(fd1));
	EXPECT_EQ(512 * KiB, gpu_wait_value(self->cg[0], "dmem.current",
					    self->region, 512 * KiB, 5000));
	FIG(getpid(), fd2, &f2);
	expect_fig(_metadata, &f2, 512 * KiB, 512 * KiB, 0);
	ASSERT_EQ(0, close(fd2));
	EXPECT_EQ(0, WAIT_ZERO(0));
	ASSERT_EQ(0, cg_enter(""));
}

/*
 * Charges follow the file's cgroup, not the process's: a file opened in a
 * keeps charging a after the process moved to b; a file opened in b
 * charges b.
 */
TEST_F(owners, charges_follow_the_file)
{
	struct fdinfo_fig f;
	int fda, fdb;

	ASSERT_EQ(0, cg_enter(self->cg[0]));
	fda = open(GPU_CARD, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fda);
	ASSERT_EQ(0, cg_enter(self->cg[1]));
	ASSERT_LT(0, gpu_alloc(fda, MiB));
	EXPECT_EQ(MiB, CURRENT(0));
	EXPECT_EQ(0, CURRENT(1));

	fdb = open(GPU_CARD, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fdb);
	ASSERT_LT(0, gpu_alloc(fdb, 512 * KiB));
	EXPECT_EQ(MiB, CURRENT(0));
	EXPECT_EQ(512 * KiB, CURRENT(1));
	FIG(getpid(), fda, &f);
	expect_fig(_metadata, &f, MiB, MiB, 0);
	FIG(getpid(), fdb, &f);
	expect_fig(_metadata, &f, 512 * KiB, 512 * KiB, 0);

	ASSERT_EQ(0, close(fda));
	ASSERT_EQ(0, close(fdb));
	EXPECT_EQ(0, WAIT_ZERO(0));
	EXPECT_EQ(0, WAIT_ZERO(1));
	ASSERT_EQ(0, cg_enter(""));
}

/* The --json row of @pid: @cg, qxl, the region and the figures @want. */
static bool row_is(struct json_object *doc, pid_t pid, const char *cg,
		   const char *region, const long long *want)
{
	static const char *const key[] = {
		"total", "resident", "pinned", "evicted", "revoked",
	};
	struct json_object *rows = js_get(doc, "processes"), *row = NULL;
	const char *path;
	size_t i;

	for (i = 0; !row && i < js_len(rows); i++)
		if (js_int(js_at(rows, i), "pid", -1) == pid)
			row = js_at(rows, i);
	path = row ? js_str(row, "cgroup") : NULL;
	if (!path || path[0] != '/' || strcmp(path + 1, cg) ||
	    strcmp(js_str(row, "device") ?: "", "qxl") ||
	    strcmp(js_str(row, "region") ?: "", region))
		return false;
	for (i = 0; i < 5; i++)
		if (js_int(row, key[i], -1) != want[i])
			return false;
	return true;
}

/*
 * dmemstat --processes shows the GPU's clients from the same fdinfo keys
 * as /dev/dmem_sim's: each client process in its cgroup, with its figures
 * to the byte.
 */
TEST_F(owners, dmemstat_processes)
{
	static const long long fig_a[] = { 3 * MiB, 2 * MiB, 0, MiB, 0 };
	static const long long fig_b[] = { 320 * KiB, 320 * KiB, 0, 0, 0 };
	const char *argv[6] = { DMEMSTAT, "--processes", "--json", "--region",
				NULL, NULL };
	static struct run_result r;
	struct json_object *doc;
	char line[192];
	const char *p;
	int err;

	argv[4] = self->region;
	snprintf(line, sizeof(line), "%s 2M", self->region);
	ASSERT_EQ(0, cg_write(self->cg[0], "dmem.max", line));
	ASSERT_EQ(0, gpu_client_start(&self->cl[0], self->cg[0]));
	ASSERT_EQ(0, gpu_client_start(&self->cl[1], self->cg[1]));
	ASSERT_EQ(3, gpu_client_alloc(&self->cl[0], MiB, 3, &err));
	ASSERT_EQ(5, gpu_client_alloc(&self->cl[1], 64 * KiB, 5, &err));

	ASSERT_EQ(0, run_prog(&r, argv, false, NULL));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	p = r.out;
	doc = js_parse(&p);
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(row_is(doc, self->cl[0].pid, self->cg[0], self->region, fig_a))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(row_is(doc, self->cl[1].pid, self->cg[1], self->region, fig_b))
		TH_LOG("%s", r.out);
	/* Nobody else holds a file of the card. */
	EXPECT_EQ(2, (long long)js_len(js_get(doc, "processes")));
	js_put(doc);
}

TEST_HARNESS_MAIN
