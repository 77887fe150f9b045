/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmem_sim: internal structures of the simulated device-memory driver.
 *
 * Objects and references:
 *
 *   sim_file    one per open file of /dev/dmem_sim: one dmem owner, the
 *               buffer handles, its event queue.
 *               Referenced by the open file and by each of its buffers
 *               (events of a buffer kept alive by a dma-buf still reach it).
 *   sim_region  a region of simulated VRAM. Referenced by the region list
 *               until destroyed and by each of its buffers.
 *   sim_buf     a buffer. Referenced by its handle, by its dma-buf while
 *               exported, and by ioctls in flight.
 *   sim_attach  the exporter's state of one dma-buf attachment
 *               (dma_buf_attachment::priv).
 *
 * Locks, outermost first:
 *
 *   sim_lock (mutex)        the region list and the file list
 *   sim_buf::resv (dma_resv) the dma-buf's reservation: sim_buf::dmabuf,
 *                           the importers' mappings; dma-buf calls pin,
 *                           unpin, map and unmap with it held
 *   sim_buf::pin_lock (mutex) the driver's pin bookkeeping and the list of
 *                           attachments
 *   (mmap_lock, in page faults)
 *   sim_buf::data_lock (mutex) where the bytes are (dev or sys) and their
 *                           counters; held while a fault inserts a page
 *                           and while a move unmaps the old ones
 *   dmem_evq::lock (spinlock) a file's event queue (linux/dmem_evq.h)
 *
 * A file's fdinfo counters (fdinfo.c) nest in none of the above:
 *
 *   sim_file::stats_lock (mutex) the per-region counters of fdinfo
 *   sim_file::bufs xa_lock (spinlock) the handle table, walked by fdinfo
 *
 * The eviction manager calls evict() and restore() from the allocation of
 * another buffer, possibly in a thread that holds the reservation of that
 * other buffer (dma-buf's pin callback). So evict() only trylocks the
 * victim's reservation there (see sim_buf_evict()), and no path holds a
 * lock of a buffer that evict() or restore() of that same buffer takes
 * while calling the manager for it: pin_lock is the only lock held across
 * dmem_buf_pin_reserved(), and neither evict(), restore() nor the
 * notifications take it.
 *
 * The evict() that ends a revoke runs in the manager's work item and waits
 * for the victim's reservation. Whoever holds it never waits for that
 * revoke: dma-buf's pin and map use dmem_buf_pin_reserved() and
 * dmem_buf_make_resident_reserved(), which fail with -EBUSY during a
 * revoke, and so does pin_lock's holder (taken under the reservation by a
 * dma-buf pin); PIN waits for a revoke only with pin_lock dropped
 * (sim_buf_user_pin()).
 */
#ifndef _DRIVERS_DMEM_SIM_SIM_H
#define _DRIVERS_DMEM_SIM_SIM_H

#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/dmem_dmabuf.h>
#include <linux/dmem_evict.h>
#include <linux/dmem_evq.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/dmem_sim.h>

#define SIM_EVENTS_MAX	256

struct seq_file;

extern struct mutex sim_lock;

/**
 * struct sim_file - an open file of /dev/dmem_sim
 * @ref: references, see the top of this file
 * @node: entry in the file list (sim_lock)
 * @owner: the dmem owner of the file's buffers
 * @bufs: handle -> struct sim_buf, each holding a reference
 * @events: the event queue
 * @memcg: the opener's memory cgroup (a reference; NULL without memcg),
 *	charged for the system memory that holds the file's buffers while
 *	they are not in device memory
 * @client_id: the file's drm-client-id in fdinfo, unique since boot
 * @stats_lock: protects @stats
 * @stats: the fdinfo counters of each region the file allocated in
 *	(struct sim_fdinfo_region::node, fdinfo.c)
 */
struct sim_file {
	struct kref ref;
	struct list_head node;
	struct dmem_owner *owner;
	struct xarray bufs;
	struct dmem_evq events;
	struct mem_cgroup *memcg;
	u64 client_id;
	struct mutex stats_lock;	/* fdinfo counters */
	struct list_head stats;
};

/**
 * struct sim_region - a region of simulated VRAM
 * @ref: references, see the top of this file
 * @node: entry in the region list (sim_lock)
 * @name: the name, without "sim/"
 * @capacity: bytes
 * @cg: the dmem cgroup region
 * @er: the eviction region; valid while @dead is false (sim_lock), and
 *	for buffers of the region (each holds a reference on it)
 * @dead: being destroyed (written under sim_lock)
 * @destroy_work: tears the region down, so that a killed destroyer does
 *	not stop the teardown halfway
 * @destroyed: completed when @destroy_work is done
 */
struct sim_region {
	struct kref ref;
	struct list_head node;
	char name[DMEM_SIM_NAME_LEN];
	u64 capacity;
	struct dmem_cgroup_region *cg;
	struct dmem_evict_region *er;
	bool dead;
	struct work_struct destroy_work;
	struct completion destroyed;
};

