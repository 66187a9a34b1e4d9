// SPDX-License-Identifier: GPL-2.0
/*
 * Broken variants of the drvmem_mempool driver: the mistakes the mempool
 * suite must catch.  Each one is the reference code with one common error
 * put in; the drvmem_mempool_broken suite expects each to be flagged.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/errno.h>
#include <linux/mempool.h>
#include <linux/string.h>

#include "mempool_broken.h"

/**
 * drvmem_mempool_broken_pool_create - create a pool with no reserve
 * @md: the device state
 * @kind: which pool
 *
 * BUG: min_nr is 0.  mempool_create(0, ...) succeeds and mempool_alloc()
 * works while the allocator does, but there is nothing in reserve: when the
 * allocator fails, a GFP_KERNEL caller sleeps and mempool_free() never
 * wakes it, because the freed element does not go back to the pool.
 *
 * Return: 0, or -ENOMEM.
 */
int drvmem_mempool_broken_pool_create(struct drvmem_mempool_dev *md,
				      enum drvmem_mempool_kind kind)
{
	switch (kind) {
	case DRVMEM_MEMPOOL_KMALLOC:
		md->buf_pool = mempool_create_kmalloc_pool(0,
							   DRVMEM_MEMPOOL_BUF_SIZE);
		return md->buf_pool ? 0 : -ENOMEM;
	case DRVMEM_MEMPOOL_SLAB:
		md->cmd_pool = mempool_create_slab_pool(0, md->cmd_cache);
		return md->cmd_pool ? 0 : -ENOMEM;
	case DRVMEM_MEMPOOL_PAGE:
		md->page_pool = mempool_create_page_pool(0, 0);
		return md->page_pool ? 0 : -ENOMEM;
	case DRVMEM_MEMPOOL_EMBEDDED:
		return mempool_init_kmalloc_pool(&md->status_pool, 0,
						 sizeof(struct drvmem_mempool_status));
	default:
		return -EINVAL;
	}
}

/**
 * drvmem_mempool_broken_submit - a request path that loses an element
 * @md: the device state; only its data buffer pool is used
 * @tag: tag of the request
 * @data: data to send
 * @len: bytes of @data
 * @gfp: allocation flags
 *
 * BUG: takes the data buffer before checking @len, and the error path
 * returns without mempool_free().  The element is never returned: the
 * reserve is one element short from then on, and mempool_destroy() at
 * remove leaks it.
 *
 * Return: 0, -EINVAL for a bad @len, -ENOMEM.
 */
int drvmem_mempool_broken_submit(struct drvmem_mempool_dev *md, u32 tag,
				 const void *data, size_t len, gfp_t gfp)
{
	void *buf;

	buf = mempool_alloc(md->buf_pool, gfp);
	if (!buf)
		return -ENOMEM;
	if (len > DRVMEM_MEMPOOL_BUF_SIZE)
		return -EINVAL;
	memcpy(buf, data, len);
	mempool_free(buf, md->buf_pool);
	return 0;
}
