/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmem_nic: internal structures of the simulated importing NIC.
 *
 * Objects and references:
 *
 *   nic_file     one per open file of /dev/dmem_nic: the importers it
 *                created and its event queue. Lives until the file is
 *                released, which detaches its importers first.
 *   nic_importer one simulated importing device, using one dma-buf.
 *                Referenced by its file's importers xarray and by each
 *                ioctl using it; the last reference detaches it.
 *
 * Locks, outermost first:
 *
 *   the dma-buf's reservation (dma_resv) the importer's mapping and pin;
 *                           dma-buf calls move_notify and revoke_notify
 *                           with it held
 *   nic_importer::lock (spinlock) its flags and counters
 *   dmem_evq::lock (spinlock) the file's event queue
 *
 * No lock of the file is held while an ioctl uses an importer: a use or
 * an import may wait for a revoke of the exporter, which only an ACK (or
 * detach) of another thread of that file may end.
 */
#ifndef _DRIVERS_DMEM_NIC_NIC_H
#define _DRIVERS_DMEM_NIC_NIC_H

#include <linux/dmem_evq.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <uapi/linux/dmem_nic.h>

#define NIC_EVENTS_MAX	256

struct device;
struct nic_importer;

/**
 * struct nic_file - an open file of /dev/dmem_nic
 * @importers: id -> struct nic_importer, each holding a reference
 * @events: the event queue (struct dmem_nic_event records)
 */
struct nic_file {
	struct xarray importers;
	struct dmem_evq events;
};

/* The device importers attach with; their mappings are DMA-mapped for it. */
extern struct device *nic_device;

/* importer.c */
struct nic_importer *nic_importer_create(struct nic_file *file,
					 struct dmem_nic_import *arg);
int nic_importer_publish(struct nic_file *file, struct nic_importer *imp);
void nic_importer_abort(struct nic_file *file, struct nic_importer *imp);
int nic_importer_ack(struct nic_file *file, u32 id);
int nic_importer_use(struct nic_file *file,
		     struct dmem_nic_importer_info *info);
int nic_importer_detach(struct nic_file *file, u32 id);
int nic_importer_read(struct nic_file *file, const struct dmem_nic_read *rd);

#endif /* _DRIVERS_DMEM_NIC_NIC_H */
