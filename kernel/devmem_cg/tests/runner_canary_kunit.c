// SPDX-License-Identifier: GPL-2.0-only
/*
 * Deliberately bad KUnit cases. The project's test runner boots a kernel
 * with kunit.filter_glob=runner_canary.<case> to prove that it reports a
 * failing case and a kernel WARN as failures. The normal test run selects
 * only dmem* suites, so these never run there.
 */

#include <kunit/test.h>
#include <linux/bug.h>

static void runner_canary_fails(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, 1, 2, "deliberate failure for the runner self-test");
}

static void runner_canary_warns(struct kunit *test)
{
	WARN(1, "runner_canary: deliberate WARN for the runner self-test\n");
	KUNIT_SUCCEED(test);
}

static struct kunit_case runner_canary_cases[] = {
	KUNIT_CASE(runner_canary_fails),
	KUNIT_CASE(runner_canary_warns),
	{}
};

static struct kunit_suite runner_canary_suite = {
	.name = "runner_canary",
	.test_cases = runner_canary_cases,
};

kunit_test_suite(runner_canary_suite);

MODULE_DESCRIPTION("Deliberately failing KUnit cases for the runner self-test");
MODULE_LICENSE("GPL");
