// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the revoke through dma-buf (kernel/evict/dmabuf.c): a
 * fake exporter over the fake region of dmem_evict_kunit.h, with real
 * dma-bufs, and importers that attach through dma-buf only: pinned and
 * revocable (unmapping at once, or when the test says so), pinned and not
 * revocable, and dynamic. Fences on the buffer's reservation delay reuse.
 *
 * In every test owner a's buffer x0 is pinned, and owner b (w0 pinned)
 * makes w1 resident in a region of two units: x0 is the only victim.
 */

#include <linux/delay.h>
#include <linux/slab.h>

#include "dmem_evict_kunit.h"
#include "../testing/dmem_kunit_importer.h"
#include "../testing/dmem_test_exporter.h"

#define U	KT_U
#define SHORT_MS	20
#define LONG_MS		30000
#define KT_DB_MAX	8

/* The exporter's buffer object. */
struct kt_xbuf {
	struct dmem_kt_buf *kb;
	struct dmem_test_export tx;
};

/* What the exit tears down, in this order (tests run one at a time). */
static struct {
	struct device *dev;
	struct dmem_kt_imp *imps[KT_DB_MAX];
	unsigned int nr_imps;
	struct kt_xbuf *xbufs[KT_DB_MAX];
	unsigned int nr_xbufs;
} kt_db;

/* A buffer of @ko, exported (dmem_test_exporter.h). */
static struct kt_xbuf *kt_export(struct kunit *test, struct dmem_kt_owner *ko,
				 const char *name)
{
	struct kt_xbuf *xb = kunit_kzalloc(test, sizeof(*xb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, xb);
	KUNIT_ASSERT_LT(test, kt_db.nr_xbufs, KT_DB_MAX);
	xb->kb = dmem_kt_buf(test, ko, U, name);
	kt_db.xbufs[kt_db.nr_xbufs++] = xb;
	KUNIT_ASSERT_EQ(test, dmem_test_export_init(&xb->tx, &xb->kb->buf), 0);
	return xb;
}

enum kt_kind { KT_REVOCABLE, KT_HARD, KT_DYNAMIC };

/* An importer of @xb's dma-buf (dmem_kunit_importer.h), detached at exit. */
static struct dmem_kt_imp *kt_import(struct kunit *test, struct kt_xbuf *xb,
				     enum kt_kind kind, bool unmap_at_once)
{
	static const enum dmem_kt_kind kinds[] = {
		[KT_REVOCABLE] = DMEM_KT_REVOCABLE,
		[KT_HARD] = DMEM_KT_STATIC,
		[KT_DYNAMIC] = DMEM_KT_DYNAMIC,
	};
	struct dmem_kt_imp *ki;

	KUNIT_ASSERT_LT(test, kt_db.nr_imps, KT_DB_MAX);
	ki = dmem_kt_import(test, kt_db.dev, xb->tx.dmabuf, kinds[kind],
			    unmap_at_once ? DMEM_KT_ACK_UNMAP :
			    DMEM_KT_ACK_NEVER);
	kt_db.imps[kt_db.nr_imps++] = ki;
	return ki;
}

static int kt_db_init(struct kunit *test)
{
	memset(&kt_db, 0, sizeof(kt_db));
	kt_db.dev = dmem_kt_importer_device(test);
	dmem_kt_region_create(test, 2 * U);
	return 0;
}

static void kt_db_exit(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < kt_db.nr_imps; i++)
		dmem_kt_imp_detach(kt_db.imps[i]);
	for (i = 0; i < kt_db.nr_xbufs; i++) {
		struct kt_xbuf *xb = kt_db.xbufs[i];

		dmem_test_export_fini(&xb->tx);
		dmem_kt_free(xb->kb);
	}
	dmem_kt_region_exit(test);
}

static enum dmem_buf_state state(struct kt_xbuf *xb)
{
	return dmem_buf_state(&xb->kb->buf);
}

/*
 * A parked revoke is finished by a work item: wait for it, up to 10 s (it
 * takes milliseconds; the bound only has to outlast a loaded debug kernel).
 */
static bool kt_wait_revoked(struct kt_xbuf *xb)
{
	int i;

	for (i = 0; i < 500 && state(xb) != DMEM_BUF_REVOKED; i++)
		msleep(20);
	return state(xb) == DMEM_BUF_REVOKED;
}

static u64 kt_parked(struct dmem_kt_region *kr)
{
	struct dmem_evict_region_stats st;

	dmem_evict_region_get_stats(kr->er, &st);
	return st.parked;
}

/* Owner b pins w0 and wants w1: room only by revoking x0. */
static int kt_room(struct dmem_kt_buf *w0, struct dmem_kt_buf *w1)
{
	int ret = dmem_buf_pin(&w0->buf);

	return ret ?: dmem_buf_make_resident(&w1->buf);
}

