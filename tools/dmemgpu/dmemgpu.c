// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemgpu - a GPU client for the demo: allocates buffer objects in the
 * VRAM of QEMU's qxl GPU (DRM_IOCTL_QXL_ALLOC, which TTM places in the
 * VRAM heap, the dmem region drm/<pci>/vram0) and holds them, so that the
 * region's charges, limits and evictions can be watched from a shell.
 *
 *   dmemgpu [-d CARD] [-e CMD [-w READY -a MORE]] MIB COUNT [UNTIL]
 *
 * Allocates COUNT buffer objects of MIB MiB each, one at a time, stopping
 * at the first failure, and prints how many it got. With -e, it exports
 * the first one by PRIME (DRM_IOCTL_PRIME_HANDLE_TO_FD) and runs the shell
 * command CMD with that dma-buf as its file descriptor 3, e.g. an importer
 * (dmemsim's "dmabuf BUF 3"); with -w and -a, once the file READY exists
 * (CMD made it), it allocates one more buffer object of MORE MiB, as the
 * same owner, and prints the result. Then it keeps them until the file
 * UNTIL exists (without UNTIL: until stdin ends), waits for CMD, and
 * exits, which closes the device and frees them. Exit status: 0 if every
 * allocation but the one of -a succeeded (and CMD exited 0), 1 if not, 2
 * for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/qxl_drm.h>

#include "args.h"

#define MiB	(1024L * 1024)

static const char synopsis[] =
	"dmemgpu [-d CARD] [-e CMD [-w READY -a MORE]] MIB COUNT [UNTIL]";

static int bad_usage(void)
{
	fprintf(stderr, "usage: %s\n", synopsis);
	return 2;
}

/*
 * Allocates up to @count buffer objects; how many, and errno at a failure.
 * *@first is the handle of the first one.
 */
static long alloc_bos(int fd, long mib, long count, int *err,
		      unsigned int *first)
{
	struct drm_qxl_alloc alloc;
	long done;

	*err = 0;
	for (done = 0; done < count; done++) {
		memset(&alloc, 0, sizeof(alloc));
		alloc.size = mib * MiB;
		if (ioctl(fd, DRM_IOCTL_QXL_ALLOC, &alloc)) {
			*err = errno;
			break;
		}
		if (!done)
			*first = alloc.handle;
	}
	return done;
}

/*
 * Exports buffer object @handle by PRIME and runs @cmd with the dma-buf
 * as descriptor 3: the child's pid, or -1 (with a message).
 */
static pid_t run_with_dmabuf(int fd, unsigned int handle, const char *cmd)
{
	struct drm_prime_handle prime = {
		.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR,
	};
	pid_t pid;

	if (ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime)) {
		fprintf(stderr, "dmemgpu: PRIME export: %s\n", strerror(errno));
		return -1;
	}
	printf("dmemgpu %d: buffer object %u exported by PRIME\n",
	       (int)getpid(), handle);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		/* dup2() clears close-on-exec; the card stays closed. */
		if (dup2(prime.fd, 3) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(prime.fd);
	if (pid < 0)
		fprintf(stderr, "dmemgpu: fork: %s\n", strerror(errno));
	return pid;
}

/* -a: one more buffer object of @mib MiB once @ready exists. */
static void alloc_more(int fd, long mib, const char *ready)
{
	unsigned int handle;
	int err;

	while (access(ready, F_OK))
		usleep(50000);
	if (alloc_bos(fd, mib, 1, &err, &handle))
		printf("dmemgpu %d: 1 more x %ldM allocated\n", (int)getpid(),
		       mib);
	else
		printf("dmemgpu %d: 1 more x %ldM: %s\n", (int)getpid(), mib,
		       strerror(err));
	fflush(stdout);
}

static void hold(const char *until)
{
	char c;

	if (!until) {
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
		return;
	}
	while (access(until, F_OK))
		usleep(50000);
}

int main(int argc, char **argv)
{
	const char *card = "/dev/dri/card0", *cmd = NULL, *ready = NULL;
	long mib, count, done, more = 0;
	int opt, fd, err, status = 0;
	unsigned int first = 0;
	pid_t child = 0;

	while ((opt = getopt(argc, argv, "d:e:w:a:")) != -1) {
		if (opt == 'd')
			card = optarg;
		else if (opt == 'e')
			cmd = optarg;
		else if (opt == 'w')
			ready = optarg;
		else if (opt != 'a' || !parse_long(optarg, 1, 1024, &more))
			return bad_usage();
	}
	if (!ready != !more || (ready && !cmd))
		return bad_usage();
	if (argc - optind < 2 || argc - optind > 3 ||
	    !parse_long(argv[optind], 1, 1024, &mib) ||
	    !parse_long(argv[optind + 1], 1, 4096, &count))
		return bad_usage();
	fd = open(card, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "dmemgpu: %s: %s\n", card, strerror(errno));
		return 1;
	}
	done = alloc_bos(fd, mib, count, &err, &first);
	if (err)
		printf("dmemgpu %d: %ld of %ld x %ldM allocated, then %s\n",
		       (int)getpid(), done, count, mib, strerror(err));
	else
		printf("dmemgpu %d: %ld x %ldM allocated\n", (int)getpid(),
		       done, mib);
	fflush(stdout);
	if (cmd && done)
		child = run_with_dmabuf(fd, first, cmd);
	if (child > 0 && more)
		alloc_more(fd, more, ready);
	hold(argc - optind == 3 ? argv[optind + 2] : NULL);
	if (child > 0 && waitpid(child, &status, 0) != child)
		status = -1;
	close(fd);
	return err || child < 0 || status ? 1 : 0;
}
