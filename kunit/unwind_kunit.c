// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goto-unwind error handling: every err_ label of a probe
 * is reached by failing each allocation in turn, and nothing leaks.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/platform_device.h>

#include "kit/drvmem_kit.h"
#include "broken/unwind_broken.h"

/**
 * struct drvmem_unwind_case - a reference driver with a goto-unwind probe
 * @drv: the platform driver's name
 * @owner: the ledger's owner, the prefixes of the driver's functions
 * @held: what a bound device holds, by ledger kind
 * @points: the allocations its probe makes that can fail
 * @note: what the sweep cannot reach directly, said in the test's output
 */
struct drvmem_unwind_case {
	const char *drv;
	const char *owner;
	unsigned int held[DRVMEM_NR_KINDS];
	unsigned int points;
	const char *note;
};

static const struct drvmem_unwind_case drvmem_unwind_cases[] = {
	{
		/* kzalloc, kmalloc, vmalloc, kmem_cache_create */
		.drv = "drvmem-unwind",
		.owner = "drvmem_unwind_",
		.held = {
			[DRVMEM_SLAB] = 2, [DRVMEM_VMALLOC] = 1,
			[DRVMEM_CACHE] = 1,
		},
		.points = 4,
	},
	{
		/*
		 * kzalloc, kmalloc, kvmalloc_array, kmem_cache_create, an
		 * object, mempool_create (pool, element array, 4 elements),
		 * pages, alloc_percpu (no fault point), dma_alloc_coherent.
		 * The table is a kmalloc when memory allows (errata 4: not the
		 * chapter's vmalloc), a vmalloc only when that kmalloc fails,
		 * as it does at one point of the sweep.
		 */
		.drv = "drvmem-full",
		.owner = "drvmem_full_",
		.held = {
			[DRVMEM_SLAB] = 10, [DRVMEM_VMALLOC] = 0,
			[DRVMEM_PAGES] = 1, [DRVMEM_PERCPU] = 1,
			[DRVMEM_DMA_COHERENT] = 1, [DRVMEM_CACHE] = 1,
		},
		.points = 8,
		.note = "alloc_percpu() has no fault point in 6.12: err_free_counter\n"
			"is reached by failing dma_alloc_coherent() after it",
	},
};

static void drvmem_unwind_case_desc(const struct drvmem_unwind_case *c,
				    char *desc)
{
	strscpy(desc, c->drv, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(drvmem_unwind, drvmem_unwind_cases, drvmem_unwind_case_desc);

/*
 * Pattern: "Free memory in reverse order of allocation" with a goto unwind.
 * Test that probe acquires every resource and that remove releases each of
 * them: the ledger holds exactly what the probe allocated, by kind, and is
 * empty after unbind.
 */
static void drvmem_unwind_remove_releases_everything(struct kunit *test)
{
	const struct drvmem_unwind_case *c = test->param_value;
	struct platform_device *pdev;
	unsigned int kind;
	int ret;

	pdev = drvmem_platform_device(test, c->drv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	drvmem_ledger_begin(test, c->owner);
	ret = drvmem_platform_bind(test, pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s: probe failed", c->drv);
	KUNIT_EXPECT_NOT_NULL(test, platform_get_drvdata(pdev));

	for (kind = 0; kind < DRVMEM_NR_KINDS; kind++)
		KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, kind),
				    c->held[kind],
				    "%s: after probe, each %s it holds",
				    c->drv, drvmem_kind_name(kind));

	drvmem_platform_unbind(test, pdev);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "probe then remove"));
}

/*
 * Pattern: "Always check allocation return value" and the goto unwind of
 * the complete example.  Test that with the n-th allocation failed, for
 * every n, probe returns an error and releases what it acquired, and that
 * the sweep reached at least every allocation the probe makes.
 */
static void drvmem_unwind_probe_unwinds_at_every_fault_point(struct kunit *test)
{
	const struct drvmem_unwind_case *c = test->param_value;

	if (c->note)
		kunit_info(test, "%s: %s\n", c->drv, c->note);
	drvmem_sweep_probe(test, c->drv, c->owner, c->points);
}

