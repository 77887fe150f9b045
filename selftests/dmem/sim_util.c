// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the /dev/dmem_sim selftests; see sim_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "dmem_util.h"
#include "nic_util.h"
#include "sim_util.h"

int sim_open(void)
{
	int fd = open(SIM_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sim_open_in(const char *cg)
{
	int fd, err;

	err = cg_enter(cg);
	if (err)
		return err;
	fd = sim_open();
	err = cg_enter("");
	if (err && fd >= 0) {
		close(fd);
		fd = err;
	}
	return fd;
}

int sim_region_remove(const char *name)
{
	int fd = sim_open(), err;

	if (fd < 0)
		return fd;
	err = sim_region_destroy(fd, name);
	close(fd);
	return err;
}

void sim_unique_name(char *name, const char *tag)
{
	snprintf(name, DMEM_SIM_NAME_LEN, "t%d_%s", getpid(), tag);
}

void sim_cg_name(char *out, const char *name)
{
	snprintf(out, DMEM_SIM_NAME_LEN + 4, "sim/%s", name);
}

/* A name into a fixed-size, NUL-padded uapi field. */
static void sim_set_name(char *dst, const char *src)
{
	memset(dst, 0, DMEM_SIM_NAME_LEN);
	snprintf(dst, DMEM_SIM_NAME_LEN, "%s", src);
}

static int sim_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int sim_region_create(int fd, const char *name, __u64 size)
{
	struct dmem_sim_region_create a = { .size = size };

	sim_set_name(a.name, name);
	return sim_ioctl(fd, DMEM_SIM_IOC_REGION_CREATE, &a);
}

int sim_region_destroy(int fd, const char *name)
{
	struct dmem_sim_region_name a = { 0 };

	sim_set_name(a.name, name);
	return sim_ioctl(fd, DMEM_SIM_IOC_REGION_DESTROY, &a);
}

int sim_region_info(int fd, const char *name, struct dmem_sim_region_info *info)
{
	memset(info, 0, sizeof(*info));
	sim_set_name(info->name, name);
	return sim_ioctl(fd, DMEM_SIM_IOC_REGION_INFO, info);
}

int sim_alloc(int fd, const char *region, __u64 size, __u32 flags,
	      __u32 *handle)
{
	struct dmem_sim_alloc a = { .size = size, .flags = flags };
	int ret;

	sim_set_name(a.region, region);
	ret = sim_ioctl(fd, DMEM_SIM_IOC_ALLOC, &a);
	if (!ret && handle)
		*handle = a.handle;
	return ret;
}

int sim_op(int fd, unsigned long req, __u32 handle)
{
	struct dmem_sim_buf_op a = { .handle = handle };

	return sim_ioctl(fd, req, &a);
}

int sim_info(int fd, __u32 handle, struct dmem_sim_buf_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return sim_ioctl(fd, DMEM_SIM_IOC_INFO, info);
}

int sim_state(int fd, __u32 handle)
{
	struct dmem_sim_buf_info info;
	int ret = sim_info(fd, handle, &info);

	return ret ? ret : (int)info.state;
}

int sim_owner(int fd, struct dmem_sim_owner_info *info)
{
	memset(info, 0, sizeof(*info));
	return sim_ioctl(fd, DMEM_SIM_IOC_OWNER_INFO, info);
}

/*
 * Byte i of the pattern of @seed is seed * 131 + i * 7 + i / 4096 (mod 256).
 * Within a page that is j * 7 plus a constant, j the offset in the page;
 * 7 being odd, it is a window of one ramp m * 7 starting where m * 7 is the
 * constant: m = constant * 183, as 7 * 183 = 1 (mod 256). So the bytes are
 * copied and compared a page at a time, not computed one by one (which
 * is slow under an emulator).
 */
static unsigned char sim_ramp[4096 + 256];

static const unsigned char *sim_pattern_at(unsigned int seed, __u64 pos)
{
	unsigned int m;

	if (!sim_ramp[1])
		for (m = 0; m < sizeof(sim_ramp); m++)
			sim_ramp[m] = m * 7;
	m = ((seed * 131 + (unsigned int)(pos >> 12)) * 183) & 255;
	return sim_ramp + m + (pos & 4095);
}

/* Writes (or with @cmp compares: 1 if different) @n bytes from @pos. */
static int sim_pattern_span(unsigned char *data, unsigned int seed, __u64 pos,
			    __u64 n, int cmp)
{
	while (n) {
		__u64 k = 4096 - (pos & 4095);

		if (k > n)
			k = n;
		if (!cmp)
			memcpy(data, sim_pattern_at(seed, pos), k);
		else if (memcmp(data, sim_pattern_at(seed, pos), k))
			return 1;
		data += k;
		pos += k;
		n -= k;
	}
	return 0;
}

void sim_pattern(void *data, unsigned int seed, __u64 pos, __u64 n)
{
	sim_pattern_span(data, seed, pos, n, 0);
}

int sim_pattern_differs(const void *data, unsigned int seed, __u64 pos,
			__u64 n)
{
	return sim_pattern_span((unsigned char *)data, seed, pos, n, 1);
}

static int sim_rw_pattern(int fd, __u32 handle, __u64 size,
			  unsigned int seed, unsigned long verify)
{
	__u64 off, chunk = 1 << 20;
	unsigned char *data = malloc(chunk);
	int ret = 0;

	if (!data)
		return -ENOMEM;
	for (off = 0; off < size && !ret; off += chunk) {
		__u64 n = size - off < chunk ? size - off : chunk;
		struct dmem_sim_rw rw = {
			.handle = handle, .offset = off, .len = n,
			.ptr = (uintptr_t)data,
		};

		if (!verify) {
			sim_pattern_span(data, seed, off, n, 0);
			ret = sim_ioctl(fd, DMEM_SIM_IOC_WRITE, &rw);
			continue;
		}
		ret = sim_ioctl(fd, verify, &rw);
		if (!ret)
			ret = sim_pattern_span(data, seed, off, n, 1);
	}
	free(data);
	return ret;
}

int sim_fill(int fd, __u32 handle, __u64 size, unsigned int seed)
{
	return sim_rw_pattern(fd, handle, size, seed, 0);
}

int sim_verify(int fd, __u32 handle, __u64 size, unsigned int seed)
{
	return sim_rw_pattern(fd, handle, size, seed, DMEM_SIM_IOC_READ);
}

int sim_export(int fd, __u32 handle)
{
	struct dmem_sim_export a = { .handle = handle };
	int ret = sim_ioctl(fd, DMEM_SIM_IOC_EXPORT, &a);

	return ret ? ret : a.fd;
}

int event_record(int fd, void *rec, size_t size, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = poll(&pfd, 1, ms);

	if (r <= 0)
		return r < 0 ? -errno : 0;
	if (read(fd, rec, size) != (ssize_t)size)
		return -errno;
	return 1;
}

int event_records(int fd, void *recs, size_t size, int max)
{
	int n = 0;

	while (n < max && event_record(fd, (char *)recs + n * size, size, 0) == 1)
		n++;
	return n;
}

int sim_event(int fd, struct dmem_sim_event *ev, int ms)
{
	return event_record(fd, ev, sizeof(*ev), ms);
}

int sim_events(int fd, struct dmem_sim_event *evs, int max)
{
	return event_records(fd, evs, sizeof(*evs), max);
}

int sim_policy(const char *name, const char *policy)
{
	char line[128];

	snprintf(line, sizeof(line), "sim/%s %s", name, policy);
	return cg_write("", "dmem.policy", line);
}

long long sim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int sim_pair_setup(struct sim_pair *p, const char *prefix, const char *subtree,
		   const char *tag, __u64 size)
{
	static const char *const tree[] = { "a", "b", NULL };
	int err;

	p->fa = -1;
	p->fb = -1;
	p->na = -1;
	p->nb = -1;
	err = cg_setup_tree(p->top, sizeof(p->top), prefix, tree);
	if (!err && subtree)
		err = cg_write(p->top, "cgroup.subtree_control", subtree);
	if (err)
		return err;
	snprintf(p->a, sizeof(p->a), "%s/a", p->top);
	snprintf(p->b, sizeof(p->b), "%s/b", p->top);
	sim_unique_name(p->name, tag);
	sim_cg_name(p->cg, p->name);
	/* Each owner is charged to the cgroup it opened the device in. */
	p->fa = sim_open_in(p->a);
	if (p->fa < 0)
		return p->fa;
	p->fb = sim_open_in(p->b);
	if (p->fb < 0)
		return p->fb;
	p->na = nic_open();
	if (p->na < 0)
		return p->na;
	p->nb = nic_open();
	if (p->nb < 0)
		return p->nb;
	return sim_region_create(p->fa, p->name, size);
}

void sim_pair_teardown(struct sim_pair *p)
{
	if (p->fa >= 0)
		close(p->fa);
	if (p->fb >= 0)
		close(p->fb);
	if (p->na >= 0)
		close(p->na);
	if (p->nb >= 0)
		close(p->nb);
	sim_region_remove(p->name);
	cg_cleanup_tree(p->top);
}
