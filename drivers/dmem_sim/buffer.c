// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: buffers. Their bytes (device or system pages), the evict and
 * restore ops the eviction manager calls, the driver's pin bookkeeping,
 * READ/WRITE/INFO and the owner notifications that become events.
 *
 * Bytes: exactly one of sim_buf::dev and sim_buf::sys holds them. A new
 * buffer's bytes are zeroed system pages; restore() allocates device pages
 * and copies them over, evict() copies them back to new system pages and
 * frees the device pages, so a test that reads the bytes after any number
 * of evictions and revokes proves that nothing was lost.
 *
 * Pins: the manager's pins do not survive a revoke, and dma-buf's unpin
 * callback of an attachment pinned before a revoke comes after it. So the
 * driver holds a single pin of the manager on behalf of all its pin
 * holders (the owner's PIN count and each pinned attachment), takes it for
 * the first holder, drops it with the last, and, whenever it finds that a
 * revoke took it (the buffer no longer pinned while it thinks it holds the
 * pin), forgets every holder at once.
 */

#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "sim.h"

static void sim_pages_free(struct page **pages, unsigned int npages)
{
	unsigned int i;

	if (!pages)
		return;
	for (i = 0; i < npages; i++) {
		if (pages[i])
			__free_page(pages[i]);
		cond_resched();
	}
	kvfree(pages);
}

/*
 * Simulated VRAM is memory of the machine, up to 1 GiB per buffer, and a
 * move briefly holds two copies. Running out of it must fail the one
 * allocation with -ENOMEM, as a full device would, not call the OOM
 * killer (which, in a small machine, kills everything down to init):
 * hence __GFP_RETRY_MAYFAIL.
 */
#define SIM_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

static struct page **sim_pages_alloc(unsigned int npages, gfp_t gfp)
{
	struct page **pages;
	unsigned int i;

	/* The array itself may block: one allocation, not one per page. */
	pages = kvcalloc(npages, sizeof(*pages),
			 SIM_GFP | (gfp & (__GFP_ACCOUNT | __GFP_HIGH)));
	if (!pages)
		return NULL;
	for (i = 0; i < npages; i++) {
		/*
		 * Up to 1 GiB, page by page: on a kernel without preemption
		 * the loop must yield (an RCU stall was seen), and a killed
		 * task must not go on for minutes, unkillable, taking memory
		 * that the OOM killer cannot see in its RSS.
		 */
		cond_resched();
		if (fatal_signal_pending(current)) {
			sim_pages_free(pages, npages);
			return NULL;
		}
		pages[i] = alloc_page(gfp);
		if (!pages[i]) {
			sim_pages_free(pages, npages);
			return NULL;
		}
	}
	return pages;
}

/*
 * Would charging @npages more go over a limit of @memcg or an ancestor?
 * Through memcg's own accessors; a hint only, read without locks.
 */
static bool sim_memcg_full(struct mem_cgroup *memcg, unsigned int npages)
{
	for (; memcg; memcg = parent_mem_cgroup(memcg))
		if (mem_cgroup_size(memcg) + npages > mem_cgroup_get_max(memcg))
			return true;
	return false;
}

/*
 * System pages for @buf's bytes, charged to the memory cgroup of the
 * buffer's owner, whoever runs this: an eviction runs in the task that
 * needed the room. Without the charge, a user could hold any amount of
 * machine memory in evicted buffers, bounded by no limit (dmem.max only
 * bounds device memory). Device pages are not charged to a memory cgroup:
 * they stand for VRAM, which dmem accounts.
 *
 * @force (evictions): a full memory cgroup must not make its owner's
 * buffers unevictable (pinned, in effect, past dmem.pinned.max), so the
 * charge goes over its limit instead (__GFP_HIGH), and the owner's own
 * next allocation pays for it. When the cgroup is already full the pages
 * are allocated without direct reclaim: the charge is then forced at once
 * instead of reclaiming in vain first, page after page.
 */
static struct page **sim_sys_pages_alloc(struct sim_buf *buf, gfp_t extra,
					 bool force)
{
	struct mem_cgroup *old, *memcg = buf->file->memcg;
	gfp_t gfp = SIM_GFP | extra | __GFP_ACCOUNT;
	struct page **pages;

	if (force) {
		gfp |= __GFP_HIGH;
		if (sim_memcg_full(memcg, buf->npages))
			gfp &= ~__GFP_DIRECT_RECLAIM;
	}
	old = set_active_memcg(memcg);
	pages = sim_pages_alloc(buf->npages, gfp);
	set_active_memcg(old);
	return pages;
}

static void sim_pages_copy(struct page **dst, struct page **src,
			   unsigned int npages)
{
	unsigned int i;

	for (i = 0; i < npages; i++) {
		copy_highpage(dst[i], src[i]);
		cond_resched();
	}
}

/**
 * sim_buf_alloc() - allocate a buffer, not yet known to the manager
 * @region: its region; the buffer takes over a reference the caller holds
 * @file: its owner's file; the buffer takes a reference
 * @size: bytes, validated by the caller
 *
 * Return: the buffer, zero-filled in system memory, with one reference;
 * ERR_PTR(-ENOMEM).
 */
struct sim_buf *sim_buf_alloc(struct sim_region *region, struct sim_file *file,
			      u64 size)
{
	struct sim_buf *buf;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->npages = size >> PAGE_SHIFT;
	buf->file = file;
	buf->sys = sim_sys_pages_alloc(buf, __GFP_ZERO, false);
	if (!buf->sys) {
		kfree(buf);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&buf->ref);
	kref_get(&file->ref);
	buf->region = region;
	buf->size = size;
	dma_resv_init(&buf->resv);
	mutex_init(&buf->export_lock);
	mutex_init(&buf->pin_lock);
	mutex_init(&buf->data_lock);
	INIT_LIST_HEAD(&buf->attachments);
	atomic64_set(&buf->revokes, 0);
	return buf;
}

/* Free what sim_buf_alloc() set up. */
static void sim_buf_destroy(struct sim_buf *buf)
{
	sim_pages_free(buf->dev, buf->npages);
	sim_pages_free(buf->sys, buf->npages);
	dma_resv_fini(&buf->resv);
	mutex_destroy(&buf->export_lock);
	mutex_destroy(&buf->pin_lock);
	mutex_destroy(&buf->data_lock);
	sim_region_put(buf->region);
	sim_file_put(buf->file);
	kfree(buf);
}

/**
 * sim_buf_abort() - free a buffer that dmem_buf_init() did not accept
 * @buf: the buffer, with its only reference
 */
void sim_buf_abort(struct sim_buf *buf)
{
	sim_buf_destroy(buf);
}

static void sim_buf_release(struct kref *ref)
{
	struct sim_buf *buf = container_of(ref, struct sim_buf, ref);

	/* No dma-buf is left: it held a reference. */
	dmem_dmabuf_fini(&buf->dd);
	/* Uncharges it; waits for an eviction or revoke in flight. */
	dmem_buf_free(&buf->dbuf);
	sim_buf_destroy(buf);
}

void sim_buf_get(struct sim_buf *buf)
{
	kref_get(&buf->ref);
}

/* Context: process context (the last put frees the buffer, which sleeps). */
void sim_buf_put(struct sim_buf *buf)
{
	kref_put(&buf->ref, sim_buf_release);
}

/**
 * sim_buf_lookup() - find a buffer by handle
 * @file: the file
 * @handle: the handle
 *
 * Return: the buffer with a reference, or ERR_PTR(-ENOENT).
 */
struct sim_buf *sim_buf_lookup(struct sim_file *file, u32 handle)
{
	struct sim_buf *buf;

	xa_lock(&file->bufs);
	buf = xa_load(&file->bufs, handle);
	if (buf)
		sim_buf_get(buf);
	xa_unlock(&file->bufs);
	return buf ? buf : ERR_PTR(-ENOENT);
}

/**
 * sim_buf_make_resident() - a use of the buffer (TOUCH)
 * @buf: the buffer
 *
 * Return: as dmem_buf_make_resident().
 */
int sim_buf_make_resident(struct sim_buf *buf)
{
	return dmem_buf_make_resident(&buf->dbuf);
}

/* Forget every pin holder if a revoke took the driver's pin. */
static void sim_buf_pins_reconcile(struct sim_buf *buf)
{
	struct sim_attach *sa;

	lockdep_assert_held(&buf->pin_lock);
	if (!buf->mgr_pinned || dmem_buf_is_pinned(&buf->dbuf))
		return;
	buf->mgr_pinned = false;
	buf->user_pins = 0;
	list_for_each_entry(sa, &buf->attachments, node)
		sa->pinned = false;
}

static bool sim_buf_has_pin_holders(struct sim_buf *buf)
{
	struct sim_attach *sa;

	lockdep_assert_held(&buf->pin_lock);
	if (buf->user_pins)
		return true;
	list_for_each_entry(sa, &buf->attachments, node)
		if (sa->pinned)
			return true;
	return false;
}

/*
 * Make sure the driver holds its pin of the manager. Under pin_lock, which
 * a dma-buf pin takes under the reservation that the evict() finishing a
 * revoke of the buffer may wait for: so never wait for that revoke here
 * (dmem_buf_pin_reserved(), -EBUSY while the buffer is being revoked).
 */
static int sim_buf_pin_locked(struct sim_buf *buf)
{
	int ret;

	lockdep_assert_held(&buf->pin_lock);
	sim_buf_pins_reconcile(buf);
	if (buf->mgr_pinned)
		return 0;
	ret = dmem_buf_pin_reserved(&buf->dbuf);
	if (!ret)
		buf->mgr_pinned = true;
	return ret;
}

/* Drop the driver's pin if no holder is left. */
static void sim_buf_unpin_locked(struct sim_buf *buf)
{
	lockdep_assert_held(&buf->pin_lock);
	if (!buf->mgr_pinned || sim_buf_has_pin_holders(buf))
		return;
	buf->mgr_pinned = false;
	/* -EINVAL: a revoke took the pin meanwhile; nothing left to drop. */
	dmem_buf_unpin(&buf->dbuf);
}

/**
 * sim_buf_pin() - pin for one holder, a flag of its own
 * @buf: the buffer
 * @holder: the holder's flag (a dma-buf attachment's), set on success
 *
 * Context: the reservation held (dma-buf's pin): a revoke of the buffer in
 * flight is not waited for.
 * Return: 0; the errors of dmem_buf_pin_reserved(), -EBUSY while the
 * buffer is being revoked.
 */
int sim_buf_pin(struct sim_buf *buf, bool *holder)
{
	int ret = 0;

	mutex_lock(&buf->pin_lock);
	sim_buf_pins_reconcile(buf);
	if (!*holder) {
		ret = sim_buf_pin_locked(buf);
		if (!ret)
			*holder = true;
	}
	mutex_unlock(&buf->pin_lock);
	return ret;
}

/**
 * sim_buf_unpin() - unpin for one holder
 * @buf: the buffer
 * @holder: the holder's flag; nothing to do if a revoke cleared it
 */
void sim_buf_unpin(struct sim_buf *buf, bool *holder)
{
	mutex_lock(&buf->pin_lock);
	sim_buf_pins_reconcile(buf);
	if (*holder) {
		*holder = false;
		sim_buf_unpin_locked(buf);
	}
	mutex_unlock(&buf->pin_lock);
}

/**
 * sim_buf_user_pin() - PIN: one more owner pin
 * @buf: the buffer
 *
 * A revoke of the buffer in flight is waited for, as dmem_buf_pin() does,
 * but outside pin_lock (see sim_buf_pin_locked()): by making the buffer
 * resident, which waits for the revoke, then trying again.
 *
 * Return: 0; -EOVERFLOW; the errors of dmem_buf_pin().
 */
int sim_buf_user_pin(struct sim_buf *buf)
{
	int ret;

	for (;;) {
		mutex_lock(&buf->pin_lock);
		if (buf->user_pins == UINT_MAX) {
			ret = -EOVERFLOW;
		} else {
			ret = sim_buf_pin_locked(buf);
			if (!ret)
				buf->user_pins++;
		}
		mutex_unlock(&buf->pin_lock);
		if (ret != -EBUSY ||
		    dmem_buf_state(&buf->dbuf) != DMEM_BUF_REVOKING)
			return ret;
		ret = dmem_buf_make_resident(&buf->dbuf);
		if (ret)
			return ret;
	}
}

/**
 * sim_buf_user_unpin() - UNPIN: one owner pin less
 * @buf: the buffer
 *
 * Return: 0; -EINVAL if the owner holds no pin (revoked, or never pinned).
 */
int sim_buf_user_unpin(struct sim_buf *buf)
{
	int ret = 0;

	mutex_lock(&buf->pin_lock);
	sim_buf_pins_reconcile(buf);
	if (!buf->user_pins) {
		ret = -EINVAL;
	} else {
		buf->user_pins--;
		sim_buf_unpin_locked(buf);
	}
	mutex_unlock(&buf->pin_lock);
	return ret;
}

/**
 * sim_buf_drop_user_pins() - FREE or close: the owner's pins go
 * @buf: the buffer
 */
void sim_buf_drop_user_pins(struct sim_buf *buf)
{
	mutex_lock(&buf->pin_lock);
	sim_buf_pins_reconcile(buf);
	buf->user_pins = 0;
	sim_buf_unpin_locked(buf);
	mutex_unlock(&buf->pin_lock);
}

/**
 * sim_buf_info() - INFO
 * @buf: the buffer
 * @info: filled in (but @handle and @flags)
 */
void sim_buf_info(struct sim_buf *buf, struct dmem_sim_buf_info *info)
{
	struct sim_attach *sa;

	info->size = buf->size;
	info->state = dmem_buf_state(&buf->dbuf);

	mutex_lock(&buf->pin_lock);
	sim_buf_pins_reconcile(buf);
	info->pins = buf->user_pins;
	info->importers = 0;
	list_for_each_entry(sa, &buf->attachments, node) {
		info->importers++;
		info->pins += sa->pinned;
	}
	mutex_unlock(&buf->pin_lock);

	dma_resv_lock(&buf->resv, NULL);
	info->exported = !!buf->dmabuf;
	dma_resv_unlock(&buf->resv);

	mutex_lock(&buf->data_lock);
	info->evictions = buf->evictions;
	info->restores = buf->restores;
	mutex_unlock(&buf->data_lock);
	info->revokes = atomic64_read(&buf->revokes);
}

/**
 * sim_buf_rw() - READ and WRITE, wherever the bytes are
 * @buf: the buffer
 * @rw: the argument, flags and range not yet checked
 * @write: WRITE
 *
 * User memory is copied through a bounce page, outside sim_buf::data_lock,
 * so that a fault neither happens under the lock nor changes the buffer
 * (copy_from_user() zeroes what it could not copy). A fault stops the copy:
 * the pages before it were copied.
 *
 * Return: 0; -EINVAL; -EFAULT; -ENOMEM.
 */
int sim_buf_rw(struct sim_buf *buf, const struct dmem_sim_rw *rw, bool write)
{
	void __user *uptr = u64_to_user_ptr(rw->ptr);
	u64 end, pos = rw->offset;
	struct page **pages;
	int ret = 0;
	void *bounce;

	if (rw->flags || !rw->len || check_add_overflow(rw->offset, rw->len, &end) ||
	    end > buf->size)
		return -EINVAL;
	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (pos < end) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(u64, PAGE_SIZE - off, end - pos);

		if (write && copy_from_user(bounce, uptr, n)) {
			ret = -EFAULT;
			break;
		}
		mutex_lock(&buf->data_lock);
		pages = buf->dev ? buf->dev : buf->sys;
		if (write)
			memcpy_to_page(pages[pos >> PAGE_SHIFT], off, bounce, n);
		else
			memcpy_from_page(bounce, pages[pos >> PAGE_SHIFT], off, n);
		mutex_unlock(&buf->data_lock);
		if (!write && copy_to_user(uptr, bounce, n)) {
			ret = -EFAULT;
			break;
		}
		uptr += n;
		pos += n;
	}
	free_page((unsigned long)bounce);
	return ret;
}

