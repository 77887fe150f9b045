// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: the event queue of a file, read through read() and poll().
 *
 * Events come from the eviction manager's callbacks, dma-buf's move_notify
 * and delayed work, all in process context, with no lock of the queue's
 * file held; the queue has its own spinlock. A full queue drops the new
 * record but still counts its sequence number, so readers see the gap.
 */

#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "sim.h"

void sim_events_init(struct sim_events *ev)
{
	spin_lock_init(&ev->lock);
	init_waitqueue_head(&ev->wq);
	ev->head = 0;
	ev->count = 0;
	ev->seq = 0;
}

/**
 * sim_event_post() - queue an event record for a file
 * @file: the file
 * @type: DMEM_SIM_EVENT_*
 * @handle: the buffer's handle, or 0
 * @importer: the importer's id, or 0
 * @size: bytes of the buffer, or 0
 * @region: the region's name
 *
 * Context: process context; takes the queue's spinlock.
 */
void sim_event_post(struct sim_file *file, u32 type, u32 handle, u32 importer,
		    u64 size, const char *region)
{
	struct sim_events *ev = &file->events;
	struct dmem_sim_event *rec;

	spin_lock(&ev->lock);
	ev->seq++;
	if (ev->count < SIM_EVENTS_MAX) {
		rec = &ev->ring[(ev->head + ev->count) % SIM_EVENTS_MAX];
		memset(rec, 0, sizeof(*rec));
		rec->seq = ev->seq;
		rec->time_ns = ktime_get_ns();
		rec->type = type;
		rec->handle = handle;
		rec->importer = importer;
		rec->size = size;
		strscpy(rec->region, region, sizeof(rec->region));
		ev->count++;
	}
	spin_unlock(&ev->lock);
	wake_up_interruptible_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
}

/* Take the oldest record off the queue; false if empty. */
static bool sim_events_pop(struct sim_events *ev, struct dmem_sim_event *rec)
{
	bool found = false;

	spin_lock(&ev->lock);
	if (ev->count) {
		*rec = ev->ring[ev->head];
		ev->head = (ev->head + 1) % SIM_EVENTS_MAX;
		ev->count--;
		found = true;
	}
	spin_unlock(&ev->lock);
	return found;
}

static bool sim_events_pending(struct sim_events *ev)
{
	bool pending;

	spin_lock(&ev->lock);
	pending = ev->count != 0;
	spin_unlock(&ev->lock);
	return pending;
}

/**
 * sim_events_read() - read() of a file: whole records only
 * @ev: the queue
 * @ubuf: user buffer
 * @len: its length
 * @nonblock: O_NONBLOCK
 *
 * Return: bytes read; -EINVAL if @len cannot hold a record; -EAGAIN;
 * -ERESTARTSYS; -EFAULT (the record is lost, as a read that faults
 * consumes it).
 */
ssize_t sim_events_read(struct sim_events *ev, char __user *ubuf, size_t len,
			bool nonblock)
{
	struct dmem_sim_event rec;
	size_t done = 0;
	int ret;

	if (len < sizeof(rec))
		return -EINVAL;

	while (!sim_events_pending(ev)) {
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(ev->wq, sim_events_pending(ev));
		if (ret)
			return ret;
	}

	while (len - done >= sizeof(rec) && sim_events_pop(ev, &rec)) {
		if (copy_to_user(ubuf + done, &rec, sizeof(rec)))
			return done ? done : -EFAULT;
		done += sizeof(rec);
	}
	return done;
}

/**
 * sim_events_poll() - poll() of a file
 * @ev: the queue
 * @filp: the file
 * @wait: the poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM while records are queued.
 */
__poll_t sim_events_poll(struct sim_events *ev, struct file *filp,
			 struct poll_table_struct *wait)
{
	poll_wait(filp, &ev->wq, wait);
	return sim_events_pending(ev) ? EPOLLIN | EPOLLRDNORM : 0;
}
