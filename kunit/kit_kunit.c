// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit self-test of the drvmem kit: a check that cannot fail proves
 * nothing, so the sweep, the ledger and the tripwire are run on broken
 * drivers and must flag each one, and on a correct driver and must not.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/platform_device.h>
#include <kunit/test.h>
#include <linux/debug_locks.h>
#include <linux/kallsyms.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>

#include "kit/drvmem_kit.h"
#include "kit/symbols.h"
#include "broken/kit_broken.h"

KUNIT_ARRAY_PARAM_DESC(drvmem_kit_broken, drvmem_broken_unwind, bug);

/*
 * Pattern: the chapter's common errors in a goto unwind (a leak on an error
 * path, labels out of order, the one err bug, an unchecked allocation), in
 * remove (a forgotten free, frees out of order) and the wrong GFP flags for
 * the context.  Test that sweeping the broken probe flags the bug with the
 * expected message.  (Double free and use after free are in drvmem_kasan.)
 */
static void drvmem_kit_sweep_flags_broken_driver(struct kunit *test)
{
	drvmem_expect_broken_flagged(test, test->param_value);
}

/*
 * Test that the kit does not flag a correct driver: the managed DMA engine
 * (devm_kzalloc, dmam_alloc_coherent) sweeps clean.  drvmem_dma sweeps it
 * too, but it costs 5 ms; the chapter's complete example, which
 * drvmem_unwind sweeps, would cost a third of a second here.
 */
static void drvmem_kit_sweep_passes_correct_driver(struct kunit *test)
{
	DRVMEM_EXPECT_NO_FINDING(test,
				 drvmem_sweep_probe(test, "drvmem-dma-devm",
						    "drvmem_dma_", 3));
}

/*
 * Test that a sweep that reaches fewer fault points than the step makes
 * allocations is a failure, not a pass: the DMA engine's probe, the
 * cheapest of the reference drivers' to sweep, asked for 1000.
 */
static void drvmem_kit_sweep_flags_incomplete_sweep(struct kunit *test)
{
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_SWEEP_INCOMPLETE,
			      drvmem_sweep_probe(test, "drvmem-dma",
						 "drvmem_dma_", 1000));
}

/*
 * Pattern: "Test with memory debugging enabled".  Test that a warning
 * printed by the test's task fails the test (here: is captured).
 */
static void drvmem_kit_tripwire_flags_warning(struct kunit *test)
{
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_REPORT,
			      WARN(1, "drvmem: tripwire self-test\n"));
}

/*
 * Pattern: "Test with memory debugging enabled".  Test that a WARN() a test
 * provokes on purpose inside kunit_warning_suppress() does not trip the
 * tripwire and is counted, and that one after the block still trips it.
 */
static void drvmem_kit_tripwire_honours_warning_suppression(struct kunit *test)
{
	drvmem_capture_begin(test);
	kunit_warning_suppress(test) {
		WARN(1, "drvmem: suppressed on purpose\n");
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	drvmem_expect_finding_end(test, DRVMEM_NR_FINDING_KINDS,
				  "a WARN() inside kunit_warning_suppress()");

	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_REPORT,
			      WARN(1, "drvmem: after the suppression\n"));
}

/*
 * After kvmalloc() took the vmalloc path: the ledger holds one vmalloc
 * area and none of vmalloc's own slab objects, and kvfree() leaves it
 * clean, in order.
 */
static void drvmem_kit_expect_kvmalloc_ledger(struct kunit *test, void *p,
					      const char *what)
{
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE_MSG(test, is_vmalloc_addr(p),
			      "%s: kvmalloc() did not take the vmalloc path", what);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_VMALLOC), 1,
			    "%s: vmalloc areas recorded", what);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB), 0,
			    "%s: vmalloc's own slab objects recorded as the caller's",
			    what);
	drvmem_subject_kvfree(p);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, what));
}

