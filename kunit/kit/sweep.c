// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: the fault sweep.
 *
 * Runs a step (a probe, an open) with the n-th fault point of the test's
 * task failed, n = 1, 2, ..., then aims at every call of the code under
 * test that no run failed; after each run the ledger, the tripwire and
 * what the step still holds must be clean.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "kit_internal.h"

#define DRVMEM_SWEEP_MAX	1000
#define DRVMEM_SWEEP_CLEAN	3
/* aimed passes over missed calls, the later ones after an unaimed sweep */
#define DRVMEM_SWEEP_PASSES	3

/* After a step failed or was undone: nothing held, nothing reported. */
static void kit_sweep_check(struct kunit *test, const struct drvmem_step *step,
			    void *ctx, const char *where)
{
	struct drvmem_kit *kit = kit_of(test);
	unsigned int held;
	const char *left;

	kit_batch_where(kit, where);
	if (step->settle)
		step->settle(test, ctx);
	held = step->held ? step->held(test, ctx) : 0;
	if (held)
		drvmem_finding(test, DRVMEM_FINDING_HELD,
			       "%s: %u devres entries still held", where,
			       held);
	left = step->left ? step->left(test, ctx) : NULL;
	if (left)
		drvmem_finding(test, DRVMEM_FINDING_HELD, "%s: %s left behind",
			       where, left);
	drvmem_ledger_check(test, where);
	drvmem_tripwire_check(test);
}

/* Record what the step's code does, as the step asks. */
static void kit_sweep_ledger_begin(struct kunit *test,
				   const struct drvmem_step *step)
{
	drvmem_ledger_begin(test, step->owner);
	kit_ledger_any_order(kit_of(test), step->any_free_order);
}

/* Undo a successful step with the ledger recording, then check. */
static void kit_sweep_undo(struct kunit *test, const struct drvmem_step *step,
			   void *ctx, const char *where)
{
	struct drvmem_kit *kit = kit_of(test);
	char undone[DRVMEM_MSG_LEN];

	if (!step->undo)
		return;
	kit_ledger_resume(kit);
	step->undo(test, ctx);
	drvmem_ledger_end(test);
	scnprintf(undone, sizeof(undone), "%s, then undone", where);
	kit_sweep_check(test, step, ctx, undone);
}

/* The first call site that holds less than in @base, or NULL. */
static const struct kit_site *kit_missing(struct drvmem_kit *kit,
					  const struct kit_site *base,
					  unsigned int nr_base,
					  struct kit_site *now)
{
	unsigned int i, j, nr = kit_ledger_sites(kit, now);

	for (i = 0; i < nr_base; i++) {
		for (j = 0; j < nr && now[j].site != base[i].site; j++)
			;
		if (j == nr || now[j].count < base[i].count)
			return &base[i];
	}
	return NULL;
}

/* The state of one sweep. */
struct kit_sweep {
	const struct drvmem_step *step;
	void *ctx;
	struct kit_site base[DRVMEM_SITES], now[DRVMEM_SITES];
	unsigned long failed[DRVMEM_SITES];
	/* calls a fault under which made the step fail, not only absorbed */
	unsigned long stopped[DRVMEM_SITES];
	unsigned int nr_base, nr_failed, nr_stopped, runs;
	/* fault points the last run's fault was passed on over, and in all */
	unsigned int passed_on, all_passed_on;
	/* slab caches the baseline made (kit_caches_made()) */
	unsigned int base_caches;
	char where[DRVMEM_MSG_LEN];
};

static bool kit_site_in(const unsigned long *sites, unsigned int nr,
			unsigned long site)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (sites[i] == site)
			return true;
	return false;
}

static bool kit_site_failed(const struct kit_sweep *sw, unsigned long site)
{
	return kit_site_in(sw->failed, sw->nr_failed, site);
}

static bool kit_site_unfailable(const struct kit_site *s)
{
	return !strcmp(s->api, "alloc_percpu") || s->kind == DRVMEM_DMA_MAP ||
	       s->kind == DRVMEM_DMA_SG;
}

