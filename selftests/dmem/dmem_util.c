// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the dmem selftests; see dmem_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dmem_util.h"

void cg_path(char *buf, size_t len, const char *cg, const char *file)
{
	snprintf(buf, len, "%s%s%s%s%s", CG_ROOT, *cg ? "/" : "", cg,
		 file ? "/" : "", file ? file : "");
}

int cg_create(const char *cg)
{
	char path[512];

	cg_path(path, sizeof(path), cg, NULL);
	return mkdir(path, 0755) ? -errno : 0;
}

int cg_destroy(const char *cg)
{
	char path[512];
	int i;

	cg_path(path, sizeof(path), cg, NULL);
	/* A task that just left may keep the cgroup busy for a moment. */
	for (i = 0; i < 100; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	return -errno;
}

int cg_write_flags(const char *cg, const char *file, const char *str, int flags)
{
	char path[512];
	ssize_t n;
	int fd, err = 0;

	cg_path(path, sizeof(path), cg, file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	n = write(fd, str, strlen(str));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(str))
		err = -EIO;
	close(fd);
	return err;
}

int cg_write(const char *cg, const char *file, const char *str)
{
	return cg_write_flags(cg, file, str, 0);
}

ssize_t cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[512];
	ssize_t n, total = 0;
	int fd;

	cg_path(path, sizeof(path), cg, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			total = -errno;
			break;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	if (total >= 0)
		buf[total] = '\0';
	return total;
}

/* The text after "<region> " on @region's line, up to the newline. */
static int region_line(const char *cg, const char *file, const char *region,
		       char *out, size_t len)
{
	char buf[8192], *line, *save;
	size_t rlen = strlen(region);

	if (cg_read(cg, file, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, region, rlen) || line[rlen] != ' ')
			continue;
		snprintf(out, len, "%s", line + rlen + 1);
		return 0;
	}
	return -1;
}

long long cg_region_value(const char *cg, const char *file, const char *region)
{
	char val[256], *end;
	long long v;

	if (region_line(cg, file, region, val, sizeof(val)))
		return -2;
	if (!strcmp(val, "max"))
		return DMEM_MAX;
	v = strtoll(val, &end, 10);
	return *end ? -2 : v;
}

long long cg_region_key(const char *cg, const char *file, const char *region,
			const char *key)
{
	char val[1024], *tok, *save, *end;
	size_t klen = strlen(key);
	long long v;

	if (region_line(cg, file, region, val, sizeof(val)))
		return -2;
	for (tok = strtok_r(val, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (strncmp(tok, key, klen) || tok[klen] != '=')
			continue;
		v = strtoll(tok + klen + 1, &end, 10);
		return *end ? -2 : v;
	}
	return -2;
}

int cg_enter(const char *cg)
{
	return cg_write(cg, "cgroup.procs", "0");
}

unsigned long long cg_id(const char *cg)
{
	char path[512];
	struct stat st;

	cg_path(path, sizeof(path), cg, NULL);
	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

int st_open(void)
{
	int fd = open(ST_DIR "/client", O_RDWR);

	return fd < 0 ? -errno : fd;
}

int st_cmd(int fd, const char *cmd, const char *region, unsigned long long bytes)
{
	char buf[128];
	int len;

	len = snprintf(buf, sizeof(buf), "%s %s %llu\n", cmd, region, bytes);
	if (write(fd, buf, len) != len)
		return -errno;
	return 0;
}

unsigned long long st_limit_cgroup_id(int fd)
{
	char buf[512], *p;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return ~0ULL;
	buf[n] = '\0';
	p = strstr(buf, "limit_cgroup_id=");
	return p ? strtoull(p + strlen("limit_cgroup_id="), NULL, 10) : ~0ULL;
}

long long keyed_value(char *buf, const char *key)
{
	size_t klen = strlen(key);
	char *line, *save;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return strtoll(line + klen + 1, NULL, 10);
	return -2;
}

long long cg_key(const char *cg, const char *file, const char *key)
{
	/* Room for memory.stat. */
	char buf[8192];

	if (cg_read(cg, file, buf, sizeof(buf)) < 0)
		return -2;
	return keyed_value(buf, key);
}

long long cg_number(const char *cg, const char *file)
{
	char buf[64];

	if (cg_read(cg, file, buf, sizeof(buf)) <= 0)
		return -2;
	return strtoll(buf, NULL, 10);
}

long long st_stat(const char *key)
{
	char buf[512];
	ssize_t n;
	int fd;

	fd = open(ST_DIR "/stats", O_RDONLY);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -2;
	buf[n] = '\0';
	return keyed_value(buf, key);
}

int st_vram1(const char *cmd)
{
	ssize_t n;
	int fd;

	fd = open(ST_DIR "/vram1", O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

long long st_wait_stat(const char *key, long long want, int ms)
{
	long long v = st_stat(key);

	while (v != want && ms > 0) {
		usleep(20000);
		ms -= 20;
		v = st_stat(key);
	}
	return v;
}

int cg_setup_tree(char *top, size_t len, const char *prefix,
		  const char *const *children)
{
	char name[256];
	int err, i;

	snprintf(top, len, "%s.%d", prefix, getpid());
	err = cg_create(top);
	if (err)
		return err;
	err = cg_write(top, "cgroup.subtree_control", "+dmem");
	for (i = 0; !err && children && children[i]; i++) {
		snprintf(name, sizeof(name), "%s/%s", top, children[i]);
		err = cg_create(name);
		/* A later child below this one makes it a parent. */
		if (!err && children[i + 1] &&
		    !strncmp(children[i + 1], children[i], strlen(children[i])) &&
		    children[i + 1][strlen(children[i])] == '/')
			err = cg_write(name, "cgroup.subtree_control", "+dmem");
	}
	return err;
}

void cg_visit_children(const char *cg, cg_child_fn fn, void *arg)
{
	char path[512], sub[512];
	struct dirent *de;
	DIR *dir;

	cg_path(path, sizeof(path), cg, NULL);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%.250s%s%.250s", cg, *cg ? "/" : "",
			 de->d_name);
		fn(sub, arg);
	}
	closedir(dir);
}

static void rmtree(const char *cg, void *unused)
{
	cg_visit_children(cg, rmtree, NULL);
	cg_destroy(cg);
}

void cg_cleanup_tree(const char *cg)
{
	cg_enter("");
	if (*cg)
		rmtree(cg, NULL);
}

/* The effective capabilities of the caller, from /proc; -1 if unknown. */
static long long cap_effective(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -errno;
	return cap_effective() == 0 ? 0 : -EPERM;
}

long long meminfo_bytes(const char *key)
{
	size_t len = strlen(key);
	long long kb = -1;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			kb = strtoll(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}
