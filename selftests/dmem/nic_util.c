// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the /dev/dmem_nic selftests; see nic_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nic_util.h"
#include "sim_util.h"

int nic_open(void)
{
	int fd = open(NIC_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int nic_ioctl(int nfd, unsigned long req, void *arg)
{
	return ioctl(nfd, req, arg) ? -errno : 0;
}

int nic_import(int nfd, int dmabuf, __u32 mode, __u32 ack,
	       __u32 delay_ms, __u32 *id)
{
	struct dmem_nic_import a = {
		.fd = dmabuf, .mode = mode, .ack = ack, .delay_ms = delay_ms,
	};
	int ret = nic_ioctl(nfd, DMEM_NIC_IOC_IMPORT, &a);

	if (!ret && id)
		*id = a.id;
	return ret;
}

int nic_op(int nfd, unsigned long req, __u32 id)
{
	struct dmem_nic_importer_op a = { .id = id };

	return nic_ioctl(nfd, req, &a);
}

int nic_use(int nfd, __u32 id, struct dmem_nic_importer_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	return nic_ioctl(nfd, DMEM_NIC_IOC_IMPORTER_USE, info);
}

int nic_read(int nfd, __u32 id, __u64 offset, __u64 len, void *data)
{
	struct dmem_nic_read rd = {
		.id = id, .offset = offset, .len = len, .ptr = (uintptr_t)data,
	};

	return nic_ioctl(nfd, DMEM_NIC_IOC_IMPORTER_READ, &rd);
}

int nic_verify(int nfd, __u32 id, __u64 size, unsigned int seed)
{
	__u64 off, n, chunk = 1 << 20;
	unsigned char *data = malloc(chunk);
	int ret = data ? 0 : -ENOMEM;

	for (off = 0; off < size && !ret; off += n) {
		n = size - off < chunk ? size - off : chunk;
		ret = nic_read(nfd, id, off, n, data);
		if (!ret)
			ret = sim_pattern_differs(data, seed, off, n);
	}
	free(data);
	return ret;
}

int nic_event(int nfd, struct dmem_nic_event *ev, int ms)
{
	return event_record(nfd, ev, sizeof(*ev), ms);
}

int nic_events(int nfd, struct dmem_nic_event *evs, int max)
{
	return event_records(nfd, evs, sizeof(*evs), max);
}

int nic_count(int nfd, __u32 type, __u32 id)
{
	struct dmem_nic_event ev;
	int n = 0;

	while (nic_event(nfd, &ev, 0) == 1)
		if ((!type || ev.type == type) && (!id || ev.importer == id))
			n++;
	return n;
}
