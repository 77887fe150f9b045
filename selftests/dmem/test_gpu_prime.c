// SPDX-License-Identifier: GPL-2.0-only
/*
 * Soft pins end to end on a real driver: a buffer object of QEMU's qxl
 * GPU, allocated by client A (cgroup a), written, exported by PRIME and
 * imported, pinned, by the simulated NIC (/dev/dmem_nic, which takes part
 * through dma-buf's ops alone and knows nothing of qxl). qxl's export maps the buffer object's
 * VRAM, a BAR without struct pages, for the NIC (kernel/ttm/ttm_dmem_prime.c);
 * the NIC reads it back through dma_buf_vmap().
 *
 * A's own allocations never take its soft-pinned buffer object: they fail
 * with ENOMEM. Client B (cgroup b) needing the room makes TTM revoke it,
 * as a last resort: the NIC is told, acknowledges by unmapping, the buffer
 * object moves to system memory with its bytes, and B gets the room. Under
 * "strict", and for a NIC that pins without accepting a revoke, nothing is
 * revoked. A NIC that does not acknowledge keeps the memory where it is.
 *
 * Runs only in the GPU boot of make check; without the GPU every test fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "gpu_util.h"
#include "nic_util.h"
#include "sim_util.h"

#define BO_SIZE		(4 * MiB)
#define SEED		11

FIXTURE(prime) {
	char top[64];
	char cg[2][128];
	char region[128];
	long long capacity;
	long long free;		/* the room left once A's buffer object is in */
	struct gpu_client cl[2];
	int nic;		/* the NIC's file */
	int dmabuf;		/* A's buffer object, exported */
	unsigned int handle;	/* ... its handle in A's file */
};

static const char *const tree[] = { "a", "b", NULL };

/* Writes "<region> @policy" to the root's dmem.policy. */
static int set_policy(struct _test_data_prime *self, const char *policy)
{
	char line[192];

	snprintf(line, sizeof(line), "%s %s", self->region, policy);
	return cg_write("", "dmem.policy", line);
}

FIXTURE_SETUP(prime)
{
	long long root;
	int i;

	self->cl[0].pid = -1;
	self->cl[1].pid = -1;
	self->nic = -1;
	self->dmabuf = -1;
	ASSERT_EQ(0, gpu_region(self->region, sizeof(self->region),
				&self->capacity))
		TH_LOG("no drm/*/vram0 line in dmem.capacity: needs the GPU boot");
	ASSERT_EQ(0, set_policy(self, "soft timeout_ms=1000"));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_prime", tree));
	for (i = 0; i < 2; i++) {
		snprintf(self->cg[i], sizeof(self->cg[i]), "%s/%s", self->top,
			 tree[i]);
		ASSERT_EQ(0, gpu_client_start(&self->cl[i], self->cg[i]));
	}
	self->nic = nic_open();
	ASSERT_LE(0, self->nic);
	self->dmabuf = gpu_client_export(&self->cl[0], BO_SIZE, SEED,
					 &self->handle);
	ASSERT_LE(0, self->dmabuf);
	root = cg_region_value("", "dmem.current", self->region);
	self->free = self->capacity - root;
	ASSERT_LE(4 * MiB, self->free);
}

FIXTURE_TEARDOWN(prime)
{
	int i;

	if (self->dmabuf >= 0)
		close(self->dmabuf);
	if (self->nic >= 0)
		close(self->nic);
	for (i = 0; i < 2; i++)
		gpu_client_stop(&self->cl[i]);
	cg_cleanup_tree(self->top);
	set_policy(self, "soft timeout_ms=1000");
}

#define CURRENT(i)	cg_region_value(self->cg[i], "dmem.current", self->region)
#define PINNED(i)	cg_region_value(self->cg[i], "dmem.pinned.current", \
					self->region)
#define EVENT(i, key)	cg_region_key(self->cg[i], "dmem.events.local",	\
				      self->region, (key))
#define STAT(i, key)	cg_region_key(self->cg[i], "dmem.stat", self->region, (key))

/* One buffer object of @size by client @i: 0 or the ioctl's -errno. */
static int alloc_one(struct _test_data_prime *self, int i, long long size)
{
	int err;

	if (gpu_client_alloc(&self->cl[i], size, 1, &err) == 1)
		return 0;
	return err > 0 ? -err : -EPIPE;
}

/*
 * The NIC imports A's buffer object in @mode: pinned, charged to A as
 * pinned, and what it reads through its mapping is what A wrote.
 */
static void import_pinned(struct __test_metadata *_metadata,
			  struct _test_data_prime *self, __u32 mode, __u32 ack,
			  __u32 *id)
{
	ASSERT_EQ(0, nic_import(self->nic, self->dmabuf, mode, ack, 0, id));
	EXPECT_EQ(BO_SIZE, CURRENT(0));
	EXPECT_EQ(BO_SIZE, PINNED(0));
	EXPECT_EQ(0, nic_verify(self->nic, *id, BO_SIZE, SEED));
}

