// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-unsafe broken drivers, for the drvmem_kasan suite only: each one
 * makes KASAN (or SLUB) report, which the kit must turn into a finding.
 * Their reports taint the kernel and turn lockdep off: the suite runs last.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/device.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "kasan_broken.h"
#include "kit_broken.h"

struct drvmem_broken_kasan {
	void *buf;
	void *extra;
};

static int drvmem_broken_kasan_probe(struct platform_device *pdev)
{
	struct drvmem_broken_kasan *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->buf)
		goto err_free_priv;
	priv->extra = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->extra)
		goto err_free_buf;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_buf:
	kfree(priv->buf);
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

/* Bug: remove frees the buffer twice (a double free). */
static void drvmem_broken_kasan_double_free_remove(struct platform_device *pdev)
{
	struct drvmem_broken_kasan *priv = platform_get_drvdata(pdev);

	kfree(priv->extra);
	kfree(priv->buf);
	kfree(priv->buf);	/* BUG: already freed */
	kfree(priv);
}

/* Bug: remove reads the private struct after freeing it (use after free). */
static void drvmem_broken_kasan_uaf_remove(struct platform_device *pdev)
{
	struct drvmem_broken_kasan *priv = platform_get_drvdata(pdev);

	kfree(priv->extra);
	kfree(priv->buf);
	kfree(priv);
	/* BUG: priv is gone */
	if (!READ_ONCE(priv->buf))
		dev_dbg(&pdev->dev, "no buffer\n");
}

/* Bug: kfree() of devm_kzalloc() memory, which devres frees at unbind. */
static int drvmem_broken_kasan_devm_probe(struct platform_device *pdev)
{
	struct drvmem_broken_kasan *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = devm_kzalloc(&pdev->dev, SZ_64, GFP_KERNEL);
	if (!priv->buf)
		return -ENOMEM;
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_broken_kasan_devm_remove(struct platform_device *pdev)
{
	struct drvmem_broken_kasan *priv = platform_get_drvdata(pdev);

	kfree(priv->buf);	/* BUG: devres owns this memory */
}

static int drvmem_broken_kasan_cache_probe(struct platform_device *pdev)
{
	struct kmem_cache *cache = drvmem_broken_cache_create(0);

	if (!cache)
		return -ENOMEM;
	platform_set_drvdata(pdev, cache);
	return 0;
}

/*
 * Bug: remove destroys the cache while an object from it is allocated.
 * SLUB's report taints the kernel, which turns lockdep off: this suite's.
 */
static void drvmem_broken_kasan_cache_remove(struct platform_device *pdev)
{
	struct kmem_cache *cache = platform_get_drvdata(pdev);
	void *obj = kmem_cache_alloc(cache, GFP_KERNEL);

	/* BUG: obj is still allocated: kmem_cache_free() it first */
	kmem_cache_destroy(cache);
	(void)obj;
}

const struct drvmem_broken drvmem_broken_kasan[DRVMEM_BROKEN_KASAN_NR] = {
	{
		.name = "drvmem-broken-double-free",
		.owner = "drvmem_broken_kasan_",
		.probe = drvmem_broken_kasan_probe,
		.remove = drvmem_broken_kasan_double_free_remove,
		.bug = "remove frees a buffer twice",
		.expect = DRVMEM_FINDING_DOUBLE_FREE,
	},
	{
		.name = "drvmem-broken-use-after-free",
		.owner = "drvmem_broken_kasan_",
		.probe = drvmem_broken_kasan_probe,
		.remove = drvmem_broken_kasan_uaf_remove,
		.bug = "remove uses memory after freeing it",
		.expect = DRVMEM_FINDING_REPORT,
	},
	{
		.name = "drvmem-broken-devm-kfree",
		.owner = "drvmem_broken_kasan_",
		.probe = drvmem_broken_kasan_devm_probe,
		.remove = drvmem_broken_kasan_devm_remove,
		.bug = "kfree() of devm_kzalloc() memory",
		.expect = DRVMEM_FINDING_FOREIGN_FREE,
	},
	{
		.name = "drvmem-broken-cache-live",
		.owner = "drvmem_broken_kasan_",
		.probe = drvmem_broken_kasan_cache_probe,
		.remove = drvmem_broken_kasan_cache_remove,
		.bug = "kmem_cache_destroy() with an object still allocated",
		.expect = DRVMEM_FINDING_REPORT,
	},
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_broken_kasan);
