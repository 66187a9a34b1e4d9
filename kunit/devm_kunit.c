// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for managed resources (devm_*): the devm twins release
 * everything, in reverse order, on probe failure and on unbind; a devres
 * group rolls back only its own resources; and the common devm mistakes
 * are flagged.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/platform_device.h>
#include <linux/property.h>

#include "broken/devm_broken.h"
#include "kit/drvmem_kit.h"

#define DRVMEM_DEVRES_MAX	64

/* The devres_log events of one device: what was added, what released. */
struct drvmem_devres_log {
	struct device *dev;
	void *added[DRVMEM_DEVRES_MAX];
	const char *added_name[DRVMEM_DEVRES_MAX];
	void *released[DRVMEM_DEVRES_MAX];
	const char *released_name[DRVMEM_DEVRES_MAX];
	void *group;
	unsigned int nr_added, nr_released;
	bool overflow;
};

struct drvmem_devm_case {
	const char *drv;
	unsigned int points;
};

static const struct drvmem_devm_case drvmem_devm_cases[] = {
	{ .drv = "drvmem-devm", .points = 12 },
	{ .drv = "drvmem-devm-mixed", .points = 3 },
	{ .drv = "drvmem-devm-group", .points = 4 },
};

static void drvmem_devm_case_desc(const struct drvmem_devm_case *c, char *desc)
{
	strscpy(desc, c->drv, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(drvmem_devm, drvmem_devm_cases, drvmem_devm_case_desc);

static void drvmem_devm_on_devres(void *data, struct device *dev,
				  const char *op, void *node,
				  const char *name, size_t size)
{
	struct drvmem_devres_log *log = data;
	unsigned int i;

	if (dev != log->dev)
		return;
	if (!strcmp(op, "ADD")) {
		if (log->nr_added == DRVMEM_DEVRES_MAX) {
			log->overflow = true;
			return;
		}
		if (!strcmp(name, "grp<")) {
			log->group = node;
			return;
		}
		if (!strcmp(name, "grp>"))
			node = log->group;
		log->added_name[log->nr_added] = name;
		log->added[log->nr_added++] = node;
	} else if (!strcmp(op, "REL")) {
		/*
		 * A group is released as one, logged with its opening marker,
		 * where its closing marker stands: keep that picture.
		 */
		if (log->nr_released == DRVMEM_DEVRES_MAX) {
			log->overflow = true;
			return;
		}
		log->released_name[log->nr_released] = name;
		log->released[log->nr_released++] = node;
	} else if (!strcmp(op, "REM")) {
		/* removed without release (devres_remove): forget it */
		for (i = 0; i < log->nr_added; i++)
			if (log->added[i] == node)
				log->added[i] = NULL;
	}
}

/* Record the devres_log events of @dev until the test ends. */
static struct drvmem_devres_log *drvmem_devm_log(struct kunit *test,
						 struct device *dev)
{
	struct drvmem_devres_log *log;
	int ret;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	log->dev = dev;
	ret = drvmem_tracepoint_attach(test, "devres_log",
				       drvmem_devm_on_devres, log);
	if (ret == -ENOENT)
		kunit_skip(test, "no devres_log tracepoint (CONFIG_TRACING off?)");
	KUNIT_ASSERT_EQ(test, ret, 0);
	return log;
}

/*
 * Pattern: "Prefer managed resources (devm_*)": probe has no goto chain,
 * devres unwinds.  Test that with each fault point failed in turn, probe
 * fails, the device holds no devres entries and nothing is left allocated.
 */
static void drvmem_devm_probe_unwinds_at_every_fault_point(struct kunit *test)
{
	const struct drvmem_devm_case *c = test->param_value;

	drvmem_sweep_probe(test, c->drv, "drvmem_devm_", c->points);
}

/*
 * Pattern: managed resources are "automatically freed on driver detach",
 * and the chapter's "free memory in reverse order of allocation".  Test
 * that unbind releases every devres entry in exactly the reverse order of
 * addition (a group counts once, where it was closed), and that the memory
 * behind them is freed in reverse order of allocation (ledger): the test
 * fails if two releases are swapped.  devres releases in reverse order of
 * registration by construction, so it is the ledger half that catches a
 * driver registering its release actions in the wrong order (the
 * drvmem-broken-devm-order variant in drvmem_devm_flags_broken_driver).
 */
static void drvmem_devm_unbind_releases_in_reverse_order(struct kunit *test)
{
	const struct drvmem_devm_case *c = test->param_value;
	struct drvmem_devres_log *log;
	struct platform_device *pdev;
	unsigned int i, j, nr;
	int ret;

	pdev = drvmem_platform_device(test, c->drv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	log = drvmem_devm_log(test, &pdev->dev);
	drvmem_ledger_begin(test, "drvmem_devm_");
	ret = drvmem_platform_bind(test, pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s: probe failed", c->drv);
	nr = log->nr_added;
	KUNIT_EXPECT_GT(test, nr, 0);

	drvmem_platform_unbind(test, pdev);
	drvmem_ledger_end(test);

	KUNIT_ASSERT_FALSE(test, log->overflow);
	KUNIT_EXPECT_EQ(test, drvmem_devres_count(&pdev->dev), 0);
	KUNIT_EXPECT_EQ_MSG(test, log->nr_released, nr,
			    "%s: %u devres entries added, %u released",
			    c->drv, nr, log->nr_released);
	for (i = 0, j = nr; i < log->nr_released && j--; i++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, log->released[i], log->added[j],
					"%s: release %u is %s, expected %s (added %u of %u)",
					c->drv, i + 1, log->released_name[i],
					log->added_name[j], j + 1, nr);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "bind then unbind"));
}

/*
 * Pattern: devm over a device's whole life.  Test that binding and
 * unbinding many times accumulates nothing: no devres entry, no memory.
 */
static void drvmem_devm_rebind_accumulates_nothing(struct kunit *test)
{
	struct platform_device *pdev;
	unsigned int i;
	int ret;

	pdev = drvmem_platform_device(test, "drvmem-devm");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	drvmem_ledger_begin(test, "drvmem_devm_");
	for (i = 0; i < 50; i++) {
		ret = drvmem_platform_bind(test, pdev);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "bind %u failed", i + 1);
		drvmem_platform_unbind(test, pdev);
		KUNIT_ASSERT_EQ_MSG(test, drvmem_devres_count(&pdev->dev), 0,
				    "devres entries left after unbind %u", i + 1);
	}
	drvmem_ledger_end(test);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "50 binds and unbinds"));
}