/* w0 is the region's buffer 1, w1 its buffer 2. */
static int kt_need_room(struct kunit *test, struct dmem_kt_owner *b)
{
	struct dmem_kt_buf *w0 = dmem_kt_buf(test, b, U, "w0");

	return kt_room(w0, dmem_kt_buf(test, b, U, "w1"));
}

/* No importer: only the fences (none) are waited for. */
static void dmem_dmabuf_revoke_no_importer(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	x0 = kt_export(test, a, "x0");
	KUNIT_ASSERT_EQ(test, dmem_buf_pin(&x0->kb->buf), 0);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), 0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
}

/* The exporter helper's state of an importer's attachment. */
static struct dmem_export_attach *kt_ea(struct dmem_kt_imp *ki)
{
	struct dmem_test_xattach *xa = ki->attach->priv;

	return &xa->da.ea;
}

/* One revocable importer, told through dma-buf, unmaps; maps fail after. */
static void dmem_dmabuf_revoke_one(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct dmem_kt_imp *nic;
	struct sg_table *sgt;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, true);
	KUNIT_EXPECT_TRUE(test, dma_buf_attach_revocable(nic->attach));
	KUNIT_EXPECT_TRUE(test, dmem_buf_is_pinned(&x0->kb->buf));
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), 0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	KUNIT_EXPECT_NULL(test, nic->sgt);
	/* The revoker's thread left the unmapped table to the detach. */
	KUNIT_EXPECT_NOT_NULL(test, kt_ea(nic)->retired);

	/* Permanent: the attachment cannot map again. */
	dma_resv_lock(x0->tx.dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(nic->attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(x0->tx.dmabuf->resv);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -ENODEV);
}

/* Two revocable importers and a dynamic one: only the pinned are told. */
static void dmem_dmabuf_revoke_mixed(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_imp *nic0, *nic1, *gpu;
	struct kt_xbuf *x0;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	x0 = kt_export(test, a, "x0");
	gpu = kt_import(test, x0, KT_DYNAMIC, false);
	nic0 = kt_import(test, x0, KT_REVOCABLE, true);
	nic1 = kt_import(test, x0, KT_REVOCABLE, true);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), 0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic0->nr_revoke), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic1->nr_revoke), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->nr_revoke), 0);
	/* The fake evict op does not move_notify; a real exporter's does. */
	KUNIT_EXPECT_EQ(test, kr->nr_log, 1);
}

/*
 * An unmapped table waits in the attachment, off a revoker's path, until
 * the next map frees it; of two unmapped in a row the second goes at once.
 */
static void dmem_dmabuf_table_retired(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct sg_table *first, *second;
	struct dma_resv *resv;
	struct dmem_kt_imp *gpu;
	struct kt_xbuf *x0;

	x0 = kt_export(test, a, "x0");
	KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&x0->kb->buf), 0);
	gpu = kt_import(test, x0, KT_DYNAMIC, false);
	resv = x0->tx.dmabuf->resv;
	KUNIT_EXPECT_NULL(test, kt_ea(gpu)->retired);
	first = gpu->sgt;
	dmem_kt_imp_unmap(gpu);
	KUNIT_EXPECT_PTR_EQ(test, kt_ea(gpu)->retired, first);
	KUNIT_EXPECT_EQ(test, kt_ea(gpu)->maps, 0);

	KUNIT_ASSERT_EQ(test, dmem_kt_imp_map(gpu), 0);
	KUNIT_EXPECT_NULL(test, kt_ea(gpu)->retired);
	dma_resv_lock(resv, NULL);
	second = dma_buf_map_attachment(gpu->attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(second), 0);
	KUNIT_EXPECT_EQ(test, kt_ea(gpu)->maps, 2);
	first = gpu->sgt;
	dmem_kt_imp_unmap(gpu);
	dma_resv_lock(resv, NULL);
	dma_buf_unmap_attachment(gpu->attach, second, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	KUNIT_EXPECT_PTR_EQ(test, kt_ea(gpu)->retired, first);
	KUNIT_EXPECT_EQ(test, kt_ea(gpu)->maps, 0);
}

/*
 * An importer that does not unmap: the revoke parks, the memory stays
 * used and the allocation fails; its late unmap finishes the revoke.
 */
static void dmem_dmabuf_revoke_late_unmap(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct dmem_kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, false);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, kt_parked(kr), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 2 * U);
	KUNIT_EXPECT_EQ(test, atomic_read(&x0->kb->nr_evict), 0);

	dmem_kt_imp_unmap(nic);
	KUNIT_EXPECT_TRUE(test, kt_wait_revoked(x0));
	KUNIT_EXPECT_EQ(test, kt_parked(kr), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), U);
}

