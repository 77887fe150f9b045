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

#include <kunit/device.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmem_dmabuf.h>
#include <linux/fcntl.h>
#include <linux/slab.h>

#include "dmem_evict_kunit.h"

#define U	KT_U
#define SHORT_MS	20
#define LONG_MS		30000
#define KT_DB_MAX	8

/* The exporter's buffer object. */
struct kt_xbuf {
	struct dmem_kt_buf *kb;
	struct dma_resv resv;
	struct dmem_dmabuf dd;
	struct dma_buf *dmabuf;
	bool exported;
	struct page *page;
};

/* The exporter's attachment object. */
struct kt_xattach {
	struct dmem_dmabuf_attach da;
	struct kt_xbuf *xb;
};

/* An importer. */
struct kt_imp {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	bool pinned;
	bool unmap_at_once;
	atomic_t nr_revoke;
	atomic_t nr_move;
};

/* What the exit tears down, in this order (tests run one at a time). */
static struct {
	struct device *dev;
	struct kt_imp *imps[KT_DB_MAX];
	unsigned int nr_imps;
	struct kt_xbuf *xbufs[KT_DB_MAX];
	unsigned int nr_xbufs;
} kt_db;

static int kt_x_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *at)
{
	struct kt_xbuf *xb = dmabuf->priv;
	struct kt_xattach *xa = kzalloc(sizeof(*xa), GFP_KERNEL);

	if (!xa)
		return -ENOMEM;
	xa->xb = xb;
	dmem_dmabuf_attach(&xa->da, &xb->dd, &xb->kb->buf, at);
	at->priv = xa;
	return 0;
}

static void kt_x_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *at)
{
	struct kt_xattach *xa = at->priv;

	dmem_dmabuf_detach(&xa->da);
	kfree(xa);
}

static int kt_x_pin(struct dma_buf_attachment *at)
{
	struct kt_xattach *xa = at->priv;
	int ret = dmem_dmabuf_pin(&xa->da);

	if (ret)
		return ret;
	ret = dmem_buf_pin(&xa->xb->kb->buf);
	if (ret)
		dmem_dmabuf_unpin(&xa->da);
	return ret;
}

static void kt_x_unpin(struct dma_buf_attachment *at)
{
	struct kt_xattach *xa = at->priv;

	dmem_dmabuf_unpin(&xa->da);
	/* -EINVAL after a revoke ended the pin. */
	dmem_buf_unpin(&xa->xb->kb->buf);
}

static struct sg_table *kt_x_map(struct dma_buf_attachment *at,
				 enum dma_data_direction dir)
{
	struct kt_xattach *xa = at->priv;
	struct sg_table *sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	int ret;

	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, &xa->xb->page, 1, 0, PAGE_SIZE,
					GFP_KERNEL);
	if (!ret) {
		ret = dmem_dmabuf_map(&xa->da, sgt, dir);
		if (ret)
			sg_free_table(sgt);
	}
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	return sgt;
}

static void kt_x_unmap(struct dma_buf_attachment *at, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct kt_xattach *xa = at->priv;

	dmem_dmabuf_unmap(&xa->da, sgt, dir);
	sg_free_table(sgt);
	kfree(sgt);
}

/* Maybe after the test (a kthread's last fput is deferred): touch nothing. */
static void kt_x_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops kt_x_ops = {
	.attach = kt_x_attach,
	.detach = kt_x_detach,
	.pin = kt_x_pin,
	.unpin = kt_x_unpin,
	.map_dma_buf = kt_x_map,
	.unmap_dma_buf = kt_x_unmap,
	.release = kt_x_release,
};

