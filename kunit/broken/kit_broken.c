// SPDX-License-Identifier: GPL-2.0
/*
 * Broken goto-unwind probes and removes, and small correct subjects
 * (drvmem_subject_*), for the kit's self-test only.
 *
 * Each probe acquires, in order: the private struct (kzalloc), a buffer
 * (kmalloc), a table (vmalloc) and a second buffer (kmalloc), or, for the
 * slab cache's mistakes, a cache and a buffer; each has exactly one bug.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "kit_broken.h"

struct drvmem_broken_priv {
	void *buf;
	dma_addr_t buf_dma;
	void *table;
	void *extra;
};

static struct drvmem_broken_priv *drvmem_broken_acquire(void)
{
	struct drvmem_broken_priv *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return NULL;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_free_priv;
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		goto err_free_buf;
	priv->extra = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->extra)
		goto err_free_table;
	return priv;

err_free_table:
	vfree(priv->table);
err_free_buf:
	kfree(priv->buf);
err_free_priv:
	kfree(priv);
	return NULL;
}

static void drvmem_broken_release(struct drvmem_broken_priv *priv)
{
	kfree(priv->extra);
	vfree(priv->table);
	kfree(priv->buf);
	kfree(priv);
}

static int drvmem_broken_probe_ok(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv = drvmem_broken_acquire();

	if (!priv)
		return -ENOMEM;
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_broken_remove_ok(struct platform_device *pdev)
{
	drvmem_broken_release(platform_get_drvdata(pdev));
}

/* Bug: the label that should free the table forgets to. */
static int drvmem_broken_forgets_free_probe(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_free_priv;
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		goto err_free_buf;
	priv->extra = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->extra)
		goto err_free_table;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_table:
	/* BUG: vfree(priv->table) is missing */
err_free_buf:
	kfree(priv->buf);
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

/* Bug: two labels in the wrong order. */
static int drvmem_broken_label_order_probe(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_free_priv;
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		goto err_free_buf;
	priv->extra = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->extra)
		goto err_free_table;
	platform_set_drvdata(pdev, priv);
	return 0;

	/* BUG: err_free_buf must come after err_free_table */
err_free_buf:
	kfree(priv->buf);
err_free_table:
	vfree(priv->table);
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

/*
 * Bug: the "one err bug" (coding-style.rst): a single label releases every
 * field, including a DMA handle that was never mapped when an earlier step
 * failed.
 */
static int drvmem_broken_one_err_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_broken_priv *priv;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return ret;
	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		goto err;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err;
	priv->buf_dma = dma_map_single(dev, priv->buf, SZ_64, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, priv->buf_dma))
		goto err;
	platform_set_drvdata(pdev, priv);
	return 0;

err:
	/* BUG: buf_dma is 0, never mapped, when vmalloc or kmalloc failed */
	dma_unmap_single(dev, priv->buf_dma, SZ_64, DMA_TO_DEVICE);
	kfree(priv->buf);
	vfree(priv->table);
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_broken_one_err_remove(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv = platform_get_drvdata(pdev);

	dma_unmap_single(&pdev->dev, priv->buf_dma, SZ_64, DMA_TO_DEVICE);
	kfree(priv->buf);
	vfree(priv->table);
	kfree(priv);
}

/* Bug: an allocation is not checked; probe "succeeds" without it. */
static int drvmem_broken_no_check_probe(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	/* BUG: no NULL check */
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		goto err_free_buf;
	priv->extra = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->extra)
		goto err_free_table;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_table:
	vfree(priv->table);
err_free_buf:
	kfree(priv->buf);
	kfree(priv);
	return -ENOMEM;
}

/* Bug: remove forgets one resource. */
static void drvmem_broken_remove_forgets(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv = platform_get_drvdata(pdev);

	kfree(priv->extra);
	/* BUG: vfree(priv->table) is missing */
	kfree(priv->buf);
	kfree(priv);
}

/* Bug: remove frees in the wrong order. */
static void drvmem_broken_remove_order(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv = platform_get_drvdata(pdev);

	kfree(priv->extra);
	/* BUG: buf was allocated before table, so it must be freed after */
	kfree(priv->buf);
	vfree(priv->table);
	kfree(priv);
}

/*
 * Bug: the wrong GFP flags for the context: a GFP_KERNEL allocation, which
 * may sleep, under a spinlock.
 */
static int drvmem_broken_atomic_gfp_probe(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv;
	spinlock_t lock;	/* stands for a lock held around the allocation */

	spin_lock_init(&lock);
	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	spin_lock(&lock);
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);	/* BUG: GFP_ATOMIC here */
	spin_unlock(&lock);
	if (!priv->buf) {
		kfree(priv);
		return -ENOMEM;
	}
	priv->table = vmalloc(SZ_64K);
	if (!priv->table) {
		kfree(priv->buf);
		kfree(priv);
		return -ENOMEM;
	}
	priv->extra = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->extra) {
		vfree(priv->table);
		kfree(priv->buf);
		kfree(priv);
		return -ENOMEM;
	}
	platform_set_drvdata(pdev, priv);
	return 0;
}

