// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: the tripwire.
 *
 * Watches the console for WARNING:/BUG:/DMA-API/lockdep/kmemleak reports
 * printed by the test's task, and DMA-API debugging's error counter, and
 * turns them into findings.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/printk.h>

#include "kit_internal.h"

static bool kit_is_report(const char *text, size_t len)
{
	static const char * const marks[] = {
		"WARNING:", "BUG:", "DMA-API:", "UBSAN:", "Oops",
		"INFO:",	/* lockdep, hung tasks, RCU stalls */
		"kmemleak: ",	/* it lost track of an object, or gave up */
		"Unexpected gfp:",	/* slab: a zone flag kmalloc refuses */
	};
	/* what an injected fault costs kmemleak, which stays on */
	static const char kmemleak_degraded[] =
		"kmemleak: Cannot allocate a scan area";
	unsigned int i;

	if (strnstr(text, kmemleak_degraded, len))
		return false;
	if (len > 4 && !strncmp(text, "BUG ", 4))	/* SLUB: "BUG kmalloc-64 (...)" */
		return true;
	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (strnstr(text, marks[i], len))
			return true;
	return false;
}

static bool kit_allowed(struct drvmem_kit *kit, const char *text, size_t len)
{
	const char * const *allow;

	for (allow = kit->trip.allow; allow && *allow; allow++)
		if (strnstr(text, *allow, len))
			return true;
	return false;
}

/* Called with kit->trip.lock held. */
static void kit_trip_append(struct drvmem_kit *kit, const char *text,
			    size_t len)
{
	size_t used = strlen(kit->trip.first);

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if (used && used < sizeof(kit->trip.first) - 3) {
		memcpy(kit->trip.first + used, " / ", 3);
		used += 3;
	}
	len = min(len, sizeof(kit->trip.first) - 1 - used);
	memcpy(kit->trip.first + used, text, len);
	kit->trip.first[used + len] = '\0';
}

#ifdef DRVMEM_KIT_SUPPRESSES_WARNINGS
struct kunit_suppressed_warning {
	struct drvmem_kit *kit;
	struct kunit *test;
	atomic_t counter;
};

/* a WARN() of the test's task inside kunit_warning_suppress(): counted */
static bool kit_suppressed(struct drvmem_kit *kit, const char *text, size_t len)
{
	struct kunit_suppressed_warning *w = READ_ONCE(kit->trip.suppressed);

	if (!w || !strnstr(text, "WARNING:", len))
		return false;
	atomic_inc(&w->counter);
	return true;
}
#else
/* the kernel's kunit_warning_suppress() keeps such WARN()s off the console */
static bool kit_suppressed(struct drvmem_kit *kit, const char *text, size_t len)
{
	return false;
}
#endif

static void kit_on_console(void *data, const char *text, size_t len)
{
	struct drvmem_kit *kit = data;
	unsigned long flags;

	if (kit_in_test_task(kit) && len >= 24 &&
	    !strncmp(text, "FAULT_INJECTION: forcing", 24)) {
		kit_fault_injected(kit);
		return;
	}

	if (!kit_in_test_task(kit) || kit_reporting(kit))
		return;
	if (kit_suppressed(kit, text, len))
		return;
	raw_spin_lock_irqsave(&kit->trip.lock, flags);
	if (kit->trip.trip_next) {
		/* on UML a WARN prints its message after the WARNING: line */
		kit->trip.trip_next = false;
		kit_trip_append(kit, text, len);
	}
	raw_spin_unlock_irqrestore(&kit->trip.lock, flags);
	if (!kit_is_report(text, len) || kit_allowed(kit, text, len))
		return;
	raw_spin_lock_irqsave(&kit->trip.lock, flags);
	if (!kit->trip.trips++) {
		kit->trip.first[0] = '\0';
		kit_trip_append(kit, text, len);
		kit->trip.trip_next = true;
	}
	raw_spin_unlock_irqrestore(&kit->trip.lock, flags);
}

KIT_TRACE_WRAPPERS(console)

static const struct kit_probe kit_tripwire_probes[] = { KIT_PROBE(console) };

/**
 * kit_tripwire_check() - turn what was printed since the last check into
 *	findings
 * @kit: the kit
 *
 * Return: true when nothing was reported.
 */
bool kit_tripwire_check(struct drvmem_kit *kit)
{
	char trip[DRVMEM_MSG_LEN];
	unsigned int trips, errors = 0;
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->trip.lock, flags);
	trips = kit->trip.trips;
	strscpy(trip, kit->trip.first, sizeof(trip));
	kit->trip.trips = 0;
	kit->trip.trip_next = false;
	raw_spin_unlock_irqrestore(&kit->trip.lock, flags);

	if (kit->trip.dma_errors) {
		errors = READ_ONCE(*kit->trip.dma_errors) - kit->trip.dma_errors_seen;
		kit->trip.dma_errors_seen += errors;
	}
	if (trips)
		kit_finding(kit, DRVMEM_FINDING_REPORT,
			    "tripwire: %u report(s) printed, the first: %s",
			    trips, strim(trip));
	if (errors)
		kit_finding(kit, DRVMEM_FINDING_DMA_API,
			    "tripwire: DMA-API debugging counted %u error(s)",
			    errors);
	return !trips && !errors;
}

