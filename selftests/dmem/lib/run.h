/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a program of the tests (a tool, a host program under chroot)
 * with its stdout and stderr captured, as root or as nobody.
 */
#ifndef DMEM_LIB_RUN_H
#define DMEM_LIB_RUN_H

#include <stdbool.h>

#define RUN_OUT_SIZE	(256 * 1024)

struct run_result {
	int status;			/* exit status; -1 if it did not exit */
	char out[RUN_OUT_SIZE];		/* stdout, NUL-terminated */
	char err[4096];			/* stderr, NUL-terminated */
};

/*
 * Runs @argv (argv[0] the path), as nobody if @nobody, with stdin from
 * @in_path (NULL: /dev/null), and waits for it. 0, or -errno if it could
 * not be started.
 */
int run_prog(struct run_result *r, const char *const *argv, bool nobody,
	     const char *in_path);

#endif
