// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the drvmem kit on code that is not written to drvmem's
 * rules: in-tree shapes (independent frees in their own order, a temporary
 * freed by design, helpers of another prefix, releases by a worker or an
 * RCU callback, device ids and platform data, state other than memory, a
 * file's open and release, a library's init/destroy pair).  Each clean
 * control must pass and each broken twin must still be flagged.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/platform_device.h>
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/platform_device.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "broken/foreign_broken.h"
#include "kit/drvmem_kit.h"

#define DRVMEM_FOREIGN_OWNER "drvmem_foreign_"

static int drvmem_foreign_test_init(struct kunit *test)
{
	struct platform_driver *drv;
	unsigned int i;
	int ret;

	ret = drvmem_kit_init(test);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(drvmem_foreign_drivers); i++) {
		drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);
		if (!drv)
			return -ENOMEM;
		*drv = drvmem_foreign_drivers[i];
		ret = kunit_platform_driver_register(test, drv);
		if (ret)
			return ret;
	}
	return 0;
}

static int drvmem_foreign_suite_init(struct kunit_suite *suite)
{
	return drvmem_foreign_wq_init();
}

static void drvmem_foreign_suite_exit(struct kunit_suite *suite)
{
	drvmem_foreign_wq_exit();
}

static unsigned int drvmem_foreign_sweep(struct kunit *test, const char *driver)
{
	const struct drvmem_probe probe = {
		.driver = driver,
		.owner = DRVMEM_FOREIGN_OWNER,
		.min_points = 1,
	};

	return drvmem_sweep_platform(test, &probe);
}

/*
 * Pattern: "free memory in reverse order of allocation" is a rule for
 * dependent resources.  Test that a remove that frees two independent
 * buffers in the order it made them passes once its sweep says so, that
 * the default still checks the order, and that the dependent twin (the
 * second buffer points into the first) is flagged.
 */
static void drvmem_foreign_independent_frees_in_own_order(struct kunit *test)
{
	const struct drvmem_probe relaxed = {
		.driver = "drvmem-foreign-two",
		.owner = DRVMEM_FOREIGN_OWNER,
		.min_points = 3,
		.any_free_order = true,
	};

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep_platform(test, &relaxed));
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_FREE_ORDER,
			      drvmem_foreign_sweep(test, "drvmem-foreign-two"));
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_FREE_ORDER,
			      drvmem_foreign_sweep(test, "drvmem-foreign-dependent"));
}

/*
 * Test that a temporary copy that probe frees by design before it returns
 * is not taken for a free out of order, and that its twin, which never
 * frees the temporary, is flagged as a leak.
 */
static void drvmem_foreign_temporary_freed_by_design(struct kunit *test)
{
	DRVMEM_EXPECT_NO_FINDING(test,
				 drvmem_foreign_sweep(test, "drvmem-ftemp"));
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_LEAK,
			      drvmem_foreign_sweep(test, "drvmem-ftemp-bad"));
}

/*
 * Test that code whose helpers have another prefix is named by both
 * prefixes, and that the twin whose remove forgets the helper-made buffer
 * is flagged.
 */
static void drvmem_foreign_helpers_of_another_prefix(struct kunit *test)
{
	struct drvmem_probe probe = {
		.driver = "drvmem-fhelper",
		.owner = DRVMEM_FOREIGN_OWNER ",__drvmem_fhelper_",
		.min_points = 2,
	};

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep_platform(test, &probe));
	probe.driver = "drvmem-fhelper-bad";
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_LEAK,
			      drvmem_sweep_platform(test, &probe));
}

/*
 * Test that an object released by a worker after remove returned (the
 * last put of a reference), once the sweep waits for that worker, is not
 * a leak, and that the twin whose last put forgets the free is.
 */
static void drvmem_foreign_released_by_a_worker(struct kunit *test)
{
	struct drvmem_probe probe = {
		.driver = "drvmem-fdefer",
		.owner = DRVMEM_FOREIGN_OWNER,
		.min_points = 2,
		.settle = drvmem_foreign_flush,
	};

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep_platform(test, &probe));
	probe.driver = "drvmem-fdefer-bad";
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_LEAK,
			      drvmem_sweep_platform(test, &probe));
}

/*
 * Test that an object remove hands to kfree_rcu() is not a leak: the kit
 * waits for RCU callbacks before it declares one.
 */
static void drvmem_foreign_released_by_rcu(struct kunit *test)
{
	DRVMEM_EXPECT_NO_FINDING(test,
				 drvmem_foreign_sweep(test, "drvmem-foreign-rcu"));
}

/*
 * Test that state other than memory left after unbind (a sysfs attribute
 * remove forgets) is a finding when the sweep is told how to see it, and
 * that the control that removes it passes.
 */
static void drvmem_foreign_state_left_after_unbind(struct kunit *test)
{
	struct drvmem_probe probe = {
		.driver = "drvmem-fattr",
		.owner = DRVMEM_FOREIGN_OWNER,
		.left = drvmem_foreign_attr_left,
	};

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep_platform(test, &probe));
	probe.driver = "drvmem-fattr-bad";
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_HELD,
			      drvmem_sweep_platform(test, &probe));
}

