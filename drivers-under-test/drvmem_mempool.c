// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem_mempool: a platform driver whose request path must make forward
 * progress under memory pressure.
 *
 * Every request takes one command descriptor, one data buffer, one bounce
 * page and one status record, each from its own mempool, and returns all
 * four when it completes.  A mempool keeps min_nr elements in reserve: when
 * the allocator fails, mempool_alloc() hands out the reserve, and a caller
 * that may sleep waits for an element to come back instead of failing.  So
 * with GFP_NOIO a request never fails, it only waits for an earlier one.
 *
 * The pools come in every kind: mempool_create_kmalloc_pool(),
 * mempool_create_slab_pool() over the device's own kmem_cache,
 * mempool_create_page_pool(), and mempool_init() on a mempool_t embedded
 * in the device structure.  Probe creates them in order and unwinds with
 * goto on failure; remove destroys them in reverse order.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/device.h>
#include <linux/errno.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "../compat/drvmem_compat.h"
#include "drvmem_mempool.h"

/**
 * drvmem_mempool_cache_create - create the slab cache of command descriptors
 * @md: the device state; @md->cmd_cache is set on success
 *
 * The cache is the device's own (%SLAB_NO_MERGE), named after the device so
 * that every device has one, and the command pool's elements are never
 * shared with another cache.
 *
 * Return: 0, or -ENOMEM.
 */
int drvmem_mempool_cache_create(struct drvmem_mempool_dev *md)
{
	md->cmd_cache = kmem_cache_create(dev_name(md->dev),
					  sizeof(struct drvmem_mempool_cmd),
					  __alignof__(struct drvmem_mempool_cmd),
					  SLAB_HWCACHE_ALIGN | SLAB_NO_MERGE,
					  NULL);
	if (!md->cmd_cache)
		return -ENOMEM;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_cache_create);

/**
 * drvmem_mempool_cache_destroy - destroy the slab cache of command descriptors
 * @md: the device state
 *
 * The command pool must be destroyed first: it holds objects of the cache.
 */
void drvmem_mempool_cache_destroy(struct drvmem_mempool_dev *md)
{
	kmem_cache_destroy(md->cmd_cache);
	md->cmd_cache = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_cache_destroy);

/**
 * drvmem_mempool_pool_create - create one pool of the device
 * @md: the device state; @md->min_nr is the reserve to preallocate
 * @kind: which pool
 *
 * Preallocates @md->min_nr elements.  The %DRVMEM_MEMPOOL_SLAB pool needs
 * @md->cmd_cache.  Context: process context, may sleep.
 *
 * Return: 0, -ENOMEM if the pool or its reserve could not be allocated,
 * -EINVAL for an unknown @kind.
 */
