// SPDX-License-Identifier: GPL-2.0-only
/*
 * A worker of the stress test: random operations on up to ST_OWNERS open
 * files of /dev/dmem_sim (each one owner, bound to one region, charged to
 * the cgroup the worker was in when it opened it), on the dma-bufs of its
 * and other workers' buffers (passed over unix sockets), and on its own
 * cgroup membership. Every buffer holds a data pattern, verified at random
 * and at every check. Every result is compared with what the ABI allows
 * for the operation: anything else counts as an error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dmem_util.h"
#include "fdpass.h"
#include "stress.h"

struct w_buf {
	__u32 handle;		/* 0: empty slot */
	__u64 size;
	unsigned int seed;	/* of its data pattern */
	unsigned int pins;	/* owner pins held, at most (revokes drop them) */
	__u64 revokes;		/* revokes known when @pins was last right */
	int xbuf;		/* export entry of its dma-buf, or -1 */
};

struct w_owner {
	int fd;			/* -1: closed */
	int nfd;		/* its NIC file, for its importers */
	__u64 nseq;		/* of its NIC file's last event */
	int region;
	int node;
	int gen;
	struct w_buf bufs[ST_BUFS];
};

struct w_imp {
	__u32 id;		/* 0: none */
	int owner;		/* index of the file it was created in */
	__u32 mode;
	__u32 ack;
	int pending;		/* manual: a revoke notification to acknowledge */
};

/* A dma-buf the worker holds: its fd and/or importers of it. */
struct w_hold {
	int xbuf;		/* -1: empty slot */
	int fd;			/* -1 once closed */
	struct w_imp imp[ST_IMPS];
};

struct worker {
	const struct st_config *cfg;
	struct st_shared *sh;
	struct st_counts *cnt;
	int idx;
	unsigned int rnd;
	unsigned int seeds;
	int node;		/* the cgroup it is in, and its generation */
	int gen;
	int logged;
	struct w_owner own[ST_OWNERS];
	struct w_hold hold[ST_HOLDS];
};

/*
 * Results the ABI allows for an operation, besides success. Blocking ones
 * may return EINTR: a timer interrupts them every ST_TICK_MS.
 */
enum { A_NOMEM = 1, A_BUSY = 2, A_AGAIN = 4, A_NODEV = 8, A_INTR = 16 };
#define A_PRESSURE	(A_NOMEM | A_BUSY | A_INTR)
#define ST_TICK_MS	50
/* How long a fully acknowledged revoke may take to end (w_info_settled()). */
#define REVOKE_FINISH_MS	5000

static unsigned int w_rand(struct worker *w, unsigned int n)
{
	return st_rand(&w->rnd) % n;
}

static void w_log(struct worker *w, long long *counter, const char *fmt, ...)
{
	va_list ap;

	(*counter)++;
	if (w->logged++ >= 20)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "# worker %d: ", w->idx);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Counts an operation; an errno it may not return is an error. */
static int w_result(struct worker *w, const char *op, int ret, int allowed)
{
	w->cnt->ops++;
	if (ret >= 0)
		return ret;
	if (ret == -ENOMEM && (allowed & A_NOMEM)) {
		w->cnt->enomem++;
		return ret;
	}
	if (ret == -EBUSY && (allowed & A_BUSY)) {
		w->cnt->ebusy++;
		return ret;
	}
	if (ret == -EINTR && (allowed & A_INTR)) {
		w->cnt->eintr++;
		return ret;
	}
	if ((ret == -EAGAIN && (allowed & A_AGAIN)) ||
	    (ret == -ENODEV && (allowed & A_NODEV)))
		return ret;
	w_log(w, &w->cnt->errors, "%s: unexpected %s", op, strerror(-ret));
	return ret;
}

/* The export table, under st_shared::lock. */

static void x_free_locked(struct worker *w, int x)
{
	memset(&w->sh->xbufs[x], 0, sizeof(w->sh->xbufs[x]));
}

static int x_new(struct worker *w)
{
	int x, ret = -1;

	pthread_mutex_lock(&w->sh->lock);
	for (x = 0; x < ST_XBUFS && ret < 0; x++) {
		if (w->sh->xbufs[x].used)
			continue;
		w->sh->xbufs[x].used = 1;
		w->sh->xbufs[x].exporter = w->idx;
		w->sh->xbufs[x].refs = 1;
		ret = x;
	}
	pthread_mutex_unlock(&w->sh->lock);
	return ret;
}

/* Nobody holds @x or is letting it go: its dma-buf is gone. */
static int x_gone_locked(struct worker *w, int x)
{
	return !w->sh->xbufs[x].refs && !w->sh->xbufs[x].dropping;
}

