// SPDX-License-Identifier: GPL-2.0-only
/*
 * PRIME export of TTM buffer objects in device memory without struct
 * pages, with soft pins and revokes: see include/linux/ttm_dmem_prime.h.
 *
 * The attachment's states and transitions, and the DMA mapping of the BAR
 * range for the importer, are the exporter helper's (linux/dmem_export.h),
 * which the eviction manager's exporters share; a pin of the helper is a
 * pin of the buffer object, and an acknowledged revoke ends it.
 *
 * Locking: the state of an attachment (struct ttm_dmem_prime_attach) is
 * under the reservation lock of the dma-buf, which is the buffer object's
 * (dma-buf holds it around pin, unpin, map and unmap; detach takes it).
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/dmem_export.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>
#include <linux/ttm_dmem_prime.h>
#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_resource.h>

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct ttm_dmem_prime_attach - the exporter's state of one attachment
 * @ea: its revoke state (linux/dmem_export.h): pins, maps, revokes
 * @map_pins: of its mappings, those of an unpinned dynamic importer, each
 *	holding a hard pin of its own (resv)
 */
struct ttm_dmem_prime_attach {
	struct dmem_export_attach ea;
	unsigned int map_pins;
};

static const struct dma_buf_ops ttm_dmem_prime_ops;

static struct ttm_buffer_object *ttm_dmem_prime_bo(struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj = dmabuf->priv;

	return container_of(obj, struct ttm_buffer_object, base);
}

/*
 * Can @attach's device reach the exporting device's BAR? A PCI importer
 * must be on a peer-to-peer path to it; another device (a platform or
 * virtual one) is trusted, as dma-direct maps the BAR's bus address.
 */
static bool ttm_dmem_prime_reachable(struct dma_buf_attachment *attach)
{
	struct drm_gem_object *obj = attach->dmabuf->priv;
	struct device *provider = obj->dev->dev;

	if (!dev_is_pci(attach->dev) || !dev_is_pci(provider))
		return true;
	return pci_p2pdma_distance(to_pci_dev(provider), attach->dev,
				   false) >= 0;
}

/* Pin the buffer object for @attach; soft if the importer is revocable. */
static int ttm_dmem_prime_pin_bo(struct dma_buf_attachment *attach, bool soft)
{
	struct drm_gem_object *obj = attach->dmabuf->priv;
	int ret;

	dma_resv_assert_held(obj->resv);
	/* Counted first: ttm_bo_pin() classifies the pins it counts. */
	obj->dmem_soft_pins += soft;
	ret = obj->funcs->pin(obj);
	if (ret)
		obj->dmem_soft_pins -= soft;
	return ret;
}

static void ttm_dmem_prime_unpin_bo(struct dma_buf_attachment *attach,
				    bool soft)
{
	struct drm_gem_object *obj = attach->dmabuf->priv;

	dma_resv_assert_held(obj->resv);
	obj->dmem_soft_pins -= soft;
	obj->funcs->unpin(obj);
}

static int ttm_dmem_prime_ea_pin(struct dmem_export_attach *ea, bool hard)
{
	return ttm_dmem_prime_pin_bo(ea->attach, !hard);
}

static void ttm_dmem_prime_ea_unpin(struct dmem_export_attach *ea, bool hard)
{
	ttm_dmem_prime_unpin_bo(ea->attach, !hard);
}

/*
 * A revoke is acknowledged: the importer's pin ends, which is what the
 * revoker (kernel/ttm/ttm_dmem_revoke.c) waits for.
 */
static void ttm_dmem_prime_ea_acked(struct dmem_export_attach *ea)
{
	dmem_export_unpin(ea);
}

static const struct dmem_export_ops ttm_dmem_prime_export_ops = {
	.pin = ttm_dmem_prime_ea_pin,
	.unpin = ttm_dmem_prime_ea_unpin,
	.acked = ttm_dmem_prime_ea_acked,
};

static int ttm_dmem_prime_attach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta;

	/* The memory is a BAR: no struct pages to hand out. */
	if (!attach->peer2peer || !ttm_dmem_prime_reachable(attach))
		return -EOPNOTSUPP;
	ta = kzalloc(sizeof(*ta), GFP_KERNEL_ACCOUNT);
	if (!ta)
		return -ENOMEM;
	dmem_export_attach_init(&ta->ea, attach, &ttm_dmem_prime_export_ops);
	attach->priv = ta;
	return 0;
}

static void ttm_dmem_prime_detach(struct dma_buf *dmabuf,
				  struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	/* What an importer left behind is let go here. */
	dma_resv_lock(dmabuf->resv, NULL);
	dmem_export_detach(&ta->ea);
	for (; ta->map_pins; ta->map_pins--)
		ttm_dmem_prime_unpin_bo(attach, false);
	dma_resv_unlock(dmabuf->resv);
	kfree(ta);
}

static int ttm_dmem_prime_pin(struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	return dmem_export_pin(&ta->ea);
}

static void ttm_dmem_prime_unpin(struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	/* Nothing if a revoke ended the pin already. */
	dmem_export_unpin(&ta->ea);
}

/* The pinned buffer object's io memory, mapped for the importer. */
static struct sg_table *ttm_dmem_prime_map_bo(struct dma_buf_attachment *attach,
					      enum dma_data_direction dir)
{
	struct ttm_buffer_object *bo = ttm_dmem_prime_bo(attach->dmabuf);
	struct ttm_dmem_prime_attach *ta = attach->priv;
	struct sg_table *sgt;
	int ret;

