/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drvmem test kit, internal: what the kit's mechanisms share.
 *
 * One per-test context, struct drvmem_kit, holds one part per mechanism;
 * each file touches only its own part and reaches the others through the
 * functions declared here:
 *
 *	core.c		the context, findings and their capture, tracepoints
 *	ledger.c	the allocation ledger
 *	cache.c		slab caches created and not destroyed
 *	tripwire.c	console reports and DMA-API debugging's error count
 *	fault.c		allocation and DMA mapping fault injection
 *	sweep.c		the fault sweep
 *	platform.c	platform devices and drivers for tests, probe sweeps
 *	crash.c		a crash names its test and the last fault injected
 *	kmemleak.c	kmemleak's scan and reports, from inside a test
 *	symbols.c	the kernel's symbols the others read, built in
 *			(symbols.h)
 *
 * Built in, the kit and the suites are linked between
 * drvmem_test_code_start() and drvmem_test_code_end() (kunit/Makefile);
 * as modules, they are drvmem_kit.ko and *_kunit.ko: the ledger never
 * takes one of their frames for the code under test, whatever it is named.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KIT_INTERNAL_H
#define _DRVMEM_KIT_INTERNAL_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/kallsyms.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "drvmem_kit.h"
#include "symbols.h"

#define DRVMEM_MSG_LEN		256
#define DRVMEM_LEDGER_MAX	512
#define DRVMEM_STACK_DEPTH	48
#define DRVMEM_OWNER_LEN	128
#define DRVMEM_API_LEN		40
/* distinct call sites a sweep compares between runs */
#define DRVMEM_SITES		64
/*
 * the ledger's cache of what it knows of each return address: 2^bits, each
 * miss a symbol lookup (counted in drvmem-unwind's sweep: 16,560 misses of
 * 422,000 lookups with 2^9 slots, 1,361 with 2^11)
 */
#define DRVMEM_FRAMES_BITS	11

/*
 * What the ledger knows of the function one return address on a stack is
 * in, worked out from its symbol once per test (ledger.c, kit_frame()).
 */
struct drvmem_api;

struct kit_frame {
	unsigned long addr;	/* the return address; 0: an empty slot */
	unsigned long internal;	/* bit i: ledger.c's kit_internal[i] names it */
	bool test;		/* drvmem's test code */
	bool owned;		/* named by the owner's prefixes */
	/* the allocation and the release API its function is, if any */
	const struct drvmem_api *alloc_api, *free_api;
};

/* One allocation or mapping seen by the ledger. */
struct drvmem_entry {
	unsigned long key;
	size_t size;
	unsigned long site;
	unsigned long free_site;
	const char *api;
	unsigned int seq;	/* when allocated, and when freed: one sequence */
	unsigned int free_seq;
	u8 kind;
	u8 dir;
	bool live;
	bool owner_freed;	/* released by the code under test */
	bool by_other;		/* released by another task (a worker, RCU) */
	bool disowned;		/* the allocator's after all (kit_ledger_settle) */
};

/* ledger.c */
struct kit_ledger {
	raw_spinlock_t lock;
	/*
	 * Scratch for the tracepoint probes: only the test's task gets past
	 * their filters, and they do not nest.
	 */
	unsigned long stack[DRVMEM_STACK_DEPTH];
	char sym[KSYM_SYMBOL_LEN];
	char callee[KSYM_NAME_LEN];
	/* emptied when the owner changes: kit_frame.owned depends on it */
	struct kit_frame frames[1 << DRVMEM_FRAMES_BITS];
	bool armed;
	char owner[DRVMEM_OWNER_LEN];
	unsigned int nr, seq, nr_problems, nr_live;
	/* free order: not checked at all, or from the teardown's start on */
	bool any_order, teardown;
	unsigned int teardown_seq;
	bool overflow;
	char problem[DRVMEM_MSG_LEN];
	enum drvmem_finding_kind problem_kind;
	struct drvmem_entry entries[DRVMEM_LEDGER_MAX];
};

/* cache.c: one slab cache, as the snapshot saw it */
struct kit_cache {
	const struct kmem_cache *s;
	int refcount;
};

struct kit_caches {
	struct kit_cache *snap;
	unsigned int nr, cap;
	bool valid;
};