/**
 * drvmem_subject_kvmalloc() - code under test for the ledger's self-tests
 * @size: bytes
 *
 * Correct code, outside drvmem's test code (kunit/Makefile): what it
 * allocates is the owner's for a ledger begun with "drvmem_subject_".
 *
 * Return: kvmalloc()'s result.
 */
void *drvmem_subject_kvmalloc(size_t size)
{
	return kvmalloc(size, GFP_KERNEL);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_subject_kvmalloc);

/**
 * drvmem_subject_kvfree() - frees what drvmem_subject_kvmalloc() gave
 * @p: the memory
 */
void drvmem_subject_kvfree(void *p)
{
	kvfree(p);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_subject_kvfree);

struct drvmem_subject_hoard {
	unsigned int nr;
	void *obj[];
};

/**
 * drvmem_subject_hoard() - code under test that holds many objects
 * @nr: how many 16-byte objects to allocate
 *
 * Return: the hoard, for drvmem_subject_hoard_free(), or NULL.
 */
void *drvmem_subject_hoard(unsigned int nr)
{
	struct drvmem_subject_hoard *h;

	h = kvzalloc(struct_size(h, obj, nr), GFP_KERNEL);
	if (!h)
		return NULL;
	for (h->nr = 0; h->nr < nr; h->nr++) {
		h->obj[h->nr] = kmalloc(16, GFP_KERNEL);
		if (!h->obj[h->nr])
			break;
	}
	return h;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_subject_hoard);

/**
 * drvmem_subject_hoard_free() - free a hoard, in reverse order
 * @hoard: what drvmem_subject_hoard() gave
 */
void drvmem_subject_hoard_free(void *hoard)
{
	struct drvmem_subject_hoard *h = hoard;

	while (h->nr--)
		kfree(h->obj[h->nr]);
	kvfree(h);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_subject_hoard_free);

/**
 * drvmem_broken_cache_create() - a slab cache for one broken probe
 * @flags: SLAB_* flags; SLAB_NO_MERGE for a cache SLUB must not merge
 *
 * Each cache gets a name of its own: the caches these drivers leak stay,
 * and a second cache of the same name would make sysfs warn about the
 * name, hiding the leak the kit must report.
 *
 * Return: the cache, or NULL.
 */
struct kmem_cache *drvmem_broken_cache_create(slab_flags_t flags)
{
	static atomic_t nr = ATOMIC_INIT(0);
	char name[32];