/*
 * Pattern: kvmalloc() "falls back to vmalloc" for large sizes.  Test that
 * the ledger then records one vmalloc area, not vmalloc's own bookkeeping
 * (its vmap_area is freed lazily, after the test; the page array of an
 * area this large is a vmalloc of its own), and that kvfree() leaves
 * nothing outstanding and frees nothing foreign.
 */
static void drvmem_kit_ledger_follows_kvmalloc_fallback(struct kunit *test)
{
	drvmem_ledger_begin(test, "drvmem_subject_");
	/* beyond what kmalloc can give: kvmalloc() must use vmalloc */
	drvmem_kit_expect_kvmalloc_ledger(test,
					  drvmem_subject_kvmalloc(KMALLOC_MAX_SIZE * 2),
					  "kvmalloc beyond kmalloc, then kvfree");
}

/*
 * The same when kvmalloc() takes the vmalloc path because its kmalloc
 * failed, as it does at one point of every sweep: a small area, whose page
 * array is a kmalloc under vmalloc.
 */
static void drvmem_kit_ledger_follows_kvmalloc_after_failed_kmalloc(struct kunit *test)
{
	void *p;

	KUNIT_ASSERT_EQ(test, drvmem_fault_begin(test, NULL), 0);
	drvmem_ledger_begin(test, "drvmem_subject_");
	current->fail_nth = 1;
	p = drvmem_subject_kvmalloc(SZ_64K);
	drvmem_fault_end(test);
	drvmem_kit_expect_kvmalloc_ledger(test, p,
					  "kvmalloc with its kmalloc failed, then kvfree");
}

/*
 * Pattern: kvmalloc() "tries kmalloc first".  Test that a 64 KiB kvmalloc()
 * that kmalloc can give is one slab object in the ledger, though 6.12's
 * __do_kmalloc_node() traces a large kmalloc twice, and that kvfree()
 * leaves nothing outstanding.
 */
static void drvmem_kit_ledger_counts_a_large_kmalloc_once(struct kunit *test)
{
	void *p;

	drvmem_ledger_begin(test, "drvmem_subject_");
	p = drvmem_subject_kvmalloc(SZ_64K);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE_MSG(test, is_vmalloc_addr(p),
			       "kvmalloc of 64 KiB took the vmalloc path with memory to spare");
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB), 1,
			    "kvmalloc of 64 KiB: slab objects recorded");
	KUNIT_EXPECT_EQ(test, drvmem_ledger_outstanding(test, DRVMEM_VMALLOC), 0);
	drvmem_subject_kvfree(p);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, "kvmalloc by kmalloc, then kvfree"));
}

/* A test helper named like the code under test, to be told apart from it. */
static noinline void *drvmem_subject_test_helper_alloc(void)
{
	return kmalloc(SZ_64, GFP_KERNEL);
}

/*
 * Test that the ledger never takes drvmem's test code (a test helper, the
 * kit) for the code under test, whatever its name: a helper named with
 * the owner's prefix allocates beside the code under test, and only the
 * latter's allocation is recorded.
 */
static void drvmem_kit_ledger_ignores_test_code(struct kunit *test)
{
	void *helper, *subject;

	drvmem_ledger_begin(test, "drvmem_subject_");
	helper = drvmem_subject_test_helper_alloc();
	subject = drvmem_subject_kvmalloc(SZ_64);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB), 1,
			    "slab objects recorded: a test helper's was taken for the code under test's");
	kfree(helper);
	drvmem_subject_kvfree(subject);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test,
						    "a test helper beside the code under test"));
}

/* A step that keeps something after its undo: a counter, for held(). */
static int drvmem_kit_hold_run(struct kunit *test, void *ctx)
{
	(*(unsigned int *)ctx)++;
	return 0;
}

/* BUG: gives nothing back */
static void drvmem_kit_hold_undo(struct kunit *test, void *ctx)
{
}

static unsigned int drvmem_kit_hold_held(struct kunit *test, void *ctx)
{
	return *(unsigned int *)ctx;
}

/*
 * Test that a step's undo that leaves something behind that the step's
 * own held() counts (for a probe: devres entries) is a finding.
 */
