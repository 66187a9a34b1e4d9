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
 * Since 7.0 ("slab: add sheaves to most caches") kmalloc() hands out
 * objects from per-CPU sheaves, arrays of pointers to free objects
 * (mm/slub.c, alloc_from_pcs()), and the slot an object was taken from
 * keeps its pointer until a free writes over it.  A sheaf is itself a
 * kmalloc()ed object, which kmemleak scans: a lost buffer stays
 * "referenced" until then (seen on 7.2: none of the 16 lost buffers
 * reported in some runs).  An object allocated just before the loss and
 * freed after it writes over the lost one's slot, as a busy system soon
 * would; on 6.12 it is only a kmalloc() and a kfree().  Inline: the
 * report names the function that lost the buffer.
 */
static __always_inline unsigned long drvmem_kmemleak_broken_lose_one(void)
{
	void *spare = kmalloc(DRVMEM_KMEMLEAK_BROKEN_SIZE, GFP_KERNEL);
	void *buf = kmalloc(DRVMEM_KMEMLEAK_BROKEN_SIZE, GFP_KERNEL);

	kfree(spare);
	/* BUG: buf is lost; only the test can find it again */
	return (unsigned long)buf ^ DRVMEM_KMEMLEAK_BROKEN_MASK;
}

/* Bug: the buffer is allocated and never freed, nor kept. */
static noinline void drvmem_kmemleak_broken_work_lose(struct drvmem_kmemleak_broken *b)
{
	if (b->nr < DRVMEM_KMEMLEAK_BROKEN_NR)
		WRITE_ONCE(b->disguised[b->nr++], drvmem_kmemleak_broken_lose_one());
}

static void drvmem_kmemleak_broken_work(struct work_struct *work)
{
	drvmem_kmemleak_broken_work_lose(container_of(work, struct drvmem_kmemleak_broken,
						      work));
	/* the kworker goes on with other work, over the same stack */
	drvmem_kmemleak_broken_scrub();
}

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

/**
 * drvmem_kmemleak_broken_canary() - lose buffers in the caller's own task
 * @b: the driver's state
 *
 * The plainest leak there is, with the stack it ran on overwritten after
 * it: whether kmemleak reports any of these tells whether it sees leaks
 * at all in this kernel.
 */
static noinline void drvmem_kmemleak_broken_lose(struct drvmem_kmemleak_broken *b)
{
	while (b->nr_canaries < DRVMEM_KMEMLEAK_BROKEN_NR)
		WRITE_ONCE(b->canaries[b->nr_canaries++],
			   drvmem_kmemleak_broken_lose_one());
}

void drvmem_kmemleak_broken_canary(struct drvmem_kmemleak_broken *b)
{
	drvmem_kmemleak_broken_lose(b);
	drvmem_kmemleak_broken_scrub();
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_kmemleak_broken_canary);

/**
 * drvmem_kmemleak_broken_reclaim() - free the buffers the driver lost
 * @b: the driver's state
 */
void drvmem_kmemleak_broken_reclaim(struct drvmem_kmemleak_broken *b)
{
	while (b->nr)
		kfree((void *)(b->disguised[--b->nr] ^ DRVMEM_KMEMLEAK_BROKEN_MASK));
	while (b->nr_canaries)
		kfree((void *)(b->canaries[--b->nr_canaries] ^
			       DRVMEM_KMEMLEAK_BROKEN_MASK));
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_kmemleak_broken_reclaim);
