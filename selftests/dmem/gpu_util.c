// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulated GPU's clients; see gpu_util.h. A client serves one command
 * at a time from its socket: a request, then one reply.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/qxl_drm.h>

#include "dmem_util.h"
#include "faultinj.h"
#include "gpu_util.h"
#include "sim_util.h"

enum gpu_op { GPU_ALLOC, GPU_ALLOC_NTH, GPU_CLOSE, GPU_EXPORT, GPU_VERIFY };

struct gpu_req {
	int op;
	unsigned int size;
	int count;
	unsigned int nth;	/* GPU_ALLOC_NTH: the fault point to fail */
	unsigned int seed;	/* GPU_EXPORT, GPU_VERIFY: the pattern */
	unsigned int handle;	/* GPU_VERIFY: the buffer object */
};

struct gpu_reply {
	int done;
	int err;
	int fired;		/* GPU_ALLOC_NTH: nth_disarm()'s answer */
	unsigned int handle;	/* GPU_EXPORT: the new buffer object */
};

/*
 * Maps buffer object @handle of @size bytes through the card (qxl's MAP
 * ioctl, then mmap); the mapping or MAP_FAILED with errno set.
 */
static void *gpu_bo_mmap(int fd, unsigned int handle, unsigned int size)
{
	struct drm_qxl_map map = { .handle = handle };

	if (ioctl(fd, DRM_IOCTL_QXL_MAP, &map))
		return MAP_FAILED;
	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    map.offset);
}

/*
 * Writes the pattern of @seed over buffer object @handle, or compares it
 * (@verify): 0, EILSEQ if a byte differs, or the errno of the allocation
 * or the mapping.
 */
static int gpu_bo_pattern(int fd, unsigned int handle, unsigned int size,
			  unsigned int seed, int verify)
{
	unsigned char *want = malloc(size), *p = MAP_FAILED;
	int err = 0;

	if (want)
		p = gpu_bo_mmap(fd, handle, size);
	if (p == MAP_FAILED) {
		err = errno;
	} else {
		sim_pattern(want, seed, 0, size);
		if (!verify)
			memcpy(p, want, size);
		else if (memcmp(p, want, size))
			err = EILSEQ;
		munmap(p, size);
	}
	free(want);
	return err;
}

/*
 * One buffer object of @req->size, filled with the pattern of @req->seed
 * and exported by PRIME: its dma-buf fd goes back with the reply.
 */
static int gpu_export(int fd, const struct gpu_req *req,
		      struct gpu_reply *rep)
{
	struct drm_qxl_alloc alloc = { .size = req->size };
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };

	if (fd < 0) {
		rep->err = EBADF;
		return -1;
	}
	if (ioctl(fd, DRM_IOCTL_QXL_ALLOC, &alloc)) {
		rep->err = errno;
		return -1;
	}
	rep->handle = alloc.handle;
	rep->err = gpu_bo_pattern(fd, alloc.handle, req->size, req->seed, 0);
	if (rep->err)
		return -1;
	prime.handle = alloc.handle;
	if (ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime)) {
		rep->err = errno;
		return -1;
	}
	rep->done = 1;
	return prime.fd;
}

/* Sends @rep, with file descriptor @fd attached unless it is negative. */
static int gpu_reply_send(int sock, const struct gpu_reply *rep, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)rep, .iov_len = sizeof(*rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == sizeof(*rep) ? 0 : -1;
}

/* One allocation with fail-nth armed at @req->nth in this thread. */
static void gpu_alloc_nth(int fd, const struct gpu_req *req,
			  struct gpu_reply *rep)
{
	struct drm_qxl_alloc alloc = { .size = req->size };
	int nth = nth_open();

	if (nth < 0 || nth_arm(nth, req->nth)) {
		rep->err = nth < 0 ? -nth : errno;
		rep->fired = -1;
	} else {
		if (fd < 0 || ioctl(fd, DRM_IOCTL_QXL_ALLOC, &alloc))
			rep->err = fd < 0 ? EBADF : errno;
		else
			rep->done = 1;
		rep->fired = nth_disarm(nth);
	}
	if (nth >= 0)
		close(nth);
}

int gpu_region(char *name, size_t len, long long *capacity)
{
	char buf[4096], *line, *save, *sp;
	int found = 0;

	if (cg_read("", "dmem.capacity", buf, sizeof(buf)) < 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp || strncmp(line, "drm/", 4) ||
		    sp - line < 10 || strncmp(sp - 6, "/vram0", 6))
			continue;
		*sp = '\0';
		snprintf(name, len, "%s", line);
		*capacity = strtoll(sp + 1, NULL, 10);
		found++;
	}
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}

int gpu_alloc(int fd, unsigned int size)
{
	struct drm_qxl_alloc alloc = { .size = size };

	if (fd < 0)
		return -EBADF;
	return ioctl(fd, DRM_IOCTL_QXL_ALLOC, &alloc) ? -errno : (int)alloc.handle;
}

int gpu_card_fd(pid_t pid)
{
	char dir[64], path[320], target[64];
	int fd = -ENOENT, n = 0;
	struct dirent *de;
	ssize_t len;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, GPU_CARD)) {
			fd = atoi(de->d_name);
			n++;
		}
	}
	closedir(d);
	return n > 1 ? -EEXIST : fd;
}