	ret = ttm_mem_io_reserve(bo->bdev, bo->resource);
	if (ret)
		return ERR_PTR(ret);
	/* TTM's io memory is linear from bus.offset (the driver's pin). */
	if (bo->resource->bus.is_iomem)
		sgt = dmem_export_map_io(&ta->ea, bo->resource->bus.offset,
					 bo->base.size, dir);
	else
		sgt = ERR_PTR(-EOPNOTSUPP);
	if (IS_ERR(sgt))
		ttm_mem_io_free(bo->bdev, bo->resource);
	return sgt;
}

static struct sg_table *ttm_dmem_prime_map(struct dma_buf_attachment *attach,
					   enum dma_data_direction dir)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;
	bool own_pin;
	struct sg_table *sgt;
	int ret;

	ret = dmem_export_map_check(&ta->ea);
	if (ret)
		return ERR_PTR(ret);
	/*
	 * An unpinned dynamic importer's mapping holds a hard pin of its own,
	 * so that the memory never moves under it.
	 */
	own_pin = !ta->ea.pinned;
	if (own_pin) {
		ret = ttm_dmem_prime_pin_bo(attach, false);
		if (ret)
			return ERR_PTR(ret);
	}
	sgt = ttm_dmem_prime_map_bo(attach, dir);
	if (IS_ERR(sgt)) {
		if (own_pin)
			ttm_dmem_prime_unpin_bo(attach, false);
		return sgt;
	}
	ta->map_pins += own_pin;
	return sgt;
}

static void ttm_dmem_prime_unmap(struct dma_buf_attachment *attach,
				 struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	struct ttm_buffer_object *bo = ttm_dmem_prime_bo(attach->dmabuf);
	struct ttm_dmem_prime_attach *ta = attach->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	/* Still the mapped resource: the mapping held a pin. */
	ttm_mem_io_free(bo->bdev, bo->resource);
	if (ta->map_pins) {
		ta->map_pins--;
		ttm_dmem_prime_unpin_bo(attach, false);
	}
	/* The importer's last unmap acknowledges a revoke: its pin ends. */
	dmem_export_unmap_io(&ta->ea, sgt, dir);
}

/**
 * ttm_dmem_prime_revoke() - revoke an attachment of a buffer object
 * @attach: an attachment of a revoked buffer object's dma-buf
 *
 * For an attachment of ttm_dmem_prime_export()'s dma-buf: the helper's
 * revoke (dmem_export_revoke()) tells a pinned revocable importer through
 * dma_buf_revoke_notify(), and its pin ends with its last unmap, or now if
 * nothing is mapped. Other exporters' attachments are the caller's.
 *
 * Context: the reservation lock of the dma-buf held (asserted).
 * Return: true if @attach is one of ttm_dmem_prime_export()'s.
 */
bool ttm_dmem_prime_revoke(struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (attach->dmabuf->ops != &ttm_dmem_prime_ops)
		return false;
	if (ta->ea.pinned && dma_buf_attach_revocable(attach))
		dmem_export_revoke(&ta->ea);
	return true;
}
EXPORT_SYMBOL_GPL(ttm_dmem_prime_revoke);

static const struct dma_buf_ops ttm_dmem_prime_ops = {
	.attach = ttm_dmem_prime_attach,
	.detach = ttm_dmem_prime_detach,
	.pin = ttm_dmem_prime_pin,
	.unpin = ttm_dmem_prime_unpin,
	.map_dma_buf = ttm_dmem_prime_map,
	.unmap_dma_buf = ttm_dmem_prime_unmap,
	.release = drm_gem_dmabuf_release,
	.mmap = drm_gem_dmabuf_mmap,
	.vmap = drm_gem_dmabuf_vmap,
	.vunmap = drm_gem_dmabuf_vunmap,
};

/**
 * ttm_dmem_prime_export() - &drm_gem_object_funcs.export of a TTM driver
 * @obj: the GEM object of a TTM buffer object
 * @flags: the dma-buf file's flags
 *
 * Return: the dma-buf, a dynamic exporter whose importers pin the buffer
 * object in device memory and map its BAR range (see
 * linux/ttm_dmem_prime.h); an ERR_PTR() on failure.
 */
struct dma_buf *ttm_dmem_prime_export(struct drm_gem_object *obj, int flags)
{
	struct dma_buf_export_info exp_info = {
		.exp_name = KBUILD_MODNAME,
		.owner = obj->dev->driver->fops->owner,
		.ops = &ttm_dmem_prime_ops,
		.size = obj->size,
		.flags = flags,
		.priv = obj,
		.resv = obj->resv,
	};

	return drm_gem_dmabuf_export(obj->dev, &exp_info);
}
EXPORT_SYMBOL_GPL(ttm_dmem_prime_export);

/**
 * ttm_dmem_prime_import() - &drm_driver.gem_prime_import of a TTM driver
 * @dev: the importing DRM device
 * @dmabuf: the dma-buf
 *
 * A dma-buf that @dev exported with ttm_dmem_prime_export() gives back its
 * GEM object, referenced, as drm_gem_prime_import() does for its own
 * exports; any other goes to drm_gem_prime_import().
 *
 * Return: the GEM object, or an ERR_PTR().
 */
struct drm_gem_object *ttm_dmem_prime_import(struct drm_device *dev,
					     struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj = dmabuf->priv;

	if (dmabuf->ops == &ttm_dmem_prime_ops && obj->dev == dev) {
		drm_gem_object_get(obj);
		return obj;
	}
	return drm_gem_prime_import(dev, dmabuf);
}
EXPORT_SYMBOL_GPL(ttm_dmem_prime_import);
