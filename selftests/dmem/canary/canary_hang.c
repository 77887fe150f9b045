// SPDX-License-Identifier: GPL-2.0-only
/*
 * A selftest that outlives the runner's limit. It is not part of the
 * normal test run: tools/vm/runner-selftest.sh runs it with a short
 * DMEM_TEST_TIMEOUT to prove that the runner kills every process the
 * program started. The harness runs each test case in a child of its own
 * process group (setpgrp()), so killing the program's process group alone
 * would leave this child running into the next program.
 */
#include <unistd.h>

#include "kselftest_harness.h"

FIXTURE(hang) {
	int unused;
};

FIXTURE_SETUP(hang)
{
}

FIXTURE_TEARDOWN(hang)
{
}

/* Far longer than the runner's limit; the harness must not end it first. */
TEST_F_TIMEOUT(hang, past_the_limit, 3600)
{
	for (;;)
		pause();
}

TEST_HARNESS_MAIN
