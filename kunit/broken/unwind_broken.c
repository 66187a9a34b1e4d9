// SPDX-License-Identifier: GPL-2.0
/*
 * The chapter's complete example, as written (docs/errata.md, C1 and C2):
 * state in a global, and a slab cache with a fixed name.  Each works for
 * one device and breaks when a second one binds.  Never reference code:
 * drivers-under-test/drvmem_unwind.c is the corrected version.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "../../compat/drvmem_compat.h"
#include "unwind_broken.h"

struct drvmem_broken_state {
	char *buf;
	struct kmem_cache *cache;
};

/* Bug (C1): one device's state for every device, as the chapter's "dev" */
static struct drvmem_broken_state *drvmem_broken_global;

static int drvmem_broken_global_probe(struct platform_device *pdev)
{
	/* BUG: a second probe overwrites the first device's state */
	drvmem_broken_global = kzalloc_obj(*drvmem_broken_global, GFP_KERNEL);
	if (!drvmem_broken_global)
		return -ENOMEM;
	drvmem_broken_global->buf = kmalloc(SZ_4K, GFP_KERNEL);
	if (!drvmem_broken_global->buf)
		goto err_free_state;
	return 0;

err_free_state:
	kfree(drvmem_broken_global);
	drvmem_broken_global = NULL;
	return -ENOMEM;
}

/* the chapter's mem_exit(): tests what it could not have left NULL */
static void drvmem_broken_global_remove(struct platform_device *pdev)
{
	if (drvmem_broken_global) {
		kfree(drvmem_broken_global->buf);
		kfree(drvmem_broken_global);
		drvmem_broken_global = NULL;
	}
}

/*
 * Bug (C2): state per device, but every device's cache has one name.  A
 * cache SLUB does not merge (debugging, a constructor, SLAB_NO_MERGE) is
 * listed in sysfs under its name, and the second device's cache takes the
 * first one's directory: two caches no tool can tell apart.
 */
static int drvmem_broken_fixed_name_probe(struct platform_device *pdev)
{
	struct drvmem_broken_state *priv;

	priv = kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/* BUG: a fixed name, as the chapter's "my_cache" */
	priv->cache = kmem_cache_create("drvmem_broken_fixed", 128, 0,
					SLAB_NO_MERGE, NULL);
	if (!priv->cache)
		goto err_free_priv;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_priv:
	kfree(priv);
	return -ENOMEM;
}

static void drvmem_broken_fixed_name_remove(struct platform_device *pdev)
{
	struct drvmem_broken_state *priv = platform_get_drvdata(pdev);

	kmem_cache_destroy(priv->cache);
	kfree(priv);
}

const struct drvmem_broken drvmem_broken_two_devices[DRVMEM_BROKEN_TWO_DEVICES_NR] = {
	{
		.name = "drvmem-broken-global",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_global_probe,
		.remove = drvmem_broken_global_remove,
		.bug = "the chapter's global device state",
		.expect = DRVMEM_FINDING_LEAK,
	},
	{
		.name = "drvmem-broken-fixed-name",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_fixed_name_probe,
		.remove = drvmem_broken_fixed_name_remove,
		.bug = "the chapter's fixed slab cache name",
		.expect = DRVMEM_FINDING_PATTERN,
	},
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_broken_two_devices);
