/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The simulated device-memory device, /dev/dmem_sim: its ioctls and the
 * event records read() returns.
 *
 * A region is a named amount of simulated VRAM, registered with the dmem
 * cgroup controller as "sim/<name>". Every open file of /dev/dmem_sim is one
 * owner: its buffers are charged to the cgroup of the task that opened it,
 * for as long as they are resident, whichever process (after fork() or fd
 * passing) uses the file. Buffers are named by handles, local to the file.
 * Their dma-bufs (EXPORT) are imported by any importer, e.g. the simulated
 * NIC of uapi/linux/dmem_nic.h.
 *
 * Access is the open file: whoever holds it (inherited, or passed with
 * SCM_RIGHTS on purpose) uses its buffers, charged to its opener's cgroup;
 * a handle of another file is ENOENT (every ioctl, and mmap()). A dma-buf
 * fd, shared the same way, only allows importing, its pins charged to the
 * buffer's owner. The device is 0666; the region ioctls that change
 * things check CAP_SYS_ADMIN of the caller at each call (EPERM), whoever
 * opened the file.
 *
 * Buffers hold real bytes. A resident buffer's bytes are in "device"
 * pages; evicting or revoking it copies them to system pages and frees the
 * device pages; making it resident again copies them back. READ and WRITE
 * reach the bytes wherever they are, without changing where.
 *
 * mmap() of /dev/dmem_sim at offset DMEM_SIM_MMAP_OFFSET(handle) (plus a
 * page-aligned offset into the buffer) maps a buffer's bytes, MAP_SHARED
 * only, wherever they are; a mapping never keeps pages the buffer moved
 * away from: every eviction, revoke or restore unmaps them and the next
 * access faults the current ones in. Mapping does not make a buffer
 * resident. EINVAL for MAP_PRIVATE or a range past the buffer, ENOENT for
 * an unknown handle.
 *
 * Every struct has explicit padding; reserved fields and flags must be 0.
 * Errors common to every ioctl: EFAULT for a bad pointer; EINVAL for
 * unknown flags, a non-zero reserved field, a size that is 0, not a
 * multiple of 4096 or larger than the region; ENOENT for an unknown
 * handle or region; ENOTTY for an unknown ioctl.
 */
#ifndef _UAPI_LINUX_DMEM_SIM_H
#define _UAPI_LINUX_DMEM_SIM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Region names: 1 to 31 characters of [A-Za-z0-9_.-], NUL-terminated. */
#define DMEM_SIM_NAME_LEN	32
/* Largest region: simulated VRAM is real memory of the machine. */
#define DMEM_SIM_REGION_MAX	0x40000000ULL	/* 1 GiB */
/* Buffer and region sizes are multiples of this. */
#define DMEM_SIM_PAGE_SIZE	4096
/* The mmap() offset of a buffer. */
#define DMEM_SIM_MMAP_OFFSET(handle)	((__u64)(handle) << 32)

/**
 * struct dmem_sim_region_create - DMEM_SIM_IOC_REGION_CREATE
 * @name: in: the region's name; it appears in dmem.capacity as "sim/<name>"
 * @size: in: bytes of simulated VRAM, 4096 to DMEM_SIM_REGION_MAX
 * @flags: in: 0
 * @pad: 0
 *
 * Needs CAP_SYS_ADMIN (EPERM). EEXIST if the name is in use.
 */
struct dmem_sim_region_create {
	char name[DMEM_SIM_NAME_LEN];
	__u64 size;
	__u32 flags;
	__u32 pad;
};

/**
 * struct dmem_sim_region_name - DMEM_SIM_IOC_REGION_DESTROY
 * @name: in: the region
 * @flags: in: 0
 * @pad: 0
 *
 * Needs CAP_SYS_ADMIN. Destroying is a device-level revoke (hot-unplug):
 * every resident buffer is revoked (importers notified and waited for,
 * bytes moved to system memory, charges returned), then the region leaves
 * dmem.capacity and every open file gets DMEM_SIM_EVENT_REGION_DESTROYED.
 * Its buffers stay valid: READ, WRITE, INFO, FREE and EXPORT work, and so
 * do their mappings (over system memory); making them resident (TOUCH,
 * PIN, an importer's pin or map) fails with ENODEV, UNPIN with EINVAL (the
 * revoke ended the pins), ALLOC and REGION_INFO of the name with ENOENT.
 * Nothing blocks a destroy for good: the importers of all buffers are
 * notified at once, and those that do not acknowledge delay it by the
 * region's revoke timeout (dmem.policy timeout_ms) in all, however many
 * they are; then their buffers are revoked all the same (the importer's
 * late unmap is a no-op for the buffer). The device pages such an
 * importer still maps go back to the system only when it unmaps or
 * detaches. A use of a buffer waiting for the destroy (a PIN,
 * or a dma-buf attach) fails with ENODEV instead of holding it up.
 *
 * The wait is killable (EINTR): a killed destroy returns at once and the
 * teardown finishes in the background within the revoke timeout; the
 * region is off REGION_INFO and ALLOC at once, and REGION_CREATE of the
 * name fails with EEXIST until the teardown has finished.
 */
