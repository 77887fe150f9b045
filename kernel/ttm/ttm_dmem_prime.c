// SPDX-License-Identifier: GPL-2.0-only
/*
 * PRIME export of TTM buffer objects in device memory without struct
 * pages, with soft pins and revokes: see include/linux/ttm_dmem_prime.h.
 *
 * Locking: the state of an attachment (struct ttm_dmem_prime_attach) is
 * under the reservation lock of the dma-buf, which is the buffer object's
 * (dma-buf holds it around pin, unpin, map and unmap; detach takes it).
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/scatterlist.h>
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
 * @maps: mappings not unmapped yet (resv)
 * @map_pins: of those, mappings of an unpinned dynamic importer, each
 *	holding a hard pin of its own (resv)
 * @pinned: the importer's pin (dma_buf_pin()) is held (resv)
 * @revoking: the importer was told of a revoke: its last unmap ends its
 *	pin (resv)
 * @revoked: a revoke ended the pin; pins and maps fail (resv)
 */
struct ttm_dmem_prime_attach {
	unsigned int maps;
	unsigned int map_pins;
	bool pinned;
	bool revoking;
	bool revoked;
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
	attach->priv = ta;
	return 0;
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

/* Drop the importer's pin; @revoked: for good, by a revoke. */
static void ttm_dmem_prime_release(struct dma_buf_attachment *attach,
				   bool revoked)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	if (!ta->pinned)
		return;
	ta->pinned = false;
	ta->revoked |= revoked;
	ttm_dmem_prime_unpin_bo(attach, dma_buf_attach_revocable(attach));
}

static void ttm_dmem_prime_detach(struct dma_buf *dmabuf,
				  struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	/* What an importer left behind is let go here. */
	dma_resv_lock(dmabuf->resv, NULL);
	ttm_dmem_prime_release(attach, false);
	for (; ta->map_pins; ta->map_pins--)
		ttm_dmem_prime_unpin_bo(attach, false);
	dma_resv_unlock(dmabuf->resv);
	kfree(ta);
}

static int ttm_dmem_prime_pin(struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (ta->revoked)
		return -ENODEV;
	if (ta->pinned)
		return -EBUSY;
	ret = ttm_dmem_prime_pin_bo(attach, dma_buf_attach_revocable(attach));
	if (!ret)
		ta->pinned = true;
	return ret;
}

static void ttm_dmem_prime_unpin(struct dma_buf_attachment *attach)
{
	dma_resv_assert_held(attach->dmabuf->resv);
	/* Nothing if a revoke ended the pin already. */
	ttm_dmem_prime_release(attach, false);
}

static void ttm_dmem_prime_sgt_free(struct device *dev, struct sg_table *sgt,
				    enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i)
		dma_unmap_resource(dev, sg_dma_address(sg), sg_dma_len(sg), dir,
				   DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
}

/*
 * A table of @size bytes of io memory at @phys, mapped for @dev in pieces
 * of its maximum segment size; no entry has a page.
 */
static struct sg_table *ttm_dmem_prime_sgt(struct device *dev,
					   phys_addr_t phys, u64 size,
					   enum dma_data_direction dir)
{
	unsigned int seg = rounddown(dma_get_max_seg_size(dev), PAGE_SIZE);
	struct scatterlist *sg;
	struct sg_table *sgt;
	dma_addr_t addr;
	u64 off = 0, len;
	unsigned int i;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL_ACCOUNT);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, DIV_ROUND_UP_ULL(size, seg), GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	/* Only the entries mapped so far are unmapped on error. */
	sgt->nents = 0;
	for_each_sgtable_sg(sgt, sg, i) {
		len = min_t(u64, size - off, seg);
		addr = dma_map_resource(dev, phys + off, len, dir,
					DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(dev, addr)) {
			ttm_dmem_prime_sgt_free(dev, sgt, dir);
			return ERR_PTR(-EIO);
		}
		sg_set_page(sg, NULL, len, 0);
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = len;
		sgt->nents++;
		off += len;
	}
	return sgt;
}

/* The pinned buffer object's io memory, mapped for the importer. */
static struct sg_table *ttm_dmem_prime_map_bo(struct dma_buf_attachment *attach,
					      enum dma_data_direction dir)
{
	struct ttm_buffer_object *bo = ttm_dmem_prime_bo(attach->dmabuf);
	struct sg_table *sgt;
	int ret;

	ret = ttm_mem_io_reserve(bo->bdev, bo->resource);
	if (ret)
		return ERR_PTR(ret);
	/* TTM's io memory is linear from bus.offset (the driver's pin). */
	if (bo->resource->bus.is_iomem)
		sgt = ttm_dmem_prime_sgt(attach->dev, bo->resource->bus.offset,
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
	bool own_pin = !ta->pinned;
	struct sg_table *sgt;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (ta->revoked)
		return ERR_PTR(-ENODEV);
	/* A revocable importer without move_notify maps what it pinned. */
	if (own_pin && !attach->importer_ops->move_notify)
		return ERR_PTR(-EINVAL);
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
	ta->maps++;
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
	ttm_dmem_prime_sgt_free(attach->dev, sgt, dir);
	/* Still the mapped resource: the mapping held a pin. */
	ttm_mem_io_free(bo->bdev, bo->resource);
	if (WARN_ON(!ta->maps))
		return;
	ta->maps--;
	if (ta->map_pins) {
		ta->map_pins--;
		ttm_dmem_prime_unpin_bo(attach, false);
	}
	/* The importer acknowledges a revoke: its device reaches nothing. */
	if (!ta->maps && ta->revoking)
		ttm_dmem_prime_release(attach, true);
}

/**
 * ttm_dmem_prime_revoked() - an importer was told of a revoke
 * @attach: an attachment of a revoked buffer object's dma-buf, after
 *	dma_buf_revoke_notify()
 *
 * For an attachment of ttm_dmem_prime_export()'s dma-buf with the
 * importer's pin held: the pin ends with the importer's last unmap, or
 * now if nothing is mapped. Nothing for other exporters' attachments.
 *
 * Context: the reservation lock of the dma-buf held (asserted).
 */
void ttm_dmem_prime_revoked(struct dma_buf_attachment *attach)
{
	struct ttm_dmem_prime_attach *ta = attach->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (attach->dmabuf->ops != &ttm_dmem_prime_ops || !ta->pinned ||
	    !dma_buf_attach_revocable(attach))
		return;
	ta->revoking = true;
	if (!ta->maps)
		ttm_dmem_prime_release(attach, true);
}
EXPORT_SYMBOL_GPL(ttm_dmem_prime_revoked);

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