/*
 * Run the step once with its n-th fault point failed and check the result;
 * n == 0: with every fault point under the call the faults are aimed at
 * failed (kit_sweep_absorbed() sets that up).
 * Return: whether a fault was injected (the step reached n fault points).
 */
static bool kit_sweep_once(struct kunit *test, struct kit_sweep *sw,
			   unsigned int n)
{
	const struct drvmem_step *step = sw->step;
	struct drvmem_kit *kit = kit_of(test);
	const struct kit_site *missing;
	unsigned long site;
	const char *api;
	bool injected;
	int ret;

	kit_sweep_ledger_begin(test, step);
	kit_fault_forget_call(kit);
	if (n)
		kit_crash_where(kit, "%s, fault point %u", step->name, n);
	else
		kit_crash_where(kit, "%s, every fault point under one call",
				step->name);
	kit_fault_exempt(kit);
	kit_fault_nth_begin(kit, n);
	ret = step->run(test, sw->ctx);
	injected = kit_fault_nth_end(kit, &sw->passed_on);
	drvmem_ledger_end(test);
	sw->runs++;
	sw->all_passed_on += sw->passed_on;

	api = kit_fault_failed_call(kit, &site);
	if (!n)
		injected = !!api;
	if (!injected)
		scnprintf(sw->where, sizeof(sw->where),
			  "%s with no fault injected", step->name);
	else if (!n)
		scnprintf(sw->where, sizeof(sw->where),
			  "%s, every fault point under the %s from %pS failed",
			  step->name, api, (void *)site);
	else if (api)
		scnprintf(sw->where, sizeof(sw->where),
			  "%s, fault point %u (%s from %pS)", step->name,
			  n + sw->passed_on, api, (void *)site);
	else
		scnprintf(sw->where, sizeof(sw->where),
			  "%s, fault point %u (inside the kernel)", step->name,
			  n + sw->passed_on);
	if (injected && api && sw->nr_failed < DRVMEM_SITES &&
	    !kit_site_failed(sw, site))
		sw->failed[sw->nr_failed++] = site;
	if (injected && api && ret && sw->nr_stopped < DRVMEM_SITES &&
	    !kit_site_in(sw->stopped, sw->nr_stopped, site))
		sw->stopped[sw->nr_stopped++] = site;
	kit_batch_where(kit, sw->where);

	if (!injected && ret) {
		drvmem_finding(test, DRVMEM_FINDING_STEP_FAILED,
			       "%s: failed with %d", sw->where, ret);
	} else if (injected && !ret) {
		/* success is fine if the kernel absorbed the fault */
		missing = kit_missing(kit, sw->base, sw->nr_base, sw->now);
		if (missing)
			drvmem_finding(test, DRVMEM_FINDING_UNCHECKED,
				       "%s: returned 0 without the %s from %pS: a missing NULL check?",
				       sw->where, missing->api,
				       (void *)missing->site);
		else if (kit_caches_made(kit) < sw->base_caches)
			drvmem_finding(test, DRVMEM_FINDING_UNCHECKED,
				       "%s: returned 0 without the slab cache it makes with no fault injected: a missing NULL check after kmem_cache_create()?",
				       sw->where);
	}
	if (ret)
		kit_sweep_check(test, step, sw->ctx, sw->where);
	else
		kit_sweep_undo(test, step, sw->ctx, sw->where);
	kit_crash_clear(kit);
	return injected;
}

/*
 * Sweep fault points 1, 2, ... until several runs in a row reach none.  A
 * run whose fault a detector's own allocation passed on
 * (kit_fault_alloc_traced()) has failed the points after it up to the one
 * it was passed to, too.
 */
