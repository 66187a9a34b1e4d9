// SPDX-License-Identifier: GPL-2.0
/*
 * foo: a tiny platform driver, the worked example of sweeping a driver
 * that is not drvmem's with the drvmem kit (see foo_kunit.c).
 *
 * probe takes a private struct (managed), a buffer and a table, with a
 * goto unwind for the two it manages itself; remove gives them back in
 * reverse order.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

struct foo_priv {
	void *buf;
	u32 *table;
};

static int foo_probe(struct platform_device *pdev)
{
	struct foo_priv *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = kmalloc(SZ_256, GFP_KERNEL);
	if (!priv->buf)
		return -ENOMEM;
	priv->table = vmalloc(SZ_64K);
	if (!priv->table)
		goto err_free_buf;
	platform_set_drvdata(pdev, priv);
	return 0;

err_free_buf:
	kfree(priv->buf);
	return -ENOMEM;
}

static void foo_remove(struct platform_device *pdev)
{
	struct foo_priv *priv = platform_get_drvdata(pdev);

	vfree(priv->table);
	kfree(priv->buf);
}

static struct platform_driver foo_driver = {
	.probe = foo_probe,
	.remove = foo_remove,
	.driver = {
		.name = "foo",
	},
};
module_platform_driver(foo_driver);

MODULE_DESCRIPTION("foo: the drvmem kit's worked example driver");
MODULE_LICENSE("GPL");