struct dmem_sim_region_name {
	char name[DMEM_SIM_NAME_LEN];
	__u32 flags;
	__u32 pad;
};

/**
 * struct dmem_sim_region_info - DMEM_SIM_IOC_REGION_INFO, the device's view
 * @name: in: the region
 * @flags: in: 0
 * @pad: 0
 * @capacity: out: bytes
 * @used: out: bytes of resident buffers (parked revokes included)
 * @buffers: out: buffers of the region, whatever their state
 * @parked: out: revokes waiting for a late acknowledgment
 * @revoke_timeouts: out: importers that did not acknowledge in time
 */
struct dmem_sim_region_info {
	char name[DMEM_SIM_NAME_LEN];
	__u32 flags;
	__u32 pad;
	__u64 capacity;
	__u64 used;
	__u64 buffers;
	__u64 parked;
	__u64 revoke_timeouts;
};

/* dmem_sim_alloc::flags */
#define DMEM_SIM_ALLOC_PINNED	0x1	/* pin it (one owner pin) */

/**
 * struct dmem_sim_alloc - DMEM_SIM_IOC_ALLOC
 * @region: in: the region's name
 * @size: in: bytes, a multiple of 4096, at most the region's capacity
 * @flags: in: DMEM_SIM_ALLOC_*
 * @handle: out: the new buffer's handle
 *
 * Allocates a buffer (zero-filled) and makes it resident, evicting by the
 * soft-pin policy if needed; with DMEM_SIM_ALLOC_PINNED, also pins it.
 * ENOMEM if no room can be made (or dmem.pinned.max is reached); ENODEV
 * if the region was destroyed; EINTR on a signal. Nothing remains on error.
 * Revoking victims waits one revoke timeout in all: victims whose
 * importers have not acknowledged by then stay parked (their memory kept),
 * and further victims are revoked only if their importers acknowledge at
 * once.
 */
struct dmem_sim_alloc {
	char region[DMEM_SIM_NAME_LEN];
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct dmem_sim_buf_op - FREE, PIN, UNPIN, TOUCH
 * @handle: in: the buffer
 * @flags: in: 0
 *
 * PIN makes the buffer resident (as TOUCH) and takes an owner pin; UNPIN
 * drops one (EINVAL if it holds none; pins end with a revoke). TOUCH is a
 * use: it makes the buffer resident again (ENOMEM, ENODEV, EINTR as ALLOC)
 * and marks it most recently used. A use waits for a revoke of the buffer
 * in flight (bounded by the revoke timeout), but fails with EBUSY at once
 * while its revoke is parked: an importer has not acknowledged it and
 * might never do so. EBUSY also when every victim that could make room
 * was busy. The same holds for PIN and for an importer's pin or map of
 * the buffer's dma-buf. FREE drops
 * the handle and its pins; the memory goes when no dma-buf of the buffer
 * remains.
 */
struct dmem_sim_buf_op {
	__u32 handle;
	__u32 flags;
};

/* dmem_sim_buf_info::state, as the eviction manager's buffer states */
#define DMEM_SIM_STATE_EVICTED	0	/* in system memory */
#define DMEM_SIM_STATE_RESIDENT	1	/* in device memory, charged */
#define DMEM_SIM_STATE_EVICTING	2	/* being evicted */
#define DMEM_SIM_STATE_REVOKING	3	/* importers notified, waiting for acks */
#define DMEM_SIM_STATE_REVOKED	4	/* revoked: in system memory */

/**
 * struct dmem_sim_buf_info - DMEM_SIM_IOC_INFO
 * @handle: in: the buffer
 * @flags: in: 0
 * @size: out: bytes
 * @state: out: DMEM_SIM_STATE_*
 * @pins: out: pins held (owner pins plus pinned dma-buf attachments)
 * @importers: out: dma-buf attachments
 * @exported: out: 1 if a dma-buf of the buffer exists
 * @evictions: out: times its bytes were moved to system memory
 * @restores: out: times its bytes were moved to device memory
 * @revokes: out: times it was revoked
 */
struct dmem_sim_buf_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u32 state;
	__u32 pins;
	__u32 importers;
	__u32 exported;
	__u64 evictions;
	__u64 restores;
	__u64 revokes;
};

/**
 * struct dmem_sim_rw - DMEM_SIM_IOC_WRITE, DMEM_SIM_IOC_READ
 * @handle: in: the buffer
 * @flags: in: 0
 * @offset: in: first byte
 * @len: in: bytes, at least 1; @offset + @len at most the buffer's size
 * @ptr: in: user address of the data
 *
 * Copies bytes between the buffer, wherever they are, and user memory.
 */
struct dmem_sim_rw {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 len;
	__u64 ptr;
};

/* dmem_sim_export::flags */
#define DMEM_SIM_EXPORT_CLOEXEC	0x1	/* O_CLOEXEC on the new fd */

