// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemgpu - a GPU client for the demo: allocates buffer objects in the
 * VRAM of QEMU's qxl GPU (DRM_IOCTL_QXL_ALLOC, which TTM places in the
 * VRAM heap, the dmem region drm/<pci>/vram0) and holds them, so that the
 * region's charges, limits and evictions can be watched from a shell.
 *
 *   dmemgpu [-d CARD] MIB COUNT [UNTIL]
 *
 * Allocates COUNT buffer objects of MIB MiB each, one at a time, stopping
 * at the first failure, and prints how many it got. Then it keeps them
 * until the file UNTIL exists (without UNTIL: until stdin ends) and exits,
 * which closes the device and frees them. Exit status: 0 if every
 * allocation succeeded, 1 if one failed, 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm/qxl_drm.h>

#include "args.h"

#define MiB	(1024L * 1024)

static const char synopsis[] = "dmemgpu [-d CARD] MIB COUNT [UNTIL]";

static int bad_usage(void)
{
	fprintf(stderr, "usage: %s\n", synopsis);
	return 2;
}

/* Allocates up to @count buffer objects; how many, and errno at a failure. */
static long alloc_bos(int fd, long mib, long count, int *err)
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
	}
	return done;
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
	const char *card = "/dev/dri/card0";
	long mib, count, done;
	int opt, fd, err;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			return bad_usage();
		card = optarg;
	}
	if (argc - optind < 2 || argc - optind > 3 ||
	    !parse_long(argv[optind], 1, 1024, &mib) ||
	    !parse_long(argv[optind + 1], 1, 4096, &count))
		return bad_usage();
	fd = open(card, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "dmemgpu: %s: %s\n", card, strerror(errno));
		return 1;
	}
	done = alloc_bos(fd, mib, count, &err);
	if (err)
		printf("dmemgpu %d: %ld of %ld x %ldM allocated, then %s\n",
		       (int)getpid(), done, count, mib, strerror(err));
	else
		printf("dmemgpu %d: %ld x %ldM allocated\n", (int)getpid(),
		       done, mib);
	fflush(stdout);
	hold(argc - optind == 3 ? argv[optind + 2] : NULL);
	close(fd);
	return err ? 1 : 0;
}
