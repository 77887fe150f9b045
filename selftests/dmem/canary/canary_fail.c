// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deliberately failing selftest. It is not part of the normal test run:
 * tools/vm/runner-selftest.sh runs it to prove that a failing selftest
 * turns `make check` red.
 */
#include "kselftest_harness.h"

TEST(passes)
{
	EXPECT_EQ(2, 1 + 1);
}

TEST(fails_on_purpose)
{
	EXPECT_EQ(3, 1 + 1);
}

TEST_HARNESS_MAIN
