// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_evq: a queue of fixed-size event records behind read() and poll(),
 * see include/linux/dmem_evq.h.
 */

#include <linux/dmem_evq.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

/**
 * dmem_evq_init() - set up an empty queue
 * @q: the queue
 * @rec_size: bytes of a record, which begins with struct dmem_evq_header
 * @max: records the queue holds before it drops new ones
 *
 * Return: 0; -ENOMEM. The ring is charged to the caller's memory cgroup:
 * userspace creates queues by opening files.
 */
int dmem_evq_init(struct dmem_evq *q, size_t rec_size, unsigned int max)
{
	if (WARN_ON(rec_size < sizeof(struct dmem_evq_header) || !max))
		return -EINVAL;
	q->ring = kvcalloc(max, rec_size, GFP_KERNEL_ACCOUNT);
	if (!q->ring)
		return -ENOMEM;
	spin_lock_init(&q->lock);
	init_waitqueue_head(&q->wq);
	q->rec_size = rec_size;
	q->max = max;
	q->head = 0;
	q->count = 0;
	q->seq = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(dmem_evq_init);

/**
 * dmem_evq_fini() - free a queue's records
 * @q: the queue, which nobody reads or posts to any more
 */
void dmem_evq_fini(struct dmem_evq *q)
{
	kvfree(q->ring);
	q->ring = NULL;
}
EXPORT_SYMBOL_GPL(dmem_evq_fini);

static void *dmem_evq_slot(struct dmem_evq *q, unsigned int i)
{
	return q->ring + (size_t)(i % q->max) * q->rec_size;
}

/**
 * dmem_evq_post() - queue a record
 * @q: the queue
 * @rec: @q->rec_size bytes; its header is filled in here
 *
 * Context: any process context; takes the queue's spinlock.
 */
void dmem_evq_post(struct dmem_evq *q, const void *rec)
{
	struct dmem_evq_header *hdr;
	void *slot;

	spin_lock(&q->lock);
	q->seq++;
	if (q->count < q->max) {
		slot = dmem_evq_slot(q, q->head + q->count);
		memcpy(slot, rec, q->rec_size);
		hdr = slot;
		hdr->seq = q->seq;
		hdr->time_ns = ktime_get_ns();
		q->count++;
	}
	spin_unlock(&q->lock);
	wake_up_interruptible_poll(&q->wq, EPOLLIN | EPOLLRDNORM);
}
EXPORT_SYMBOL_GPL(dmem_evq_post);

/* Take the oldest record off the queue into @rec; false if empty. */
static bool dmem_evq_pop(struct dmem_evq *q, void *rec)
{
	bool found = false;

	spin_lock(&q->lock);
	if (q->count) {
		memcpy(rec, dmem_evq_slot(q, q->head), q->rec_size);
		q->head = (q->head + 1) % q->max;
		q->count--;
		found = true;
	}
	spin_unlock(&q->lock);
	return found;
}

static bool dmem_evq_pending(struct dmem_evq *q)
{
	bool pending;

	spin_lock(&q->lock);
	pending = q->count != 0;
	spin_unlock(&q->lock);
	return pending;
}

/**
 * dmem_evq_read() - read() of the queue's file: whole records only
 * @q: the queue
 * @ubuf: user buffer
 * @len: its length
 * @nonblock: O_NONBLOCK
 *
 * Return: bytes read; -EINVAL if @len cannot hold a record; -EAGAIN;
 * -ERESTARTSYS; -ENOMEM; -EFAULT (the record is lost, as a read that
 * faults consumes it).
 */
ssize_t dmem_evq_read(struct dmem_evq *q, char __user *ubuf, size_t len,
		      bool nonblock)
{
	size_t done = 0;
	bool fault = false;
	void *rec;
	int ret;

	if (len < q->rec_size)
		return -EINVAL;

	while (!dmem_evq_pending(q)) {
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(q->wq, dmem_evq_pending(q));
		if (ret)
			return ret;
	}

	rec = kmalloc(q->rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	while (len - done >= q->rec_size && dmem_evq_pop(q, rec)) {
		if (copy_to_user(ubuf + done, rec, q->rec_size)) {
			fault = true;
			break;
		}
		done += q->rec_size;
	}
	kfree(rec);
	return fault && !done ? -EFAULT : done;
}
EXPORT_SYMBOL_GPL(dmem_evq_read);

/**
 * dmem_evq_poll() - poll() of the queue's file
 * @q: the queue
 * @filp: the file
 * @wait: the poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM while records are queued.
 */
__poll_t dmem_evq_poll(struct dmem_evq *q, struct file *filp,
		       struct poll_table_struct *wait)
{
	poll_wait(filp, &q->wq, wait);
	return dmem_evq_pending(q) ? EPOLLIN | EPOLLRDNORM : 0;
}
EXPORT_SYMBOL_GPL(dmem_evq_poll);
