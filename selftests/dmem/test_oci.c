// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OCI runtime path: runc and crun (Debian's, from the host's root
 * under chroot /host) each start a container whose config.json sets
 * dmem.max (two regions: a multi-line value), dmem.low and dmem.pinned.max
 * in linux.resources.unified, below a parent cgroup that has dmem enabled
 * for its children (as an orchestrator's slice has). The limits read back
 * exactly from the container's cgroup; the workload (dmemsim) gets ENOMEM
 * at pinned.max, an eviction at dmem.max and ENOMEM at the second
 * region's max; dmemstat outside sees the container's cgroup; the runtime
 * removes the cgroup at the end. A map with a malformed value, or naming
 * a region the kernel does not know, makes the runtime fail with the
 * controller's error (EINVAL, ENODEV) before anything runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "json.h"
#include "oci_util.h"
#include "run.h"
#include "sim_util.h"

#define RUNC	"/usr/sbin/runc"
#define CRUN	"/usr/bin/crun"
#define READY_MS	120000

/* The state of one test. */
struct oci_case {
	int fd;
	char r1[DMEM_SIM_NAME_LEN], r2[DMEM_SIM_NAME_LEN];
	char c1[DMEM_SIM_NAME_LEN + 4], c2[DMEM_SIM_NAME_LEN + 4];
	char parent[64];	/* the containers' parent cgroup */
	char cg[128];		/* the container's cgroup */
	struct oci_bundle b;
	char text[8192];
};

FIXTURE(oci) {
	struct oci_case c;
};

FIXTURE_SETUP(oci)
{
	struct oci_case *c = &self->c;

	c->b.dir[0] = '\0';
	c->b.pid = -1;
	c->fd = sim_open();
	ASSERT_LE(0, c->fd);
	sim_unique_name(c->r1, "oci1");
	sim_unique_name(c->r2, "oci2");
	sim_cg_name(c->c1, c->r1);
	sim_cg_name(c->c2, c->r2);
	ASSERT_EQ(0, sim_region_create(c->fd, c->r1, 8 * MiB));
	ASSERT_EQ(0, sim_region_create(c->fd, c->r2, 8 * MiB));
	/*
	 * The containers' parent, as an orchestrator's slice would be: dmem
	 * enabled for its children. crun, unlike runc, enables no controller
	 * in the parents it creates, and fails on a dmem key without it.
	 */
	snprintf(c->parent, sizeof(c->parent), "dmt_oci.%d", getpid());
	ASSERT_EQ(0, cg_create(c->parent));
	ASSERT_EQ(0, cg_write(c->parent, "cgroup.subtree_control", "+dmem"));
}

FIXTURE_TEARDOWN(oci)
{
	struct oci_case *c = &self->c;

	if (c->b.pid > 0) {
		oci_touch(&c->b, "go");
		oci_wait(&c->b);
	}
	oci_bundle_remove(&c->b);
	cg_destroy(c->cg);
	cg_destroy(c->parent);
	sim_region_destroy(c->fd, c->r1);
	sim_region_destroy(c->fd, c->r2);
	close(c->fd);
}

/* The unified map of the good container. */
static void good_map(char *buf, size_t len, const char *c1, const char *c2)
{
	snprintf(buf, len,
		 "\"dmem.max\": \"%s 4194304\\n%s 2097152\\n\", \"dmem.low\": \"%s 1048576\", \"dmem.pinned.max\": \"%s 1048576\"",
		 c1, c2, c1, c1);
}

/* The workload: a pin over pinned.max, an eviction at max, then waits. */
static void workload(char *buf, size_t len, const char *r1, const char *r2)
{
	snprintf(buf, len,
		 "alloc p %s 1M pinned; !ENOMEM alloc q %s 1M pinned; "
		 "alloc x %s 2M; alloc y %s 1M; alloc z %s 2M; "
		 "expect-state x evicted; !ENOMEM alloc big %s 3M; "
		 "touch-file /ready; wait-file /go %d",
		 r1, r1, r1, r1, r1, r2, READY_MS);
}

/* What the running container's cgroup must show. */
static void check_cgroup(struct __test_metadata *_metadata,
			 struct oci_case *c)
{
	EXPECT_EQ(4 * MiB, cg_region_value(c->cg, "dmem.max", c->c1));
	EXPECT_EQ(2 * MiB, cg_region_value(c->cg, "dmem.max", c->c2));
	EXPECT_EQ(MiB, cg_region_value(c->cg, "dmem.low", c->c1));
	EXPECT_EQ(0, cg_region_value(c->cg, "dmem.low", c->c2));
	EXPECT_EQ(MiB, cg_region_value(c->cg, "dmem.pinned.max", c->c1));
	EXPECT_EQ(DMEM_MAX, cg_region_value(c->cg, "dmem.pinned.max",
					    c->c2));
	/* p 1M (pinned), y 1M, z 2M; x evicted. */
	EXPECT_EQ(4 * MiB, cg_region_value(c->cg, "dmem.current", c->c1));
	EXPECT_EQ(MiB, cg_region_value(c->cg, "dmem.pinned.current",
				       c->c1));
	EXPECT_EQ(1, cg_region_key(c->cg, "dmem.events", c->c1, "pin_max"));
	EXPECT_EQ(1, cg_region_key(c->cg, "dmem.events", c->c1, "evict"));
	EXPECT_EQ(1, cg_region_key(c->cg, "dmem.events", c->c2, "max"));
	EXPECT_EQ(2 * MiB, cg_region_key(c->cg, "dmem.stat", c->c1,
					 "evicted_bytes"));
}

/* dmemstat, outside, sees the container's cgroup with its usage. */
static void check_dmemstat(struct __test_metadata *_metadata,
			   struct oci_case *c)
{
	const char *argv[8] = {
		"/opt/dmem/bin/dmemstat", "--json", "--cgroup", c->parent,
		"--region", c->c1, NULL,
	};
	static struct run_result r;
	struct json_object *doc, *row;
	char path[160];
	const char *p;

	ASSERT_EQ(0, run_prog(&r, argv, false, NULL));
	ASSERT_EQ(0, r.status);
	p = r.out;
	doc = js_parse(&p);
	ASSERT_NE(NULL, doc);
	snprintf(path, sizeof(path), "/%s", c->cg);
	row = js_find(js_get(doc, "rows"), "cgroup", path);
	EXPECT_NE(NULL, row);
	EXPECT_EQ(4 * MiB, js_int(row, "current", -1));
	EXPECT_EQ(4 * MiB, js_int(row, "max", -1));
	EXPECT_EQ(MiB, js_int(row, "pinned_max", -1));
	js_put(doc);
}

static void run_good(struct __test_metadata *_metadata,
		     struct oci_case *c, const char *runtime,
		     const char *name)
{
	char map[512], script[512], cgpath[160];
	int ret;

	snprintf(c->cg, sizeof(c->cg), "%s/%s", c->parent, name);
	snprintf(cgpath, sizeof(cgpath), "/%s", c->cg);
	good_map(map, sizeof(map), c->c1, c->c2);
	workload(script, sizeof(script), c->r1, c->r2);
	ASSERT_EQ(0, oci_bundle_make(&c->b, name, cgpath, script, map));
	ASSERT_EQ(0, oci_start(&c->b, runtime, name));
	ret = oci_wait_file(&c->b, "ready", READY_MS);
	oci_output(&c->b, "err", c->text, sizeof(c->text));
	if (ret)
		TH_LOG("%s did not get ready: %s", runtime, c->text);
	ASSERT_EQ(0, ret);
	check_cgroup(_metadata, c);
	check_dmemstat(_metadata, c);
	ASSERT_EQ(0, oci_touch(&c->b, "go"));
	EXPECT_EQ(0, oci_wait(&c->b));
	oci_output(&c->b, "out", c->text, sizeof(c->text));
	EXPECT_NE(NULL, strstr(c->text, "[ctr] alloc q: 1.0M"));
	/* The runtime removed the container's cgroup. */
	EXPECT_EQ(-2, cg_region_value(c->cg, "dmem.max", c->c1));
}

TEST_F_TIMEOUT(oci, runc_limits, 300)
{
	run_good(_metadata, &self->c, RUNC, "runc");
}

/*
 * A bad map: the runtime fails with @error, runs nothing and leaves no
 * cgroup. crun 1.8.1 leaves the container's cgroup behind, empty (it has
 * no state for `crun delete` either): that one must hold no process and
 * no charge, and go with a plain rmdir, as an orchestrator's cleanup does.
 */
static void run_bad(struct __test_metadata *_metadata,
		    struct oci_case *c, const char *runtime,
		    const char *name, const char *map, const char *error)
{
	char procs[64];

	char cgpath[160];

	snprintf(c->cg, sizeof(c->cg), "%s/%s", c->parent, name);
	snprintf(cgpath, sizeof(cgpath), "/%s", c->cg);
	ASSERT_EQ(0, oci_bundle_make(&c->b, name, cgpath,
				     "touch-file /ran", map));
	ASSERT_EQ(0, oci_start(&c->b, runtime, name));
	EXPECT_NE(0, oci_wait(&c->b));
	oci_output(&c->b, "err", c->text, sizeof(c->text));
	EXPECT_NE(NULL, strcasestr(c->text, error));
	if (!strcasestr(c->text, error))
		TH_LOG("%s said: %s", runtime, c->text);
	EXPECT_EQ(-ETIMEDOUT, oci_wait_file(&c->b, "ran", 0));
	if (!strcmp(runtime, CRUN)) {
		EXPECT_EQ(0, cg_read(c->cg, "cgroup.procs", procs, sizeof(procs)));
		EXPECT_EQ(0, cg_region_value(c->cg, "dmem.current", c->c1));
		EXPECT_EQ(0, cg_destroy(c->cg));
	}
	EXPECT_EQ(-2, cg_region_value(c->cg, "dmem.max", c->c1));
}

TEST_F_TIMEOUT(oci, crun_limits, 300)
{
	run_good(_metadata, &self->c, CRUN, "crun");
}

/* A malformed size: the controller's EINVAL. */
static void bad_value(struct __test_metadata *_metadata, struct oci_case *c,
		      const char *runtime, const char *name)
{
	char map[128];

	snprintf(map, sizeof(map), "\"dmem.pinned.max\": \"%s 1.5M\"", c->c1);
	run_bad(_metadata, c, runtime, name, map, "invalid argument");
}

/* A region the kernel does not know: the controller's ENODEV. */
static void unknown_region(struct __test_metadata *_metadata,
			   struct oci_case *c, const char *runtime,
			   const char *name)
{
	char map[160];

	snprintf(map, sizeof(map), "\"dmem.max\": \"%s-gone 1048576\"", c->c1);
	run_bad(_metadata, c, runtime, name, map, "no such device");
}

TEST_F_TIMEOUT(oci, runc_bad_value, 300)
{
	bad_value(_metadata, &self->c, RUNC, "runc-inval");
}

TEST_F_TIMEOUT(oci, crun_bad_value, 300)
{
	bad_value(_metadata, &self->c, CRUN, "crun-inval");
}

TEST_F_TIMEOUT(oci, runc_unknown_region, 300)
{
	unknown_region(_metadata, &self->c, RUNC, "runc-nodev");
}

TEST_F_TIMEOUT(oci, crun_unknown_region, 300)
{
	unknown_region(_metadata, &self->c, CRUN, "crun-nodev");
}

TEST_HARNESS_MAIN
