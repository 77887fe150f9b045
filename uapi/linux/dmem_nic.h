/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The simulated NIC, /dev/dmem_nic: a plain dma-buf importer. Its ioctls
 * and the event records read() returns.
 *
 * An importer is a simulated device that uses one dma-buf of any exporter
 * (dmem_sim's, udmabuf's, a GPU's PRIME export), through dma-buf's ops
 * only: it attaches, pins or not, maps, and reads back through its mapping
 * (or the exporter's vmap, for memory without struct pages) what its
 * device would reach. Importers are named by ids, local to the open file
 * of /dev/dmem_nic that created them; closing the file detaches them. The
 * device is 0666: a dma-buf fd is all an importer needs.
 *
 * Every struct has explicit padding; reserved fields and flags must be 0.
 * Errors common to every ioctl: EFAULT for a bad pointer; EINVAL for
 * unknown flags or a non-zero reserved field; ENOENT for an unknown
 * importer; ENOTTY for an unknown ioctl. A failed ioctl changes nothing.
 */
#ifndef _UAPI_LINUX_DMEM_NIC_H
#define _UAPI_LINUX_DMEM_NIC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* dmem_nic_import::mode */
#define DMEM_NIC_IMPORT_PINNED	0	/* like an RDMA NIC without ODP */
#define DMEM_NIC_IMPORT_DYNAMIC	1	/* move_notify, re-maps on next use */
#define DMEM_NIC_IMPORT_PINNED_HARD 2	/* pinned, cannot be revoked */

/* dmem_nic_import::ack: how a pinned importer answers a revoke */
#define DMEM_NIC_ACK_PROMPT	0	/* at once, from the notification */
#define DMEM_NIC_ACK_DELAYED	1	/* @delay_ms after the notification */
/* Only on DMEM_NIC_IOC_IMPORTER_ACK: an importer that may never ack. */
#define DMEM_NIC_ACK_MANUAL	2

/* Longest DMEM_NIC_ACK_DELAYED delay. */
#define DMEM_NIC_ACK_DELAY_MAX	60000

/**
 * struct dmem_nic_import - DMEM_NIC_IOC_IMPORT
 * @fd: in: a dma-buf, of any exporter (EBADF if not one)
 * @mode: in: DMEM_NIC_IMPORT_*
 * @ack: in: DMEM_NIC_ACK_* (pinned importers; 0 for the other modes)
 * @delay_ms: in: for DMEM_NIC_ACK_DELAYED, 1 to DMEM_NIC_ACK_DELAY_MAX;
 *	else 0
 * @flags: in: 0
 * @id: in: 0; out: the importer's id
 *
 * A pinned importer opts in to revocation (dma-buf's revoke_notify), pins
 * (dma_buf_pin()) and maps at once; the exporter decides what the pin
 * costs (for a dmem_sim buffer: charged to the buffer's owner, against its
 * dmem.pinned.max; ENOMEM if no room; EBUSY while the buffer is being
 * revoked). A revoke notifies it (DMEM_NIC_EVENT_IMPORTER_REVOKED on this
 * file); it stops its device and unmaps, per @ack, which acknowledges the
 * revoke. Afterwards its mapping is gone (IMPORTER_USE: ENODEV): a revoke
 * is permanent, import again to use the buffer again.
 * A hard pinned importer (PINNED_HARD) attaches as 6.12's pinned RDMA
 * importer does (peer2peer, a move_notify it cannot honour, no
 * revoke_notify) and pins: it cannot be told, so the exporter must never
 * revoke it; it lets go when detached.
 * A dynamic importer maps at once too, gets move_notify when the exporter
 * moves the buffer (DMEM_NIC_EVENT_IMPORTER_MOVED) and maps again on its
 * next use; the exporter's map makes the buffer usable again (EAGAIN if
 * the exporter moved it away again on each of a few tries).
 * Also the errors of the exporter's attach, pin and map (for a dmem_sim
 * buffer: those of its TOUCH and PIN; ENODEV once its region was
 * destroyed; EBUSY while it is being revoked, as the map holds the
 * reservation that the revoke's acknowledging unmaps need).
 */
struct dmem_nic_import {
	__s32 fd;
	__u32 mode;
	__u32 ack;
	__u32 delay_ms;
	__u32 flags;
	__u32 id;
};

/**
 * struct dmem_nic_importer_op - IMPORTER_ACK, IMPORTER_DETACH
 * @id: in: the importer
 * @flags: in: 0
 *
 * ACK acknowledges a revoke notification by unmapping (a no-op if none is
 * pending; EINVAL for an importer that is not revocable; EINTR,
 * acknowledging nothing, if a signal comes while it waits for the
 * buffer's reservation). DETACH unmaps, unpins, detaches (which
 * acknowledges a pending revoke) and forgets the importer.
 */
struct dmem_nic_importer_op {
	__u32 id;
	__u32 flags;
};

/* dmem_nic_importer_info::state */
#define DMEM_NIC_IMPORTER_MAPPED	0	/* mapped, usable */
#define DMEM_NIC_IMPORTER_UNMAPPED	1	/* moved: re-maps on next use */
#define DMEM_NIC_IMPORTER_REVOKED	2	/* pinned importer, revoked */

/**
 * struct dmem_nic_importer_info - DMEM_NIC_IOC_IMPORTER_USE
 * @id: in: the importer
 * @flags: in: 0
 * @mode: out: DMEM_NIC_IMPORT_*
 * @state: out: DMEM_NIC_IMPORTER_*, after the use
 * @size: out: bytes of the dma-buf
 * @maps: out: mappings made so far
 * @move_notifies: out: move notifications received
 * @revoke_notifies: out: revoke notifications received
 * @acks: out: revoke acknowledgments sent
 *
 * A use of the buffer by the importer's device: a dynamic importer whose
 * mapping was moved maps it again (the errors of IMPORT's map: EAGAIN,
 * EBUSY, and for a dmem_sim buffer those of its TOUCH); a revoked pinned
 * importer fails with ENODEV (the counters are filled in all the same).
 */
struct dmem_nic_importer_info {
	__u32 id;
	__u32 flags;
	__u32 mode;
	__u32 state;
	__u64 size;
	__u64 maps;
	__u64 move_notifies;
	__u64 revoke_notifies;
	__u64 acks;
};

/**
 * struct dmem_nic_read - DMEM_NIC_IOC_IMPORTER_READ
 * @id: in: the importer
 * @flags: in: 0
 * @offset: in: first byte
 * @len: in: bytes, at least 1; @offset + @len at most the dma-buf's size
 *	(else EINVAL)
 * @ptr: in: user address to copy to
 *
 * Reads the bytes through the importer's mapping, as its device would:
 * the memory it still maps, which the exporter may not reuse before it
 * unmaps. ENODEV once it unmapped (e.g. after acknowledging a revoke);
 * EAGAIN for a dynamic importer whose mapping was moved, until its next
 * use; the errors of the exporter's vmap for memory without struct pages.
 */
struct dmem_nic_read {
	__u32 id;
	__u32 flags;
	__u64 offset;
	__u64 len;
	__u64 ptr;
};

/* dmem_nic_event::type; the numbers of dmem_sim's importer events */
#define DMEM_NIC_EVENT_IMPORTER_REVOKED	3	/* got a revoke notification */
#define DMEM_NIC_EVENT_IMPORTER_ACKED	4	/* ... and acknowledged it */
#define DMEM_NIC_EVENT_IMPORTER_MOVED	5	/* a dynamic one got move_notify */

/**
 * struct dmem_nic_event - one record of read() on /dev/dmem_nic
 * @seq: sequence number in this file, from 1; a gap means records were
 *	lost because the queue (256 records) was full
 * @time_ns: CLOCK_MONOTONIC time of the event
 * @type: DMEM_NIC_EVENT_*
 * @importer: the importer's id in this file
 * @size: bytes of the dma-buf
 * @ino: the dma-buf's inode number, as fstat() of its fd reports it
 *
 * read() returns whole records only (EINVAL if the buffer cannot hold
 * one), blocks until one is queued unless O_NONBLOCK (EAGAIN); poll()
 * reports POLLIN while records are queued.
 */
struct dmem_nic_event {
	__u64 seq;
	__u64 time_ns;
	__u32 type;
	__u32 importer;
	__u64 size;
	__u64 ino;
};

#define DMEM_NIC_IOC_MAGIC	0xDF

#define DMEM_NIC_IOC_IMPORT \
	_IOWR(DMEM_NIC_IOC_MAGIC, 0x00, struct dmem_nic_import)
#define DMEM_NIC_IOC_IMPORTER_ACK \
	_IOW(DMEM_NIC_IOC_MAGIC, 0x01, struct dmem_nic_importer_op)
#define DMEM_NIC_IOC_IMPORTER_USE \
	_IOWR(DMEM_NIC_IOC_MAGIC, 0x02, struct dmem_nic_importer_info)
#define DMEM_NIC_IOC_IMPORTER_DETACH \
	_IOW(DMEM_NIC_IOC_MAGIC, 0x03, struct dmem_nic_importer_op)
#define DMEM_NIC_IOC_IMPORTER_READ \
	_IOW(DMEM_NIC_IOC_MAGIC, 0x04, struct dmem_nic_read)

#endif /* _UAPI_LINUX_DMEM_NIC_H */