/*
 * A needs 1 MiB more than the room left: only its own soft-pinned buffer
 * object could give it, so A gets ENOMEM and nothing is evicted.
 */
static void owner_gets_enomem(struct __test_metadata *_metadata,
			      struct _test_data_prime *self, __u32 id)
{
	EXPECT_EQ(-ENOMEM, alloc_one(self, 0, self->free + MiB));
	EXPECT_EQ(0, EVENT(0, "evict"));
	EXPECT_EQ(0, EVENT(0, "revoke"));
	EXPECT_EQ(1, EVENT(0, "enomem"));
	EXPECT_EQ(BO_SIZE, PINNED(0));
	EXPECT_EQ(0, nic_verify(self->nic, id, BO_SIZE, SEED));
}

/*
 * A's buffer object is no longer pinned: B gets the room by evicting it
 * like any other, with no revoke, and A's bytes are intact.
 */
static void evicted_unpinned(struct __test_metadata *_metadata,
			     struct _test_data_prime *self)
{
	EXPECT_EQ(0, PINNED(0));
	ASSERT_EQ(0, alloc_one(self, 1, self->free + MiB));
	EXPECT_EQ(1, EVENT(0, "evict"));
	EXPECT_EQ(0, EVENT(0, "revoke"));
	EXPECT_EQ(0, gpu_client_verify(&self->cl[0], self->handle, BO_SIZE, SEED));
}

/*
 * B, another cgroup's client, asks for the same and gets ENOMEM: A's
 * buffer object is not taken, and the NIC still maps and reads it.
 */
static void other_gets_enomem(struct __test_metadata *_metadata,
			      struct _test_data_prime *self, __u32 id)
{
	struct dmem_nic_importer_info ii;