/*
 * Bind two devices of one driver side by side, then unbind both, under the
 * ledger: a probe that fails, two devices sharing one state or two caches
 * of one name, or anything left allocated is a finding.
 */
static void drvmem_unwind_two_devices(struct kunit *test, const char *drv,
				      const char *owner)
{
	struct platform_device *pdev[2];
	bool bound[2] = { };
	int i, ret;

	for (i = 0; i < 2; i++) {
		pdev[i] = drvmem_platform_device(test, drv);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev[i]);
	}
	drvmem_ledger_begin(test, owner);
	for (i = 0; i < 2; i++) {
		ret = drvmem_platform_bind(test, pdev[i]);
		bound[i] = !ret;
		if (ret)
			drvmem_finding(test, DRVMEM_FINDING_STEP_FAILED,
				       "%s: two devices: probe of %s, with %s bound, failed with %d",
				       drv, dev_name(&pdev[i]->dev),
				       dev_name(&pdev[!i]->dev), ret);
	}
	if (bound[0] && bound[1] &&
	    platform_get_drvdata(pdev[0]) == platform_get_drvdata(pdev[1]))
		drvmem_finding(test, DRVMEM_FINDING_PATTERN,
			       "%s: two devices share one state", drv);
	drvmem_caches_check_names(test, "two devices bound side by side");
	/* the last bound first: each device's memory in reverse order */
	for (i = 1; i >= 0; i--)
		if (bound[i])
			drvmem_platform_unbind(test, pdev[i]);
	drvmem_ledger_end(test);
	drvmem_ledger_check(test, "two devices bound side by side, then unbound");
}

/*
 * Pattern: the complete example, corrected (docs/errata.md, C1 and C2).
 * Test that two devices bind side by side, each with its own state and its
 * own slab cache, and that unbinding both leaves nothing.
 */
static void drvmem_unwind_two_devices_bind_side_by_side(struct kunit *test)
{
	const struct drvmem_unwind_case *c = test->param_value;

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_unwind_two_devices(test, c->drv, c->owner));
}

KUNIT_ARRAY_PARAM_DESC(drvmem_unwind_chapter, drvmem_broken_two_devices, bug);

/*
 * Pattern: the complete example as the chapter wrote it.  Test that its
 * mistakes that only a second device shows are flagged: a global state
 * (the first device's memory leaks) and a fixed cache name (the second
 * device's cache takes the first one's name in sysfs).
 */
static void drvmem_unwind_chapter_version_is_flagged(struct kunit *test)
{
	const struct drvmem_broken *b = test->param_value;

	KUNIT_ASSERT_EQ(test, drvmem_platform_driver(test, b->name, b->probe,
						     b->remove), 0);
	DRVMEM_EXPECT_FINDING(test, b->expect,
			      drvmem_unwind_two_devices(test, b->name, b->owner));
}

static struct kunit_case drvmem_unwind_test_cases[] = {
	KUNIT_CASE_PARAM(drvmem_unwind_remove_releases_everything,
			 drvmem_unwind_gen_params),
	KUNIT_CASE_PARAM(drvmem_unwind_probe_unwinds_at_every_fault_point,
			 drvmem_unwind_gen_params),
	KUNIT_CASE_PARAM(drvmem_unwind_two_devices_bind_side_by_side,
			 drvmem_unwind_gen_params),
	KUNIT_CASE_PARAM(drvmem_unwind_chapter_version_is_flagged,
			 drvmem_unwind_chapter_gen_params),
	{}
};

static struct kunit_suite drvmem_unwind_test_suite = {
	.name = "drvmem_unwind",
	.init = drvmem_kit_init,
	.test_cases = drvmem_unwind_test_cases,
};

kunit_test_suite(drvmem_unwind_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests for drvmem's goto-unwind reference drivers");
MODULE_LICENSE("GPL");
