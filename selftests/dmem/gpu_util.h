/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated GPU (QEMU's qxl) for the test_gpu_* programs: its dmem
 * region, and client processes, each in a cgroup of its own, that
 * allocate VRAM buffer objects through raw DRM ioctls on command. They run
 * only in the GPU boot of make check (run-tests.sh --gpu).
 */
#ifndef DMEM_GPU_UTIL_H
#define DMEM_GPU_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#define GPU_CARD	"/dev/dri/card0"

/*
 * The qxl VRAM region's name ("drm/<pci-name>/vram0") and capacity, from
 * the root's dmem.capacity: 0, or -ENOENT if no such line (no GPU, or its
 * driver registered no region), -EEXIST if more than one.
 */
int gpu_region(char *name, size_t len, long long *capacity);

/*
 * One buffer object of @size bytes with DRM_IOCTL_QXL_ALLOC on @fd, a file
 * of GPU_CARD of this process: its handle, or -errno.
 */
int gpu_alloc(int fd, unsigned int size);

/* The one fd of process @pid open on GPU_CARD, -ENOENT or -EEXIST. */
int gpu_card_fd(pid_t pid);

/* A client: a process holding one open file of GPU_CARD. */
struct gpu_client {
	pid_t pid;
	int sock;	/* the test's end of the command socket; -1 once stopped */
};

/*
 * Forks a client into cgroup @cg, which opens GPU_CARD there: 0, or
 * -errno (the open's error, or the fork's).
 */
int gpu_client_start(struct gpu_client *c, const char *cg);

/*
 * Has the client allocate @count buffer objects of @size bytes each with
 * DRM_IOCTL_QXL_ALLOC (qxl rounds each up to whole pages), stopping at
 * the first failure. Returns how many it allocated; *@err is 0, or the
 * errno of the failure (or -1 if the client did not answer).
 */
int gpu_client_alloc(struct gpu_client *c, unsigned int size, int count,
		     int *err);

/*
 * Has the client allocate one buffer object of @size bytes with its
 * fail-nth armed at @nth (lib/faultinj.h): 0 or the ioctl's -errno
 * (-EPIPE if the client did not answer); *@fired is 1 if the @nth fault
 * point was reached and failed, 0 if not, or -1 if fail-nth failed.
 */
int gpu_client_alloc_nth(struct gpu_client *c, unsigned int size,
			 unsigned int nth, int *fired);

/*
 * Has the client allocate one buffer object of @size bytes, write the
 * pattern of @seed (sim_pattern()) over it through a mapping of the card,
 * and export it by PRIME (DRM_IOCTL_PRIME_HANDLE_TO_FD). Returns the
 * dma-buf's file descriptor, passed back over the socket, with *@handle
 * the buffer object's handle in the client's file; or -errno.
 */
int gpu_client_export(struct gpu_client *c, unsigned int size,
		      unsigned int seed, unsigned int *handle);

/*
 * Has the client read buffer object @handle of @size bytes back through a
 * mapping of the card: 0 if it holds the pattern of @seed, -EILSEQ if
 * not, or -errno.
 */
int gpu_client_verify(struct gpu_client *c, unsigned int handle,
		      unsigned int size, unsigned int seed);

/* Has the client close its file, the process staying alive; 0 or -errno. */
int gpu_client_close(struct gpu_client *c);

/* Ends the client (closing its file if open) and reaps it; 0 or -1. */
int gpu_client_stop(struct gpu_client *c);

/*
 * A key of TTM's own view of the VRAM manager of @region, qxl's debugfs
 * file qxl_mem_mm ("  size: <pages>", "  usage: <bytes>"); -1 if absent.
 */
long long gpu_ttm_mm_key(const char *region, const char *key);

/*
 * Waits up to @ms for the value of @region in @cg's @file to equal @want
 * (a freed buffer object may be released by TTM's delayed destroy);
 * returns the last value read.
 */
long long gpu_wait_value(const char *cg, const char *file, const char *region,
			 long long want, int ms);

#endif
