// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: fault injection.
 *
 * Aims the kernel's own allocation fault points (failslab and
 * fail_page_alloc, through the task's fail_nth) at the code under test:
 * sleeping allocations and order-0 pages made failable, DMA-API
 * debugging's bookkeeping (or, without it, the stack depot's) never failed,
 * a fault that lands on kmemleak's record of an object passed on to the
 * next fault point, one line per injected fault so that the kit can name
 * the call it failed.  DMA mappings, which allocate nothing, fail by
 * narrowing the device's addressing.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/kallsyms.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/string.h>

#include "kit_internal.h"

static bool drvmem_fault_attr_init(struct drvmem_fault_attr *a, const char *dir)
{
	a->dir = dir;
	a->ignore_gfp_wait = kit_knob(dir, "ignore-gfp-wait");
	a->task_filter = kit_knob(dir, "task-filter");
	a->probability = kit_knob(dir, "probability");
	a->interval = kit_knob(dir, "interval");
	a->verbose = kit_knob(dir, "verbose");
	a->times = kit_knob(dir, "times");
	a->require_start = kit_knob(dir, "require-start");
	a->require_end = kit_knob(dir, "require-end");
	a->reject_start = kit_knob(dir, "reject-start");
	a->reject_end = kit_knob(dir, "reject-end");
	a->ratelimit = kit_knob(dir, "verbose_ratelimit_interval_ms");
	return a->ratelimit && a->ignore_gfp_wait && a->task_filter && a->probability &&
	       a->interval && a->verbose && a->times && a->require_start &&
	       a->require_end && a->reject_start && a->reject_end;
}

static void drvmem_fault_attr_save(struct drvmem_fault_attr *a)
{
	a->saved = (struct drvmem_fault_knobs) {
		.ignore_gfp_wait = *a->ignore_gfp_wait,
		.task_filter = *a->task_filter,
		.probability = *a->probability,
		.interval = *a->interval,
		.verbose = *a->verbose,
		.times = atomic_read(a->times),
		.require_start = *a->require_start,
		.require_end = *a->require_end,
		.reject_start = *a->reject_start,
		.reject_end = *a->reject_end,
		.ratelimit = *a->ratelimit,
	};
}

static void drvmem_fault_attr_restore(struct drvmem_fault_attr *a)
{
	*a->ignore_gfp_wait = a->saved.ignore_gfp_wait;
	*a->task_filter = a->saved.task_filter;
	*a->probability = a->saved.probability;
	*a->interval = a->saved.interval;
	*a->verbose = a->saved.verbose;
	atomic_set(a->times, a->saved.times);
	*a->require_start = a->saved.require_start;
	*a->require_end = a->saved.require_end;
	*a->reject_start = a->saved.reject_start;
	*a->reject_end = a->saved.reject_end;
	*a->ratelimit = a->saved.ratelimit;
}

/**
 * kit_fault_note_call() - name the owner's call a fault failed
 * @kit: the kit
 * @site: the owner's call site
 * @api: the API it called
 *
 * The first call noted since kit_fault_forget_call() is kept.
 */
void kit_fault_note_call(struct drvmem_kit *kit, unsigned long site,
			 const char *api)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->fault.lock, flags);
	if (!kit->fault.failed_site) {
		kit->fault.failed_site = site;
		strscpy(kit->fault.failed_api, api, sizeof(kit->fault.failed_api));
	}
	raw_spin_unlock_irqrestore(&kit->fault.lock, flags);
}

/**
 * kit_fault_injected() - an injected fault announced itself
 * @kit: the kit
 *
 * fail_dump() prints its line in the task whose allocation is being
 * failed, before the allocator returns: the stack names the owner's call
 * exactly, even for failures that leave no trace event (a page allocation
 * failed by fail_page_alloc returns before its tracepoint).
 */
void kit_fault_injected(struct drvmem_kit *kit)
{
	unsigned long site;
	const char *api;

	/* not a detector's allocation: those ask for no warning */
	WRITE_ONCE(kit->fault.nth_pending, false);
	if (kit_ledger_owner_call(kit, &site, &api))
		kit_fault_note_call(kit, site, api);
	kit_ledger_teardown(kit);
}

/**
 * kit_fault_failed_call() - the owner's call the fault failed
 * @kit: the kit
 * @site: set to its call site
 *
 * Return: the API's name, or NULL if no call of the owner was failed.
 */
const char *kit_fault_failed_call(struct drvmem_kit *kit, unsigned long *site)
{
	*site = kit->fault.failed_site;
	return *site ? kit->fault.failed_api : NULL;
}

/**
 * kit_fault_forget_call() - forget the failed call, before a new run
 * @kit: the kit
 */
