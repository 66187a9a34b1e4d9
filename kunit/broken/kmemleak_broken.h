/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A leak the allocation ledger cannot see, for the drvmem_kmemleak suite.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KMEMLEAK_BROKEN_H
#define _DRVMEM_KMEMLEAK_BROKEN_H

#include <linux/completion.h>

/* a size no other object of the run is likely to have */
#define DRVMEM_KMEMLEAK_BROKEN_SIZE	333

/**
 * struct drvmem_kmemleak_broken - a driver whose worker thread loses a buffer
 * @done: completed when the worker has allocated (and lost) the buffer
 * @disguised: the lost buffer's address, hidden from kmemleak's scan, for
 *	the test to free once kmemleak has reported it
 */
struct drvmem_kmemleak_broken {
	struct completion done;
	unsigned long disguised;
};

int drvmem_kmemleak_broken_start(struct drvmem_kmemleak_broken *b);
void drvmem_kmemleak_broken_reclaim(struct drvmem_kmemleak_broken *b);

#endif /* _DRVMEM_KMEMLEAK_BROKEN_H */