int drvmem_mempool_pool_create(struct drvmem_mempool_dev *md,
			       enum drvmem_mempool_kind kind)
{
	switch (kind) {
	case DRVMEM_MEMPOOL_KMALLOC:
		md->buf_pool = mempool_create_kmalloc_pool(md->min_nr,
							   DRVMEM_MEMPOOL_BUF_SIZE);
		return md->buf_pool ? 0 : -ENOMEM;
	case DRVMEM_MEMPOOL_SLAB:
		md->cmd_pool = mempool_create_slab_pool(md->min_nr,
							md->cmd_cache);
		return md->cmd_pool ? 0 : -ENOMEM;
	case DRVMEM_MEMPOOL_PAGE:
		md->page_pool = mempool_create_page_pool(md->min_nr, 0);
		return md->page_pool ? 0 : -ENOMEM;
	case DRVMEM_MEMPOOL_EMBEDDED:
		return mempool_init_kmalloc_pool(&md->status_pool, md->min_nr,
						 sizeof(struct drvmem_mempool_status));
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_pool_create);

/**
 * drvmem_mempool_pool_destroy - destroy one pool of the device
 * @md: the device state
 * @kind: which pool
 *
 * Every element taken from the pool must have been returned with
 * mempool_free() first: mempool_destroy() frees only the reserve it holds,
 * an element still out is leaked.
 */
void drvmem_mempool_pool_destroy(struct drvmem_mempool_dev *md,
				 enum drvmem_mempool_kind kind)
{
	switch (kind) {
	case DRVMEM_MEMPOOL_KMALLOC:
		mempool_destroy(md->buf_pool);
		md->buf_pool = NULL;
		break;
	case DRVMEM_MEMPOOL_SLAB:
		mempool_destroy(md->cmd_pool);
		md->cmd_pool = NULL;
		break;
	case DRVMEM_MEMPOOL_PAGE:
		mempool_destroy(md->page_pool);
		md->page_pool = NULL;
		break;
	case DRVMEM_MEMPOOL_EMBEDDED:
		/* also safe on a zeroed, never initialized pool */
		mempool_exit(&md->status_pool);
		break;
	default:
		break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_pool_destroy);

/**
 * drvmem_mempool_pool - get one pool of the device
 * @md: the device state
 * @kind: which pool
 *
 * Return: the pool, or NULL if it does not exist (yet).
 */
mempool_t *drvmem_mempool_pool(struct drvmem_mempool_dev *md,
			       enum drvmem_mempool_kind kind)
{
	switch (kind) {
	case DRVMEM_MEMPOOL_KMALLOC:
		return md->buf_pool;
	case DRVMEM_MEMPOOL_SLAB:
		return md->cmd_pool;
	case DRVMEM_MEMPOOL_PAGE:
		return md->page_pool;
	case DRVMEM_MEMPOOL_EMBEDDED:
		return mempool_initialized(&md->status_pool) ?
		       &md->status_pool : NULL;
	default:
		return NULL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_pool);

/* The "hardware": reads the bounce page and reports a checksum. */
static void drvmem_mempool_execute(struct drvmem_mempool_cmd *cmd)
{
	const u8 *p = page_address(cmd->bounce);
	u32 csum = 0;
	u32 i;

	for (i = 0; i < cmd->len; i++)
		csum = csum * 31 + p[i];

	cmd->status->tag = cmd->tag;
	cmd->status->csum = csum;
	cmd->status->result = 0;
}

/**
 * drvmem_mempool_submit - run one request through the device
 * @md: the device state
 * @tag: tag of the request
 * @data: data to send
 * @len: bytes of @data, at most %DRVMEM_MEMPOOL_BUF_SIZE
 * @gfp: %GFP_NOIO from the I/O path in process context: the request then
 *	never fails for lack of memory, it waits for an earlier request to
 *	return its elements; %GFP_ATOMIC or %GFP_NOWAIT from atomic context:
 *	the request may fail once the reserves are used up.
 * @csum: where to store the checksum the device computed over the data it
 *	saw, or NULL
 *
 * Takes one element from each pool, always in the same order, and returns
 * them all before it returns, so a waiter is always woken by a request
 * that completes.
 *
 * Return: 0 when the request completed, -EINVAL for a bad @len, -ENOMEM
 * only with a @gfp that may not sleep.
 */
int drvmem_mempool_submit(struct drvmem_mempool_dev *md, u32 tag,
			  const void *data, size_t len, gfp_t gfp, u32 *csum)
{
	struct drvmem_mempool_cmd *cmd;
	int ret = -ENOMEM;

	if (len > DRVMEM_MEMPOOL_BUF_SIZE)
		return -EINVAL;

	cmd = mempool_alloc(md->cmd_pool, gfp);
	if (!cmd)
		return -ENOMEM;
	/* below min_nr: the reserve served this request, or a concurrent one */
	if (!mempool_is_saturated(md->cmd_pool))
		atomic_long_inc(&md->from_reserve);
	cmd->tag = tag;
	cmd->len = len;

	cmd->buf = mempool_alloc(md->buf_pool, gfp);
	if (!cmd->buf)
		goto out_free_cmd;
	memcpy(cmd->buf, data, len);

	cmd->bounce = mempool_alloc(md->page_pool, gfp);
	if (!cmd->bounce)
		goto out_free_buf;
	memcpy(page_address(cmd->bounce), cmd->buf, len);

	cmd->status = mempool_alloc(&md->status_pool, gfp);
	if (!cmd->status)
		goto out_free_bounce;

	drvmem_mempool_execute(cmd);
	ret = cmd->status->result;
	if (!ret) {
		atomic_long_inc(&md->completed);
		if (csum)
			*csum = cmd->status->csum;
	}

	mempool_free(cmd->status, &md->status_pool);
out_free_bounce:
	mempool_free(cmd->bounce, md->page_pool);
out_free_buf:
	mempool_free(cmd->buf, md->buf_pool);
out_free_cmd:
	mempool_free(cmd, md->cmd_pool);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_submit);

/**
 * drvmem_mempool_submit_chained() - submit a request from atomic context
 * @md: the device
 * @tag: tag of the request
 * @data: bytes to send
 * @len: number of bytes, at most %DRVMEM_MEMPOOL_BUF_SIZE
 *
 * The completion path chains the next request while it holds the
 * device's chain lock, as an interrupt handler would: nothing below may
 * sleep, so the request is %GFP_ATOMIC, and on an empty reserve it fails
 * with -ENOMEM for the caller to retry from process context.
 *
 * Context: any; takes @md->chain_lock with interrupts off.
 * Return: as drvmem_mempool_submit().
 */
int drvmem_mempool_submit_chained(struct drvmem_mempool_dev *md, u32 tag,
				  const void *data, size_t len)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&md->chain_lock, flags);
	ret = drvmem_mempool_submit(md, tag, data, len, GFP_ATOMIC, NULL);
	spin_unlock_irqrestore(&md->chain_lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_mempool_submit_chained);

static int drvmem_mempool_probe(struct platform_device *pdev)
{
	struct drvmem_mempool_dev *md;
	int ret;

	md = kzalloc_obj(*md, GFP_KERNEL);
	if (!md)
		return -ENOMEM;
	md->dev = &pdev->dev;
	md->min_nr = DRVMEM_MEMPOOL_MIN_NR;
	spin_lock_init(&md->chain_lock);

	ret = drvmem_mempool_cache_create(md);
	if (ret)
		goto err_free_md;

	ret = drvmem_mempool_pool_create(md, DRVMEM_MEMPOOL_SLAB);
	if (ret)
		goto err_destroy_cache;

	ret = drvmem_mempool_pool_create(md, DRVMEM_MEMPOOL_KMALLOC);
	if (ret)
		goto err_destroy_cmd_pool;

	ret = drvmem_mempool_pool_create(md, DRVMEM_MEMPOOL_PAGE);
	if (ret)
		goto err_destroy_buf_pool;

	ret = drvmem_mempool_pool_create(md, DRVMEM_MEMPOOL_EMBEDDED);
	if (ret)
		goto err_destroy_page_pool;

	platform_set_drvdata(pdev, md);
	return 0;

err_destroy_page_pool:
	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_PAGE);
err_destroy_buf_pool:
	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_KMALLOC);
err_destroy_cmd_pool:
	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_SLAB);
err_destroy_cache:
	drvmem_mempool_cache_destroy(md);
err_free_md:
	kfree(md);
	return ret;
}

static void drvmem_mempool_remove(struct platform_device *pdev)
{
	struct drvmem_mempool_dev *md = platform_get_drvdata(pdev);

	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_EMBEDDED);
	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_PAGE);
	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_KMALLOC);
	drvmem_mempool_pool_destroy(md, DRVMEM_MEMPOOL_SLAB);
	drvmem_mempool_cache_destroy(md);
	kfree(md);
}

static struct platform_driver drvmem_mempool_driver = {
	.probe = drvmem_mempool_probe,
	.remove = drvmem_mempool_remove,
	.driver = {
		.name = DRVMEM_MEMPOOL_DRV_NAME,
	},
};
module_platform_driver(drvmem_mempool_driver);

MODULE_DESCRIPTION("drvmem reference driver: mempool reserves on a request path");
MODULE_LICENSE("GPL");