void kit_fault_forget_call(struct drvmem_kit *kit)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->fault.lock, flags);
	kit->fault.failed_site = 0;
	kit->fault.failed_api[0] = '\0';
	raw_spin_unlock_irqrestore(&kit->fault.lock, flags);
}

/**
 * kit_fault_dma_mapped() - count a mapping under a DMA fault
 * @kit: the kit
 * @dev: the device mapped for
 *
 * Narrows the device once the mappings before the n-th one are done.
 */
void kit_fault_dma_mapped(struct drvmem_kit *kit, struct device *dev)
{
	struct kit_fault *f = &kit->fault;

	if (!kit_in_test_task(kit) || dev != f->dma_dev || !f->dma_nth)
		return;
	if (++f->dma_seen == f->dma_nth - 1)
		dev->bus_dma_limit = 1;
}

/**
 * drvmem_fault_begin() - aim the kernel's allocation fault injection
 * @test: the test
 * @subject: only fault points reached with this function on the call stack
 *	count; NULL for every fault point of the test's task
 *
 * Makes sleeping allocations (GFP_KERNEL) and order-0 pages failable,
 * confines failures to @subject, exempts DMA-API debugging's bookkeeping
 * (or, without it, the stack depot's), and has each injected fault announce itself in
 * one line without a stack dump, so that the kit can tell which call of the
 * code under test it failed.
 * Nothing fails until the task's fail_nth is set (drvmem_sweep() does) or
 * drvmem_fault_fail_always() is called.  Undone by drvmem_fault_end(), or
 * when the test ends.
 *
 * Return: 0; -EBUSY if already aimed (no drvmem_fault_end() since);
 * -ENOENT if @subject or DMA-API debugging's add_dma_entry() has no symbol.
 */
int drvmem_fault_begin(struct kunit *test, const void *subject)
{
	struct drvmem_kit *kit = kit_of(test);
	unsigned long start = 0, end = ULONG_MAX, size, offset;
	unsigned long reject_start = 0, reject_end = 0;
	unsigned int i;

	if (kit->fault.armed)
		return -EBUSY;
	if (subject) {
		if (!drvmem_kit_lookup_size_offset((unsigned long)subject,
						   &size, &offset))
			return -ENOENT;
		start = (unsigned long)subject - offset;
		end = start + size;
	}
	/*
	 * One function can be exempt.  DMA-API debugging, when on, turns
	 * itself off for good when its own allocation fails; the stack depot
	 * (KASAN, page_owner) only loses one stack.
	 */
	if (IS_ENABLED(CONFIG_DMA_API_DEBUG))
		reject_start = drvmem_kit_lookup_name("add_dma_entry");
#ifdef CONFIG_STACKDEPOT
	else
		reject_start = (unsigned long)stack_depot_save_flags;
#endif
	if (reject_start &&
	    drvmem_kit_lookup_size_offset(reject_start, &size, &offset))
		reject_end = reject_start + size;
	else
		reject_start = 0;
	/* else the sweep would fail DMA-API debugging's own allocations */
	if (!reject_end && IS_ENABLED(CONFIG_DMA_API_DEBUG))
		return -ENOENT;
	for (i = 0; i < ARRAY_SIZE(kit->fault.attr); i++) {
		struct drvmem_fault_attr *a = &kit->fault.attr[i];

		drvmem_fault_attr_save(a);
		*a->ignore_gfp_wait = false;
		/* one line per injected fault, for kit_note_injection() */
		*a->verbose = 1;
		*a->ratelimit = 0;
		*a->require_start = start;
		*a->require_end = end;
	}
	kit->fault.reject_start = reject_start;
	kit->fault.reject_end = reject_end;
	kit->fault.saved_min_order = *kit->fault.min_order;
	*kit->fault.min_order = 0;
	kit->fault.armed = true;
	kit_fault_exempt(kit);
	return 0;
}
EXPORT_SYMBOL_GPL(drvmem_fault_begin);

static void kit_fault_reject(struct kit_fault *f, bool on)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(f->attr); i++) {
		*f->attr[i].reject_start = on ? f->reject_start : 0;
		*f->attr[i].reject_end = on ? f->reject_end : 0;
	}
	WRITE_ONCE(f->rejecting, on);
}

/**
 * kit_fault_exempt() - lift the exemption until the next DMA API call
 * @kit: the kit
 *
 * Called by drvmem_fault_begin() and before each run of a sweep.  The
 * exemption is the stack filter's reject range, and a stack filter walks
 * the stack at every allocation the task makes while a fault is pending:
 * on UML the whole stack, each time (dump_trace()).  DMA-API debugging
 * allocates only inside a DMA API call, which the ledger's probes see
 * first (kit_fault_dma_call()), so the range is off until then: with no
 * subject, the kernel walks no stack at all.  The stack depot, exempt
 * without DMA-API debugging, can allocate at any time: its range stays.
 */