static unsigned int kit_sweep_all(struct kunit *test, struct kit_sweep *sw)
{
	unsigned int n, clean = 0, points = 0;

	for (n = 1; n <= DRVMEM_SWEEP_MAX && clean < DRVMEM_SWEEP_CLEAN;
	     n += 1 + sw->passed_on) {
		if (kit_sweep_once(test, sw, n)) {
			points = n + sw->passed_on;
			clean = 0;
		} else {
			clean++;
		}
	}
	return points;
}

/*
 * A call whose every injected fault the kernel absorbed (kvmalloc() falls
 * back to vmalloc when its kmalloc fails) never returned failure to the
 * code under test, so its NULL check was never tried.  Run the step once
 * more with every fault point under that call failed.
 * Return: the number of such runs.
 */
static unsigned int kit_sweep_absorbed(struct kunit *test, struct kit_sweep *sw)
{
	struct drvmem_kit *kit = kit_of(test);
	unsigned int i, runs = 0;

	for (i = 0; i < sw->nr_base; i++) {
		const struct kit_site *b = &sw->base[i];

		if (!kit_site_failed(sw, b->site) ||
		    kit_site_in(sw->stopped, sw->nr_stopped, b->site))
			continue;
		drvmem_fault_end(test);
		KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, sw->step->subject), 0);
		kit_fault_require(kit, b->site, b->site + 1);
		kit_sweep_once(test, sw, 0);
		runs++;
	}
	return runs;
}

/* Is a call of the baseline that can fail still not failed by any run? */
static bool kit_sweep_missed(struct kit_sweep *sw)
{
	unsigned int i;

	for (i = 0; i < sw->nr_base; i++)
		if (!kit_site_failed(sw, sw->base[i].site) &&
		    !kit_site_unfailable(&sw->base[i]))
			return true;
	return false;
}

/* Say which calls of the code under test the sweep failed, in the log. */
static void kit_sweep_report(struct kunit *test, const struct kit_sweep *sw)
{
	char calls[DRVMEM_MSG_LEN * 2];
	unsigned int i, nr = 0;
	size_t len = 0;

	for (i = 0; i < sw->nr_base; i++) {
		const struct kit_site *b = &sw->base[i];

		if (!kit_site_failed(sw, b->site))
			continue;
		len += scnprintf(calls + len, sizeof(calls) - len, "%s%s from %pS",
				 nr++ ? ", " : "", b->api, (void *)b->site);
	}
	kunit_info(test, "%s: failed %u of the %u calls it holds: %s\n",
		   sw->step->name, nr, sw->nr_base, nr ? calls : "none");
}

/**
 * drvmem_sweep() - run a step with each of its fault points failed in turn
 * @test: the test
 * @step: the step, its undo and what it is
 * @ctx: passed to @step's functions
 *
 * First runs @step with nothing failed, as the baseline of what it holds.
 * Then, for n = 1, 2, ...: runs @step with the n-th fault point failed.  The
 * step must return an error, leave nothing allocated (ledger) and print no
 * warning (tripwire); if it succeeds anyway, it must hold everything the
 * baseline held (the kernel may absorb a fault, e.g. vmalloc retries a
 * page), else it lost a resource: a missing NULL check.  Every success is
 * undone with @step->undo, after which the ledger must be empty.
 *
 * The number of fault points before a given call varies between runs (a
 * slab needs a new page only when full, a vmalloc preloads a node only when
 * it has none), so counting alone can step over a call.  The sweep goes on
 * until several runs in a row reach no n-th point, then aims at each call
 * of the baseline that no run failed: only fault points under that call
 * count, 1, 2, ... again.  The stack filter behind that aim is not reliable
 * everywhere (UML), so a call still missed gets up to two more unaimed
 * passes.  A call that still never failed is a finding.  Last, a call
 * whose every injected fault was absorbed (the step still succeeded, as
 * kvmalloc() does by falling back to vmalloc) runs once more with every
 * fault point under it failed, so that its NULL check is tried too.
 *
 * Every allocation the code under test makes has kmemleak allocate a
 * record of it, a fault point of its own that kmemleak absorbs (it falls
 * back to a pool): a fault that lands there is passed on to the next fault
 * point in the same run, and the sweep skips that one, so that no run is
 * spent on kmemleak's records alone.  (Other faults the kernel absorbs, a
 * slab page SLUB retries at a smaller order, still cost a run each.)
 *
 * Return: the number of runs with a fault injected.
 */
