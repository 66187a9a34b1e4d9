// SPDX-License-Identifier: GPL-2.0
/*
 * A leak the allocation ledger cannot see: a driver's work item allocates
 * a buffer and loses it.  The ledger records what the owner's functions
 * allocate in the test's task; this allocation is made by a kworker, so
 * only kmemleak's scan finds it.  Never reference code.
 *
 * One lost buffer alone is not a deterministic demo: a stale copy of its
 * pointer (a stack slot of the kworker, a register it saved when it
 * slept) keeps kmemleak from reporting it in some runs (measured: 2
 * reports in 4 runs).  The work item loses DRVMEM_KMEMLEAK_BROKEN_NR
 * buffers, one per run, and stale copies hide a few of them at most.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/compiler.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "kmemleak_broken.h"

/* not a pointer to kmemleak's scan, which looks for pointers */
#define DRVMEM_KMEMLEAK_BROKEN_MASK	0x5a5a5a5a5a5a5a5aUL

/*
 * Overwrite the stack a loss ran on, where stale copies of the pointers
 * stay (kmalloc()'s own frames below the caller's): a task's stack is
 * scanned, and on x86_64 a test task's is cached for the next one.
 */
static noinline void drvmem_kmemleak_broken_scrub(void)
{
	char pad[1536];

	memset(pad, 0, sizeof(pad));
	barrier_data(pad);
}

/*
 * The buffers come from a cache of the fixture's own, made with a debug
 * flag, which SLUB gives no per-CPU sheaves.  Since 7.0 ("slab: add
 * sheaves to most caches") kmalloc() hands out objects from per-CPU
 * sheaves, arrays of pointers to free objects (mm/slub.c,
 * alloc_from_pcs()), and the slot an object was taken from keeps its
 * pointer until the sheaf is refilled.  A sheaf is itself a kmalloc()ed
 * object, which kmemleak scans: a buffer lost from kmalloc() stays
 * "referenced" until then, and under KASAN nothing the code frees writes
 * over the slot sooner (kfree() puts an object in KASAN's quarantine, not
 * back in the sheaf).  Measured on 7.2 UML: of 8 buffers lost from
 * kmalloc() by the test's task, none reported.
 *
 * Zeroed: SLUB leaves its free pointer in an object it hands out (in the
 * middle of the object, for this cache), and the buffers, taken one after
 * the other from one slab, each held a pointer to the next.  kmemleak
 * scans what a referenced object holds, so one stale pointer to the first
 * buffer hid all sixteen (6.12 UML, 2 of about 45 runs: "0 of the 8
 * buffers a work item lost, 0 of the 8 the test's task lost"; zeroed, 40
 * runs: 8 and 8 in 38, 7 and 8 in 2).
 *
 * Inline: the report names the function that lost the buffer.
 */
static __always_inline unsigned long
drvmem_kmemleak_broken_lose_one(struct drvmem_kmemleak_broken *b)
{
	/* BUG: the buffer is lost; only the test can find it again */
	return (unsigned long)kmem_cache_zalloc(b->cache, GFP_KERNEL) ^
	       DRVMEM_KMEMLEAK_BROKEN_MASK;
}

/* Bug: the buffer is allocated and never freed, nor kept. */
static noinline void drvmem_kmemleak_broken_work_lose(struct drvmem_kmemleak_broken *b)
{
	if (b->nr < DRVMEM_KMEMLEAK_BROKEN_NR)
		WRITE_ONCE(b->disguised[b->nr++], drvmem_kmemleak_broken_lose_one(b));
}

static void drvmem_kmemleak_broken_work(struct work_struct *work)
{
	drvmem_kmemleak_broken_work_lose(container_of(work, struct drvmem_kmemleak_broken,
						      work));
	/* the kworker goes on with other work, over the same stack */
	drvmem_kmemleak_broken_scrub();
}

/**
 * drvmem_kmemleak_broken_init() - make the driver's cache, before any loss
 * @b: the driver's state
 *
 * Return: 0, or -ENOMEM.
 */
int drvmem_kmemleak_broken_init(struct drvmem_kmemleak_broken *b)
{
	/*
	 * A debug flag: no per-CPU sheaves (see above), and SLUB keeps who
	 * allocated each object (/sys/kernel/slab/<cache>/alloc_calls).
	 * Not SLAB_RED_ZONE: with KASAN, SLUB's writes of the red zone are
	 * KASAN reports ("slab-out-of-bounds in init_object", seen on 6.12).
	 */
	b->cache = kmem_cache_create("drvmem_kmemleak_broken",
				     DRVMEM_KMEMLEAK_BROKEN_SIZE, 0,
				     SLAB_STORE_USER, NULL);
	return b->cache ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_kmemleak_broken_init);

/**
 * drvmem_kmemleak_broken_run() - run the leaking work item, each time to its end
 * @b: the driver's state
 */
void drvmem_kmemleak_broken_run(struct drvmem_kmemleak_broken *b)
{
	unsigned int i;

	INIT_WORK(&b->work, drvmem_kmemleak_broken_work);
	for (i = 0; i < DRVMEM_KMEMLEAK_BROKEN_NR; i++) {
		schedule_work(&b->work);
		flush_work(&b->work);
	}
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_kmemleak_broken_run);

/* the canary's losses, in a frame of their own that the scrub overwrites */
static noinline void drvmem_kmemleak_broken_lose(struct drvmem_kmemleak_broken *b)
{
	while (b->nr_canaries < DRVMEM_KMEMLEAK_BROKEN_NR)
		WRITE_ONCE(b->canaries[b->nr_canaries++],
			   drvmem_kmemleak_broken_lose_one(b));
}

/**
 * drvmem_kmemleak_broken_canary() - lose buffers in the caller's own task
 * @b: the driver's state
 *
 * The plainest leak there is, with the stack it ran on overwritten after
 * it: whether kmemleak reports any of these tells whether it sees leaks
 * at all in this kernel.
 */
void drvmem_kmemleak_broken_canary(struct drvmem_kmemleak_broken *b)
{
	drvmem_kmemleak_broken_lose(b);
	drvmem_kmemleak_broken_scrub();
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_kmemleak_broken_canary);

/**
 * drvmem_kmemleak_broken_reclaim() - free the buffers the driver lost, and its cache
 * @b: the driver's state
 */
void drvmem_kmemleak_broken_reclaim(struct drvmem_kmemleak_broken *b)
{
	void *buf;

	while (b->nr) {
		buf = (void *)(b->disguised[--b->nr] ^ DRVMEM_KMEMLEAK_BROKEN_MASK);
		if (buf)
			kmem_cache_free(b->cache, buf);
	}
	while (b->nr_canaries) {
		buf = (void *)(b->canaries[--b->nr_canaries] ^
			       DRVMEM_KMEMLEAK_BROKEN_MASK);
		if (buf)
			kmem_cache_free(b->cache, buf);
	}
	kmem_cache_destroy(b->cache);
	b->cache = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_kmemleak_broken_reclaim);