static const struct property_entry drvmem_devm_feature_broken[] = {
	PROPERTY_ENTRY_BOOL("drvmem,feature-broken"),
	{}
};

/*
 * Bind drvmem-devm-group, with or without the property that makes its
 * optional feature fail, and check what it holds after probe.
 */
static void drvmem_devm_group_bind(struct kunit *test, bool broken,
				   unsigned int vmalloc, unsigned int entries)
{
	struct platform_device *pdev;
	int ret;

	pdev = drvmem_platform_device(test, "drvmem-devm-group");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	if (broken) {
		ret = device_create_managed_software_node(&pdev->dev,
							  drvmem_devm_feature_broken,
							  NULL);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	drvmem_ledger_begin(test, "drvmem_devm_");
	ret = drvmem_platform_bind(test, pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "probe must succeed without the feature");

	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_VMALLOC),
			    vmalloc, "feature table held after probe");
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB),
			    vmalloc ? 3 : 2, "devm_kmalloc buffers held after probe");
	KUNIT_EXPECT_EQ(test, drvmem_devres_count(&pdev->dev), entries);

	drvmem_platform_unbind(test, pdev);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_EQ(test, drvmem_devres_count(&pdev->dev), 0);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "bind then unbind"));
}

/*
 * Pattern: a devres group rolls back a half-finished optional feature.
 * Test that when the feature fails, only the group's resources are gone
 * after probe (the base state and buffer stay, 2 entries) and the rest go
 * at unbind.
 */
static void drvmem_devm_group_rolls_back_only_the_feature(struct kunit *test)
{
	drvmem_devm_group_bind(test, true, 0, 2);
}

/*
 * The control for the test above: when the feature works, its buffer,
 * table and the group's two markers stay until unbind (6 entries).
 */
static void drvmem_devm_group_keeps_a_working_feature(struct kunit *test)
{
	drvmem_devm_group_bind(test, false, 1, 6);
}

KUNIT_ARRAY_PARAM_DESC(drvmem_devm_broken, drvmem_broken_devm, bug);

/*
 * Pattern: "Managed resources pertain to the freeing of these resources
 * only - all other checks are still on you".  Test that the common devm
 * mistakes are flagged: a manual resource left to devm, a resource managed
 * by the wrong device, releases registered in the wrong order, and a
 * managed allocation without its NULL check.  (kfree() of managed memory is
 * in the drvmem_kasan suite.)
 */
static void drvmem_devm_flags_broken_driver(struct kunit *test)
{
	drvmem_expect_broken_flagged(test, test->param_value);
}

static struct kunit_case drvmem_devm_test_cases[] = {
	KUNIT_CASE_PARAM(drvmem_devm_probe_unwinds_at_every_fault_point,
			 drvmem_devm_gen_params),
	KUNIT_CASE_PARAM(drvmem_devm_unbind_releases_in_reverse_order,
			 drvmem_devm_gen_params),
	KUNIT_CASE(drvmem_devm_rebind_accumulates_nothing),
	KUNIT_CASE(drvmem_devm_group_rolls_back_only_the_feature),
	KUNIT_CASE(drvmem_devm_group_keeps_a_working_feature),
	KUNIT_CASE_PARAM(drvmem_devm_flags_broken_driver,
			 drvmem_devm_broken_gen_params),
	{}
};

static struct kunit_suite drvmem_devm_test_suite = {
	.name = "drvmem_devm",
	.init = drvmem_kit_init,
	.test_cases = drvmem_devm_test_cases,
};

kunit_test_suite(drvmem_devm_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests for drvmem's managed-resource reference drivers");
MODULE_LICENSE("GPL");
