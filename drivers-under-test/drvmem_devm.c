// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem_devm - managed-resource twins of the goto-unwind drivers.
 *
 * "drvmem-devm" acquires what drvmem-full acquires, in the same order (its
 * table by vmalloc, whose release is a devm action of its own), and a
 * streaming DMA mapping of its buffer, all managed: devm_kzalloc,
 * devm_kmalloc, devm_kcalloc, devm_get_free_pages, devm_alloc_percpu and
 * dmam_alloc_coherent, and devm_add_action_or_reset() for what has no
 * managed form (vmalloc, kmem_cache_create and its object, mempool_create,
 * dma_map_single).  Probe has no goto chain; there is no remove: devres
 * releases everything, in reverse order, on probe failure and on unbind.
 * Every allocation is still checked: devm frees, it does not check.
 *
 * "drvmem-devm-mixed" mixes both, as real drivers do: managed state and
 * buffer first, then a manually released ring that remove frees, before
 * devres releases the managed part.
 *
 * "drvmem-devm-group" rolls a half-set-up optional feature back with a
 * devres group, without failing the probe.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mempool.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DRVMEM_DEVM_BUF_SIZE		SZ_4K
#define DRVMEM_DEVM_NR_SLOTS		16
#define DRVMEM_DEVM_TABLE_SIZE		SZ_1M
#define DRVMEM_DEVM_POOL_MIN		4
#define DRVMEM_DEVM_POOL_ELEM_SIZE	256
#define DRVMEM_DEVM_PAGES_ORDER		2
#define DRVMEM_DEVM_DMA_SIZE		SZ_4K

struct drvmem_devm_obj {
	u32 id;
	u8 payload[60];
};

struct drvmem_devm {
	struct device *dev;
	void *buf;
	dma_addr_t buf_dma;
	u32 *slots;
	u32 *table;
	struct kmem_cache *cache;
	struct drvmem_devm_obj *obj;
	mempool_t *pool;
	unsigned long pages;
	u64 __percpu *counter;
	void *dma_buf;
	dma_addr_t dma_handle;
};

static void drvmem_devm_vfree(void *table)
{
	vfree(table);
}

static void drvmem_devm_cache_destroy(void *cache)
{
	kmem_cache_destroy(cache);
}

static void drvmem_devm_obj_free(void *data)
{
	struct drvmem_devm *priv = data;

	kmem_cache_free(priv->cache, priv->obj);
}

static void drvmem_devm_pool_destroy(void *pool)
{
	mempool_destroy(pool);
}

static void drvmem_devm_unmap_buf(void *data)
{
	struct drvmem_devm *priv = data;

	dma_unmap_single(priv->dev, priv->buf_dma, DRVMEM_DEVM_BUF_SIZE,
			 DMA_TO_DEVICE);
}

static int drvmem_devm_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_devm *priv;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return dev_err_probe(dev, ret, "no usable 32-bit DMA mask\n");

	priv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->dev = dev;

	/* zeroed: the device reads it, and must not see old heap contents */
	priv->buf = devm_kzalloc(dev, DRVMEM_DEVM_BUF_SIZE, GFP_KERNEL);
	if (!priv->buf)
		return -ENOMEM;

	priv->slots = devm_kcalloc(dev, DRVMEM_DEVM_NR_SLOTS,
				   sizeof(*priv->slots), GFP_KERNEL);
	if (!priv->slots)
		return -ENOMEM;

	priv->table = vmalloc(DRVMEM_DEVM_TABLE_SIZE);
	if (!priv->table)
		return -ENOMEM;
	ret = devm_add_action_or_reset(dev, drvmem_devm_vfree, priv->table);
	if (ret)
		return ret;

	priv->cache = kmem_cache_create(dev_name(dev),
					sizeof(struct drvmem_devm_obj), 0,
					SLAB_HWCACHE_ALIGN, NULL);
	if (!priv->cache)
		return -ENOMEM;
	ret = devm_add_action_or_reset(dev, drvmem_devm_cache_destroy,
				       priv->cache);
	if (ret)
		return ret;

	priv->obj = kmem_cache_zalloc(priv->cache, GFP_KERNEL);
	if (!priv->obj)
		return -ENOMEM;
	ret = devm_add_action_or_reset(dev, drvmem_devm_obj_free, priv);
	if (ret)
		return ret;

	priv->pool = mempool_create_kmalloc_pool(DRVMEM_DEVM_POOL_MIN,
						 DRVMEM_DEVM_POOL_ELEM_SIZE);
	if (!priv->pool)
		return -ENOMEM;
	ret = devm_add_action_or_reset(dev, drvmem_devm_pool_destroy,
				       priv->pool);
	if (ret)
		return ret;

	priv->pages = devm_get_free_pages(dev, GFP_KERNEL,
					  DRVMEM_DEVM_PAGES_ORDER);
	if (!priv->pages)
		return -ENOMEM;

	priv->counter = devm_alloc_percpu(dev, u64);
	if (!priv->counter)
		return -ENOMEM;

	priv->dma_buf = dmam_alloc_coherent(dev, DRVMEM_DEVM_DMA_SIZE,
					    &priv->dma_handle, GFP_KERNEL);
	if (!priv->dma_buf)
		return -ENOMEM;

	/* a managed resource still needs its error check */
	priv->buf_dma = dma_map_single(dev, priv->buf, DRVMEM_DEVM_BUF_SIZE,
				       DMA_TO_DEVICE);
	if (dma_mapping_error(dev, priv->buf_dma))
		return -ENOMEM;
	ret = devm_add_action_or_reset(dev, drvmem_devm_unmap_buf, priv);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, priv);
	dev_dbg(dev, "coherent buffer at %pad, buffer mapped at %pad\n",
		&priv->dma_handle, &priv->buf_dma);
	return 0;
}