static void drvmem_kit_sweep_flags_state_left_after_undo(struct kunit *test)
{
	static const struct drvmem_step step = {
		.name = "hold",
		.run = drvmem_kit_hold_run,
		.undo = drvmem_kit_hold_undo,
		.held = drvmem_kit_hold_held,
		.owner = "drvmem_subject_",
	};
	unsigned int *held = kunit_kzalloc(test, sizeof(*held), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, held);
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_HELD,
			      drvmem_sweep(test, &step, held));
}

/*
 * Test that a step that holds more than the ledger can record is a
 * finding of its own, not a silent pass.
 */
static void drvmem_kit_ledger_flags_overflow(struct kunit *test)
{
	void *hoard;

	drvmem_ledger_begin(test, "drvmem_subject_");
	hoard = drvmem_subject_hoard(600);
	drvmem_ledger_end(test);
	KUNIT_ASSERT_NOT_NULL(test, hoard);
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_OVERFLOW,
			      drvmem_ledger_check(test, "600 objects held"));
	drvmem_subject_hoard_free(hoard);
}

/*
 * Pattern: "Test with memory debugging enabled", kmemleak too.  Test that
 * a kmemleak report printed by the test's task is caught: telling kmemleak
 * that a pointer into the middle of an object is not a leak.
 */
static void drvmem_kit_tripwire_flags_kmemleak_report(struct kunit *test)
{
	const char *finding;
	char *buf;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "needs CONFIG_DEBUG_KMEMLEAK");
	buf = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_REPORT,
			      kmemleak_not_leak(buf + 8));
	finding = drvmem_captured(test, DRVMEM_FINDING_REPORT);
	KUNIT_EXPECT_TRUE_MSG(test, finding && strstr(finding, "kmemleak: "),
			      "the report is not kmemleak's: %s", finding);
}

#ifdef CONFIG_KASAN_GENERIC
static __no_sanitize_address s8 drvmem_kit_shadow(const void *p)
{
	return *(s8 *)kasan_mem_to_shadow(p);
}
#endif

/*
 * The hazard of a sweep: the debug machinery allocates too, and failing
 * its allocations would blind it.  Test that after sweeping the fuller
 * probe lockdep is still on, the stack depot still saves stacks, KASAN
 * still poisons freed memory and kmemleak still tracks allocations (the
 * sweep fails kmemleak's own object allocations too, as fail_nth counts
 * them: kmemleak then takes an object from its reserve pool).
 */
static void drvmem_kit_sweep_leaves_debug_machinery_working(struct kunit *test)
{
	drvmem_sweep_probe(test, "drvmem-full", "drvmem_full_", 8);

	if (IS_ENABLED(CONFIG_LOCKDEP))
		KUNIT_EXPECT_EQ_MSG(test, debug_locks, 1,
				    "lockdep turned itself off");

#ifdef CONFIG_STACKDEPOT
	{
		unsigned long entries[8], *saved;
		depot_stack_handle_t handle;
		unsigned int nr;

		nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
		handle = stack_depot_save(entries, nr, GFP_KERNEL);
		KUNIT_EXPECT_NE_MSG(test, handle, 0, "stack depot saves nothing");
		if (handle)
			KUNIT_EXPECT_EQ(test, stack_depot_fetch(handle, &saved), nr);
	}
#endif

#ifdef CONFIG_DEBUG_KMEMLEAK
	{
		/* mm/kmemleak.c keeps its state to itself: read it by name */
		int *enabled = (int *)drvmem_kit_lookup_name("kmemleak_enabled");

		KUNIT_ASSERT_NOT_NULL_MSG(test, enabled,
					  "no symbol kmemleak_enabled (CONFIG_KALLSYMS_ALL?)");
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(*enabled), 1,
				    "kmemleak turned itself off");
	}
#endif

#ifdef CONFIG_KASAN_GENERIC
	{
		char *p = kmalloc(64, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, drvmem_kit_shadow(p), 0);
		kfree(p);
		KUNIT_EXPECT_LT_MSG(test, drvmem_kit_shadow(p), 0,
				    "KASAN no longer poisons freed memory");
	}
