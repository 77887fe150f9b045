// SPDX-License-Identifier: GPL-2.0-only
/* Fault injection aimed with fail-nth; see faultinj.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultinj.h"

#define DBG	"/sys/kernel/debug"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int knob_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

long long knob_read(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n <= 0 ? -EIO : atoll(buf);
}

/*
 * Per knob, its value for FAULTS_DEFAULT, FAULTS_ALL and FAULTS_CHARGE.
 * fail-nth counts only the fault points that would be considered: failslab
 * and fail_page_alloc skip GFP_KERNEL allocations unless ignore-gfp-wait
 * is N, failslab with cache-filter on skips every cache not marked for it
 * (none is), and fail_page_alloc skips orders below min-order (11: all).
 */
static const char *const knobs[][4] = {
	{ DBG "/failslab/ignore-gfp-wait", "Y", "N", "Y" },
	{ DBG "/failslab/cache-filter", "N", "N", "Y" },
	{ DBG "/failslab/verbose", "2", "0", "0" },
	{ DBG "/fail_page_alloc/ignore-gfp-wait", "Y", "N", "Y" },
	{ DBG "/fail_page_alloc/min-order", "1", "0", "11" },
	{ DBG "/fail_page_alloc/verbose", "2", "0", "0" },
	{ DBG "/fail_dmem_charge/verbose", "2", "0", "0" },
};

int faults_scope(enum fault_scope scope)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ret = knob_write(knobs[i][0], knobs[i][1 + scope]);
		if (ret)
			return ret;
	}
	return 0;
}

/* A knob file's text, without its newline: 0 or -errno. */
static int knob_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

const char *faults_scope_mismatch(enum fault_scope scope)
{
	unsigned int i;
	char buf[32];

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (knob_text(knobs[i][0], buf, sizeof(buf)) ||
		    strcmp(buf, knobs[i][1 + scope]))
			return knobs[i][0];
	return NULL;
}

int nth_open(void)
{
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int nth_arm(int nth, unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	return pwrite(nth, b, len, 0) == len ? 0 : -errno;
}

int nth_disarm(int nth)
{
	char b[16] = "";
	ssize_t n = pread(nth, b, sizeof(b) - 1, 0);

	if (n <= 0)
		return -EIO;
	if (pwrite(nth, "0", 1, 0) != 1)
		return -errno;
	return atoi(b) == 0;
}
