/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A leak the allocation ledger cannot see, for the drvmem_kmemleak suite.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KMEMLEAK_BROKEN_H
#define _DRVMEM_KMEMLEAK_BROKEN_H

#include <linux/slab.h>
#include <linux/workqueue.h>

/* how many buffers the worker loses: one run each */
#define DRVMEM_KMEMLEAK_BROKEN_NR	8
/* a size no other object of the run is likely to have */
#define DRVMEM_KMEMLEAK_BROKEN_SIZE	333

/**
 * struct drvmem_kmemleak_broken - a driver whose work item loses a buffer
 * @cache: where the buffers come from (kmemleak_broken.c says why)
 * @work: the work item, run once per lost buffer
 * @nr: buffers lost so far
 * @disguised: the lost buffers' addresses, hidden from kmemleak's scan,
 *	for the test to free once kmemleak has reported them
 * @nr_canaries: buffers lost by drvmem_kmemleak_broken_canary()
 * @canaries: their addresses, hidden the same way
 */
struct drvmem_kmemleak_broken {
	struct kmem_cache *cache;
	struct work_struct work;
	unsigned int nr;
	unsigned long disguised[DRVMEM_KMEMLEAK_BROKEN_NR];
	unsigned int nr_canaries;
	unsigned long canaries[DRVMEM_KMEMLEAK_BROKEN_NR];
};

int drvmem_kmemleak_broken_init(struct drvmem_kmemleak_broken *b);
void drvmem_kmemleak_broken_run(struct drvmem_kmemleak_broken *b);
void drvmem_kmemleak_broken_canary(struct drvmem_kmemleak_broken *b);
void drvmem_kmemleak_broken_reclaim(struct drvmem_kmemleak_broken *b);

#endif /* _DRVMEM_KMEMLEAK_BROKEN_H */
