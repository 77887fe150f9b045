/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A queue of fixed-size event records that a character device hands to
 * userspace through read() and poll(): dmem_sim's owner events and
 * dmem_nic's importer events.
 *
 * Every record begins with struct dmem_evq_header, which the queue fills
 * in: a sequence number counted from 1 and the CLOCK_MONOTONIC time. A full
 * queue drops the new record but still counts its sequence number, so a
 * reader sees the gap. read() returns whole records only.
 *
 * Locking: the queue has its own spinlock (dmem_evq::lock), innermost of
 * every lock of its driver. Records may be posted from any process context,
 * with or without the driver's locks held.
 */
#ifndef _LINUX_DMEM_EVQ_H
#define _LINUX_DMEM_EVQ_H

#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

/**
 * struct dmem_evq_header - the start of every record
 * @seq: sequence number in the queue, from 1
 * @time_ns: CLOCK_MONOTONIC time of the post
 */
struct dmem_evq_header {
	u64 seq;
	u64 time_ns;
};

/**
 * struct dmem_evq - a queue of event records
 * @lock: protects everything below
 * @wq: readers and pollers
 * @ring: @max records of @rec_size bytes
 * @rec_size: bytes of one record
 * @max: records the queue holds
 * @head: index of the oldest record
 * @count: records queued
 * @seq: sequence number of the last record, queued or lost
 */
struct dmem_evq {
	spinlock_t lock;	/* the queue */
	wait_queue_head_t wq;
	void *ring;
	size_t rec_size;
	unsigned int max;
	unsigned int head;
	unsigned int count;
	u64 seq;
};

int dmem_evq_init(struct dmem_evq *q, size_t rec_size, unsigned int max);
void dmem_evq_fini(struct dmem_evq *q);
void dmem_evq_post(struct dmem_evq *q, const void *rec);
ssize_t dmem_evq_read(struct dmem_evq *q, char __user *ubuf, size_t len,
		      bool nonblock);
__poll_t dmem_evq_poll(struct dmem_evq *q, struct file *filp,
		       struct poll_table_struct *wait);

#endif /* _LINUX_DMEM_EVQ_H */
