// SPDX-License-Identifier: GPL-2.0-only
/* OCI bundles for the host's container runtimes; see oci_util.h. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci_util.h"
#include "sim_util.h"

#define DMEMSIM		"/opt/dmem/bin/dmemsim"

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, ret = 0;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			ret = -EIO;
			break;
		}
	if (n < 0)
		ret = -errno;
	close(in);
	close(out);
	return ret;
}

/* The config.json of the bundle; 0 or -errno. */
static int write_config(const struct oci_bundle *b, const char *cgpath,
			const char *script, const char *unified)
{
	char path[160];
	struct stat st;
	FILE *f;

	if (stat(SIM_DEV, &st))
		return -errno;
	snprintf(path, sizeof(path), "%s/config.json", b->dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f,
		"{\"ociVersion\": \"1.0.2\",\n"
		" \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0},\n"
		"  \"args\": [\"/dmemsim\", \"-n\", \"ctr\", \"%s\"],\n"
		"  \"env\": [\"PATH=/\"], \"cwd\": \"/\"},\n"
		" \"root\": {\"path\": \"rootfs\"},\n"
		" \"hostname\": \"dmemctr\",\n"
		" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}],\n"
		" \"linux\": {\n"
		"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"uts\"}],\n"
		"  \"cgroupsPath\": \"%s\",\n"
		"  \"devices\": [{\"path\": \"/dev/dmem_sim\", \"type\": \"c\", \"major\": %u, \"minor\": %u, \"fileMode\": 438, \"uid\": 0, \"gid\": 0}],\n"
		"  \"resources\": {\n"
		"   \"devices\": [{\"allow\": false, \"access\": \"rwm\"},\n"
		"    {\"allow\": true, \"type\": \"c\", \"major\": %u, \"minor\": %u, \"access\": \"rw\"}],\n"
		"   \"unified\": {%s}}}}\n",
		script, cgpath, major(st.st_rdev), minor(st.st_rdev),
		major(st.st_rdev), minor(st.st_rdev), unified);
	return fclose(f) ? -errno : 0;
}

int oci_bundle_make(struct oci_bundle *b, const char *tag, const char *cgpath,
		    const char *script, const char *unified)
{
	char path[160];
	int ret;

	b->pid = -1;
	b->status = -1;
	snprintf(b->dir, sizeof(b->dir), "/tmp/dmt_oci.%d.%s", getpid(), tag);
	snprintf(b->state, sizeof(b->state), "%s/state", b->dir);
	if (mkdir(b->dir, 0755) || mkdir(b->state, 0700))
		return -errno;
	snprintf(path, sizeof(path), "%s/rootfs", b->dir);
	if (mkdir(path, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/rootfs/dev", b->dir);
	if (mkdir(path, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/rootfs/dmemsim", b->dir);
	ret = copy_file(DMEMSIM, path, 0755);
	return ret ?: write_config(b, cgpath, script, unified);
}

void oci_bundle_remove(struct oci_bundle *b)
{
	const char *argv[5] = { "/bin/busybox", "rm", "-rf", b->dir, NULL };
	pid_t pid;

	if (!b->dir[0])
		return;
	pid = fork();
	if (!pid) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* The runtime's side: never returns. */
static void oci_exec(struct oci_bundle *b, const char *runtime,
		     const char *name)
{
	const char *argv[12] = {
		"/bin/busybox", "chroot", "/host", runtime, "--root", b->state,
		"run", "--bundle", b->dir, name, NULL,
	};
	char path[160];
	int out, err, in;

	snprintf(path, sizeof(path), "%s/out", b->dir);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	snprintf(path, sizeof(path), "%s/err", b->dir);
	err = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	in = open("/dev/null", O_RDONLY);
	if (out < 0 || err < 0 || in < 0 || dup2(in, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

int oci_start(struct oci_bundle *b, const char *runtime, const char *name)
{
	b->pid = fork();
	if (b->pid < 0)
		return -errno;
	if (!b->pid)
		oci_exec(b, runtime, name);
	return 0;
}

/* Records the exit status of the runtime, if it exited. */
static bool oci_reap(struct oci_bundle *b, int flags)
{
	int status;

	if (b->pid <= 0 || waitpid(b->pid, &status, flags) != b->pid)
		return false;
	b->pid = -1;
	b->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return true;
}

int oci_wait(struct oci_bundle *b)
{
	oci_reap(b, 0);
	return b->status;
}

int oci_wait_file(struct oci_bundle *b, const char *name, int ms)
{
	long long end = sim_now_ms() + ms;
	char path[160];

	snprintf(path, sizeof(path), "%s/rootfs/%s", b->dir, name);
	while (access(path, F_OK)) {
		if (sim_now_ms() > end || oci_reap(b, WNOHANG))
			return -ETIMEDOUT;
		usleep(20000);
	}
	return 0;
}

int oci_touch(struct oci_bundle *b, const char *name)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/rootfs/%s", b->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

void oci_output(struct oci_bundle *b, const char *which, char *buf,
		size_t len)
{
	char path[160];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b->dir, which);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}
