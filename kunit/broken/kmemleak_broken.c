// SPDX-License-Identifier: GPL-2.0
/*
 * A leak the allocation ledger cannot see: a driver's worker thread
 * allocates a buffer and loses it.  The ledger records what the owner's
 * functions allocate in the test's task; this allocation is made by another
 * task, so only kmemleak's scan finds it.  Never reference code.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/compiler.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kmemleak_broken.h"

/* not a pointer to kmemleak's scan, which looks for pointers */
#define DRVMEM_KMEMLEAK_BROKEN_MASK	0x5a5a5a5a5a5a5a5aUL

/*
 * Bug: the buffer is allocated and never freed, nor kept.  The worker is a
 * thread that exits, as a firmware loader's might: kmemleak scans the
 * stacks of live tasks, and a worker that stayed would keep a stale copy
 * of the pointer on its stack, hiding the leak.
 */
static int drvmem_kmemleak_broken_thread(void *data)
{
	struct drvmem_kmemleak_broken *b = data;
	void *buf = kmalloc(DRVMEM_KMEMLEAK_BROKEN_SIZE, GFP_KERNEL);

	/* BUG: buf is lost; only the test can find it again */
	WRITE_ONCE(b->disguised, (unsigned long)buf ^ DRVMEM_KMEMLEAK_BROKEN_MASK);
	complete(&b->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/**
 * drvmem_kmemleak_broken_start() - run the leaking worker until it exits
 * @b: the driver's state
 *
 * Return: 0, or a negative errno if the worker could not be started.
 */
int drvmem_kmemleak_broken_start(struct drvmem_kmemleak_broken *b)
{
	struct task_struct *t;

	init_completion(&b->done);
	b->disguised = DRVMEM_KMEMLEAK_BROKEN_MASK;
	t = kthread_run(drvmem_kmemleak_broken_thread, b, "drvmem_leaker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&b->done);
	return kthread_stop(t);
}

/**
 * drvmem_kmemleak_broken_reclaim() - free the buffer the worker lost
 * @b: the driver's state
 */
void drvmem_kmemleak_broken_reclaim(struct drvmem_kmemleak_broken *b)
{
	kfree((void *)(READ_ONCE(b->disguised) ^ DRVMEM_KMEMLEAK_BROKEN_MASK));
	b->disguised = DRVMEM_KMEMLEAK_BROKEN_MASK;
}