/**
 * struct dmem_sim_export - DMEM_SIM_IOC_EXPORT
 * @handle: in: the buffer
 * @flags: in: DMEM_SIM_EXPORT_*
 * @fd: out: a dma-buf file descriptor
 * @pad: 0
 *
 * A buffer has at most one dma-buf at a time (EBUSY): share its fd with
 * dup() or SCM_RIGHTS. The dma-buf keeps the buffer alive after FREE or
 * close of the exporting file; its charge stays with the owner.
 */
struct dmem_sim_export {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
};

/**
 * struct dmem_sim_owner_info - DMEM_SIM_IOC_OWNER_INFO, this file's owner
 * @flags: in: 0
 * @tgid: out: the process that opened the file
 * @resident: out: bytes resident now (pinned included)
 * @pinned: out: bytes pinned now
 * @evicted: out: bytes evicted so far
 * @revoked: out: bytes revoked so far
 * @revoke_failures: out: revokes that ended a buffer's pins but could not
 *	move it (DMEM_SIM_EVENT_BUF_REVOKE_FAILED)
 */
struct dmem_sim_owner_info {
	__u32 flags;
	__s32 tgid;
	__u64 resident;
	__u64 pinned;
	__u64 evicted;
	__u64 revoked;
	__u64 revoke_failures;
};

/* dmem_sim_event::type */
#define DMEM_SIM_EVENT_BUF_EVICTED	1	/* a buffer of this owner was evicted */
#define DMEM_SIM_EVENT_BUF_REVOKED	2	/* ... was revoked (bytes kept) */
/* 3 to 5: the importer events, now uapi/linux/dmem_nic.h's */
#define DMEM_SIM_EVENT_REGION_DESTROYED	6	/* a region was destroyed */
/*
 * A revoke of a buffer of this owner told its importers and ended its pins,
 * but the buffer was busy (its dma-buf reservation held) and could not be
 * moved: it stays resident, unpinned. Pin it again if it must stay.
 */
#define DMEM_SIM_EVENT_BUF_REVOKE_FAILED 7

/**
 * struct dmem_sim_event - one record of read() on /dev/dmem_sim
 * @seq: sequence number in this file, from 1; a gap means records were
 *	lost because the queue (256 records) was full
 * @time_ns: CLOCK_MONOTONIC time of the event
 * @type: DMEM_SIM_EVENT_*
 * @handle: the buffer's handle in this file (0 for REGION_DESTROYED)
 * @size: bytes of the buffer (0 for REGION_DESTROYED)
 * @region: the region's name, without "sim/"
 *
 * read() returns whole records only (EINVAL if the buffer cannot hold
 * one), blocks until one is queued unless O_NONBLOCK (EAGAIN); poll()
 * reports POLLIN while records are queued.
 */
struct dmem_sim_event {
	__u64 seq;
	__u64 time_ns;
	__u32 type;
	__u32 handle;
	__u64 size;
	char region[DMEM_SIM_NAME_LEN];
};

#define DMEM_SIM_IOC_MAGIC	0xDE

#define DMEM_SIM_IOC_REGION_CREATE \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x00, struct dmem_sim_region_create)
#define DMEM_SIM_IOC_REGION_DESTROY \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x01, struct dmem_sim_region_name)
#define DMEM_SIM_IOC_REGION_INFO \
	_IOWR(DMEM_SIM_IOC_MAGIC, 0x02, struct dmem_sim_region_info)
#define DMEM_SIM_IOC_ALLOC \
	_IOWR(DMEM_SIM_IOC_MAGIC, 0x10, struct dmem_sim_alloc)
#define DMEM_SIM_IOC_FREE \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x11, struct dmem_sim_buf_op)
#define DMEM_SIM_IOC_PIN \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x12, struct dmem_sim_buf_op)
#define DMEM_SIM_IOC_UNPIN \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x13, struct dmem_sim_buf_op)
#define DMEM_SIM_IOC_TOUCH \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x14, struct dmem_sim_buf_op)
#define DMEM_SIM_IOC_INFO \
	_IOWR(DMEM_SIM_IOC_MAGIC, 0x15, struct dmem_sim_buf_info)
#define DMEM_SIM_IOC_WRITE \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x16, struct dmem_sim_rw)
#define DMEM_SIM_IOC_READ \
	_IOW(DMEM_SIM_IOC_MAGIC, 0x17, struct dmem_sim_rw)
#define DMEM_SIM_IOC_EXPORT \
	_IOWR(DMEM_SIM_IOC_MAGIC, 0x18, struct dmem_sim_export)
#define DMEM_SIM_IOC_OWNER_INFO \
	_IOWR(DMEM_SIM_IOC_MAGIC, 0x19, struct dmem_sim_owner_info)
/* 0x20 to 0x24: the importer's, now uapi/linux/dmem_nic.h's */

#endif /* _UAPI_LINUX_DMEM_SIM_H */
