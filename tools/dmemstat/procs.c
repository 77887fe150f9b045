// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemstat --processes: device memory per process, from the fdinfo of the
 * files each process holds (/proc/PID/fdinfo/FD) in the DRM usage-stats
 * key style (docs/admin-guide.md, "fdinfo"):
 *
 *   drm-driver: NAME              the device's driver; required
 *   drm-client-id: N              one client; counted once per process
 *                                 however many of its fds refer to it
 *   drm-total-REGION: SIZE        and drm-resident-, dmem-pinned-,
 *                                 dmem-evicted-, dmem-revoked-
 *
 * REGION may contain colons (drm/0000:00:02.0/vram0): a line splits at
 * its last colon. SIZE is a number with an optional unit, KiB, MiB or GiB.
 * A process whose fdinfo cannot be read (another user's, unless root) or
 * that exits meanwhile is passed over, as are fds without drm-driver.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmemstat.h"
#include "readfile.h"

const char *const proc_key[NR_PROC_VALS] = {
	[P_TOTAL]	= "drm-total-",
	[P_RESIDENT]	= "drm-resident-",
	[P_PINNED]	= "dmem-pinned-",
	[P_EVICTED]	= "dmem-evicted-",
	[P_REVOKED]	= "dmem-revoked-",
};

/* "12", "12 KiB", "3 MiB": bytes, or VAL_NONE. */
static long long parse_size(const char *s)
{
	static const char *const units[] = { "KiB", "MiB", "GiB" };
	unsigned long long v;
	char *end;
	int i;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return VAL_NONE;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > LLONG_MAX)
		return VAL_NONE;
	while (*end == ' ')
		end++;
	if (!*end)
		return v;
	for (i = 0; i < 3; i++) {
		if (strcmp(end, units[i]))
			continue;
		if (v > (unsigned long long)LLONG_MAX >> (10 * (i + 1)))
			return VAL_NONE;
		return v << (10 * (i + 1));
	}
	return VAL_NONE;
}

/* The row of (@pr, @device, @region), made if new. */
static struct proc_row *proc_row_get(struct proc_snapshot *ps,
				     const struct proc_row *pr,
				     const char *device, const char *region)
{
	struct proc_row *r;
	size_t i;
	int k;

	for (i = 0; i < ps->nr; i++) {
		r = &ps->rows[i];
		if (r->pid == pr->pid && !strcmp(r->device, device) &&
		    !strcmp(r->region, region))
			return r;
	}
	ps->rows = xrealloc(ps->rows, ps->nr + 1, sizeof(*r));
	r = &ps->rows[ps->nr++];
	*r = *pr;
	r->cgroup = xstrdup(pr->cgroup);
	r->device = xstrdup(device);
	r->region = xstrdup(region);
	for (k = 0; k < NR_PROC_VALS; k++)
		r->v[k] = VAL_NONE;
	return r;
}

/* Adds the region keys of one fdinfo @text of driver @device. */
static void add_fdinfo(struct proc_snapshot *ps, const struct proc_row *pr,
		       const char *device, char *text)
{
	char *line, *save, *colon;
	struct proc_row *r;
	long long v;
	size_t len;
	int k;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* The last colon: a PCI GPU's region name has colons. */
		colon = strrchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (k = 0; k < NR_PROC_VALS; k++) {
			len = strlen(proc_key[k]);
			if (strncmp(line, proc_key[k], len) || !line[len])
				continue;
			v = parse_size(colon + 1);
			if (v == VAL_NONE)
				break;
			r = proc_row_get(ps, pr, device, line + len);
			r->v[k] = (r->v[k] == VAL_NONE ? 0 : r->v[k]) + v;
			break;
		}
	}
}

/* The value of key @key in fdinfo @text, copied to @out; false if none. */
static bool fdinfo_value(const char *text, const char *key, char *out,
			 size_t len)
{
	size_t klen = strlen(key);
	const char *p = text, *v, *e;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':')
			continue;
		v = p + klen + 1;
		v += strspn(v, " \t");
		e = v + strcspn(v, "\n");
		if ((size_t)(e - v) >= len)
			return false;
		memcpy(out, v, e - v);
		out[e - v] = '\0';
		return true;
	}
	return false;
}