#endif
}

/* allocations of the step below that cannot fail, each with a record */
#define DRVMEM_KIT_RECORDS	16

/* What the step below saw of the sweep's runs. */
struct drvmem_kit_records {
	/* runs in which a fault landed and the step saw nothing fail */
	unsigned int absorbed;
	/* fault points the sweep skipped between its runs, and the last aimed at */
	unsigned int skipped, last_aimed;
};

/*
 * A step of DRVMEM_KIT_RECORDS allocations that cannot fail (__GFP_NOFAIL
 * is no fault point), then one that can: every fault point before that
 * one is kmemleak's record of an allocation, or a slab page, which SLUB
 * retries at its smallest order.
 */
static int drvmem_kit_records_run(struct kunit *test, void *ctx)
{
	struct drvmem_kit_records *r = ctx;
	unsigned int aimed = READ_ONCE(current->fail_nth), i;
	void *obj[DRVMEM_KIT_RECORDS], *last;

	for (i = 0; i < ARRAY_SIZE(obj); i++)
		obj[i] = kmalloc(16, GFP_KERNEL | __GFP_NOFAIL);
	last = kmalloc(16, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(obj); i++)
		kfree(obj[i]);
	if (aimed) {
		if (last && !READ_ONCE(current->fail_nth))
			r->absorbed++;
		if (r->last_aimed)
			r->skipped += aimed - r->last_aimed - 1;
		r->last_aimed = aimed;
	}
	if (!last)
		return -ENOMEM;
	kfree(last);
	return 0;
}

/*
 * Every allocation under kmemleak makes kmemleak allocate a record of it,
 * a fault point that kmemleak absorbs (it takes the record from a pool of
 * its own).  Test that a sweep spends no run on those alone: a fault that
 * lands on a record is passed on to the next fault point, and the sweep
 * skips the points it passed.  One run per record would be 16 runs in
 * which a fault landed and the step saw nothing fail, and no point
 * skipped; a slab page may still absorb a fault or two.
 */
static void drvmem_kit_sweep_passes_kmemleak_faults_on(struct kunit *test)
{
	static const struct drvmem_step step = {
		.name = "records",
		.run = drvmem_kit_records_run,
		.owner = "drvmem_subject_",
	};
	struct drvmem_kit_records *r;
	int *enabled;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "needs CONFIG_DEBUG_KMEMLEAK");
	enabled = (int *)drvmem_kit_lookup_name("kmemleak_enabled");
	if (!enabled || !READ_ONCE(*enabled))
		kunit_skip(test, "kmemleak is off");
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);

	DRVMEM_EXPECT_NO_FINDING(test, drvmem_sweep(test, &step, r));
	KUNIT_EXPECT_GE_MSG(test, r->skipped, DRVMEM_KIT_RECORDS / 2,
			    "the sweep skipped %u fault points: no fault was passed on from kmemleak's records of %u allocations",
			    r->skipped, DRVMEM_KIT_RECORDS);
	KUNIT_EXPECT_LT_MSG(test, r->absorbed, DRVMEM_KIT_RECORDS / 4,
			    "%u of the sweep's runs failed nothing but kmemleak's records of %u allocations, or slab pages",
			    r->absorbed, DRVMEM_KIT_RECORDS);
}

KUNIT_DEFINE_ACTION_WRAPPER(drvmem_kit_cache_destroy_action,
			    kmem_cache_destroy, struct kmem_cache *);

/*
 * Runs that KASAN's quarantine must outlast (drvmem-full's sweep is about
 * 75).  Measured under UML, 2026-12-04: with make kunit's 115 MiB for the
 * kernel an object is held for 50 runs but not 60 on 6.12, 40 but not 50
 * on 7.2; with 85 MiB for 30 but not 40 on both; with 50 MiB for fewer
 * than 30; with kunit.py's whole 1 GiB for 200 or more.
 */
#define DRVMEM_KIT_QUARANTINE_RUNS	30