/* drvmem-devm-mixed: managed state, one manual resource released in remove */
struct drvmem_devm_mixed {
	void *buf;
	u32 *ring;
};

static int drvmem_devm_mixed_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_devm_mixed *priv;

	priv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;

	priv->buf = devm_kmalloc(dev, DRVMEM_DEVM_BUF_SIZE, GFP_KERNEL);
	if (!priv->buf)
		return -ENOMEM;

	/* acquired last, so released first: by remove, before devres runs */
	priv->ring = vmalloc(DRVMEM_DEVM_TABLE_SIZE);
	if (!priv->ring)
		return -ENOMEM;

	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_devm_mixed_remove(struct platform_device *pdev)
{
	struct drvmem_devm_mixed *priv = platform_get_drvdata(pdev);

	vfree(priv->ring);
}

/*
 * drvmem-devm-group: the base resources, then an optional feature set up in
 * a devres group.  When the feature's self-check fails (the firmware node
 * says "drvmem,feature-broken"), the group is released: the feature's
 * resources go, the base ones stay until unbind, and probe succeeds.
 */
struct drvmem_devm_group {
	void *buf;
	void *feature_buf;
	u32 *feature_table;
	bool feature;
};

static int drvmem_devm_group_feature(struct device *dev,
				     struct drvmem_devm_group *priv)
{
	void *group;
	int ret;

	group = devres_open_group(dev, NULL, GFP_KERNEL);
	if (!group)
		return -ENOMEM;

	priv->feature_buf = devm_kzalloc(dev, DRVMEM_DEVM_BUF_SIZE, GFP_KERNEL);
	if (!priv->feature_buf) {
		ret = -ENOMEM;
		goto err_release_group;
	}

	priv->feature_table = vmalloc(DRVMEM_DEVM_TABLE_SIZE);
	if (!priv->feature_table) {
		ret = -ENOMEM;
		goto err_release_group;
	}
	ret = devm_add_action_or_reset(dev, drvmem_devm_vfree,
				       priv->feature_table);
	if (ret)
		goto err_release_group;

	if (device_property_read_bool(dev, "drvmem,feature-broken")) {
		ret = -EIO;
		goto err_release_group;
	}

	devres_close_group(dev, group);
	return 0;

err_release_group:
	devres_release_group(dev, group);
	priv->feature_buf = NULL;
	priv->feature_table = NULL;
	return ret;
}

static int drvmem_devm_group_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_devm_group *priv;
	int ret;

	priv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;

	priv->buf = devm_kmalloc(dev, DRVMEM_DEVM_BUF_SIZE, GFP_KERNEL);
	if (!priv->buf)
		return -ENOMEM;

	/* the feature is optional: run without it rather than not at all */
	ret = drvmem_devm_group_feature(dev, priv);
	if (ret == -ENOMEM)
		return ret;
	priv->feature = !ret;
	if (ret)
		dev_info(dev, "optional feature disabled (%pe)\n", ERR_PTR(ret));

	platform_set_drvdata(pdev, priv);
	return 0;
}

static struct platform_driver drvmem_devm_driver = {
	.probe = drvmem_devm_probe,
	.driver = {
		.name = "drvmem-devm",
	},
};

static struct platform_driver drvmem_devm_mixed_driver = {
	.probe = drvmem_devm_mixed_probe,
	.remove = drvmem_devm_mixed_remove,
	.driver = {
		.name = "drvmem-devm-mixed",
	},
};

static struct platform_driver drvmem_devm_group_driver = {
	.probe = drvmem_devm_group_probe,
	.driver = {
		.name = "drvmem-devm-group",
	},
};

static struct platform_driver * const drvmem_devm_drivers[] = {
	&drvmem_devm_driver,
	&drvmem_devm_mixed_driver,
	&drvmem_devm_group_driver,
};

static int __init drvmem_devm_init(void)
{
	return platform_register_drivers(drvmem_devm_drivers,
					 ARRAY_SIZE(drvmem_devm_drivers));
}
module_init(drvmem_devm_init);

static void __exit drvmem_devm_exit(void)
{
	platform_unregister_drivers(drvmem_devm_drivers,
				    ARRAY_SIZE(drvmem_devm_drivers));
}
module_exit(drvmem_devm_exit);

MODULE_DESCRIPTION("drvmem: managed-resource (devm) reference drivers");
MODULE_LICENSE("GPL");