/* A buffer of @ko, exported. */
static struct kt_xbuf *kt_export(struct kunit *test, struct dmem_kt_owner *ko,
				 const char *name)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct kt_xbuf *xb = kunit_kzalloc(test, sizeof(*xb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, xb);
	KUNIT_ASSERT_LT(test, kt_db.nr_xbufs, KT_DB_MAX);
	xb->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, xb->page);
	xb->kb = dmem_kt_buf(test, ko, U, name);
	dma_resv_init(&xb->resv);
	dmem_dmabuf_init(&xb->dd, &xb->kb->buf, &xb->resv);
	kt_db.xbufs[kt_db.nr_xbufs++] = xb;

	info.ops = &kt_x_ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = xb;
	info.resv = &xb->resv;
	xb->dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_FALSE(test, IS_ERR(xb->dmabuf));
	xb->exported = true;
	return xb;
}

static void kt_imp_revoke(struct dma_buf_attachment *at)
{
	struct kt_imp *ki = at->importer_priv;

	atomic_inc(&ki->nr_revoke);
	if (ki->unmap_at_once && ki->sgt) {
		dma_buf_unmap_attachment(at, ki->sgt, DMA_BIDIRECTIONAL);
		ki->sgt = NULL;
	}
}

static void kt_imp_move(struct dma_buf_attachment *at)
{
	struct kt_imp *ki = at->importer_priv;

	atomic_inc(&ki->nr_move);
	if (ki->sgt)
		dma_buf_unmap_attachment(at, ki->sgt, DMA_BIDIRECTIONAL);
	ki->sgt = NULL;
}

static const struct dma_buf_attach_ops kt_revocable_ops = {
	.revoke_notify = kt_imp_revoke,
};

static const struct dma_buf_attach_ops kt_dynamic_ops = {
	.move_notify = kt_imp_move,
};

enum kt_kind { KT_REVOCABLE, KT_HARD, KT_DYNAMIC };

/* Attach to @xb's dma-buf (holding a reference), pin if not dynamic, map. */
static struct kt_imp *kt_import(struct kunit *test, struct kt_xbuf *xb,
				enum kt_kind kind, bool unmap_at_once)
{
	struct kt_imp *ki = kunit_kzalloc(test, sizeof(*ki), GFP_KERNEL);
	struct dma_buf *dmabuf = xb->dmabuf;
	int ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, ki);
	KUNIT_ASSERT_LT(test, kt_db.nr_imps, KT_DB_MAX);
	ki->unmap_at_once = unmap_at_once;
	get_dma_buf(dmabuf);
	ki->dmabuf = dmabuf;
	if (kind == KT_HARD)
		ki->attach = dma_buf_attach(dmabuf, kt_db.dev);
	else
		ki->attach = dma_buf_dynamic_attach(dmabuf, kt_db.dev,
						    kind == KT_REVOCABLE ?
						    &kt_revocable_ops :
						    &kt_dynamic_ops, ki);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ki->attach));
	kt_db.imps[kt_db.nr_imps++] = ki;
	if (kind == KT_HARD)
		return ki;
	dma_resv_lock(dmabuf->resv, NULL);
	if (kind == KT_REVOCABLE) {
		ret = dma_buf_pin(ki->attach);
		ki->pinned = !ret;
	}
	if (!ret) {
		ki->sgt = dma_buf_map_attachment(ki->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(ki->sgt))
			ret = PTR_ERR(ki->sgt);
	}
	dma_resv_unlock(dmabuf->resv);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return ki;
}

static void kt_unmap(struct kt_imp *ki)
{
	dma_resv_lock(ki->dmabuf->resv, NULL);
	if (!IS_ERR_OR_NULL(ki->sgt))
		dma_buf_unmap_attachment(ki->attach, ki->sgt, DMA_BIDIRECTIONAL);
	ki->sgt = NULL;
	dma_resv_unlock(ki->dmabuf->resv);
}

/* Unmap, unpin, detach and drop the reference, once. */
static void kt_detach(struct kt_imp *ki)
{
	if (!ki->dmabuf)
		return;
	kt_unmap(ki);
	dma_resv_lock(ki->dmabuf->resv, NULL);
	if (ki->pinned)
		dma_buf_unpin(ki->attach);
	ki->pinned = false;
	dma_resv_unlock(ki->dmabuf->resv);
	dma_buf_detach(ki->dmabuf, ki->attach);
	dma_buf_put(ki->dmabuf);
	ki->dmabuf = NULL;
}

