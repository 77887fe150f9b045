// SPDX-License-Identifier: GPL-2.0-only
/* Reading the fdinfo of /dev/dmem_sim files; see fdinfo_util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdinfo_util.h"

int fdinfo_line(pid_t pid, int fd, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	char path[64], line[256];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, "%s", line + klen + 1 +
			 strspn(line + klen + 1, " \t"));
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* "5 MiB" -> bytes; -1 if malformed. */
static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0)
		return -1;
	if (!*end)
		return v;
	if (!strcmp(end, " KiB"))
		return v << 10;
	if (!strcmp(end, " MiB"))
		return v << 20;
	return -1;
}

static int fdinfo_size(pid_t pid, int fd, const char *what,
		       const char *region, long long *v)
{
	char key[128], val[64];
	int ret;

	*v = -1;
	snprintf(key, sizeof(key), "%s-%s", what, region);
	ret = fdinfo_line(pid, fd, key, val, sizeof(val));
	if (ret)
		return ret;
	*v = parse_size(val);
	return *v < 0 ? -EINVAL : 0;
}

int fdinfo_read(pid_t pid, int fd, const char *region, struct fdinfo_fig *f)
{
	char id[32];
	int ret;

	memset(f, 0, sizeof(*f));
	f->client_id = -1;
	ret = fdinfo_line(pid, fd, "drm-driver", f->driver, sizeof(f->driver));
	if (!ret && !fdinfo_line(pid, fd, "drm-client-id", id, sizeof(id)))
		f->client_id = atoll(id);
	ret = ret ?: fdinfo_size(pid, fd, "drm-total", region, &f->total);
	ret = ret ?: fdinfo_size(pid, fd, "drm-resident", region, &f->resident);
	ret = ret ?: fdinfo_size(pid, fd, "dmem-pinned", region, &f->pinned);
	ret = ret ?: fdinfo_size(pid, fd, "dmem-evicted", region, &f->evicted);
	ret = ret ?: fdinfo_size(pid, fd, "dmem-revoked", region, &f->revoked);
	return ret;
}

int fdinfo_scenario(struct sim_pair *o)
{
	__u32 x, p, q, y;
	int ret;

	ret = sim_alloc(o->fa, o->name, 2 * MiB, 0, &x);
	ret = ret ?: sim_alloc(o->fa, o->name, 2 * MiB, DMEM_SIM_ALLOC_PINNED,
			       &p);
	ret = ret ?: sim_alloc(o->fa, o->name, 1 * MiB, DMEM_SIM_ALLOC_PINNED,
			       &q);
	/* 3M free: B's 6M evicts x (2M), then revokes p, the older pin. */
	ret = ret ?: sim_alloc(o->fb, o->name, 6 * MiB, 0, &y);
	if (ret)
		return ret;
	if (sim_state(o->fa, x) != DMEM_SIM_STATE_EVICTED ||
	    sim_state(o->fa, p) != DMEM_SIM_STATE_REVOKED ||
	    sim_state(o->fa, q) != DMEM_SIM_STATE_RESIDENT)
		return -EPROTO;
	return 0;
}
