/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Broken variants of the drvmem_mempool driver, for drvmem_mempool_broken
 * to flag.  Never imitate them.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_MEMPOOL_BROKEN_H
#define _DRVMEM_MEMPOOL_BROKEN_H

#include <linux/mempool.h>
#include <linux/types.h>

#include "../../drivers-under-test/drvmem_mempool.h"

void drvmem_mempool_broken_release(void *element, mempool_t *pool);
int drvmem_mempool_broken_submit(struct drvmem_mempool_dev *md, u32 tag,
				 const void *data, size_t len, gfp_t gfp);

#endif /* _DRVMEM_MEMPOOL_BROKEN_H */