	EXPECT_EQ(-ENOMEM, alloc_one(self, 1, self->free + MiB));
	EXPECT_EQ(1, EVENT(1, "enomem"));
	EXPECT_EQ(0, EVENT(0, "revoke"));
	EXPECT_EQ(0, EVENT(0, "evict"));
	EXPECT_EQ(0, STAT(0, "revoked_bytes"));
	EXPECT_EQ(BO_SIZE, PINNED(0));
	EXPECT_EQ(0, CURRENT(1));
	EXPECT_EQ(0, nic_use(self->nic, id, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (int)ii.state);
	EXPECT_EQ(0, (long long)ii.revoke_notifies);
	EXPECT_EQ(0, nic_verify(self->nic, id, BO_SIZE, SEED));
}

/* Everything the NIC's file heard: exactly the types of @want, in order. */
static void expect_events(struct __test_metadata *_metadata,
			  struct _test_data_prime *self, __u32 id,
			  const __u32 *want, int n)
{
	struct dmem_nic_event ev[8];
	int i, got = nic_events(self->nic, ev, 8);
	struct stat st;

	ASSERT_EQ(0, fstat(self->dmabuf, &st));
	ASSERT_EQ(n, got);
	for (i = 0; i < n; i++) {
		EXPECT_EQ((int)want[i], (int)ev[i].type) TH_LOG("event %d", i);
		EXPECT_EQ((int)id, (int)ev[i].importer);
		EXPECT_EQ((long long)st.st_ino, (long long)ev[i].ino);
		EXPECT_EQ(BO_SIZE, (long long)ev[i].size);
	}
}

/*
 * The soft policy: A gets ENOMEM; B, another cgroup's client, gets the
 * room by a revoke of A's buffer object, acknowledged by the NIC's unmap.
 * A's bytes are intact in system memory; the NIC's next use fails.
 */
TEST_F(prime, revoked_for_another_cgroup)
{
	static const __u32 want[] = {
		DMEM_NIC_EVENT_IMPORTER_REVOKED, DMEM_NIC_EVENT_IMPORTER_ACKED,
	};
	struct dmem_nic_importer_info ii;
	__u32 id;

	import_pinned(_metadata, self, DMEM_NIC_IMPORT_PINNED,
		      DMEM_NIC_ACK_PROMPT, &id);
	owner_gets_enomem(_metadata, self, id);
	expect_events(_metadata, self, id, NULL, 0);

	ASSERT_EQ(0, alloc_one(self, 1, self->free + MiB));
	EXPECT_EQ(1, EVENT(0, "revoke"));
	/* Revoked, not also evicted, as dmem_sim's buffers are. */
	EXPECT_EQ(0, EVENT(0, "evict"));
	EXPECT_EQ(BO_SIZE, STAT(0, "revoked_bytes"));
	EXPECT_EQ(0, STAT(0, "evicted_bytes"));
	EXPECT_EQ(1, cg_region_key(self->top, "dmem.events", self->region, "revoke"));
	EXPECT_EQ(0, CURRENT(0));
	EXPECT_EQ(0, PINNED(0));
	EXPECT_EQ(self->free + MiB, CURRENT(1));
	EXPECT_EQ(0, EVENT(1, "enomem"));
	EXPECT_EQ(0, EVENT(1, "revoke"));
	expect_events(_metadata, self, id, want, 2);

	EXPECT_EQ(-ENODEV, nic_use(self->nic, id, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_REVOKED, (int)ii.state);
	EXPECT_EQ(1, (long long)ii.revoke_notifies);
	EXPECT_EQ(1, (long long)ii.acks);
	EXPECT_EQ(-ENODEV, nic_verify(self->nic, id, BO_SIZE, SEED));
	EXPECT_EQ(0, gpu_client_verify(&self->cl[0], self->handle, BO_SIZE, SEED));
}

/* Under "strict", B gets ENOMEM: a soft pin is never revoked. */
TEST_F(prime, strict_never_revokes)
{
	__u32 id;

	ASSERT_EQ(0, set_policy(self, "strict"));
	import_pinned(_metadata, self, DMEM_NIC_IMPORT_PINNED,
		      DMEM_NIC_ACK_PROMPT, &id);
	owner_gets_enomem(_metadata, self, id);
	other_gets_enomem(_metadata, self, id);
}

/* A NIC that pins without accepting a revoke makes a hard pin. */
TEST_F(prime, hard_pin_never_revoked)
{
	__u32 id;

	import_pinned(_metadata, self, DMEM_NIC_IMPORT_PINNED_HARD, 0, &id);
	owner_gets_enomem(_metadata, self, id);
	other_gets_enomem(_metadata, self, id);

	/* Detached, the buffer object is A's plain one: B evicts it. */
	EXPECT_EQ(0, nic_op(self->nic, DMEM_NIC_IOC_IMPORTER_DETACH, id));
	evicted_unpinned(_metadata, self);
}

/*
 * A NIC that does not acknowledge in time keeps the memory: B gets ENOMEM
 * and the NIC still reads A's bytes where they were. Its late
 * acknowledgment ends the pin; then B's allocation evicts the buffer
 * object like any other.
 */
TEST_F(prime, unacknowledged_keeps_memory)
{
	struct dmem_nic_importer_info ii;
	__u32 id;

	ASSERT_EQ(0, set_policy(self, "soft timeout_ms=200"));
	import_pinned(_metadata, self, DMEM_NIC_IMPORT_PINNED,
		      DMEM_NIC_ACK_MANUAL, &id);

	EXPECT_EQ(-ENOMEM, alloc_one(self, 1, self->free + MiB));
	EXPECT_EQ(0, EVENT(0, "revoke"));
	EXPECT_EQ(0, EVENT(0, "evict"));
	EXPECT_EQ(BO_SIZE, CURRENT(0));
	EXPECT_EQ(BO_SIZE, PINNED(0));
	/* Told, so its use fails; but it still maps A's bytes, in VRAM. */
	EXPECT_EQ(-ENODEV, nic_use(self->nic, id, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_REVOKED, (int)ii.state);
	EXPECT_EQ(1, (long long)ii.revoke_notifies);
	EXPECT_EQ(0, (long long)ii.acks);
	EXPECT_EQ(0, nic_verify(self->nic, id, BO_SIZE, SEED));

	EXPECT_EQ(0, nic_op(self->nic, DMEM_NIC_IOC_IMPORTER_ACK, id));
	EXPECT_EQ(-ENODEV, nic_verify(self->nic, id, BO_SIZE, SEED));
	evicted_unpinned(_metadata, self);
}

/*
 * A dynamic NIC maps without pinning: qxl's export never moves memory
 * under a mapping, so the mapping holds a hard pin of its own until the
 * NIC unmaps (here: detaches).
 */
TEST_F(prime, dynamic_mapping_pins)
{
	struct dmem_nic_importer_info ii;
	__u32 id;

	ASSERT_EQ(0, nic_import(self->nic, self->dmabuf, DMEM_NIC_IMPORT_DYNAMIC,
				0, 0, &id));
	EXPECT_EQ(BO_SIZE, PINNED(0));
	EXPECT_EQ(0, nic_use(self->nic, id, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (int)ii.state);
	EXPECT_EQ(1, (long long)ii.maps);
	EXPECT_EQ(0, nic_verify(self->nic, id, BO_SIZE, SEED));
	EXPECT_EQ(-ENOMEM, alloc_one(self, 1, self->free + MiB));
	EXPECT_EQ(0, EVENT(0, "revoke"));

	EXPECT_EQ(0, nic_op(self->nic, DMEM_NIC_IOC_IMPORTER_DETACH, id));
	EXPECT_EQ(0, PINNED(0));
	EXPECT_EQ(BO_SIZE, CURRENT(0));
}

TEST_HARNESS_MAIN