/**
 * drvmem_tripwire_check() - turn reports printed so far into findings
 * @test: the test
 *
 * A WARNING:, BUG:, DMA-API, lockdep or sleeping-in-atomic report printed
 * by the test's task since the last check, or an error counted by DMA-API
 * debugging, becomes a finding.  Allocation-failure reports caused by the
 * kit's own fault injection are not reports.  Also called by the kit after
 * each sweep step and when the test ends.
 *
 * Return: true when nothing was reported.
 */
bool drvmem_tripwire_check(struct kunit *test)
{
	return kit_tripwire_check(kit_of(test));
}
EXPORT_SYMBOL_GPL(drvmem_tripwire_check);

#ifdef DRVMEM_KIT_SUPPRESSES_WARNINGS
/**
 * drvmem_start_suppress_warning() - kunit_start_suppress_warning() for
 *	kernels that lack it
 * @test: the test
 *
 * Like the kernel's kunit_start_suppress_warning(), except that the WARN()s
 * of the test's task are still printed: the tripwire counts them instead
 * of taking them for reports.  Reached through kunit_warning_suppress()
 * (drvmem_compat.h); the suppression ends with the test at the latest.
 *
 * Return: the suppression handle, or NULL (and the test failed) if one is
 * already active.
 */
struct kunit_suppressed_warning *drvmem_start_suppress_warning(struct kunit *test)
{
	struct drvmem_kit *kit = kit_of(test);
	struct kunit_suppressed_warning *w;

	if (kit->trip.suppressed) {
		KUNIT_FAIL(test, "Another suppression block is already active");
		return NULL;
	}
	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	if (!w) {
		KUNIT_FAIL(test, "Failed to allocate suppression handle.");
		return NULL;
	}
	w->kit = kit;
	w->test = test;
	WRITE_ONCE(kit->trip.suppressed, w);
	return w;
}
EXPORT_SYMBOL_GPL(drvmem_start_suppress_warning);

/**
 * drvmem_end_suppress_warning() - kunit_end_suppress_warning() for kernels
 *	that lack it
 * @test: the test
 * @w: the handle from drvmem_start_suppress_warning(), or NULL
 */
void drvmem_end_suppress_warning(struct kunit *test,
				 struct kunit_suppressed_warning *w)
{
	if (w && READ_ONCE(w->kit->trip.suppressed) == w)
		WRITE_ONCE(w->kit->trip.suppressed, NULL);
}
EXPORT_SYMBOL_GPL(drvmem_end_suppress_warning);

/**
 * drvmem_suppressed_warning_count() - kunit_suppressed_warning_count() for
 *	kernels that lack it
 * @w: the suppression handle, or NULL
 *
 * Return: the WARN()s counted since the suppression started, 0 for NULL.
 */
int drvmem_suppressed_warning_count(struct kunit_suppressed_warning *w)
{
	return w ? atomic_read(&w->counter) : 0;
}
EXPORT_SYMBOL_GPL(drvmem_suppressed_warning_count);

/**
 * drvmem_suppress_auto_cleanup() - end a suppression when its block is left
 * @wp: the block's handle
 */
void drvmem_suppress_auto_cleanup(struct kunit_suppressed_warning **wp)
{
	if (*wp)
		drvmem_end_suppress_warning((*wp)->test, *wp);
}
EXPORT_SYMBOL_GPL(drvmem_suppress_auto_cleanup);
#endif /* DRVMEM_KIT_SUPPRESSES_WARNINGS */

/**
 * kit_tripwire_allow() - reports that do not trip until the next call
 * @kit: the kit
 * @allow: NULL-terminated pieces of text; NULL for none
 */
void kit_tripwire_allow(struct drvmem_kit *kit, const char * const *allow)
{
	kit->trip.allow = allow;
}

/**
 * kit_tripwire_init() - attach the console probe, count DMA-API errors
 * @kit: the kit
 *
 * Return: 0 or a negative errno.
 */
int kit_tripwire_init(struct drvmem_kit *kit)
{
	struct kit_tripwire *t = &kit->trip;

	raw_spin_lock_init(&t->lock);
	t->dma_errors = kit_knob("dma-api", "error_count");
	t->dma_show = kit_knob("dma-api", "num_errors");
	/* DMA-API debugging: print every error, and count them */
	if (t->dma_errors)
		t->dma_errors_seen = READ_ONCE(*t->dma_errors);
	if (t->dma_show) {
		t->saved_dma_show = *t->dma_show;
		*t->dma_show = UINT_MAX;
	}
	return kit_probes_register(kit, kit_tripwire_probes,
				   ARRAY_SIZE(kit_tripwire_probes));
}

/**
 * kit_tripwire_exit() - a last check, then detach and restore
 * @kit: the kit
 */
void kit_tripwire_exit(struct drvmem_kit *kit)
{
	kit_tripwire_check(kit);
	kit_probes_unregister(kit, kit_tripwire_probes,
			      ARRAY_SIZE(kit_tripwire_probes));
	if (kit->trip.dma_show)
		*kit->trip.dma_show = kit->trip.saved_dma_show;
}