/* Clients seen in one process: "driver client-id" strings. */
struct seen {
	char **ids;
	size_t nr;
};

static bool seen_add(struct seen *s, const char *device, const char *id)
{
	char buf[256];
	size_t i;

	snprintf(buf, sizeof(buf), "%s %s", device, id);
	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->ids[i], buf))
			return false;
	s->ids = xrealloc(s->ids, s->nr + 1, sizeof(*s->ids));
	s->ids[s->nr++] = xstrdup(buf);
	return true;
}

static void seen_free(struct seen *s)
{
	while (s->nr)
		free(s->ids[--s->nr]);
	free(s->ids);
}

/*
 * Reads every fdinfo of the process @pr.pid; 0, or -1 if it may not be
 * read (a process that exited meanwhile is not counted).
 */
static int read_fds(struct proc_snapshot *ps, const struct proc_row *pr,
		    int piddir)
{
	char device[64], id[64], *text;
	struct seen seen = { 0 };
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(piddir, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return errno == EACCES || errno == EPERM ? -1 : 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		text = read_file_at(fd, de->d_name, NULL);
		if (!text)
			continue;
		if (fdinfo_value(text, "drm-driver", device, sizeof(device)) &&
		    (!fdinfo_value(text, "drm-client-id", id, sizeof(id)) ||
		     seen_add(&seen, device, id)))
			add_fdinfo(ps, pr, device, text);
		free(text);
	}
	closedir(d);
	seen_free(&seen);
	return 0;
}

/* The cgroup v2 path of /proc/PID/cgroup ("0::/a/b"), or NULL. */
static char *proc_cgroup(int piddir)
{
	char *text = read_file_at(piddir, "cgroup", NULL), *p, *e, *ret = NULL;

	for (p = text; p && *p; p = e + 1) {
		e = strchrnul(p, '\n');
		if (!strncmp(p, "0::", 3)) {
			*e = '\0';
			ret = xstrdup(p + 3);
			break;
		}
		if (!*e)
			break;
	}
	free(text);
	return ret;
}

/* Whether cgroup @path is in the subtree @sub ("" for all, "a/b"). */
static bool in_subtree(const char *path, const char *sub)
{
	size_t len = strlen(sub);

	if (!len)
		return true;
	return path[0] == '/' && !strncmp(path + 1, sub, len) &&
	       (!path[len + 1] || path[len + 1] == '/');
}

static void read_process(struct proc_snapshot *ps, const struct options *o,
			 int procfd, const char *name)
{
	struct proc_row pr = { 0 };
	char *comm, *nl;
	int piddir;

	piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return;
	pr.pid = atoi(name);
	pr.cgroup = proc_cgroup(piddir);
	if (!pr.cgroup || !in_subtree(pr.cgroup, o->cgroup))
		goto out;
	comm = read_file_at(piddir, "comm", NULL);
	if (comm) {
		nl = strchr(comm, '\n');
		if (nl)
			*nl = '\0';
		snprintf(pr.comm, sizeof(pr.comm), "%s", comm);
		free(comm);
	}
	if (read_fds(ps, &pr, piddir))
		ps->unreadable++;
out:
	free(pr.cgroup);
	close(piddir);
}

int procs_read(struct proc_snapshot *ps, const struct options *o)
{
	struct dirent *de;
	DIR *d;

	memset(ps, 0, sizeof(*ps));
	d = opendir(o->proc);
	if (!d) {
		fprintf(stderr, "dmemstat: cannot open %s: %s\n", o->proc,
			strerror(errno));
		return EXIT_IO;
	}
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			read_process(ps, o, dirfd(d), de->d_name);
	closedir(d);
	return EXIT_OK;
}

void procs_free(struct proc_snapshot *ps)
{
	size_t i;

	for (i = 0; i < ps->nr; i++) {
		free(ps->rows[i].cgroup);
		free(ps->rows[i].device);
		free(ps->rows[i].region);
	}
	free(ps->rows);
	memset(ps, 0, sizeof(*ps));
}
