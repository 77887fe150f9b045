// SPDX-License-Identifier: GPL-2.0-only
/* Running a program with its output captured; see run.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dmem_util.h"
#include "run.h"

static void read_back(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* The child's side: never returns. */
static void run_child(const char *const *argv, bool nobody, int in, int out,
		      int err)
{
	if (nobody && drop_to_nobody())
		_exit(126);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

int run_prog(struct run_result *r, const char *const *argv, bool nobody,
	     const char *in_path)
{
	int in, out, err, status, ret = 0;
	pid_t pid;

	r->status = -1;
	r->out[0] = '\0';
	r->err[0] = '\0';
	in = open(in_path ? in_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	out = memfd_create("out", MFD_CLOEXEC);
	err = memfd_create("err", MFD_CLOEXEC);
	if (in < 0 || out < 0 || err < 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (!pid)
		run_child(argv, nobody, in, out, err);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	read_back(out, r->out, sizeof(r->out));
	read_back(err, r->err, sizeof(r->err));
	out = -1;
	err = -1;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return ret;
}
