/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checks made in a child process, reported to the test through memory
 * shared across fork(): a child records what it checked and its first
 * failure; CHILD_EQ() ends the child at a failure (exit status 1), and
 * child_problem() counts one and goes on. The test waits for the child
 * with EXPECT_CHILD_OK(), which fails, naming the first failure, unless
 * the child exited with 0 and no failure was recorded since child_reset().
 */
#ifndef DMEM_LIB_CHILD_H
#define DMEM_LIB_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct child_report {
	long long checks;	/* checks made */
	long long mismatches;	/* wrong data or counters */
	long long errors;	/* unexpected results */
	char taken;		/* msg is written */
	char msg[256];		/* the first failure */
};

/*
 * Where the checks of this process go: a report shared with the whole
 * program, made at its start; a child may point it elsewhere (e.g. at its
 * own part of a shared array) before it checks anything.
 */
extern struct child_report *child_rep;

/* Zeroes child_rep: a test's checks begin (e.g. in its fixture's setup). */
void child_reset(void);

/* Zeroed memory shared with every process forked afterwards; aborts if none. */
void *shared_alloc(size_t size);

/* A check: counted; a failure is recorded and ends the child (status 1). */
void child_check(long long want, long long seen, const char *what,
		 const char *wanted, int line);
#define CHILD_EQ(want, seen)	child_check((want), (seen), #seen, #want, __LINE__)
#define CHILD_TRUE(cond)	child_check(1, !!(cond), #cond, "true", __LINE__)

/* A failure that does not end the process: counted, the first recorded. */
void child_problem(struct child_report *r, bool mismatch, const char *fmt, ...);

/*
 * Forks a child that enters cgroup @cg (unless NULL), drops to nobody
 * (if @nobody, see drop_to_nobody()), each checked, and exits with what
 * @fn(@arg) returns. Its pid, or -1.
 */
pid_t child_start(const char *cg, bool nobody, int (*fn)(void *), void *arg);

/*
 * Waits for child @pid; NULL if it exited with 0 and child_rep records
 * no failure, else what went wrong (the first failure recorded, or how
 * it ended).
 */
const char *child_wait(pid_t pid);

#define EXPECT_CHILD_OK(pid) do {					\
	const char *__why = child_wait(pid);				\
									\
	EXPECT_EQ(NULL, __why) TH_LOG("child: %s", __why);		\
} while (0)

#define ASSERT_CHILD_OK(pid) do {					\
	const char *__why = child_wait(pid);				\
									\
	ASSERT_EQ(NULL, __why) TH_LOG("child: %s", __why);		\
} while (0)

#endif
