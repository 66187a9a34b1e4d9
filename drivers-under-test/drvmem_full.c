// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem_full - a probe that acquires one of each kind of kernel memory.
 *
 * In order: the device struct (kzalloc), a buffer (kmalloc), a large table
 * (kvmalloc_array), a slab cache (kmem_cache_create) and an object from it, a
 * mempool, pages (alloc_pages, order 2), a per-CPU counter (alloc_percpu)
 * and a coherent DMA buffer (dma_alloc_coherent).  A failure at any step
 * unwinds through err_ labels in reverse order; remove mirrors the unwind.
 *
 * The table is what the chapter gives to vmalloc().  kvmalloc_array() is the
 * modern answer to "avoid large kmalloc": it tries kmalloc first (physically
 * contiguous, no page tables to set up, no retries and no warning when it
 * fails) and falls back to vmalloc; kvfree() frees either.  It also checks
 * the count times size for overflow.
 *
 * alloc_percpu() has no reliable fault-injection point in 6.12 (only when it
 * must create a new chunk): the label that frees the counter is reached when
 * the step after it (the DMA buffer) fails.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mempool.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "../compat/drvmem_compat.h"

#define DRVMEM_FULL_BUF_SIZE		SZ_4K
#define DRVMEM_FULL_TABLE_ENTRIES	(SZ_64K / sizeof(u32))
#define DRVMEM_FULL_POOL_MIN		4
#define DRVMEM_FULL_POOL_ELEM_SIZE	256
#define DRVMEM_FULL_PAGES_ORDER		2
#define DRVMEM_FULL_DMA_SIZE		SZ_4K

struct drvmem_full_obj {
	u32 id;
	u8 payload[60];
};

struct drvmem_full {
	void *buf;
	u32 *table;
	struct kmem_cache *cache;
	struct drvmem_full_obj *obj;
	mempool_t *pool;
	struct page *pages;
	u64 __percpu *counter;
	void *dma_buf;
	dma_addr_t dma_handle;
};

static int drvmem_full_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_full *priv;
	int ret;

	/* Set the DMA mask before any DMA allocation. */
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return dev_err_probe(dev, ret, "no usable 32-bit DMA mask\n");

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;

	priv->buf = kmalloc(DRVMEM_FULL_BUF_SIZE, GFP_KERNEL);
	if (!priv->buf)
		goto err_free_priv;

	priv->table = kvmalloc_array(DRVMEM_FULL_TABLE_ENTRIES,
				     sizeof(*priv->table), GFP_KERNEL);
	if (!priv->table)
		goto err_free_buf;

	priv->cache = kmem_cache_create(dev_name(dev),
					sizeof(struct drvmem_full_obj), 0,
					SLAB_HWCACHE_ALIGN, NULL);
	if (!priv->cache)
		goto err_free_table;

	priv->obj = kmem_cache_zalloc(priv->cache, GFP_KERNEL);
	if (!priv->obj)
		goto err_destroy_cache;

	priv->pool = mempool_create_kmalloc_pool(DRVMEM_FULL_POOL_MIN,
						 DRVMEM_FULL_POOL_ELEM_SIZE);
	if (!priv->pool)
		goto err_free_obj;

	priv->pages = alloc_pages(GFP_KERNEL, DRVMEM_FULL_PAGES_ORDER);
	if (!priv->pages)
		goto err_destroy_pool;

	priv->counter = alloc_percpu(u64);
	if (!priv->counter)
		goto err_free_pages;

	priv->dma_buf = dma_alloc_coherent(dev, DRVMEM_FULL_DMA_SIZE,
					   &priv->dma_handle, GFP_KERNEL);
	if (!priv->dma_buf)
		goto err_free_counter;

	platform_set_drvdata(pdev, priv);
	dev_dbg(dev, "coherent buffer at %pad\n", &priv->dma_handle);
	return 0;

err_free_counter:
	free_percpu(priv->counter);
err_free_pages:
	__free_pages(priv->pages, DRVMEM_FULL_PAGES_ORDER);
err_destroy_pool:
	mempool_destroy(priv->pool);
err_free_obj:
	kmem_cache_free(priv->cache, priv->obj);
err_destroy_cache:
	kmem_cache_destroy(priv->cache);
err_free_table:
	kvfree(priv->table);
err_free_buf:
	kfree(priv->buf);
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_full_remove(struct platform_device *pdev)
{
	struct drvmem_full *priv = platform_get_drvdata(pdev);

	dma_free_coherent(&pdev->dev, DRVMEM_FULL_DMA_SIZE, priv->dma_buf,
			  priv->dma_handle);
	free_percpu(priv->counter);
	__free_pages(priv->pages, DRVMEM_FULL_PAGES_ORDER);
	mempool_destroy(priv->pool);
	kmem_cache_free(priv->cache, priv->obj);
	kmem_cache_destroy(priv->cache);
	kvfree(priv->table);
	kfree(priv->buf);
	kfree(priv);
}

static struct platform_driver drvmem_full_driver = {
	.probe = drvmem_full_probe,
	.remove = drvmem_full_remove,
	.driver = {
		.name = "drvmem-full",
	},
};
module_platform_driver(drvmem_full_driver);

MODULE_DESCRIPTION("drvmem: goto-unwind probe acquiring every kind of memory");
MODULE_LICENSE("GPL");