/*
 * A holding (or message) of @x is about to drop its last reference to the
 * dma-buf: x_begin_drop() before the close or detach, x_end_drop() after.
 */
static void x_begin_drop(struct worker *w, int x, enum st_drop_site site)
{
	pthread_mutex_lock(&w->sh->lock);
	w->sh->xbufs[x].last_dropper = w->idx;
	w->sh->xbufs[x].last_drop_site = site;
	w->sh->xbufs[x].last_drop_ms = sim_now_ms();
	w->sh->xbufs[x].refs--;
	w->sh->xbufs[x].dropping++;
	pthread_mutex_unlock(&w->sh->lock);
}

static void x_end_drop(struct worker *w, int x)
{
	pthread_mutex_lock(&w->sh->lock);
	w->sh->xbufs[x].dropping--;
	if (w->sh->xbufs[x].orphan && x_gone_locked(w, x))
		x_free_locked(w, x);
	pthread_mutex_unlock(&w->sh->lock);
}

/* The exporter's handle of @x is gone. */
static void x_orphan(struct worker *w, int x)
{
	pthread_mutex_lock(&w->sh->lock);
	w->sh->xbufs[x].orphan = 1;
	if (x_gone_locked(w, x))
		x_free_locked(w, x);
	pthread_mutex_unlock(&w->sh->lock);
}

static int x_is_orphan(struct worker *w, int x)
{
	int ret;

	pthread_mutex_lock(&w->sh->lock);
	ret = w->sh->xbufs[x].orphan;
	pthread_mutex_unlock(&w->sh->lock);
	return ret;
}

/* Holdings. */

static struct w_hold *h_new(struct worker *w, int x, int fd)
{
	int i;

	for (i = 0; i < ST_HOLDS; i++) {
		if (w->hold[i].xbuf >= 0)
			continue;
		memset(&w->hold[i], 0, sizeof(w->hold[i]));
		w->hold[i].xbuf = x;
		w->hold[i].fd = fd;
		return &w->hold[i];
	}
	return NULL;
}

/* Importers of the holding, @except not counted. */
static int h_imps(const struct w_hold *h, const struct w_imp *except)
{
	int i, n = 0;

	for (i = 0; i < ST_IMPS; i++)
		n += h->imp[i].id && &h->imp[i] != except;
	return n;
}

static void h_close_fd(struct worker *w, struct w_hold *h)
{
	int last = !h_imps(h, NULL), x = h->xbuf;

	if (h->fd < 0)
		return;
	if (last)
		x_begin_drop(w, x, DROP_CLOSE_FD);
	w_result(w, "close dma-buf", close(h->fd) ? -errno : 0, 0);
	h->fd = -1;
	if (last) {
		x_end_drop(w, x);
		h->xbuf = -1;
	}
}

static void h_detach(struct worker *w, struct w_hold *h, struct w_imp *imp)
{
	int last = h->fd < 0 && !h_imps(h, imp), x = h->xbuf;
	int fd = w->own[imp->owner].nfd;

	if (last)
		x_begin_drop(w, x, DROP_DETACH);
	w_result(w, "IMPORTER_DETACH",
		 nic_op(fd, DMEM_NIC_IOC_IMPORTER_DETACH, imp->id), 0);
	imp->id = 0;
	if (last) {
		x_end_drop(w, x);
		h->xbuf = -1;
	}
}

static void h_drop(struct worker *w, struct w_hold *h)
{
	int i;

	for (i = 0; i < ST_IMPS; i++)
		if (h->imp[i].id)
			h_detach(w, h, &h->imp[i]);
	if (h->xbuf >= 0)
		h_close_fd(w, h);
}

/* A dma-buf fd nobody will hold. */
static void x_close(struct worker *w, int x, int fd)
{
	x_begin_drop(w, x, DROP_UNHELD);
	close(fd);
	x_end_drop(w, x);
}

/* dma-bufs between workers: an export entry and the fd, SCM_RIGHTS. */

static void x_add_ref(struct worker *w, int x, int n)
{
	pthread_mutex_lock(&w->sh->lock);
	w->sh->xbufs[x].refs += n;
	pthread_mutex_unlock(&w->sh->lock);
}

/*
 * Pass the dma-buf of @x, whose fd @fd this worker holds, to worker @to,
 * and close @fd. The message is a reference from before it is sent, and
 * the fd one until its close returns: the receiver may get the message
 * and close its copy before this worker closes its own (seen, under load:
 * then only the sender's close freed the dma-buf). Returns 0, or the error
 * of the send, with @fd still held.
 */