	snprintf(name, sizeof(name), "drvmem_broken_%d", atomic_inc_return(&nr));
	return kmem_cache_create(name, SZ_64, 0, flags, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_broken_cache_create);

struct drvmem_broken_cached {
	struct kmem_cache *cache;
	void *buf;
};

static int drvmem_broken_cache_probe_ok(struct platform_device *pdev)
{
	struct drvmem_broken_cached *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->cache = drvmem_broken_cache_create(0);
	if (!priv->cache)
		goto err_free_priv;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_destroy_cache;
	platform_set_drvdata(pdev, priv);
	return 0;

err_destroy_cache:
	kmem_cache_destroy(priv->cache);
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_broken_cache_remove_ok(struct platform_device *pdev)
{
	struct drvmem_broken_cached *priv = platform_get_drvdata(pdev);

	kfree(priv->buf);
	kmem_cache_destroy(priv->cache);
	kfree(priv);
}

/* Bug: the unwind label that should destroy the cache forgets to. */
static int drvmem_broken_cache_unwind_probe(struct platform_device *pdev)
{
	struct drvmem_broken_cached *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->cache = drvmem_broken_cache_create(0);
	if (!priv->cache)
		goto err_free_priv;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_destroy_cache;
	platform_set_drvdata(pdev, priv);
	return 0;

err_destroy_cache:
	/* BUG: kmem_cache_destroy(priv->cache) is missing */
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

/* Bug: remove forgets to destroy the cache. */
static void drvmem_broken_cache_remove_forgets(struct platform_device *pdev)
{
	struct drvmem_broken_cached *priv = platform_get_drvdata(pdev);

	kfree(priv->buf);
	/* BUG: kmem_cache_destroy(priv->cache) is missing */
	kfree(priv);
}

/*
 * Bug: the cache is not checked.  Only remove uses it, and
 * kmem_cache_destroy(NULL) is fine, so the probe "succeeds" without it.
 */
static int drvmem_broken_cache_unchecked_probe(struct platform_device *pdev)
{
	struct drvmem_broken_cached *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: no check of priv->cache */
	priv->cache = drvmem_broken_cache_create(0);
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_destroy_cache;
	platform_set_drvdata(pdev, priv);
	return 0;

err_destroy_cache:
	kmem_cache_destroy(priv->cache);
	kfree(priv);
	return -ENOMEM;
}

/* Bug (the chapter's page example): an order-2 block freed as one page. */
struct drvmem_broken_paged {
	struct page *pages;
};

static int drvmem_broken_page_order_probe(struct platform_device *pdev)
{
	struct drvmem_broken_paged *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->pages = alloc_pages(GFP_KERNEL, 2);
	if (!priv->pages)
		goto err_free_priv;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_broken_page_order_remove(struct platform_device *pdev)
{
	struct drvmem_broken_paged *priv = platform_get_drvdata(pdev);

	/* BUG: __free_pages(priv->pages, 2); three pages are lost */
	__free_page(priv->pages);
	kfree(priv);
}

/*
 * Bug (the chapter's GFP list): GFP_DMA32 given to kmalloc(), which does
 * not allocate from zones (the DMA API does, with a mask).  Above the
 * largest kmalloc cache, so that every call is refused and fixed up.
 */
static int drvmem_broken_gfp_dma32_probe(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: a zone flag for kmalloc() */
	priv->buf = kmalloc(SZ_16K, GFP_KERNEL | GFP_DMA32);
	if (!priv->buf)
		goto err_free_priv;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_broken_gfp_dma32_remove(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv = platform_get_drvdata(pdev);

	kfree(priv->buf);
	kfree(priv);
}

/*
 * Bug: kvmalloc()'s result unchecked.  A single failed allocation never
 * shows it (kvmalloc() falls back to vmalloc); only failing every
 * allocation under the call does.
 */
static int drvmem_broken_kvmalloc_unchecked_probe(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: no NULL check */
	priv->table = kvmalloc(SZ_64K, GFP_KERNEL);
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_broken_kvmalloc_unchecked_remove(struct platform_device *pdev)
{
	struct drvmem_broken_priv *priv = platform_get_drvdata(pdev);

	kvfree(priv->table);
	kfree(priv);
}

const struct drvmem_broken drvmem_broken_unwind[DRVMEM_BROKEN_UNWIND_NR] = {
	{
		.name = "drvmem-broken-forgets-free",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_forgets_free_probe,
		.remove = drvmem_broken_remove_ok,
		.bug = "a label forgets one free",
		.expect = DRVMEM_FINDING_LEAK,
	},
	{
		.name = "drvmem-broken-label-order",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_label_order_probe,
		.remove = drvmem_broken_remove_ok,
		.bug = "two labels in the wrong order",
		.expect = DRVMEM_FINDING_LEAK,
	},
	{
		.name = "drvmem-broken-one-err",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_one_err_probe,
		.remove = drvmem_broken_one_err_remove,
		.bug = "one err label frees what may not exist",
		.expect = DRVMEM_FINDING_FOREIGN_FREE,
	},
	{
		.name = "drvmem-broken-no-check",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_no_check_probe,
		.remove = drvmem_broken_remove_ok,
		.bug = "an allocation is not checked",
		.expect = DRVMEM_FINDING_UNCHECKED,
	},
	{
		.name = "drvmem-broken-remove-forgets",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_probe_ok,
		.remove = drvmem_broken_remove_forgets,
		.bug = "remove forgets one resource",
		.expect = DRVMEM_FINDING_LEAK,
	},
	{
		.name = "drvmem-broken-remove-order",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_probe_ok,
		.remove = drvmem_broken_remove_order,
		.bug = "remove frees in the wrong order",
		.expect = DRVMEM_FINDING_FREE_ORDER,
	},
	{
		.name = "drvmem-broken-atomic-gfp",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_atomic_gfp_probe,
		.remove = drvmem_broken_remove_ok,
		.bug = "GFP_KERNEL under a spinlock",
		.expect = DRVMEM_FINDING_REPORT,
	},
	{
		.name = "drvmem-broken-cache-unwind",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_cache_unwind_probe,
		.remove = drvmem_broken_cache_remove_ok,
		.bug = "an unwind label forgets kmem_cache_destroy()",
		.expect = DRVMEM_FINDING_CACHE_LEAK,
	},
	{
		.name = "drvmem-broken-cache-remove",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_cache_probe_ok,
		.remove = drvmem_broken_cache_remove_forgets,
		.bug = "remove forgets kmem_cache_destroy()",
		.expect = DRVMEM_FINDING_CACHE_LEAK,
	},
	{
		.name = "drvmem-broken-cache-unchecked",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_cache_unchecked_probe,
		.remove = drvmem_broken_cache_remove_ok,
		.bug = "kmem_cache_create() is not checked",
		.expect = DRVMEM_FINDING_UNCHECKED,
	},
	{
		.name = "drvmem-broken-page-order",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_page_order_probe,
		.remove = drvmem_broken_page_order_remove,
		.bug = "an order-2 block freed with __free_page()",
		.expect = DRVMEM_FINDING_UNMAP_SIZE,
	},
	{
		.name = "drvmem-broken-gfp-dma32",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_gfp_dma32_probe,
		.remove = drvmem_broken_gfp_dma32_remove,
		.bug = "GFP_DMA32 given to kmalloc()",
		.expect = DRVMEM_FINDING_REPORT,
	},
	{
		.name = "drvmem-broken-kvmalloc-unchecked",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_kvmalloc_unchecked_probe,
		.remove = drvmem_broken_kvmalloc_unchecked_remove,
		.bug = "kvmalloc() result unchecked",
		.expect = DRVMEM_FINDING_UNCHECKED,
	},
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_broken_unwind);