/**
 * sim_buf_evict() - the manager's evict op: move the bytes to system memory
 * @dbuf: the victim
 *
 * @may_block: the manager's finish of a revoke, from its work item
 *
 * Dynamic importers are told first, with dma_buf_move_notify() under the
 * reservation lock as dma-buf requires; they drop their mappings.
 *
 * An eviction to make room (!@may_block) only trylocks the victim's
 * reservation: the manager calls it in the thread that needs the room,
 * which may hold another buffer's reservation (in dma-buf's pin callback)
 * while the holder of this one waits for that other buffer. A busy
 * reservation fails it with -EBUSY (the manager takes another victim),
 * except when the region is being destroyed: then the memory must go, so
 * wait for it.
 *
 * The end of a revoke (@may_block) waits for the reservation: every
 * importer has acknowledged, by an unmap made under it, and may hold it a
 * little longer (or take it again to detach); no holder waits for this
 * buffer's revoke, as a dma-buf pin or map of it fails with -EBUSY during
 * one (dmem_buf_pin_reserved(), dmem_buf_make_resident_reserved()).
 *
 * Return: 0; -EBUSY (not @may_block); -ENOMEM (no system memory for the
 * copy).
 *
 * The copy is charged to the memory cgroup of the buffer's owner (see
 * sim_sys_pages_alloc()).
 */