/**
 * struct sim_buf - a buffer of simulated VRAM
 * @dbuf: the eviction manager's part
 * @ref: references, see the top of this file
 * @file: the owner's file (referenced)
 * @region: the region (referenced)
 * @handle: handle in @file
 * @size: bytes
 * @npages: pages
 * @resv: the reservation object of its dma-buf; protects @dmabuf
 * @dd: the revoke state of its dma-bufs (linux/dmem_dmabuf.h)
 * @dmabuf: the exported dma-buf, or NULL (set and cleared under @resv)
 * @export_lock: serializes exports
 * @pin_lock: protects @user_pins, @mgr_pinned and @attachments
 * @user_pins: pins taken by the owner (PIN, ALLOC_PINNED)
 * @mgr_pinned: the driver holds its one pin of the manager for all its
 *	pin holders (owner pins, pinned attachments)
 * @attachments: struct sim_attach::node
 * @data_lock: protects @dev, @sys, @mapping and the counters below
 * @mapping: the address space of the file it was mmap()ed through, or NULL
 * @dev: the bytes in device memory, when resident
 * @sys: the bytes in system memory, when not
 * @evictions: moves to system memory
 * @restores: moves to device memory
 * @revokes: revokes (atomic: counted from the owner notification)
 */
struct sim_buf {
	struct dmem_buf dbuf;
	struct kref ref;
	struct sim_file *file;
	struct sim_region *region;
	u32 handle;
	u64 size;
	unsigned int npages;
	struct dma_resv resv;
	struct dmem_dmabuf dd;
	struct dma_buf *dmabuf;
	struct mutex export_lock;	/* exports */
	struct mutex pin_lock;		/* pin bookkeeping */
	unsigned int user_pins;
	bool mgr_pinned;
	struct list_head attachments;
	struct mutex data_lock;	/* the bytes */
	struct page **dev;
	struct page **sys;
	struct address_space *mapping;
	u64 evictions;
	u64 restores;
	atomic64_t revokes;
};

/**
 * struct sim_attach - the exporter's state of a dma-buf attachment
 * @da: the revoke state of the attachment (linux/dmem_dmabuf.h)
 * @buf: the buffer
 * @node: entry in sim_buf::attachments (pin_lock)
 * @pinned: it holds a pin (pin_lock)
 */
struct sim_attach {
	struct dmem_dmabuf_attach da;
	struct sim_buf *buf;
	struct list_head node;
	bool pinned;
};

/* file.c */
void sim_event_post(struct sim_file *file, u32 type, u32 handle, u64 size,
		    const char *region);
void sim_file_put(struct sim_file *file);
void sim_post_all(u32 type, const char *region);

/* fdinfo.c */
int sim_fdinfo_add_region(struct sim_file *file, struct sim_buf *buf);
void sim_fdinfo_count(struct sim_buf *buf, bool revoked);
void sim_fdinfo_free(struct sim_file *file);
void sim_show_fdinfo(struct seq_file *m, struct file *filp);

/* mmap.c */
int sim_mmap(struct file *filp, struct vm_area_struct *vma);
void sim_buf_unmap_locked(struct sim_buf *buf);

/* ioctl.c */
long sim_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);

/* region.c */
int sim_region_create(const struct dmem_sim_region_create *arg);
int sim_region_destroy(const struct dmem_sim_region_name *arg);
int sim_region_info(struct dmem_sim_region_info *arg);
struct sim_buf *sim_region_new_buf(const char *name, u64 size,
				   struct sim_file *file);
void sim_region_put(struct sim_region *region);
extern const struct dmem_evict_ops sim_evict_ops;

/* buffer.c */
struct sim_buf *sim_buf_alloc(struct sim_region *region, struct sim_file *file,
			      u64 size);
void sim_buf_abort(struct sim_buf *buf);
void sim_buf_get(struct sim_buf *buf);
void sim_buf_put(struct sim_buf *buf);
struct sim_buf *sim_buf_lookup(struct sim_file *file, u32 handle);
int sim_buf_make_resident(struct sim_buf *buf);
int sim_buf_pin(struct sim_buf *buf, bool *holder);
void sim_buf_unpin(struct sim_buf *buf, bool *holder);
int sim_buf_user_pin(struct sim_buf *buf);
int sim_buf_user_unpin(struct sim_buf *buf);
void sim_buf_drop_user_pins(struct sim_buf *buf);
void sim_buf_info(struct sim_buf *buf, struct dmem_sim_buf_info *info);
int sim_buf_rw(struct sim_buf *buf, const struct dmem_sim_rw *rw, bool write);
int sim_buf_evict(struct dmem_buf *dbuf, bool may_block);
int sim_buf_restore(struct dmem_buf *dbuf);
extern const struct dmem_owner_ops sim_owner_ops;

static inline struct sim_buf *to_sim_buf(struct dmem_buf *dbuf)
{
	return container_of(dbuf, struct sim_buf, dbuf);
}

/* dmabuf.c */
int sim_buf_export(struct sim_buf *buf, u32 flags);

#endif /* _DRIVERS_DMEM_SIM_SIM_H */
