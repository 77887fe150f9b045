// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem-bench-bw: eviction and restore bandwidth of the simulated device,
 * for `make bench` (issue 17, item 4); its baseline, the kernel's memcpy()
 * of the same size, is the bench command "memcpy" (kernel/evict/
 * bench_copy.c) that tools/bench/guest.sh runs right after. Runs as root
 * in the VM:
 *
 *   dmem-bench-bw CGROUP SIZE ITERS
 *
 * Moves itself into CGROUP (a cgroup2 directory with dmem enabled), opens
 * /dev/dmem_sim (its owner is charged there), creates a region "bw" of
 * SIZE bytes and fills it with one buffer of SIZE. Then ITERS times:
 *
 *   evict:   write "sim/bw 0" to CGROUP/dmem.max: the reclaim callback
 *            evicts the buffer (the driver's evict op copies its bytes to
 *            new system pages);
 *   restore: write "sim/bw max", then DMEM_SIM_IOC_TOUCH: the buffer is
 *            charged and the restore op copies it back to new device
 *            pages.
 *
 * Each operation is timed alone (CLOCK_MONOTONIC); the ioctl and write
 * paths are part of evict and restore, the lifting of the limit is not.
 * Prints one line per operation kind: "bw op=OP size=SIZE ops=N ns=T".
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/dmem_sim.h>

#define BW_REGION	"bw"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int write_file(const char *dir, const char *file, const char *text)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "dmem-bench-bw: %s: %s\n", what, strerror(err));
	return 1;
}

/* The timed loop; @dev holds buffer @handle, resident, in @cg. */
static int bw_loop(const char *cg, int dev, __u32 handle, unsigned int iters,
		   uint64_t ns[2])
{
	struct dmem_sim_buf_op op = { .handle = handle };
	unsigned int i;
	uint64_t t0;
	int ret = 0;

	for (i = 0; i < iters && !ret; i++) {
		t0 = now_ns();
		ret = write_file(cg, "dmem.max", "sim/" BW_REGION " 0");
		ns[0] += now_ns() - t0;
		if (!ret)
			ret = write_file(cg, "dmem.max", "sim/" BW_REGION " max");
		t0 = now_ns();
		if (!ret && ioctl(dev, DMEM_SIM_IOC_TOUCH, &op))
			ret = -errno;
		ns[1] += now_ns() - t0;
	}
	return ret;
}

/* The buffer moved both ways each time: its evictions and restores. */
static int bw_check(int dev, __u32 handle, unsigned int iters)
{
	struct dmem_sim_buf_info info = { .handle = handle };

	if (ioctl(dev, DMEM_SIM_IOC_INFO, &info))
		return -errno;
	if (info.evictions != iters || info.restores != iters + 1 ||
	    info.state != DMEM_SIM_STATE_RESIDENT)
		return -EIO;
	return 0;
}

int main(int argc, char **argv)
{
	struct dmem_sim_region_create rc = { .name = BW_REGION };
	struct dmem_sim_region_name rn = { .name = BW_REGION };
	struct dmem_sim_alloc alloc = { .region = BW_REGION };
	uint64_t ns[2] = { 0 };
	unsigned int iters;
	char pid[32];
	size_t size;
	int dev, ret;

	if (argc != 4) {
		fprintf(stderr, "usage: dmem-bench-bw CGROUP SIZE ITERS\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 0);
	iters = strtoul(argv[3], NULL, 0);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ret = write_file(argv[1], "cgroup.procs", pid);
	if (ret)
		return die(argv[1], -ret);
	dev = open("/dev/dmem_sim", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return die("/dev/dmem_sim", errno);
	rc.size = size;
	if (ioctl(dev, DMEM_SIM_IOC_REGION_CREATE, &rc))
		return die("REGION_CREATE", errno);
	alloc.size = size;
	if (ioctl(dev, DMEM_SIM_IOC_ALLOC, &alloc))
		ret = -errno;
	if (!ret)
		ret = bw_loop(argv[1], dev, alloc.handle, iters, ns);
	if (!ret)
		ret = bw_check(dev, alloc.handle, iters);
	if (!ret) {
		printf("bw op=evict size=%zu ops=%u ns=%llu\n", size, iters,
		       (unsigned long long)ns[0]);
		printf("bw op=restore size=%zu ops=%u ns=%llu\n", size, iters,
		       (unsigned long long)ns[1]);
	}
	ioctl(dev, DMEM_SIM_IOC_REGION_DESTROY, &rn);
	close(dev);
	return ret ? die("bench", -ret) : 0;
}