int sim_buf_evict(struct dmem_buf *dbuf, bool may_block)
{
	struct sim_buf *buf = to_sim_buf(dbuf);
	struct page **sys;

	if (!dma_resv_trylock(&buf->resv)) {
		if (!may_block && !READ_ONCE(buf->region->dead))
			return -EBUSY;
		dma_resv_lock(&buf->resv, NULL);
	}
	if (buf->dmabuf)
		dma_buf_move_notify(buf->dmabuf);

	sys = sim_sys_pages_alloc(buf, 0, true);
	if (!sys) {
		dma_resv_unlock(&buf->resv);
		return -ENOMEM;
	}
	mutex_lock(&buf->data_lock);
	if (buf->dev) {
		sim_buf_unmap_locked(buf);
		sim_pages_copy(sys, buf->dev, buf->npages);
		sim_pages_free(buf->dev, buf->npages);
		buf->dev = NULL;
		buf->sys = sys;
		sys = NULL;
		buf->evictions++;
	}
	mutex_unlock(&buf->data_lock);
	dma_resv_unlock(&buf->resv);
	sim_pages_free(sys, buf->npages);
	return 0;
}

/**
 * sim_buf_restore() - the manager's restore op: bytes back to device memory
 * @dbuf: the buffer, just charged
 *
 * Return: 0; -ENOMEM.
 */