/* The exporter drops its reference: the dma-buf goes with the last one. */
static void kt_unexport(struct kt_xbuf *xb)
{
	if (xb->exported)
		dma_buf_put(xb->dmabuf);
	xb->exported = false;
}

static int kt_db_init(struct kunit *test)
{
	memset(&kt_db, 0, sizeof(kt_db));
	kt_db.dev = kunit_device_register(test, "dmem_kt_importer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(kt_db.dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(kt_db.dev,
							   DMA_BIT_MASK(64)), 0);
	dmem_kt_region_create(test, 2 * U);
	return 0;
}

static void kt_db_exit(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < kt_db.nr_imps; i++)
		kt_detach(kt_db.imps[i]);
	for (i = 0; i < kt_db.nr_xbufs; i++) {
		struct kt_xbuf *xb = kt_db.xbufs[i];

		kt_unexport(xb);
		dmem_dmabuf_fini(&xb->dd);
		dmem_kt_free(xb->kb);
		dma_resv_fini(&xb->resv);
		__free_page(xb->page);
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

/* One revocable importer, told through dma-buf, unmaps; maps fail after. */
static void dmem_dmabuf_revoke_one(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct kt_imp *nic;
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

	/* Permanent: the attachment cannot map again. */
	dma_resv_lock(x0->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(nic->attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(x0->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -ENODEV);
}

/* Two revocable importers and a dynamic one: only the pinned are told. */
static void dmem_dmabuf_revoke_mixed(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_imp *nic0, *nic1, *gpu;
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
 * An importer that does not unmap: the revoke parks, the memory stays
 * used and the allocation fails; its late unmap finishes the revoke.
 */
static void dmem_dmabuf_revoke_late_unmap(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, false);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, kt_parked(kr), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 2 * U);
	KUNIT_EXPECT_EQ(test, atomic_read(&x0->kb->nr_evict), 0);

	kt_unmap(nic);
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
	struct kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, false);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	kt_detach(nic);
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
	struct kt_imp *nic;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	x0 = kt_export(test, a, "x0");
	nic = kt_import(test, x0, KT_REVOCABLE, false);
	KUNIT_EXPECT_EQ(test, kt_need_room(test, b), -ENOMEM);
	kt_unexport(x0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 2 * U);
	kt_detach(nic);
	KUNIT_EXPECT_TRUE(test, kt_wait_revoked(x0));
}

/* A pinned importer without revoke_notify: a hard pin, never a victim. */
static void dmem_dmabuf_hard_pin(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct kt_xbuf *x0;
	struct kt_imp *nic;

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
	kt_detach(nic);
	KUNIT_EXPECT_FALSE(test, dmem_buf_is_pinned(&x0->kb->buf));
	KUNIT_EXPECT_EQ(test, x0->kb->buf.hard_pins, 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&kr->bufs[2]->buf), 0);
	KUNIT_EXPECT_EQ(test, state(x0), DMEM_BUF_EVICTED);
}

static const char *kt_fence_name(struct dma_fence *fence)
{
	return "dmem_kt";
}

static const struct dma_fence_ops kt_fence_ops = {
	.get_driver_name = kt_fence_name,
	.get_timeline_name = kt_fence_name,
};

static DEFINE_SPINLOCK(kt_fence_lock);

/* An unsignalled fence in @xb's reservation; the caller signals and puts. */
static struct dma_fence *kt_fence(struct kunit *test, struct kt_xbuf *xb)
{
	struct dma_fence *fence = kzalloc(sizeof(*fence), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fence);
	dma_fence_init(fence, &kt_fence_ops, &kt_fence_lock,
		       dma_fence_context_alloc(1), 1);
	dma_resv_lock(&xb->resv, NULL);
	KUNIT_ASSERT_EQ(test, dma_resv_reserve_fences(&xb->resv, 1), 0);
	dma_resv_add_fence(&xb->resv, fence, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(&xb->resv);
	return fence;
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
	fence = kt_fence(test, x0);
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
	fence = kt_fence(test, x0);
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