void kit_fault_exempt(struct drvmem_kit *kit)
{
	struct kit_fault *f = &kit->fault;

	if (f->armed)
		kit_fault_reject(f, !IS_ENABLED(CONFIG_DMA_API_DEBUG));
}

/**
 * kit_fault_dma_call() - DMA-API debugging's bookkeeping comes: exempt it
 * @kit: the kit
 *
 * Called by the ledger's probes of the DMA API's events (dma_alloc,
 * dma_alloc_pages, dma_alloc_sgt, dma_map_phys, dma_map_sg, and 6.12's
 * dma_map_resource): each DMA API call traces its event just before
 * DMA-API debugging records the call (add_dma_entry()), which allocates.
 * The exemption then holds until the next kit_fault_exempt().
 */
void kit_fault_dma_call(struct drvmem_kit *kit)
{
	struct kit_fault *f = &kit->fault;

	if (READ_ONCE(f->armed) && !READ_ONCE(f->rejecting) &&
	    current == kit->task)
		kit_fault_reject(f, true);
}

/**
 * kit_fault_nth_begin() - fail the n-th fault point of the test's task
 * @kit: the kit
 * @n: the fault point, counted from 1; 0 for none
 *
 * For one run of a sweep; kit_fault_nth_end() ends it.
 */
void kit_fault_nth_begin(struct drvmem_kit *kit, unsigned int n)
{
	kit->fault.passed_on = 0;
	WRITE_ONCE(kit->fault.nth_pending, n != 0);
	WRITE_ONCE(current->fail_nth, n);
}

/**
 * kit_fault_nth_end() - stop failing fault points of the test's task
 * @kit: the kit
 * @passed_on: set to the number of fault points that passed the fault on
 *	(kit_fault_alloc_traced())
 *
 * Return: whether the run reached the fault point kit_fault_nth_begin()
 * aimed at (after passing it on, the one it was passed to).
 */
bool kit_fault_nth_end(struct drvmem_kit *kit, unsigned int *passed_on)
{
	bool injected = !READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	WRITE_ONCE(kit->fault.nth_pending, false);
	*passed_on = kit->fault.passed_on;
	return injected;
}

/**
 * kit_fault_alloc_traced() - an allocation returned: pass its fault on?
 * @kit: the kit
 * @s: the allocation's slab cache, or NULL (kmalloc(), pages)
 * @failed: whether it returned NULL
 *
 * Called by the ledger's probes of kmalloc(), kmem_cache_alloc() and the
 * page allocator.  kmemleak records each object it tracks in an object
 * of its own cache, allocated inside the object's allocation and traced
 * before it; when that fails, kmemleak takes the record from a pool of
 * its own and the object's allocation succeeds all the same.  A sweep
 * that failed the record alone would run the code under test once more
 * with nothing failed that it could see: for every allocation the code
 * makes, one such run.  So when the fault a sweep's run aims at
 * (kit_fault_nth_begin()) lands on a detector's own allocation (a cache
 * marked SLAB_NOLEAKTRACE: kmemleak's, debugobjects'), it is passed on to
 * the next fault point, in the same run: kmemleak's fallback is still
 * taken, and the sweep (kit_sweep_all()) skips the point it was passed
 * to.  The first allocation traced after the fault landed anywhere else
 * ends the passing, so that a detector's allocation that fails later
 * (they ask for no retries) is not taken for the aimed fault.
 */
void kit_fault_alloc_traced(struct drvmem_kit *kit,
			    const struct kmem_cache *s, bool failed)
{
	struct kit_fault *f = &kit->fault;

	if (!READ_ONCE(f->nth_pending) || !kit_in_test_task(kit) ||
	    READ_ONCE(current->fail_nth))
		return;
	if (!failed || !s || !kit_cache_of_detector(s)) {
		WRITE_ONCE(f->nth_pending, false);
		return;
	}
	f->passed_on++;
	WRITE_ONCE(current->fail_nth, 1);
}

/**
 * drvmem_fault_fail_always() - fail every fault point until the end
 * @test: the test
 * @subject: as for drvmem_fault_begin()
 *
 * Calls drvmem_fault_begin() if needed, then makes every allocation fault
 * point reached by the test's task with @subject on the stack fail (the
 * allocator "is failing"), until drvmem_fault_end().
 *
 * Return: 0, or drvmem_fault_begin()'s errno.
 */