/*
 * Pattern: "Test with memory debugging enabled".  KASAN finds a use after
 * free only until the freed object is handed out again, and its quarantine
 * (1/32 of the kernel's memory; make kunit leaves UML's kernel about 115
 * MiB: ci/drvmem.sh) holds freed objects back.  Test that it holds one
 * through 30 runs of a sweep, drvmem-full's probe and remove each: a use
 * after free in a run, or of what one of the 30 runs before it freed, is
 * still found.  The object is the only one of a cache of its own: once KASAN
 * lets it go, the cache's next allocation returns it.  SLAB_STORE_USER
 * makes it a debug cache, which 7.2's SLUB gives no per-CPU sheaf: there
 * the next allocation would come from the sheaf, never the released object.
 */
static void drvmem_kit_quarantine_outlasts_runs(struct kunit *test)
{
	struct platform_device *pdev;
	struct kmem_cache *cache;
	void *obj, *again;
	int i, ret;

	if (!IS_ENABLED(CONFIG_KASAN_GENERIC))
		kunit_skip(test, "needs CONFIG_KASAN_GENERIC");
	cache = kmem_cache_create("drvmem_kit_quarantine", 64, 0,
				  SLAB_STORE_USER, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	ret = kunit_add_action_or_reset(test, drvmem_kit_cache_destroy_action,
					cache);
	KUNIT_ASSERT_EQ(test, ret, 0);
	pdev = drvmem_platform_device(test, "drvmem-full");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);

	obj = kmem_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	kmem_cache_free(cache, obj);
	for (i = 0; i < DRVMEM_KIT_QUARANTINE_RUNS; i++) {
		ret = drvmem_platform_bind(test, pdev);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "drvmem-full: probe failed");
		drvmem_platform_unbind(test, pdev);
	}
	again = kmem_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, again);
	kmem_cache_free(cache, again);
	KUNIT_EXPECT_PTR_NE_MSG(test, again, obj,
				"KASAN's quarantine let go of an object within %d runs of drvmem-full's probe and remove: a use after free of it would go unseen",
				DRVMEM_KIT_QUARANTINE_RUNS);
}

static struct kunit_case drvmem_kit_test_cases[] = {
	KUNIT_CASE_PARAM(drvmem_kit_sweep_flags_broken_driver,
			 drvmem_kit_broken_gen_params),
	KUNIT_CASE(drvmem_kit_sweep_passes_correct_driver),
	KUNIT_CASE(drvmem_kit_sweep_flags_incomplete_sweep),
	KUNIT_CASE(drvmem_kit_tripwire_flags_warning),
	KUNIT_CASE(drvmem_kit_tripwire_honours_warning_suppression),
	KUNIT_CASE(drvmem_kit_tripwire_flags_kmemleak_report),
	KUNIT_CASE(drvmem_kit_ledger_ignores_test_code),
	KUNIT_CASE(drvmem_kit_sweep_flags_state_left_after_undo),
	KUNIT_CASE(drvmem_kit_ledger_flags_overflow),
	KUNIT_CASE(drvmem_kit_ledger_follows_kvmalloc_fallback),
	KUNIT_CASE(drvmem_kit_ledger_follows_kvmalloc_after_failed_kmalloc),
	KUNIT_CASE(drvmem_kit_ledger_counts_a_large_kmalloc_once),
	KUNIT_CASE(drvmem_kit_sweep_leaves_debug_machinery_working),
	KUNIT_CASE(drvmem_kit_sweep_passes_kmemleak_faults_on),
	KUNIT_CASE(drvmem_kit_quarantine_outlasts_runs),
	{}
};

static struct kunit_suite drvmem_kit_test_suite = {
	.name = "drvmem_kit",
	.init = drvmem_kit_init,
	.test_cases = drvmem_kit_test_cases,
};

kunit_test_suite(drvmem_kit_test_suite);

MODULE_IMPORT_NS("DRVMEM_KIT_BUILTIN");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit self-test of the drvmem test kit");
MODULE_LICENSE("GPL");