static void gpu_serve(int sock, int fd)
{
	struct gpu_reply rep;
	struct gpu_req req;
	int out_fd, ret;

	while (read(sock, &req, sizeof(req)) == sizeof(req)) {
		memset(&rep, 0, sizeof(rep));
		out_fd = -1;
		if (req.op == GPU_EXPORT)
			out_fd = gpu_export(fd, &req, &rep);
		if (req.op == GPU_VERIFY)
			rep.err = fd < 0 ? EBADF :
				  gpu_bo_pattern(fd, req.handle, req.size,
						 req.seed, 1);
		if (req.op == GPU_ALLOC_NTH)
			gpu_alloc_nth(fd, &req, &rep);
		if (req.op == GPU_CLOSE) {
			if (fd >= 0 && close(fd))
				rep.err = errno;
			fd = -1;
		}
		while (req.op == GPU_ALLOC && rep.done < req.count) {
			ret = gpu_alloc(fd, req.size);
			if (ret < 0) {
				rep.err = -ret;
				break;
			}
			rep.done++;
		}
		if (gpu_reply_send(sock, &rep, out_fd))
			break;
		if (out_fd >= 0)
			close(out_fd);
	}
}

int gpu_client_start(struct gpu_client *c, const char *cg)
{
	int sv[2], fd, err;

	c->pid = -1;
	c->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (!c->pid) {
		/* No other client's socket: their ends must see EOF. */
		close_range(3, sv[1] - 1, 0);
		close_range(sv[1] + 1, ~0U, 0);
		err = cg_enter(cg);
		fd = err ? -1 : open(GPU_CARD, O_RDWR | O_CLOEXEC);
		err = err ? err : fd < 0 ? -errno : 0;
		if (write(sv[1], &err, sizeof(err)) == sizeof(err) && !err)
			gpu_serve(sv[1], fd);
		_exit(0);
	}
	close(sv[1]);
	c->sock = sv[0];
	if (read(c->sock, &err, sizeof(err)) != sizeof(err))
		err = -EPIPE;
	if (err)
		gpu_client_stop(c);
	return err;
}

static int gpu_call(struct gpu_client *c, const struct gpu_req *req,
		    struct gpu_reply *rep)
{
	if (c->sock < 0 || write(c->sock, req, sizeof(*req)) != sizeof(*req) ||
	    read(c->sock, rep, sizeof(*rep)) != sizeof(*rep))
		return -1;
	return 0;
}

int gpu_client_alloc(struct gpu_client *c, unsigned int size, int count,
		     int *err)
{
	struct gpu_req req = { .op = GPU_ALLOC, .size = size, .count = count };
	struct gpu_reply rep;

	if (gpu_call(c, &req, &rep)) {
		*err = -1;
		return 0;
	}
	*err = rep.err;
	return rep.done;
}

int gpu_client_alloc_nth(struct gpu_client *c, unsigned int size,
			 unsigned int nth, int *fired)
{
	struct gpu_req req = { .op = GPU_ALLOC_NTH, .size = size, .nth = nth };
	struct gpu_reply rep;

	if (gpu_call(c, &req, &rep))
		return -EPIPE;
	*fired = rep.fired;
	return rep.done ? 0 : -rep.err;
}

int gpu_client_export(struct gpu_client *c, unsigned int size,
		      unsigned int seed, unsigned int *handle)
{
	struct gpu_req req = { .op = GPU_EXPORT, .size = size, .seed = seed };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct gpu_reply rep;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd = -1;

	if (c->sock < 0 || write(c->sock, &req, sizeof(req)) != sizeof(req) ||
	    recvmsg(c->sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(rep))
		return -EPIPE;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	if (!rep.done) {
		if (fd >= 0)
			close(fd);
		return rep.err ? -rep.err : -EPROTO;
	}
	*handle = rep.handle;
	return fd >= 0 ? fd : -EPROTO;
}

int gpu_client_verify(struct gpu_client *c, unsigned int handle,
		      unsigned int size, unsigned int seed)
{
	struct gpu_req req = {
		.op = GPU_VERIFY, .size = size, .seed = seed, .handle = handle,
	};
	struct gpu_reply rep;

	if (gpu_call(c, &req, &rep))
		return -EPIPE;
	return -rep.err;
}

int gpu_client_close(struct gpu_client *c)
{
	struct gpu_req req = { .op = GPU_CLOSE };
	struct gpu_reply rep;

	if (gpu_call(c, &req, &rep))
		return -EPIPE;
	return -rep.err;
}

int gpu_client_stop(struct gpu_client *c)
{
	int status;

	if (c->pid <= 0)
		return 0;
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -1;
	c->pid = -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

long long gpu_ttm_mm_key(const char *region, const char *key)
{
	char path[256], line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	/* "drm/<pci>/vram0" */
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%.*s/qxl_mem_mm",
		 (int)(strlen(region) - 10), region + 4);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, "  ", 2) && !strncmp(line + 2, key, klen) &&
		    line[2 + klen] == ':')
			v = strtoll(line + 3 + klen, NULL, 10);
	fclose(f);
	return v;
}

long long gpu_wait_value(const char *cg, const char *file, const char *region,
			 long long want, int ms)
{
	long long v = cg_region_value(cg, file, region);

	for (; v != want && ms > 0; ms -= 10) {
		usleep(10000);
		v = cg_region_value(cg, file, region);
	}
	return v;
}
