// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem_unwind - the chapter's "Complete Example", as a platform driver.
 *
 * Probe acquires, in order: the device struct (kzalloc), a 4 KiB buffer
 * (kmalloc), a 1 MiB table (vmalloc) and a slab cache; on failure it
 * releases what it acquired, in reverse order, through err_ labels named
 * after what they undo.  Remove releases everything in the same reverse
 * order.
 *
 * Corrected from the chapter: state hangs off the device (drvdata) rather
 * than a global, so any number of devices can bind; <linux/vmalloc.h> is
 * included; labels say what they undo; each device names its own cache;
 * remove needs no NULL checks because probe succeeded.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../compat/drvmem_compat.h"

#define DRVMEM_UNWIND_BUF_SIZE		SZ_4K
#define DRVMEM_UNWIND_TABLE_SIZE	SZ_1M

/* What the slab cache holds: one 128-byte object per entry. */
struct drvmem_unwind_obj {
	u8 data[128];
};

struct drvmem_unwind {
	char *kmalloc_buf;
	char *vmalloc_buf;
	struct kmem_cache *cache;
};

static int drvmem_unwind_probe(struct platform_device *pdev)
{
	struct drvmem_unwind *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;

	priv->kmalloc_buf = kmalloc(DRVMEM_UNWIND_BUF_SIZE, GFP_KERNEL);
	if (!priv->kmalloc_buf)
		goto err_free_priv;

	priv->vmalloc_buf = vmalloc(DRVMEM_UNWIND_TABLE_SIZE);
	if (!priv->vmalloc_buf)
		goto err_free_kmalloc_buf;

	priv->cache = kmem_cache_create(dev_name(&pdev->dev),
					sizeof(struct drvmem_unwind_obj), 0,
					SLAB_HWCACHE_ALIGN, NULL);
	if (!priv->cache)
		goto err_free_vmalloc_buf;

	platform_set_drvdata(pdev, priv);
	dev_dbg(&pdev->dev, "memory allocated\n");
	return 0;

err_free_vmalloc_buf:
	vfree(priv->vmalloc_buf);
err_free_kmalloc_buf:
	kfree(priv->kmalloc_buf);
err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_unwind_remove(struct platform_device *pdev)
{
	struct drvmem_unwind *priv = platform_get_drvdata(pdev);

	kmem_cache_destroy(priv->cache);
	vfree(priv->vmalloc_buf);
	kfree(priv->kmalloc_buf);
	kfree(priv);
}

static struct platform_driver drvmem_unwind_driver = {
	.probe = drvmem_unwind_probe,
	.remove = drvmem_unwind_remove,
	.driver = {
		.name = "drvmem-unwind",
	},
};
module_platform_driver(drvmem_unwind_driver);

MODULE_DESCRIPTION("drvmem: goto-unwind probe of the chapter's complete example");
MODULE_LICENSE("GPL");
