/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A dma-buf exporter of one page over a buffer of the eviction manager,
 * through its exporter layer (linux/dmem_dmabuf.h), as a driver's: for the
 * KUnit suite dmem_evict_dmabuf and the bench's revoke (kernel/evict/bench).
 * The exporter's pin is a pin of the manager (dmem_buf_pin_reserved()), as
 * dmem_sim's; a mapping describes the one page, DMA-mapped for the
 * importing device.
 */
#ifndef _DMEM_TEST_EXPORTER_H
#define _DMEM_TEST_EXPORTER_H

#include <linux/dma-resv.h>
#include <linux/dmem_dmabuf.h>

struct dma_buf;
struct page;

/**
 * struct dmem_test_export - an exported buffer
 * @buf: the manager's buffer, which outlives the export
 * @resv: the dma-buf's reservation object
 * @dd: the exporter's revoke state of @buf
 * @dmabuf: the dma-buf
 * @exported: the exporter still holds its reference on @dmabuf
 * @page: the memory its mappings describe
 */
struct dmem_test_export {
	struct dmem_buf *buf;
	struct dma_resv resv;
	struct dmem_dmabuf dd;
	struct dma_buf *dmabuf;
	bool exported;
	struct page *page;
};

/**
 * struct dmem_test_xattach - the exporter's attachment object, attach->priv
 * @da: the exporter layer's state of the attachment
 * @tx: the export
 */
struct dmem_test_xattach {
	struct dmem_dmabuf_attach da;
	struct dmem_test_export *tx;
};

int dmem_test_export_init(struct dmem_test_export *tx, struct dmem_buf *buf);
void dmem_test_export_put(struct dmem_test_export *tx);
void dmem_test_export_fini(struct dmem_test_export *tx);

#endif /* _DMEM_TEST_EXPORTER_H */
