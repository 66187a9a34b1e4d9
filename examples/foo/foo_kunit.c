// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the foo driver, with the drvmem test kit.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/platform_device.h>

#include "drvmem_kit.h"

/* the code under test: the driver's functions, by name prefix */
#define FOO_OWNER "foo_"

/*
 * Test that probe, with each of its allocations failed in turn, fails and
 * frees what it took, and that remove after a good probe frees the rest.
 */
static void foo_probe_unwinds_at_every_fault_point(struct kunit *test)
{
	/* devm_kzalloc, kmalloc, vmalloc: three allocations that can fail */
	drvmem_sweep_probe(test, "foo", FOO_OWNER, 3);
}

/* Test that a bound foo holds its buffer and table, and nothing after unbind. */
static void foo_remove_frees_everything(struct kunit *test)
{
	struct platform_device *pdev;

	pdev = drvmem_platform_device(test, "foo");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);

	drvmem_ledger_begin(test, FOO_OWNER);
	KUNIT_ASSERT_EQ(test, drvmem_platform_bind(test, pdev), 0);
	KUNIT_EXPECT_EQ(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB), 2);
	KUNIT_EXPECT_EQ(test, drvmem_ledger_outstanding(test, DRVMEM_VMALLOC), 1);
	drvmem_platform_unbind(test, pdev);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "probe, then remove"));
}

static struct kunit_case foo_test_cases[] = {
	KUNIT_CASE(foo_probe_unwinds_at_every_fault_point),
	KUNIT_CASE(foo_remove_frees_everything),
	{}
};

static struct kunit_suite foo_test_suite = {
	.name = "foo",
	.init = drvmem_kit_init,
	.test_cases = foo_test_cases,
};

kunit_test_suite(foo_test_suite);

MODULE_DESCRIPTION("KUnit tests for the foo driver");
MODULE_LICENSE("GPL");