int drvmem_fault_fail_always(struct kunit *test, const void *subject)
{
	struct drvmem_kit *kit = kit_of(test);
	unsigned int i;
	int ret;

	if (!kit->fault.armed) {
		ret = drvmem_fault_begin(test, subject);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(kit->fault.attr); i++) {
		struct drvmem_fault_attr *a = &kit->fault.attr[i];

		*a->task_filter = true;
		*a->interval = 1;
		atomic_set(a->times, -1);
		*a->probability = 100;
	}
	current->make_it_fail = 1;
	return 0;
}
EXPORT_SYMBOL_GPL(drvmem_fault_fail_always);

/**
 * kit_fault_exit() - put fault injection back as it was
 * @kit: the kit
 */
void kit_fault_exit(struct drvmem_kit *kit)
{
	unsigned int i;

	current->make_it_fail = 0;
	current->fail_nth = 0;
	kit->fault.nth_pending = false;
	if (kit->fault.dma_dev) {
		kit->fault.dma_dev->bus_dma_limit = kit->fault.dma_saved_limit;
		put_device(kit->fault.dma_dev);
		kit->fault.dma_dev = NULL;
		kit->fault.dma_nth = 0;
		kit_tripwire_allow(kit, NULL);
	}
	if (!kit->fault.armed)
		return;
	for (i = 0; i < ARRAY_SIZE(kit->fault.attr); i++)
		drvmem_fault_attr_restore(&kit->fault.attr[i]);
	*kit->fault.min_order = kit->fault.saved_min_order;
	kit->fault.armed = false;
}

/**
 * drvmem_fault_end() - put fault injection back as it was
 * @test: the test
 *
 * Also ends a DMA mapping fault started by drvmem_dma_fail_nth().
 */
void drvmem_fault_end(struct kunit *test)
{
	kit_fault_exit(kit_of(test));
}
EXPORT_SYMBOL_GPL(drvmem_fault_end);

/* "WARNING: ... at kernel/dma/direct.h:103 dma_map_page_attrs+...", or swiotlb's */
static const char * const kit_dma_overflow[] = {
	"kernel/dma/direct.h", "kernel/dma/swiotlb.c", NULL,
};

/**
 * drvmem_dma_fail_nth() - make DMA mappings of a device fail from the n-th on
 * @test: the test
 * @dev: the device whose mappings fail
 * @nth: the first mapping (dma_map_single/page/sg by the test's task) to fail
 *
 * dma_map_* allocates nothing, so no allocation fault point reaches it.
 * Instead, once @nth - 1 mappings of @dev succeeded, the kit narrows the
 * device's addressing (bus_dma_limit) so that dma-direct refuses every
 * further mapping with DMA_MAPPING_ERROR, until drvmem_fault_end() or the
 * end of the test.  dma-direct's one-time warning about the refused address
 * is expected and does not trip the tripwire.  With @nth = 1 the device is
 * narrowed at once, so its coherent allocations fail too.
 *
 * Return: 0; -EINVAL for @nth 0; -EBUSY if a DMA fault is already armed.
 */
int drvmem_dma_fail_nth(struct kunit *test, struct device *dev,
			unsigned int nth)
{
	struct drvmem_kit *kit = kit_of(test);

	if (!nth)
		return -EINVAL;
	if (kit->fault.dma_dev)
		return -EBUSY;
	kit->fault.dma_saved_limit = dev->bus_dma_limit;
	kit->fault.dma_seen = 0;
	kit->fault.dma_nth = nth;
	kit_tripwire_allow(kit, kit_dma_overflow);
	/* held: a test that stops early may free the device before the kit */
	kit->fault.dma_dev = get_device(dev);
	if (nth == 1)
		dev->bus_dma_limit = 1;
	return 0;
}
EXPORT_SYMBOL_GPL(drvmem_dma_fail_nth);

/**
 * kit_fault_require() - fail only under one call site (or everywhere)
 * @kit: the kit
 * @start: start of the text range a fault point's stack must reach
 * @end: its end
 */
void kit_fault_require(struct drvmem_kit *kit, unsigned long start,
		       unsigned long end)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kit->fault.attr); i++) {
		*kit->fault.attr[i].require_start = start;
		*kit->fault.attr[i].require_end = end;
	}
}

/**
 * kit_fault_init() - find the fault-injection knobs
 * @kit: the kit
 *
 * Return: 0, or -ENODEV without failslab, fail_page_alloc and their
 * debugfs knobs.
 */
int kit_fault_init(struct drvmem_kit *kit)
{
	struct kit_fault *f = &kit->fault;

	raw_spin_lock_init(&f->lock);
	if (!drvmem_fault_attr_init(&f->attr[0], "failslab") ||
	    !drvmem_fault_attr_init(&f->attr[1], "fail_page_alloc"))
		return -ENODEV;
	f->min_order = kit_knob("fail_page_alloc", "min-order");
	return f->min_order ? 0 : -ENODEV;
}