/*
 * Test that the probe sweep gives the device the id and the platform data
 * a board would: the driver refuses to probe without them.
 */
static void drvmem_foreign_device_id_and_platform_data(struct kunit *test)
{
	static const struct drvmem_foreign_pdata pdata = { .buf_size = 96 };
	struct drvmem_probe probe = {
		.driver = "drvmem-fboard",
		.owner = DRVMEM_FOREIGN_OWNER,
		.min_points = 2,
		.platform_data = &pdata,
		.platform_data_size = sizeof(pdata),
	};

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep_platform(test, &probe));
	probe.platform_data = NULL;
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_STEP_FAILED,
			      drvmem_sweep_platform(test, &probe));
}

/*
 * Test that the same leak found at every fault point after it is reported
 * once, with how often and where it was first and last found.
 */
static void drvmem_foreign_one_finding_once(struct kunit *test)
{
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_LEAK,
			      drvmem_foreign_sweep(test, "drvmem-ftemp-bad"));
	KUNIT_EXPECT_EQ(test, drvmem_captured_nr(test), 1);
}

struct drvmem_foreign_file {
	const struct file_operations *fops;
	struct file file;
};

static int drvmem_foreign_file_open(struct kunit *test, void *ctx)
{
	struct drvmem_foreign_file *f = ctx;

	memset(&f->file, 0, sizeof(f->file));
	return f->fops->open(NULL, &f->file);
}

static void drvmem_foreign_file_release(struct kunit *test, void *ctx)
{
	struct drvmem_foreign_file *f = ctx;

	f->fops->release(NULL, &f->file);
}

/*
 * Test that the kit sweeps what is not a probe: a file's open, undone by
 * its release, and that a release that forgets the file's private data is
 * flagged.
 */
static void drvmem_foreign_file_open_release(struct kunit *test)
{
	static const struct drvmem_step step = {
		.name = "open",
		.run = drvmem_foreign_file_open,
		.undo = drvmem_foreign_file_release,
		.owner = DRVMEM_FOREIGN_OWNER,
		.min_points = 1,
	};
	struct drvmem_foreign_file *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->fops = &drvmem_foreign_fops;
	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep(test, &step, f));
	f->fops = &drvmem_foreign_fops_leaky;
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_LEAK,
			      drvmem_sweep(test, &step, f));
}

static const struct rhashtable_params drvmem_foreign_ht_params = {
	.key_len = sizeof(u32),
	.key_offset = 0,
	.head_offset = sizeof(u32),
};

static int drvmem_foreign_ht_init(struct kunit *test, void *ctx)
{
	return rhashtable_init(ctx, &drvmem_foreign_ht_params);
}

static void drvmem_foreign_ht_destroy(struct kunit *test, void *ctx)
{
	rhashtable_destroy(ctx);
}

/*
 * Test that the kit sweeps a library's init/destroy pair that nobody here
 * wrote: lib/rhashtable.c's rhashtable_init() and rhashtable_destroy(),
 * named by their prefixes.
 */
static void drvmem_foreign_sweeps_rhashtable(struct kunit *test)
{
	static const struct drvmem_step step = {
		.name = "rhashtable_init",
		.run = drvmem_foreign_ht_init,
		.undo = drvmem_foreign_ht_destroy,
		.owner = "rhashtable_,bucket_table_",
		.min_points = 1,
	};
	struct rhashtable *ht = kunit_kzalloc(test, sizeof(*ht), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ht);
	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep(test, &step, ht));
}

static struct kunit_case drvmem_foreign_test_cases[] = {
	KUNIT_CASE(drvmem_foreign_independent_frees_in_own_order),
	KUNIT_CASE(drvmem_foreign_temporary_freed_by_design),
	KUNIT_CASE(drvmem_foreign_helpers_of_another_prefix),
	KUNIT_CASE(drvmem_foreign_released_by_a_worker),
	KUNIT_CASE(drvmem_foreign_released_by_rcu),
	KUNIT_CASE(drvmem_foreign_state_left_after_unbind),
	KUNIT_CASE(drvmem_foreign_device_id_and_platform_data),
	KUNIT_CASE(drvmem_foreign_one_finding_once),
	KUNIT_CASE(drvmem_foreign_file_open_release),
	KUNIT_CASE(drvmem_foreign_sweeps_rhashtable),
	{}
};

static struct kunit_suite drvmem_foreign_test_suite = {
	.name = "drvmem_foreign",
	.suite_init = drvmem_foreign_suite_init,
	.suite_exit = drvmem_foreign_suite_exit,
	.init = drvmem_foreign_test_init,
	.test_cases = drvmem_foreign_test_cases,
};

kunit_test_suite(drvmem_foreign_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests of the drvmem kit on code not written to its rules");
MODULE_LICENSE("GPL");