/* A detach during the revoke acknowledges it. */
static void dmem_dmabuf_revoke_detach(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct dmem_kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, false);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	dmem_kt_imp_detach(nic);
	KUNIT_EXPECT_TRUE(test, kt_wait_revoked(x0));
}

/*
 * The exporter lets go of its dma-buf during the revoke: the importer's
 * reference keeps it, and the memory stays until the importer unmaps.
 */
static void dmem_dmabuf_revoke_release(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct dmem_kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, false);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	dmem_test_export_put(&x0->tx);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 2 * U);
	dmem_kt_imp_detach(nic);
	KUNIT_EXPECT_TRUE(test, kt_wait_revoked(x0));
}

/* A pinned importer without revoke_notify: a hard pin, never a victim. */
static void dmem_dmabuf_hard_pin(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct dmem_kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_HARD, false);
	KUNIT_EXPECT_FALSE(test, dma_buf_attach_revocable(nic->attach));
	KUNIT_EXPECT_TRUE(test, dmem_buf_is_pinned(&x0->kb->buf));
	/* Fails at once, without waiting LONG_MS for an unmap. */
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, kt_parked(kr), 0);

	/* Detached: unpinned, and an ordinary victim. */
	dmem_kt_imp_detach(nic);
	KUNIT_EXPECT_FALSE(test, dmem_buf_is_pinned(&x0->kb->buf));
	KUNIT_EXPECT_EQ(test, x0->kb->buf.hard_pins, 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&kr->bufs[2]->buf), 0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_EVICTED);
}

/* An unsignalled fence parks the revoke at the timeout; its signal ends it. */
static void dmem_dmabuf_fence_parks(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dma_fence *fence;
	struct kt_xbuf *x0;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	KUNIT_ASSERT_EQ(test, dmem_buf_pin(&x0->kb->buf), 0);
	fence = dmem_kt_fence(test, &x0->tx.resv);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 2 * U);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	KUNIT_EXPECT_TRUE(test, kt_wait_revoked(x0));
}

struct kt_room {
	struct work_struct work;
	struct dmem_kt_buf *w0, *w1;
	int ret;
};

static void kt_room_workfn(struct work_struct *work)
{
	struct kt_room *r = container_of(work, struct kt_room, work);

	r->ret = kt_room(r->w0, r->w1);
}

/* Within the timeout, the revoke waits for the fence to signal. */
static void dmem_dmabuf_fence_delays(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_room room = { .ret = 1 };
	struct dma_fence *fence;
	struct kt_xbuf *x0;
	int i;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	x0 = kt_export(test, a, "x0");
	KUNIT_ASSERT_EQ(test, dmem_buf_pin(&x0->kb->buf), 0);
	fence = dmem_kt_fence(test, &x0->tx.resv);
	room.w0 = dmem_kt_buf(test, b, U, "w0");
	room.w1 = dmem_kt_buf(test, b, U, "w1");
	INIT_WORK_ONSTACK(&room.work, kt_room_workfn);
	queue_work(system_unbound_wq, &room.work);
	/* However slow the worker is to start: up to 5 s, far within LONG_MS. */
	for (i = 0; i < 250 && state(x0) != DMEM_BUF_REVOKING; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, room.ret, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&x0->kb->nr_evict), 0);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	flush_work(&room.work);
	destroy_work_on_stack(&room.work);
	KUNIT_EXPECT_EQ(test, room.ret, 0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKED);
}

static struct kunit_case dmem_evict_dmabuf_cases[] = {
	KUNIT_CASE(dmem_dmabuf_revoke_no_importer),
	KUNIT_CASE(dmem_dmabuf_revoke_one),
	KUNIT_CASE(dmem_dmabuf_revoke_mixed),
	KUNIT_CASE(dmem_dmabuf_table_retired),
	KUNIT_CASE(dmem_dmabuf_revoke_late_unmap),
	KUNIT_CASE(dmem_dmabuf_revoke_detach),
	KUNIT_CASE(dmem_dmabuf_revoke_release),
	KUNIT_CASE(dmem_dmabuf_hard_pin),
	KUNIT_CASE(dmem_dmabuf_fence_parks),
	KUNIT_CASE(dmem_dmabuf_fence_delays),
	{}
};

static struct kunit_suite dmem_evict_dmabuf_suite = {
	.name = "dmem_evict_dmabuf",
	.init = kt_db_init,
	.exit = kt_db_exit,
	.test_cases = dmem_evict_dmabuf_cases,
};

kunit_test_suites(&dmem_evict_dmabuf_suite);

MODULE_DESCRIPTION("KUnit tests of the revoke through dma-buf");
MODULE_IMPORT_NS(DMA_BUF);
MODULE_LICENSE("GPL");
