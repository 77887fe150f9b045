// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks in child processes; see child.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "dmem_util.h"

struct child_report *child_rep;

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

static void __attribute__((constructor)) child_rep_init(void)
{
	child_rep = shared_alloc(sizeof(*child_rep));
}

void child_reset(void)
{
	memset(child_rep, 0, sizeof(*child_rep));
}

static void record(struct child_report *r, bool mismatch, const char *fmt,
		   va_list ap)
{
	__atomic_add_fetch(mismatch ? &r->mismatches : &r->errors, 1,
			   __ATOMIC_RELAXED);
	/* The first failure only, whichever process or thread it is. */
	if (!__atomic_test_and_set(&r->taken, __ATOMIC_ACQ_REL))
		vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
}

void child_problem(struct child_report *r, bool mismatch, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(r, mismatch, fmt, ap);
	va_end(ap);
}

static void check_failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(child_rep, false, fmt, ap);
	va_end(ap);
}

void child_check(long long want, long long seen, const char *what,
		 const char *wanted, int line)
{
	__atomic_add_fetch(&child_rep->checks, 1, __ATOMIC_RELAXED);
	if (want == seen)
		return;
	check_failed("line %d: %s is %lld, not %s (%lld)", line, what, seen,
		     wanted, want);
	_exit(1);
}

pid_t child_start(const char *cg, bool nobody, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (cg)
		CHILD_EQ(0, cg_enter(cg));
	if (nobody)
		CHILD_EQ(0, drop_to_nobody());
	_exit(fn(arg));
}

const char *child_wait(pid_t pid)
{
	static char why[sizeof(child_rep->msg) + 64];
	int status;

	if (waitpid(pid, &status, 0) != pid)
		snprintf(why, sizeof(why), "waitpid(%d) failed", pid);
	else if (child_rep->taken)
		snprintf(why, sizeof(why), "%s", child_rep->msg);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status))
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
	else if (child_rep->mismatches || child_rep->errors)
		snprintf(why, sizeof(why), "%lld mismatches, %lld errors",
			 child_rep->mismatches, child_rep->errors);
	else
		return NULL;
	return why;
}
