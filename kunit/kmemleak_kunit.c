// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that no leak escapes: after every other suite, kmemleak
 * scans memory, and a leak allocated by drvmem's code anywhere in the run
 * (a worker, a callback, a path no ledger watched) fails the run.
 *
 * Linked last, after drvmem_kasan.  kmemleak judges an object only once it
 * is 5 seconds old: the suite waits that long after it starts, so that
 * every earlier suite's allocations are judged.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>

#include "kit/drvmem_kit.h"

/* kmemleak's minimum age of an object it reports, and a margin */
#define DRVMEM_KMEMLEAK_AGE_MS		5100

/* when the suite started: earlier suites' objects are older than this */
static unsigned long drvmem_kmemleak_suite_start;

static int drvmem_kmemleak_suite_init(struct kunit_suite *suite)
{
	drvmem_kmemleak_suite_start = jiffies;
	return 0;
}

/* Wait until what was allocated before @since is old enough to report. */
static void drvmem_kmemleak_age(unsigned long since)
{
	unsigned long ready = since + msecs_to_jiffies(DRVMEM_KMEMLEAK_AGE_MS);

	if (time_before(jiffies, ready))
		msleep(jiffies_to_msecs(ready - jiffies));
}

/*
 * Pattern: "Memory Debugging" (kmemleak) over the whole run.  Test that,
 * after every other suite, kmemleak finds no unreferenced object whose
 * allocation backtrace names drvmem's code.
 */
static void drvmem_kmemleak_run_leaked_nothing(struct kunit *test)
{
	char first[DRVMEM_KMEMLEAK_LINE];
	const char *reports;
	unsigned int nr;

	drvmem_kmemleak_age(drvmem_kmemleak_suite_start);
	KUNIT_ASSERT_EQ(test, drvmem_kmemleak_scan(test, &reports), 0);
	nr = drvmem_kmemleak_report(reports, "drvmem_", false, first, sizeof(first));
	KUNIT_EXPECT_EQ_MSG(test, nr, 0,
			    "leak check after the run: %u unreferenced objects allocated by drvmem code, the first: %s",
			    nr, first);
}

static struct kunit_case drvmem_kmemleak_cases[] = {
	KUNIT_CASE_SLOW(drvmem_kmemleak_run_leaked_nothing),
	{}
};

static struct kunit_suite drvmem_kmemleak_suite = {
	.name = "drvmem_kmemleak",
	.suite_init = drvmem_kmemleak_suite_init,
	.init = drvmem_kit_init,
	.test_cases = drvmem_kmemleak_cases,
};

kunit_test_suite(drvmem_kmemleak_suite);

MODULE_DESCRIPTION("KUnit tests that no leak of drvmem code escapes kmemleak");
MODULE_LICENSE("GPL");
