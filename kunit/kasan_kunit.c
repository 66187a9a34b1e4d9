// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that the chapter's memory-unsafe common errors are caught:
 * a double free, a use after free, kfree() of managed memory.  KASAN
 * reports them and the kit turns each report into a finding.
 *
 * A KASAN report taints the kernel, which turns lockdep off for the rest
 * of the boot: this suite is linked last so that every other suite runs
 * with lockdep on.  It needs KASAN booted with kasan_multi_shot (make kunit
 * passes it), else KASAN would stay silent after the first report.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <linux/compiler.h>
#include <linux/slab.h>

#include "kit/drvmem_kit.h"
#include "broken/kasan_broken.h"

static int drvmem_kasan_test_init(struct kunit *test)
{
	if (!drvmem_kasan_reports_again())
		kunit_skip(test, "needs KASAN booted with kasan_multi_shot");
	return drvmem_kit_init(test);
}

KUNIT_ARRAY_PARAM_DESC(drvmem_kasan_broken, drvmem_broken_kasan, bug);

/*
 * Pattern: the chapter's common errors "use after free" and "double free",
 * and devm's "kfree() of managed memory" (a double free at unbind).  Test
 * that sweeping the broken driver flags the bug: the ledger sees a second
 * free or a free of memory it never handed out, the tripwire sees KASAN's
 * report.
 */
static void drvmem_kasan_flags_broken_driver(struct kunit *test)
{
	drvmem_expect_broken_flagged(test, test->param_value);
}

/*
 * Pattern: "Test with memory debugging enabled".  Test that a test that
 * expects a KASAN report on purpose does not blind KASAN: the report still
 * fails the current KUnit test (the kit's witness while it captures) and
 * becomes a finding of kind report, and the real test is not failed.
 */
static void drvmem_kasan_expected_report_still_fails_a_test(struct kunit *test)
{
	struct kunit *witness;
	bool failed;
	char *p;

	p = kmalloc(8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	kfree(p);

	drvmem_capture_begin(test);
	witness = kunit_get_current_test();
	OPTIMIZER_HIDE_VAR(p);
	/* a use after free, on purpose */
	(void)READ_ONCE(p[0]);
	failed = witness && witness != test && witness->status == KUNIT_FAILURE;
	drvmem_expect_finding_end(test, DRVMEM_FINDING_REPORT,
				  "a read after kfree()");
	KUNIT_EXPECT_TRUE_MSG(test, failed,
			      "KASAN failed no test while the kit captured: it was blinded");
}

static struct kunit_case drvmem_kasan_test_cases[] = {
	KUNIT_CASE(drvmem_kasan_expected_report_still_fails_a_test),
	KUNIT_CASE_PARAM(drvmem_kasan_flags_broken_driver,
			 drvmem_kasan_broken_gen_params),
	{}
};

static struct kunit_suite drvmem_kasan_test_suite = {
	.name = "drvmem_kasan",
	.init = drvmem_kasan_test_init,
	.test_cases = drvmem_kasan_test_cases,
};

kunit_test_suite(drvmem_kasan_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests that drvmem catches memory-unsafe driver bugs");
MODULE_LICENSE("GPL");