unsigned int drvmem_sweep(struct kunit *test, const struct drvmem_step *step,
			  void *ctx)
{
	struct drvmem_kit *kit = kit_of(test);
	unsigned int i, pass, points, absorbed, injected = 0;
	struct kit_sweep *sw;
	u64 start;
	int ret;

	sw = kunit_kzalloc(test, sizeof(*sw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sw);
	sw->step = step;
	sw->ctx = ctx;

	/* the baseline: what the step holds when nothing fails */
	kit_batch_begin(kit);
	kit_sweep_ledger_begin(test, step);
	ret = step->run(test, ctx);
	drvmem_ledger_end(test);
	if (ret) {
		kit_batch_end(kit);
		drvmem_finding(test, DRVMEM_FINDING_STEP_FAILED,
			       "%s failed with %d with no fault injected",
			       step->name, ret);
		return 0;
	}
	sw->nr_base = kit_ledger_sites(kit, sw->base);
	sw->base_caches = kit_caches_made(kit);
	scnprintf(sw->where, sizeof(sw->where), "%s with no fault injected",
		  step->name);
	kit_sweep_undo(test, step, ctx, sw->where);

	ret = drvmem_fault_begin(test, step->subject);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s: fault injection cannot be aimed",
			    step->name);
	start = ktime_get_ns();
	points = kit_sweep_all(test, sw);
	for (pass = 0; pass < DRVMEM_SWEEP_PASSES && kit_sweep_missed(sw); pass++) {
		if (pass) {
			/* unaimed again, from the step's own range */
			drvmem_fault_end(test);
			KUNIT_ASSERT_EQ(test, drvmem_fault_begin(test, step->subject), 0);
			injected += kit_sweep_all(test, sw);
		}
		for (i = 0; i < sw->nr_base; i++) {
			struct kit_site *b = &sw->base[i];

			if (kit_site_failed(sw, b->site) || kit_site_unfailable(b))
				continue;
			kit_fault_require(kit, b->site, b->site + 1);
			injected += kit_sweep_all(test, sw);
		}
	}
	absorbed = kit_sweep_absorbed(test, sw);
	kit_batch_end(kit);
	drvmem_fault_end(test);

	kunit_info(test, "%s: swept %u fault points (%u more by aiming at single calls, with %u repeated sweeps; %u calls that absorbed every fault failed whole; %u faults passed on by detectors' own allocations) in %u runs, %llu us\n",
		   step->name, points, injected, pass ? pass - 1 : 0, absorbed,
		   sw->all_passed_on, sw->runs,
		   div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
	kit_sweep_report(test, sw);
	for (i = 0; i < sw->nr_base; i++) {
		struct kit_site *b = &sw->base[i];

		if (kit_site_failed(sw, b->site))
			continue;
		if (kit_site_unfailable(b))
			kunit_info(test,
				   "%s: %s from %pS has no allocation fault point; its unwind is reached by failing a later step\n",
				   step->name, b->api, (void *)b->site);
		else
			drvmem_finding(test, DRVMEM_FINDING_SWEEP_INCOMPLETE,
				       "%s: the %s from %pS never failed: the sweep did not reach it",
				       step->name, b->api, (void *)b->site);
	}
	if (points < step->min_points)
		drvmem_finding(test, DRVMEM_FINDING_SWEEP_INCOMPLETE,
			       "%s reached %u fault points, fewer than the %u failable allocations it makes: the sweep is incomplete",
			       step->name, points, step->min_points);
	return points + injected;
}
EXPORT_SYMBOL_GPL(drvmem_sweep);
