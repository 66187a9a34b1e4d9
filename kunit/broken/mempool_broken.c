// SPDX-License-Identifier: GPL-2.0
/*
 * Broken variants of the drvmem_mempool driver: the mistakes the mempool
 * suite must catch.  Each one is the reference code with one common error
 * put in; the drvmem_mempool_broken suite expects each to be flagged.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/mempool.h>
#include <linux/string.h>

#include "mempool_broken.h"

/**
 * drvmem_mempool_broken_release - give an element back, past the pool
 * @element: an element of @pool
 * @pool: the pool it came from
 *
 * BUG: frees the element with the pool's own free function instead of
 * mempool_free().  Nothing is lost while memory is plentiful, but the
 * element never refills the reserve, and a GFP_KERNEL mempool_alloc()
 * asleep on the empty pool is never woken.
 */
void drvmem_mempool_broken_release(void *element, mempool_t *pool)
{
	pool->free(element, pool->pool_data);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_broken_release);

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
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_broken_submit);
