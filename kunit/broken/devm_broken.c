// SPDX-License-Identifier: GPL-2.0
/*
 * Broken managed-resource (devm) drivers, for the drvmem_devm suite only.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/device.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "devm_broken.h"
#include "kit_broken.h"

struct drvmem_broken_devm {
	void *buf;
	u32 *table;
	void *scratch;
	struct kmem_cache *cache;
	void *obj;
};

static void drvmem_broken_devm_vfree(void *table)
{
	vfree(table);
}

static void drvmem_broken_devm_kfree_action(void *buf)
{
	kfree(buf);
}

/* Bug: a manual resource that the author assumed devm would release. */
static int drvmem_broken_devm_assumed_probe(struct platform_device *pdev)
{
	struct drvmem_broken_devm *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: vmalloc() is not managed, and nothing ever frees it */
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		return -ENOMEM;
	platform_set_drvdata(pdev, priv);
	return 0;
}

/*
 * Bug: a managed allocation bound to the wrong device (the parent bus): it
 * is not released when this driver unbinds, only when the bus goes away,
 * which in a test kernel is never (each probe leaks 64 bytes).
 */
static int drvmem_broken_devm_wrong_dev_probe(struct platform_device *pdev)
{
	struct drvmem_broken_devm *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: &pdev->dev, not its parent */
	priv->scratch = devm_kzalloc(pdev->dev.parent, SZ_64, GFP_KERNEL);
	if (!priv->scratch)
		return -ENOMEM;
	platform_set_drvdata(pdev, priv);
	return 0;
}

/*
 * Bug: release actions registered in the wrong order: devres releases the
 * buffer before the table that was allocated after it.
 */
static int drvmem_broken_devm_order_probe(struct platform_device *pdev)
{
	struct drvmem_broken_devm *priv;
	int ret;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		return -ENOMEM;
	priv->table = vmalloc(SZ_64K);
	if (!priv->table) {
		kfree(priv->buf);
		return -ENOMEM;
	}
	/* BUG: the table's action must be added after the buffer's */
	ret = devm_add_action_or_reset(&pdev->dev, drvmem_broken_devm_vfree,
				       priv->table);
	if (ret) {
		kfree(priv->buf);
		return ret;
	}
	return devm_add_action_or_reset(&pdev->dev, drvmem_broken_devm_kfree_action,
					priv->buf);
}

/* Bug: the devm action that should destroy the cache only frees its object. */
static void drvmem_broken_devm_cache_release(void *data)
{
	struct drvmem_broken_devm *priv = data;

	kmem_cache_free(priv->cache, priv->obj);
	/* BUG: kmem_cache_destroy(priv->cache) is missing */
}

static int drvmem_broken_devm_cache_probe(struct platform_device *pdev)
{
	struct drvmem_broken_devm *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* one that SLUB keeps apart: the unwind twins' caches may be merged */
	priv->cache = drvmem_broken_cache_create(SLAB_NO_MERGE);
	if (!priv->cache)
		return -ENOMEM;
	priv->obj = kmem_cache_alloc(priv->cache, GFP_KERNEL);
	if (!priv->obj) {
		kmem_cache_destroy(priv->cache);
		return -ENOMEM;
	}
	return devm_add_action_or_reset(&pdev->dev,
					drvmem_broken_devm_cache_release, priv);
}

/* Bug: devm allocates, it does not check: no NULL check. */
static int drvmem_broken_devm_no_check_probe(struct platform_device *pdev)
{
	struct drvmem_broken_devm *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: no NULL check */
	priv->buf = devm_kzalloc(&pdev->dev, SZ_64, GFP_KERNEL);
	platform_set_drvdata(pdev, priv);
	return 0;
}

const struct drvmem_broken drvmem_broken_devm[DRVMEM_BROKEN_DEVM_NR] = {
	{
		.name = "drvmem-broken-devm-assumed",
		.owner = "drvmem_broken_devm_",
		.probe = drvmem_broken_devm_assumed_probe,
		.bug = "a manual resource assumed managed",
		.expect = DRVMEM_FINDING_LEAK,
	},
	{
		.name = "drvmem-broken-devm-wrong-dev",
		.owner = "drvmem_broken_devm_",
		.probe = drvmem_broken_devm_wrong_dev_probe,
		.bug = "a devm resource bound to the wrong device",
		.expect = DRVMEM_FINDING_LEAK,
	},
	{
		.name = "drvmem-broken-devm-order",
		.owner = "drvmem_broken_devm_",
		.probe = drvmem_broken_devm_order_probe,
		.bug = "release actions registered in the wrong order",
		.expect = DRVMEM_FINDING_FREE_ORDER,
	},
	{
		.name = "drvmem-broken-devm-no-check",
		.owner = "drvmem_broken_devm_",
		.probe = drvmem_broken_devm_no_check_probe,
		.bug = "a managed allocation without its NULL check",
		.expect = DRVMEM_FINDING_UNCHECKED,
	},
	{
		.name = "drvmem-broken-devm-cache",
		.owner = "drvmem_broken_devm_",
		.probe = drvmem_broken_devm_cache_probe,
		.bug = "the devm action forgets kmem_cache_destroy()",
		.expect = DRVMEM_FINDING_CACHE_LEAK,
	},
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_broken_devm);