static int x_send(struct worker *w, int to, int x, int fd)
{
	int ret;

	x_add_ref(w, x, 1);
	ret = fd_send(w->cfg->sock[to][0], fd, &x, sizeof(x),
		      MSG_DONTWAIT | MSG_NOSIGNAL);
	if (ret) {
		x_add_ref(w, x, -1);
		return ret;
	}
	w->cnt->sent++;
	x_begin_drop(w, x, DROP_SENT);
	close(fd);
	x_end_drop(w, x);
	return 0;
}

static void w_recv(struct worker *w)
{
	struct w_hold *h;
	int x, fd;

	for (;;) {
		fd = fd_recv(w->cfg->sock[w->idx][1], &x, sizeof(x),
			     MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (fd == -EAGAIN)
			return;
		if (fd == -EBADMSG || (fd >= 0 && (x < 0 || x >= ST_XBUFS))) {
			w_log(w, &w->cnt->errors, "a message without its dma-buf");
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (fd < 0) {
			w_result(w, "recvmsg", fd, 0);
			return;
		}
		h = h_new(w, x, fd);
		if (!h)
			x_close(w, x, fd);
	}
}

/* Owners. */

static void w_open(struct worker *w, struct w_owner *o)
{
	int i;

	o->fd = w_result(w, "open", sim_open(), 0);
	if (o->fd < 0)
		return;
	o->nfd = w_result(w, "open NIC", nic_open(), 0);
	if (o->nfd < 0) {
		close(o->fd);
		o->fd = -1;
		return;
	}
	o->nseq = 0;
	o->region = w_rand(w, ST_REGIONS);
	o->node = w->node;
	o->gen = w->gen;
	memset(o->bufs, 0, sizeof(o->bufs));
	for (i = 0; i < ST_BUFS; i++)
		o->bufs[i].xbuf = -1;
}

/* Importers of a holding that are not in owner @n. */
static int h_imps_elsewhere(const struct w_hold *h, int n)
{
	int i, k = 0;

	for (i = 0; i < ST_IMPS; i++)
		k += h->imp[i].id && h->imp[i].owner != n;
	return k;
}

/* Closing the file drops every handle and the importers made in it. */
static void w_close(struct worker *w, struct w_owner *o)
{
	int i, j, n = o - w->own, last[ST_HOLDS];

	for (i = 0; i < ST_BUFS; i++)
		if (o->bufs[i].handle && o->bufs[i].xbuf >= 0)
			x_orphan(w, o->bufs[i].xbuf);
	/* Holdings left with nothing once its importers go. */
	for (i = 0; i < ST_HOLDS; i++) {
		last[i] = w->hold[i].xbuf >= 0 && w->hold[i].fd < 0 &&
			  !h_imps_elsewhere(&w->hold[i], n);
		if (last[i])
			x_begin_drop(w, w->hold[i].xbuf, DROP_OWNER_CLOSE);
	}
	w_result(w, "close", close(o->fd) ? -errno : 0, 0);
	w_result(w, "close NIC", close(o->nfd) ? -errno : 0, 0);
	o->fd = -1;
	o->nfd = -1;
	for (i = 0; i < ST_HOLDS; i++) {
		for (j = 0; j < ST_IMPS && w->hold[i].xbuf >= 0; j++)
			if (w->hold[i].imp[j].owner == n)
				w->hold[i].imp[j].id = 0;
		if (last[i]) {
			x_end_drop(w, w->hold[i].xbuf);
			w->hold[i].xbuf = -1;
		}
	}
}

/* Buffers. */

static void w_alloc(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	__u32 flags = w_rand(w, 4) ? 0 : DMEM_SIM_ALLOC_PINNED;
	__u64 size = (1 + w_rand(w, 4)) * (DMEM_SIM_PAGE_SIZE << w_rand(w, 8));
	int ret;

	ret = sim_alloc(o->fd, w->cfg->region[o->region], size, flags, &b->handle);
	if (w_result(w, flags ? "ALLOC pinned" : "ALLOC", ret, A_PRESSURE)) {
		b->handle = 0;
		return;
	}
	b->size = size;
	b->seed = (w->idx << 24) ^ ++w->seeds;
	b->pins = !!flags;
	b->revokes = 0;
	b->xbuf = -1;
	w_result(w, "WRITE", sim_fill(o->fd, b->handle, size, b->seed), 0);
}

static void w_free(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	if (b->xbuf >= 0)
		x_orphan(w, b->xbuf);
	w_result(w, "FREE", sim_op(o->fd, DMEM_SIM_IOC_FREE, b->handle), 0);
	memset(b, 0, sizeof(*b));
	b->xbuf = -1;
}

static void w_verify(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	int ret = sim_verify(o->fd, b->handle, b->size, b->seed);

	if (ret == 1)
		w_log(w, &w->cnt->mismatches, "buffer %u (%llu bytes): data lost",
		      b->handle, (unsigned long long)b->size);
	w_result(w, "READ", ret > 0 ? 0 : ret, 0);
}

static void w_rewrite(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	b->seed = (w->idx << 24) ^ ++w->seeds;
	w_result(w, "WRITE", sim_fill(o->fd, b->handle, b->size, b->seed), 0);
}

/*
 * A PIN that succeeded adds one pin. The revokes counted in INFO after it
 * say whether the older pins may be gone: a revoke takes every pin, and no
 * PIN succeeds while one runs, so a revoke that finished since @revokes
 * was read took every pin counted before; only the new one may have come
 * after it. (INFO before the PIN would miss a revoke that finished while
 * the PIN waited for it, and later blame it for this pin too.)
 */
static void w_pin(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	struct dmem_sim_buf_info info;
	int ret;

	ret = sim_op(o->fd, DMEM_SIM_IOC_PIN, b->handle);
	if (w_result(w, "PIN", ret, A_PRESSURE))
		return;
	if (!w_result(w, "INFO", sim_info(o->fd, b->handle, &info), 0) &&
	    info.revokes > b->revokes) {
		b->pins = 0;
		b->revokes = info.revokes;
	}
	b->pins++;
}

/*
 * UNPIN fails with EINVAL only if the owner holds no pin: none was taken,
 * or a revoke ended them all. That revoke may be finished (counted in
 * INFO's revokes), parked, or failed (its evict failed: the buffer stayed
 * resident, unpinned); the last two the owner is not told of, and INFO's
 * pins also counts pinned importers, so then EINVAL is only counted.
 */
static void w_unpin(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	struct dmem_sim_buf_info info;
	int ret = sim_op(o->fd, DMEM_SIM_IOC_UNPIN, b->handle);

	w->cnt->ops++;
	if (!ret) {
		if (!b->pins)
			w_log(w, &w->cnt->errors, "UNPIN of buffer %u without a pin succeeded",
			      b->handle);
		else
			b->pins--;
		return;
	}
	if (ret != -EINVAL) {
		w_result(w, "UNPIN", ret, 0);
		return;
	}
	if (w_result(w, "INFO", sim_info(o->fd, b->handle, &info), 0))
		return;
	if (b->pins && info.revokes == b->revokes)
		w->cnt->pins_ended++;
	b->pins = 0;
	b->revokes = info.revokes;
}

/* Keep a new dma-buf, import it at once, or pass it to another worker. */
static void w_place_dmabuf(struct worker *w, int x, int fd)
{
	struct w_hold *h;
	int to, ret;

	if (w->cfg->procs > 1 && w_rand(w, 3) == 0) {
		to = (w->idx + 1 + w_rand(w, w->cfg->procs - 1)) % w->cfg->procs;
		ret = x_send(w, to, x, fd);
		if (!ret)
			return;
		/* The receiver's queue is full: keep it. */
		w_result(w, "sendmsg", ret == -ENOBUFS ? -EAGAIN : ret, A_AGAIN);
	}
	h = h_new(w, x, fd);
	if (!h)
		x_close(w, x, fd);
}

/* The name a worker gives the dma-bufs of its buffers, for bufinfo. */
static void w_dmabuf_name(struct worker *w, struct w_buf *b, char *name,
			  size_t len)
{
	snprintf(name, len, "st-w%d-b%u-", w->idx, b->handle);
}

/* The kernel's view of @b's dma-buf: its line in debugfs bufinfo. */
static void w_print_bufinfo(struct worker *w, struct w_buf *b)
{
	char line[256], name[32];
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");

	if (!f) {
		fprintf(stderr, "# bufinfo: %s\n", strerror(errno));
		return;
	}
	w_dmabuf_name(w, b, name, sizeof(name));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			fprintf(stderr, "# bufinfo: %s", line);
	if (ferror(f))
		fprintf(stderr, "# bufinfo: read error %s\n", strerror(errno));
	fclose(f);
}

/*
 * What the model knew of @b's dma-buf when EXPORT said one exists, what
 * the kernel shows of it, and whether it goes away by itself (with the
 * timer blocked, so that nothing is interrupted); a dma-buf exported
 * meanwhile is closed at once.
 */
static void w_export_busy_state(struct worker *w, struct w_owner *o,
				struct w_buf *b, int x)
{
	struct st_xbuf e = { 0 };
	sigset_t alrm, old;
	long long t0 = sim_now_ms();
	int fd = -EBUSY, waited = 0;

	if (x >= 0) {
		pthread_mutex_lock(&w->sh->lock);
		e = w->sh->xbufs[x];
		pthread_mutex_unlock(&w->sh->lock);
	}
	fprintf(stderr, "# worker %d: EXPORT of buffer %u: EBUSY with entry %d ",
		w->idx, b->handle, x);
	fprintf(stderr, "(used %d exporter %d orphan %d refs %d dropping %d)\n",
		e.used, e.exporter, e.orphan, e.refs, e.dropping);
	fprintf(stderr, "# last drop by worker %d at site %d, %lld ms ago\n",
		e.last_dropper, e.last_drop_site, t0 - e.last_drop_ms);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	w_print_bufinfo(w, b);
	while (fd == -EBUSY && waited < 3000) {
		usleep(5000);
		waited = sim_now_ms() - t0;
		fd = sim_export(o->fd, b->handle);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	fprintf(stderr, "# EXPORT after %d ms: %s\n", waited,
		fd >= 0 ? "succeeded" : strerror(-fd));
	if (fd >= 0)
		close(fd);
}

/*
 * EXPORT fails with EBUSY exactly when a dma-buf of the buffer exists: it
 * must succeed if nobody held one before the call, and it must not succeed
 * while somebody still holds one afterwards.
 */
static void w_export(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	int busy = 0, held = 0, fd, x = b->xbuf;
	char name[32];

	if (x >= 0) {
		pthread_mutex_lock(&w->sh->lock);
		busy = !x_gone_locked(w, x);
		pthread_mutex_unlock(&w->sh->lock);
	}
	fd = sim_export(o->fd, b->handle);
	if (busy && fd == -EBUSY) {
		w_result(w, "EXPORT", fd, A_BUSY);
		return;
	}
	if (fd == -EBUSY)
		w_export_busy_state(w, o, b, x);
	if (w_result(w, "EXPORT", fd, 0) < 0)
		return;
	w_dmabuf_name(w, b, name, sizeof(name));
	ioctl(fd, DMA_BUF_SET_NAME, name);
	if (x >= 0) {
		/* The old entry is no longer this buffer's current one. */
		pthread_mutex_lock(&w->sh->lock);
		held = w->sh->xbufs[x].refs;
		w->sh->xbufs[x].orphan = 1;
		if (x_gone_locked(w, x))
			x_free_locked(w, x);
		pthread_mutex_unlock(&w->sh->lock);
		b->xbuf = -1;
	}
	if (held)
		w_log(w, &w->cnt->errors, "EXPORT of buffer %u: a second dma-buf", b->handle);
	x = x_new(w);
	if (x < 0) {
		close(fd);
		return;
	}
	b->xbuf = x;
	w_place_dmabuf(w, x, fd);
}

static void w_buf_op(struct worker *w, struct w_owner *o, struct w_buf *b)
{
	unsigned int r = w_rand(w, 100);

	if (!b->handle)
		w_alloc(w, o, b);
	else if (r < 10)
		w_free(w, o, b);
	else if (r < 22)
		w_pin(w, o, b);
	else if (r < 34)
		w_unpin(w, o, b);
	else if (r < 58)
		w_result(w, "TOUCH", sim_op(o->fd, DMEM_SIM_IOC_TOUCH, b->handle),
			 A_PRESSURE);
	else if (r < 72)
		w_verify(w, o, b);
	else if (r < 78)
		w_rewrite(w, o, b);
	else
		w_export(w, o, b);
}

/* Importers. */

static struct w_owner *w_any_owner(struct worker *w)
{
	struct w_owner *o = &w->own[w_rand(w, ST_OWNERS)];

	return o->fd >= 0 ? o : NULL;
}

static void w_import(struct worker *w, struct w_hold *h, struct w_imp *imp)
{
	struct w_owner *o = w_any_owner(w);
	__u32 ack = 0, delay = 0;
	__u32 mode = w_rand(w, 2) ? DMEM_NIC_IMPORT_DYNAMIC : DMEM_NIC_IMPORT_PINNED;
	int ret;

	if (!o || h->fd < 0)
		return;
	/* Delays beyond the revoke timeout park revokes. */
	if (mode == DMEM_NIC_IMPORT_PINNED) {
		ack = w_rand(w, 3);
		if (ack == DMEM_NIC_ACK_DELAYED)
			delay = 1 + w_rand(w, 1500);
	}
	ret = nic_import(o->nfd, h->fd, mode, ack, delay, &imp->id);
	if (w_result(w, mode ? "IMPORT dynamic" : "IMPORT pinned", ret,
		     A_PRESSURE | (mode ? A_AGAIN : 0))) {
		imp->id = 0;
		return;
	}
	w->cnt->imported++;
	imp->owner = o - w->own;
	imp->mode = mode;
	imp->ack = ack;
	imp->pending = 0;
}

static void w_use(struct worker *w, struct w_imp *imp)
{
	struct dmem_nic_importer_info ii;
	int pinned = imp->mode == DMEM_NIC_IMPORT_PINNED;
	int ret, revoked;

	ret = nic_use(w->own[imp->owner].nfd, imp->id, &ii);
	if (w_result(w, "IMPORTER_USE", ret,
		     pinned ? A_NODEV : A_PRESSURE | A_AGAIN) &&
	    ret != -ENODEV)
		return;
	revoked = ii.state == DMEM_NIC_IMPORTER_REVOKED;
	if (ii.mode != imp->mode ||
	    (pinned && (ret == -ENODEV) != revoked) ||
	    (pinned && ii.acks > ii.revoke_notifies))
		w_log(w, &w->cnt->mismatches, "importer %u: mode %u state %u ret %d acks %llu/%llu",
		      imp->id, ii.mode, ii.state, ret, (unsigned long long)ii.acks,
		      (unsigned long long)ii.revoke_notifies);
}

/*
 * ACK: 0 for a pinned importer, pending or not; EINVAL for a dynamic one;
 * EINTR when the timer interrupts its wait for the reservation lock, which
 * a revoke or a move of the buffer holds: then nothing was acknowledged.
 */
static int w_ack(struct worker *w, struct w_imp *imp)
{
	int ret = nic_op(w->own[imp->owner].nfd,
				  DMEM_NIC_IOC_IMPORTER_ACK, imp->id);

	if (imp->mode == DMEM_NIC_IMPORT_DYNAMIC && ret == -EINVAL)
		ret = 0;
	else if (imp->mode == DMEM_NIC_IMPORT_DYNAMIC && !ret)
		ret = -EPROTO;	/* must have failed */
	if (w_result(w, "IMPORTER_ACK", ret, A_INTR) == -EINTR)
		return ret;
	imp->pending = 0;
	return 0;
}

/* Every importer, or the pinned ones with a pending notification. */
static void w_ack_all(struct worker *w, int pending_only)
{
	struct w_imp *imp;
	int i, j, tries;

	for (i = 0; i < ST_HOLDS; i++) {
		for (j = 0; j < ST_IMPS && w->hold[i].xbuf >= 0; j++) {
			imp = &w->hold[i].imp[j];
			if (!imp->id || imp->mode != DMEM_NIC_IMPORT_PINNED ||
			    (!imp->pending && pending_only))
				continue;
			/* A drain must leave no notification unacknowledged. */
			for (tries = 0; w_ack(w, imp) == -EINTR && !pending_only &&
			     tries < 100; tries++)
				;
		}
	}
}

/* A manual importer of owner @n got a notification (0: maybe, lost). */
static void w_notified(struct worker *w, int n, __u32 id)
{
	struct w_imp *imp;
	int i, j;

	for (i = 0; i < ST_HOLDS; i++) {
		for (j = 0; j < ST_IMPS && w->hold[i].xbuf >= 0; j++) {
			imp = &w->hold[i].imp[j];
			if (imp->id && imp->owner == n && (!id || imp->id == id) &&
			    imp->ack == DMEM_NIC_ACK_MANUAL)
				imp->pending = 1;
		}
	}
}

/* Pass a dma-buf nobody here imports to another worker. */
static void w_pass_on(struct worker *w, struct w_hold *h)
{
	int i, to;

	if (h->fd < 0 || w->cfg->procs < 2)
		return;
	for (i = 0; i < ST_IMPS; i++)
		if (h->imp[i].id)
			return;
	to = (w->idx + 1 + w_rand(w, w->cfg->procs - 1)) % w->cfg->procs;
	if (x_send(w, to, h->xbuf, h->fd))
		return;
	h->fd = -1;
	h->xbuf = -1;
}

static void w_hold_op(struct worker *w, struct w_hold *h)
{
	struct w_imp *imp = &h->imp[w_rand(w, ST_IMPS)];
	unsigned int r = w_rand(w, 100);

	if (!imp->id) {
		if (r < 60)
			w_import(w, h, imp);
		else if (r < 75)
			h_close_fd(w, h);
		else if (r < 90)
			w_pass_on(w, h);
		return;
	}
	if (r < 55)
		w_use(w, imp);
	else if (r < 70)
		w_ack(w, imp);
	else if (r < 90)
		h_detach(w, h, imp);
	else
		h_close_fd(w, h);
}

/*
 * Events: count them, verify buffers that moved, and note the revoke
 * notifications of manual importers: they are acknowledged now or at the
 * next step, before anything that may block, so that no worker ever
 * waits for another one that waits for it.
 */
static void w_nic_events(struct worker *w, int i)
{
	struct w_owner *o = &w->own[i];
	struct dmem_nic_event evs[32];
	int n, k;

	n = nic_events(o->nfd, evs, 32);
	for (k = 0; k < n; k++) {
		/* Records lost to a full queue: acknowledge everything. */
		if (evs[k].seq != o->nseq + 1)
			w_notified(w, i, 0);
		o->nseq = evs[k].seq;
		if (evs[k].type == DMEM_NIC_EVENT_IMPORTER_REVOKED)
			w_notified(w, i, evs[k].importer);
	}
}

static void w_events(struct worker *w)
{
	struct dmem_sim_event evs[32];
	int i, n, k, j;

	for (i = 0; i < ST_OWNERS; i++) {
		struct w_owner *o = &w->own[i];

		if (o->fd < 0)
			continue;
		w_nic_events(w, i);
		n = sim_events(o->fd, evs, 32);
		for (k = 0; k < n; k++) {
			if (evs[k].type == DMEM_SIM_EVENT_BUF_REVOKED)
				w->cnt->revoked++;
			else if (evs[k].type == DMEM_SIM_EVENT_BUF_EVICTED)
				w->cnt->evicted++;
			else
				continue;
			/* Handles are reused: verify whatever has it now. */
			for (j = 0; j < ST_BUFS; j++)
				if (o->bufs[j].handle == evs[k].handle && !w_rand(w, 4))
					w_verify(w, o, &o->bufs[j]);
		}
	}
}

/*
 * Move to another leaf: a spare one time in three, and only while it
 * exists (st_shared::lock), so that the controller's rmdir knows whether
 * it must fail.
 */
static void w_migrate(struct worker *w)
{
	static const int leaves[] = { N_AX, N_AY, N_BZ, N_C };
	struct st_shared *sh = w->sh;
	int to = N_S0 + (int)w_rand(w, 3), ret;
	char path[128];

	if (w_rand(w, 3))
		to = leaves[w_rand(w, ARRAY_SIZE(leaves))];
	if (to == w->node)
		return;
	st_node_path(w->cfg, to, path, sizeof(path));
	pthread_mutex_lock(&sh->lock);
	if (!st_nodes[to].spare || sh->live[to]) {
		ret = w_result(w, "cgroup.procs", cg_enter(path), 0);
		if (!ret) {
			if (st_nodes[w->node].spare)
				sh->users[w->node]--;
			if (st_nodes[to].spare)
				sh->users[to]++;
			w->node = to;
			w->gen = sh->gen[to];
		}
	}
	pthread_mutex_unlock(&sh->lock);
}

static void w_step(struct worker *w)
{
	struct w_owner *o = &w->own[w_rand(w, ST_OWNERS)];
	unsigned int r = w_rand(w, 100);

	w_ack_all(w, 1);
	w_recv(w);
	w_events(w);
	if (w_rand(w, 2))
		w_ack_all(w, 1);
	if (r < 3)
		w_migrate(w);
	else if (o->fd < 0)
		w_open(w, o);
	else if (r < 4)
		w_close(w, o);
	else if (r < 60)
		w_buf_op(w, o, &o->bufs[w_rand(w, ST_BUFS)]);
	else if (w->hold[r % ST_HOLDS].xbuf >= 0)
		w_hold_op(w, &w->hold[r % ST_HOLDS]);
}

/* DRAIN: dma-bufs in flight, pending revokes, orphans. */
static void w_drain(struct worker *w)
{
	int i;

	w_recv(w);
	w_events(w);
	w_ack_all(w, 0);
	for (i = 0; i < ST_HOLDS; i++)
		if (w->hold[i].xbuf >= 0 && x_is_orphan(w, w->hold[i].xbuf))
			h_drop(w, &w->hold[i]);
}

/*
 * INFO of @b, once it is not REVOKING. A revoke whose last importer
 * acknowledged late (a parked one, acknowledged in DRAIN) ends in a work
 * item of the kernel, after the acknowledgment: it may still be running
 * when REPORT starts. Every importer has acknowledged by then, so the
 * revoke must end; one still REVOKING after REVOKE_FINISH_MS is reported.
 */
static int w_info_settled(struct worker *w, struct w_owner *o, struct w_buf *b,
			  struct dmem_sim_buf_info *info)
{
	long long end = sim_now_ms() + REVOKE_FINISH_MS;
	int ret = sim_info(o->fd, b->handle, info);

	if (ret || info->state != DMEM_SIM_STATE_REVOKING)
		return ret;
	w->cnt->finishing++;
	while (!ret && info->state == DMEM_SIM_STATE_REVOKING &&
	       sim_now_ms() < end) {
		usleep(2000);
		ret = sim_info(o->fd, b->handle, info);
	}
	return ret;
}

/* REPORT: every owner's buffers as INFO tells, checked against OWNER_INFO. */
static void w_report(struct worker *w)
{
	struct dmem_sim_owner_info oi;
	struct dmem_sim_buf_info info;
	int i, j;

	for (i = 0; i < ST_OWNERS; i++) {
		struct st_owner_rep *rep = &w->sh->rep[w->idx][i];
		struct w_owner *o = &w->own[i];

		memset(rep, 0, sizeof(*rep));
		if (o->fd < 0)
			continue;
		rep->live = 1;
		rep->node = o->node;
		rep->gen = o->gen;
		rep->region = o->region;
		for (j = 0; j < ST_BUFS; j++) {
			struct w_buf *b = &o->bufs[j];

			if (!b->handle)
				continue;
			if (w_result(w, "INFO", w_info_settled(w, o, b, &info), 0))
				continue;
			rep->bufs++;
			if (info.state == DMEM_SIM_STATE_RESIDENT) {
				rep->charged += info.size;
				if (info.pins)
					rep->pinned += info.size;
			} else if ((info.state != DMEM_SIM_STATE_EVICTED &&
				    info.state != DMEM_SIM_STATE_REVOKED) || info.pins) {
				w_log(w, &w->cnt->mismatches,
				      "buffer %u: state %u with %u pin(s) at a check",
				      b->handle, info.state, info.pins);
			}
			if (info.size != b->size)
				w_log(w, &w->cnt->mismatches, "buffer %u: size %llu, not %llu",
				      b->handle, (unsigned long long)info.size,
				      (unsigned long long)b->size);
			w_verify(w, o, b);
		}
		if (w_result(w, "OWNER_INFO", sim_owner(o->fd, &oi), 0))
			continue;
		if (oi.resident != rep->charged || oi.pinned != rep->pinned)
			w_log(w, &w->cnt->mismatches,
			      "owner %d: OWNER_INFO resident %llu pinned %llu, buffers %llu %llu",
			      i, (unsigned long long)oi.resident,
			      (unsigned long long)oi.pinned,
			      (unsigned long long)rep->charged,
			      (unsigned long long)rep->pinned);
	}
}

static void w_init(struct worker *w, const struct st_config *cfg, int idx)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->sh = cfg->sh;
	w->cnt = &cfg->sh->cnt[idx];
	w->idx = idx;
	w->rnd = cfg->seed * 2654435761u + idx + 1;
	for (i = 0; i < ST_OWNERS; i++) {
		w->own[i].fd = -1;
		w->own[i].nfd = -1;
	}
	for (i = 0; i < ST_HOLDS; i++)
		w->hold[i].xbuf = -1;
	/* Only its own end to receive on; every other worker's to send to. */
	for (i = 0; i < cfg->procs; i++)
		if (i != idx)
			close(cfg->sock[i][1]);
}

static void w_tick(int sig)
{
}

/* Interrupt blocking ioctls now and then (no SA_RESTART): EINTR paths. */
static int w_timer(void)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = ST_TICK_MS * 1000 },
		.it_value = { .tv_usec = ST_TICK_MS * 1000 },
	};
	struct sigaction sa = { .sa_handler = w_tick };

	if (sigaction(SIGALRM, &sa, NULL))
		return -errno;
	return setitimer(ITIMER_REAL, &it, NULL) ? -errno : 0;
}

int st_worker(const struct st_config *cfg, int idx)
{
	static const int homes[] = { N_AX, N_AY, N_BZ, N_C };
	struct worker w;
	char path[128];
	int phase;

	w_init(&w, cfg, idx);
	if (w_timer())
		return 1;
	w.node = homes[idx % 4];
	st_node_path(cfg, w.node, path, sizeof(path));
	if (cg_enter(path))
		return 1;
	for (;;) {
		phase = __atomic_load_n(&cfg->sh->phase, __ATOMIC_ACQUIRE);
		if (phase == PH_RUN) {
			w_step(&w);
			continue;
		}
		if (phase == PH_DRAIN)
			w_drain(&w);
		else if (phase == PH_REPORT)
			w_report(&w);
		else if (phase == PH_STOP)
			break;
		st_arrive(cfg);
		st_wait_phase_change(cfg, phase);
	}
	/* Exit with every file, buffer, dma-buf and importer still there. */
	return 0;
}
