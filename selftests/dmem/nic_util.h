/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the selftests that drive the simulated NIC /dev/dmem_nic
 * (uapi/linux/dmem_nic.h), a plain importer of any dma-buf. Every function
 * returns 0 (or a value) on success and -errno on failure.
 */
#ifndef NIC_UTIL_H
#define NIC_UTIL_H

#include <linux/types.h>
#include <linux/dmem_nic.h>

#define NIC_DEV		"/dev/dmem_nic"

/* Opens /dev/dmem_nic: a file holding importers and their events. */
int nic_open(void);

/* IMPORT of dma-buf @dmabuf; the new importer's id in @id. */
int nic_import(int nfd, int dmabuf, __u32 mode, __u32 ack,
	       __u32 delay_ms, __u32 *id);
/* IMPORTER_ACK or IMPORTER_DETACH. */
int nic_op(int nfd, unsigned long req, __u32 id);
int nic_use(int nfd, __u32 id, struct dmem_nic_importer_info *info);
/* IMPORTER_READ of [@offset, @offset + @len) into @data. */
int nic_read(int nfd, __u32 id, __u64 offset, __u64 len, void *data);
/*
 * 0 if importer @id reads the pattern of @seed (sim_pattern()) over
 * @size bytes through its mapping, 1 if not, or -errno.
 */
int nic_verify(int nfd, __u32 id, __u64 size, unsigned int seed);

/* The next event within @ms: 1, 0 on timeout, or -errno. */
int nic_event(int nfd, struct dmem_nic_event *ev, int ms);
/* Reads the events queued now into @evs (at most @max); their number. */
int nic_events(int nfd, struct dmem_nic_event *evs, int max);
/*
 * Drains the queued events; returns how many were of @type (any if 0) for
 * importer @id (any if 0).
 */
int nic_count(int nfd, __u32 type, __u32 id);

#endif