int sim_buf_restore(struct dmem_buf *dbuf)
{
	struct sim_buf *buf = to_sim_buf(dbuf);
	struct page **dev;

	dev = sim_pages_alloc(buf->npages, SIM_GFP);
	if (!dev)
		return -ENOMEM;
	mutex_lock(&buf->data_lock);
	if (!buf->dev) {
		sim_buf_unmap_locked(buf);
		sim_pages_copy(dev, buf->sys, buf->npages);
		sim_pages_free(buf->sys, buf->npages);
		buf->sys = NULL;
		buf->dev = dev;
		dev = NULL;
		buf->restores++;
	}
	mutex_unlock(&buf->data_lock);
	sim_pages_free(dev, buf->npages);
	return 0;
}

static void sim_owner_notify(struct dmem_owner *owner, struct dmem_buf *dbuf,
			     enum dmem_owner_event event)
{
	struct sim_buf *buf = to_sim_buf(dbuf);
	u32 type;

	if (event == DMEM_OWNER_BUF_REVOKED) {
		atomic64_inc(&buf->revokes);
		type = DMEM_SIM_EVENT_BUF_REVOKED;
	} else if (event == DMEM_OWNER_BUF_REVOKE_FAILED) {
		type = DMEM_SIM_EVENT_BUF_REVOKE_FAILED;
	} else {
		type = DMEM_SIM_EVENT_BUF_EVICTED;
	}
	sim_fdinfo_count(buf, event == DMEM_OWNER_BUF_REVOKED);
	sim_event_post(buf->file, type, buf->handle, buf->size,
		       buf->region->name);
}

const struct dmem_owner_ops sim_owner_ops = {
	.notify = sim_owner_notify,
};
