/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PRIME export of TTM buffer objects that live in device memory without
 * struct pages (a PCI BAR), for importers that pin, and may be revoked.
 *
 * The export is a dynamic dma-buf exporter (it has pin and unpin). An
 * importer attaches with peer2peer allowed (its device reaches another
 * device's BAR; an importer that needs struct pages, or a PCI device
 * without a peer-to-peer path to the exporter, is refused), pins
 * with dma_buf_pin() and maps: the mapping is the BAR range of the pinned
 * buffer object, mapped for the importing device with dma_map_resource().
 * Its pin is soft when it attached with revoke_notify
 * (drm_gem_object::dmem_soft_pins), hard otherwise. A dynamic importer
 * that maps without pinning holds a hard pin for as long as its mapping
 * exists, so the exporter never has to move memory under it.
 *
 * When TTM revokes the buffer object (kernel/ttm/ttm_dmem_revoke.c), each
 * revocable importer is told with dma_buf_revoke_notify(); its last unmap
 * then drops its pin (at once if it had nothing mapped), which is what
 * the revoker waits for, with the buffer object's fences. The revoke is
 * permanent: the attachment's later pins and maps fail with -ENODEV. The
 * attachment's states are the exporter helper's (linux/dmem_export.h).
 *
 * A driver uses it with two hooks: &drm_gem_object_funcs.export =
 * ttm_dmem_prime_export and &drm_driver.gem_prime_import =
 * ttm_dmem_prime_import. Its &drm_gem_object_funcs.pin and .unpin are
 * called with the reservation held and must place the buffer object in
 * linearly mapped io memory (&ttm_resource.bus, from io_mem_reserve).
 */
#ifndef _LINUX_TTM_DMEM_PRIME_H
#define _LINUX_TTM_DMEM_PRIME_H

#include <drm/drm_prime.h>

struct dma_buf;
struct dma_buf_attachment;
struct drm_device;
struct drm_gem_object;

#if IS_ENABLED(CONFIG_DRM_TTM_DMEM)

struct dma_buf *ttm_dmem_prime_export(struct drm_gem_object *obj, int flags);
struct drm_gem_object *ttm_dmem_prime_import(struct drm_device *dev,
					     struct dma_buf *dmabuf);
bool ttm_dmem_prime_revoke(struct dma_buf_attachment *attach);

#else

static inline struct dma_buf *ttm_dmem_prime_export(struct drm_gem_object *obj,
						    int flags)
{
	return drm_gem_prime_export(obj, flags);
}

static inline struct drm_gem_object *
ttm_dmem_prime_import(struct drm_device *dev, struct dma_buf *dmabuf)
{
	return drm_gem_prime_import(dev, dmabuf);
}

static inline bool ttm_dmem_prime_revoke(struct dma_buf_attachment *attach)
{
	return false;
}

#endif

#endif /* _LINUX_TTM_DMEM_PRIME_H */