/* The values of the fault-injection knobs the kit changes, to restore. */
struct drvmem_fault_knobs {
	bool ignore_gfp_wait;
	bool task_filter;
	unsigned long probability, interval, verbose;
	unsigned long require_start, require_end, reject_start, reject_end;
	int times;
	u32 ratelimit;
};

struct drvmem_fault_attr {
	const char *dir;
	bool *ignore_gfp_wait;
	bool *task_filter;
	unsigned long *probability, *interval, *verbose;
	unsigned long *require_start, *require_end, *reject_start, *reject_end;
	atomic_t *times;
	u32 *ratelimit;
	struct drvmem_fault_knobs saved;
};

/* fault.c */
struct kit_fault {
	raw_spinlock_t lock;
	bool armed;
	struct drvmem_fault_attr attr[2];
	u32 *min_order, saved_min_order;
	/* the stack filter's exemption (kit_fault_exempt()), and whether set */
	unsigned long reject_start, reject_end;
	bool rejecting;
	/* the owner's call the last injected fault failed */
	char failed_api[DRVMEM_API_LEN];
	unsigned long failed_site;
	/*
	 * a sweep's run aims at its n-th fault point, which has not failed
	 * anything but a detector's allocation yet (kit_fault_nth_begin()),
	 * and how many of those passed the fault on
	 */
	bool nth_pending;
	unsigned int passed_on;
	/* DMA mapping faults */
	struct device *dma_dev;
	unsigned int dma_nth, dma_seen;
	u64 dma_saved_limit;
};

/* tripwire.c */
struct kit_tripwire {
	raw_spinlock_t lock;
	bool trip_next;
	unsigned int trips;
	char first[DRVMEM_MSG_LEN];
	const char * const *allow;
	u32 *dma_errors, dma_errors_seen, *dma_show, saved_dma_show;
	/* kunit_warning_suppress() on kernels without it (drvmem_compat.h) */
	struct kunit_suppressed_warning *suppressed;
};

/* crash.c */
struct kit_crash {
	struct notifier_block panic_nb, die_nb;
	bool running;
	char where[DRVMEM_MSG_LEN];
};

/* core.c: findings held back during a sweep, each reported once */
struct kit_batched {
	enum drvmem_finding_kind kind;
	unsigned int count;
	char what[DRVMEM_MSG_LEN];
	char first[DRVMEM_MSG_LEN], last[DRVMEM_MSG_LEN];
};

struct kit_batch {
	bool on;
	char where[DRVMEM_MSG_LEN];
	unsigned int nr, dropped;
	struct kit_batched found[8];
};

/* core.c */
struct drvmem_kit {
	struct kunit *test;
	struct task_struct *task;
	struct kunit_resource res;
	/* findings */
	bool reporting;
	/* current->kunit_test while capturing, and the test it stands for */
	struct kunit witness;
	struct kunit *real_test;
	bool capturing;
	unsigned int captured;
	char capture[DRVMEM_MSG_LEN];
	/* the first finding of each kind since drvmem_capture_begin() */
	char captured_kind[DRVMEM_NR_FINDING_KINDS][DRVMEM_MSG_LEN];
	struct kit_batch batch;

	struct kit_ledger ledger;
	struct kit_caches caches;
	struct kit_fault fault;
	struct kit_tripwire trip;
	struct kit_crash crash;
};

/*
 * A probe is attached by its tracepoint's name (core.c, kit_tracepoint()):
 * not every built-in tracepoint is exported to a module.  Each event's
 * wrappers check kit_on_<event>() against its prototype, as
 * register_trace_<event>() would.
 */
struct kit_probe {
	int (*reg)(struct drvmem_kit *kit);
	void (*unreg)(struct drvmem_kit *kit);
};

