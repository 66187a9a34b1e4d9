// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that no leak escapes: after every other suite, kmemleak
 * scans memory, and a leak allocated by drvmem's code anywhere in the run
 * (a worker, a callback, a path no ledger watched) fails the run.
 *
 * Linked last, after drvmem_kasan, so that its scan judges what every
 * earlier suite allocated (the kit's scan judges objects of any age).
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>

#include "broken/kmemleak_broken.h"
#include "kit/drvmem_kit.h"

/*
 * A broken driver whose work item lost buffers in the first case: every
 * later case's scan must still see them, so the driver lives as long as
 * the suite, which test->priv does not.
 */
static struct drvmem_kmemleak_broken drvmem_kmemleak_leaker;
/* whether a case of the suite had kmemleak scan (one scan serves them all) */
static bool drvmem_kmemleak_scanned;

static int drvmem_kmemleak_suite_init(struct kunit_suite *suite)
{
	drvmem_kmemleak_scanned = false;
	return drvmem_kmemleak_broken_init(&drvmem_kmemleak_leaker);
}

static void drvmem_kmemleak_suite_exit(struct kunit_suite *suite)
{
	drvmem_kmemleak_broken_reclaim(&drvmem_kmemleak_leaker);
}

/*
 * Pattern: "Memory Debugging": what the ledger cannot see.  Test that a
 * buffer a driver's work item allocates and loses is no finding of the
 * ledger (it records the test's task), which is why kmemleak's scan runs
 * after every suite: the last case of this suite shows it finds the leak.
 */
static void drvmem_kmemleak_worker_leak_escapes_the_ledger(struct kunit *test)
{
	struct drvmem_kmemleak_broken *b = &drvmem_kmemleak_leaker;

	drvmem_ledger_begin(test, "drvmem_kmemleak_broken_");
	drvmem_kmemleak_broken_run(b);
	drvmem_ledger_end(test);
	drvmem_kmemleak_broken_canary(b);
	KUNIT_EXPECT_EQ(test, b->nr, DRVMEM_KMEMLEAK_BROKEN_NR);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "a work item loses buffers"));
}

/*
 * The reports of the scan after the run: the first case that asks has
 * kmemleak scan, the others read what that scan found (a scan takes 10 s
 * under QEMU without KVM; nothing of drvmem's runs in between).  Return
 * how many of the buffers the first case's work item lost kmemleak
 * reported, and in @canaries how many of those the test's own task lost.
 */
static unsigned int drvmem_kmemleak_scan_all(struct kunit *test,
					     const char **reports,
					     unsigned int *canaries)
{
	char first[DRVMEM_KMEMLEAK_LINE];
	unsigned int nr;

	if (drvmem_kmemleak_scanned) {
		KUNIT_ASSERT_EQ(test, drvmem_kmemleak_last(test, reports), 0);
	} else {
		drvmem_kmemleak_scanned = true;
		KUNIT_ASSERT_EQ(test, drvmem_kmemleak_scan(test, reports), 0);
	}
	*canaries = drvmem_kmemleak_report(*reports, "drvmem_kmemleak_broken_lose",
					   true, NULL, 0);
	nr = drvmem_kmemleak_report(*reports, "drvmem_kmemleak_broken_work_lose",
				    true, first, sizeof(first));
	kunit_info(test, "kmemleak reported %u of the %u buffers a work item lost, %u of the %u the test's task lost%s%s\n",
		   nr, DRVMEM_KMEMLEAK_BROKEN_NR, *canaries,
		   DRVMEM_KMEMLEAK_BROKEN_NR, nr ? "; the first: " : "", first);
	return nr;
}

/*
 * Pattern: "Memory Debugging" (kmemleak).  Test that the scan after the
 * run finds the buffers the first case's work item lost.  kmemleak may
 * miss one a stale copy of its pointer still refers to (a stack slot of
 * the kworker, a saved register), so the test wants one report of the 8,
 * and prints how many.  Where kmemleak reports neither these nor the
 * buffers the test's own task lost (seen on 7.2 while the fixture lost
 * kmalloc() buffers, whose pointers 7.2's per-CPU sheaves keep), it cannot
 * see a leak in this kernel, and the test is skipped, saying so.
 */
static void drvmem_kmemleak_scan_finds_the_worker_leak(struct kunit *test)
{
	unsigned int nr, canaries;
	const char *reports;

	KUNIT_ASSERT_EQ(test, drvmem_kmemleak_leaker.nr,
			DRVMEM_KMEMLEAK_BROKEN_NR);
	nr = drvmem_kmemleak_scan_all(test, &reports, &canaries);
	if (!canaries && !nr)
		kunit_skip(test,
			   "kmemleak reported none of the %u buffers the test's own task lost, nor of those the work item lost: it cannot see leaks in this kernel",
			   DRVMEM_KMEMLEAK_BROKEN_NR);
	KUNIT_EXPECT_GE_MSG(test, nr, 1,
			    "leak check after the run: a work item lost %u buffers the ledger did not see; kmemleak reported none of them",
			    DRVMEM_KMEMLEAK_BROKEN_NR);
}

/*
 * Pattern: "Memory Debugging" (kmemleak) over the whole run.  Test that,
 * after every other suite, kmemleak finds no unreferenced object whose
 * allocation backtrace names drvmem's code (the broken fixtures, which
 * leak on purpose, aside).  Only a scan that saw some of the buffers lost
 * on purpose can vouch for the rest: without them the test is skipped.
 */
static void drvmem_kmemleak_run_leaked_nothing(struct kunit *test)
{
	char first[DRVMEM_KMEMLEAK_LINE];
	unsigned int nr, canaries;
	const char *reports;

	if (!drvmem_kmemleak_scan_all(test, &reports, &canaries) && !canaries)
		kunit_skip(test,
			   "kmemleak did not see the buffers lost on purpose: a clean scan would prove nothing");
	nr = drvmem_kmemleak_report(reports, "drvmem_", false, first, sizeof(first));
	KUNIT_EXPECT_EQ_MSG(test, nr, 0,
			    "leak check after the run: %u unreferenced objects allocated by drvmem code, the first: %s",
			    nr, first);
}

static struct kunit_case drvmem_kmemleak_cases[] = {
	KUNIT_CASE(drvmem_kmemleak_worker_leak_escapes_the_ledger),
	KUNIT_CASE(drvmem_kmemleak_scan_finds_the_worker_leak),
	KUNIT_CASE(drvmem_kmemleak_run_leaked_nothing),
	{}
};

static struct kunit_suite drvmem_kmemleak_suite = {
	.name = "drvmem_kmemleak",
	.suite_init = drvmem_kmemleak_suite_init,
	.suite_exit = drvmem_kmemleak_suite_exit,
	.init = drvmem_kit_init,
	.test_cases = drvmem_kmemleak_cases,
};

kunit_test_suite(drvmem_kmemleak_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests that no leak of drvmem code escapes kmemleak");
MODULE_LICENSE("GPL");