#define KIT_TRACE_WRAPPERS(event)					\
static int kit_reg_##event(struct drvmem_kit *kit)			\
{									\
	check_trace_callback_type_##event(kit_on_##event);		\
	return kit_tracepoint_register(#event, kit_on_##event, kit);	\
}									\
static void kit_unreg_##event(struct drvmem_kit *kit)			\
{									\
	kit_tracepoint_unregister(#event, kit_on_##event, kit);		\
}

#define KIT_PROBE(event) { kit_reg_##event, kit_unreg_##event }

/* core.c */
struct drvmem_kit *kit_of(struct kunit *test);
void kit_kvfree_action(void *p);
bool kit_in_test_task(struct drvmem_kit *kit);
bool kit_reporting(struct drvmem_kit *kit);
void *kit_knob(const char *dir, const char *name);
int kit_tracepoint_register(const char *name, void *probe, void *data);
void kit_tracepoint_unregister(const char *name, void *probe, void *data);
int kit_probes_register(struct drvmem_kit *kit, const struct kit_probe *probes,
			unsigned int nr);
void kit_probes_unregister(struct drvmem_kit *kit,
			   const struct kit_probe *probes, unsigned int nr);
void kit_batch_begin(struct drvmem_kit *kit);
void kit_batch_where(struct drvmem_kit *kit, const char *where);
void kit_batch_end(struct drvmem_kit *kit);
__printf(3, 4) void kit_finding(struct drvmem_kit *kit,
				enum drvmem_finding_kind kind,
				const char *fmt, ...);
__printf(3, 0) void kit_vfinding(struct drvmem_kit *kit,
				 enum drvmem_finding_kind kind,
				 const char *fmt, va_list args);

/* ledger.c */
int kit_ledger_init(struct drvmem_kit *kit);
void kit_ledger_exit(struct drvmem_kit *kit);
void kit_ledger_resume(struct drvmem_kit *kit);
void kit_ledger_any_order(struct drvmem_kit *kit, bool any);
void kit_ledger_teardown(struct drvmem_kit *kit);
bool kit_ledger_owner_call(struct drvmem_kit *kit, unsigned long *site,
			   const char **api);

/* What a successful step holds, by call site, to compare runs. */
struct kit_site {
	unsigned long site;
	const char *api;
	unsigned int count;
	u8 kind;
};

unsigned int kit_ledger_sites(struct drvmem_kit *kit, struct kit_site *sites);

/* cache.c */
int kit_caches_init(struct drvmem_kit *kit);
void kit_caches_exit(struct drvmem_kit *kit);
void kit_caches_snapshot(struct drvmem_kit *kit);
bool kit_cache_of_caches(const struct kmem_cache *s);
bool kit_cache_of_detector(const struct kmem_cache *s);
unsigned int kit_caches_made(struct drvmem_kit *kit);
bool kit_caches_check(struct drvmem_kit *kit, const char *what);

/* tripwire.c */
int kit_tripwire_init(struct drvmem_kit *kit);
void kit_tripwire_exit(struct drvmem_kit *kit);
bool kit_tripwire_check(struct drvmem_kit *kit);
void kit_tripwire_allow(struct drvmem_kit *kit, const char * const *allow);

/* fault.c */
int kit_fault_init(struct drvmem_kit *kit);
void kit_fault_exit(struct drvmem_kit *kit);
void kit_fault_injected(struct drvmem_kit *kit);
void kit_fault_note_call(struct drvmem_kit *kit, unsigned long site,
			 const char *api);
const char *kit_fault_failed_call(struct drvmem_kit *kit, unsigned long *site);
void kit_fault_forget_call(struct drvmem_kit *kit);
void kit_fault_exempt(struct drvmem_kit *kit);
void kit_fault_dma_call(struct drvmem_kit *kit);
void kit_fault_require(struct drvmem_kit *kit, unsigned long start,
		       unsigned long end);
void kit_fault_dma_mapped(struct drvmem_kit *kit, struct device *dev);
void kit_fault_nth_begin(struct drvmem_kit *kit, unsigned int n);
bool kit_fault_nth_end(struct drvmem_kit *kit, unsigned int *passed_on);
void kit_fault_alloc_traced(struct drvmem_kit *kit,
			    const struct kmem_cache *s, bool failed);

/* ledger.c, for kmemleak.c */
bool kit_alloc_api(const char *sym);

/* crash.c */
void kit_crash_init(struct drvmem_kit *kit);
void kit_crash_exit(struct drvmem_kit *kit);
__printf(2, 3) void kit_crash_where(struct drvmem_kit *kit, const char *fmt,
				    ...);
void kit_crash_clear(struct drvmem_kit *kit);

#endif /* _DRVMEM_KIT_INTERNAL_H */
