// SPDX-License-Identifier: GPL-2.0
/*
 * Code in the shapes of in-tree code that is not written to drvmem's
 * rules, for the drvmem_foreign suite: each clean control is correct code
 * the kit must pass, and each broken twin carries one mistake the kit must
 * still flag.  Their functions are named drvmem_foreign_* (and, for the
 * helpers of another prefix, __drvmem_fhelper_*).
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mod_devicetable.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "foreign_broken.h"

struct drvmem_foreign_priv {
	void *a;
	void *b;
	struct drvmem_foreign_obj *obj;
};

struct drvmem_foreign_obj {
	struct rcu_head rcu;
	struct work_struct work;
	bool leak;	/* the broken twin's last put forgets to free */
	char data[SZ_64];
};

/* The broken twin of a control binds through its "-bad" id. */
static bool drvmem_foreign_twin(struct platform_device *pdev)
{
	const struct platform_device_id *id = platform_get_device_id(pdev);

	return id && id->driver_data == DRVMEM_FOREIGN_TWIN;
}

/* Two independent buffers: neither refers to the other. */
static int drvmem_foreign_two_probe(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->a = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->a)
		return -ENOMEM;
	priv->b = kmalloc(SZ_128, GFP_KERNEL);
	if (!priv->b) {
		kfree(priv->a);
		return -ENOMEM;
	}
	platform_set_drvdata(pdev, priv);
	return 0;
}

/* Frees the independent buffers in the order it made them: correct. */
static void drvmem_foreign_two_remove(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	kfree(priv->a);
	kfree(priv->b);
}

/*
 * A temporary copy, freed by design before probe returns, and a buffer
 * probe keeps: remove frees the buffer.
 */
static int drvmem_foreign_temp_probe(struct platform_device *pdev)
{
	static const char template[] = "drvmem-foreign template";
	struct drvmem_foreign_priv *priv;
	char *tmp;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	tmp = kmemdup(template, sizeof(template), GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	priv->a = kmalloc(SZ_64, GFP_KERNEL);
	if (!priv->a) {
		kfree(tmp);
		return -ENOMEM;
	}
	strscpy(priv->a, tmp, SZ_64);
	/* BUG in the twin: the temporary is never freed */
	if (!drvmem_foreign_twin(pdev))
		kfree(tmp);
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_foreign_temp_remove(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	kfree(priv->a);
}

/*
 * Bug: the second buffer holds a pointer into the first, and remove frees
 * the first before it.  Dependent resources: the order matters.
 */
static int drvmem_foreign_dependent_probe(struct platform_device *pdev)
{
	int ret = drvmem_foreign_two_probe(pdev);
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	if (!ret)
		*(void **)priv->b = priv->a;
	return ret;
}

/* Helpers of another prefix, as subsystems have them. */
static noinline void *__drvmem_fhelper_alloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

static noinline void __drvmem_fhelper_free(void *p)
{
	kfree(p);
}

static int drvmem_foreign_helper_probe(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->a = __drvmem_fhelper_alloc(SZ_256);
	if (!priv->a)
		return -ENOMEM;
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_foreign_helper_remove(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	/* BUG in the twin: the helper-made buffer is forgotten */
	if (!drvmem_foreign_twin(pdev))
		__drvmem_fhelper_free(priv->a);
}

/* An object whose last reference a worker drops, after remove returned. */
static void drvmem_foreign_obj_put(struct work_struct *work)
{
	struct drvmem_foreign_obj *obj =
		container_of(work, struct drvmem_foreign_obj, work);

	/* BUG in the twin: the last put forgets to free */
	if (!obj->leak)
		kfree(obj);
}

/*
 * The workqueue the deferred releases run on: its own, so that a test can
 * wait for it (drvmem_foreign_flush()).
 */
static struct workqueue_struct *drvmem_foreign_wq;

static int drvmem_foreign_deferred_probe(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->obj = kzalloc_obj(*priv->obj, GFP_KERNEL);
	if (!priv->obj)
		return -ENOMEM;
	INIT_WORK(&priv->obj->work, drvmem_foreign_obj_put);
	priv->obj->leak = drvmem_foreign_twin(pdev);
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_foreign_deferred_remove(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	queue_work(drvmem_foreign_wq, &priv->obj->work);
}

/* Released by an RCU callback (kfree_rcu), after a grace period. */
static void drvmem_foreign_rcu_remove(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	kfree_rcu(priv->obj, rcu);
}

/**
 * drvmem_foreign_flush() - wait for the deferred releases
 * @test: the test
 * @pdev: the device
 */
void drvmem_foreign_flush(struct kunit *test, struct platform_device *pdev)
{
	flush_workqueue(drvmem_foreign_wq);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_flush);

/**
 * drvmem_foreign_wq_init() - make the workqueue of the deferred releases
 *
 * Return: 0 or -ENOMEM.
 */
int drvmem_foreign_wq_init(void)
{
	drvmem_foreign_wq = alloc_workqueue("drvmem_foreign", 0, 0);
	return drvmem_foreign_wq ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_wq_init);

/**
 * drvmem_foreign_wq_exit() - destroy it
 */
void drvmem_foreign_wq_exit(void)
{
	destroy_workqueue(drvmem_foreign_wq);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_wq_exit);

/* A device id and platform data, as a board gives them. */
static int drvmem_foreign_pdata_probe(struct platform_device *pdev)
{
	const struct drvmem_foreign_pdata *pdata = dev_get_platdata(&pdev->dev);
	const struct platform_device_id *id = platform_get_device_id(pdev);
	struct drvmem_foreign_priv *priv;

	if (!pdata || !id || id->driver_data != DRVMEM_FOREIGN_ID_MAGIC)
		return -EINVAL;
	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->a = kzalloc(pdata->buf_size, GFP_KERNEL);
	if (!priv->a)
		return -ENOMEM;
	platform_set_drvdata(pdev, priv);
	return 0;
}

static void drvmem_foreign_pdata_remove(struct platform_device *pdev)
{
	struct drvmem_foreign_priv *priv = platform_get_drvdata(pdev);

	kfree(priv->a);
}

static const struct platform_device_id drvmem_foreign_pdata_ids[] = {
	{ "drvmem-fboard", DRVMEM_FOREIGN_ID_MAGIC },
	{ }
};

/* A sysfs attribute probe adds and remove must take away. */
static ssize_t level_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "1\n");
}
static DEVICE_ATTR_RO(level);

static int drvmem_foreign_attr_probe(struct platform_device *pdev)
{
	return device_create_file(&pdev->dev, &dev_attr_level);
}

static void drvmem_foreign_attr_remove(struct platform_device *pdev)
{
	/* BUG in the twin: the attribute stays after unbind */
	if (!drvmem_foreign_twin(pdev))
		device_remove_file(&pdev->dev, &dev_attr_level);
}

/**
 * drvmem_foreign_attr_left() - the attribute, if it is still there
 * @test: the test
 * @pdev: the device
 *
 * Return: "sysfs attribute level" while the device has it, else NULL.
 */
const char *drvmem_foreign_attr_left(struct kunit *test,
				     struct platform_device *pdev)
{
	struct kernfs_node *kn = sysfs_get_dirent(pdev->dev.kobj.sd, "level");

	if (!kn)
		return NULL;
	sysfs_put(kn);
	return "sysfs attribute \"level\"";
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_attr_left);

/* A character device's open and release. */
static int drvmem_foreign_open(struct inode *inode, struct file *file)
{
	file->private_data = kzalloc(SZ_128, GFP_KERNEL);
	return file->private_data ? 0 : -ENOMEM;
}

static int drvmem_foreign_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static int drvmem_foreign_release_forgets(struct inode *inode,
					  struct file *file)
{
	/* BUG: private_data is not freed */
	return 0;
}

const struct file_operations drvmem_foreign_fops = {
	.open = drvmem_foreign_open,
	.release = drvmem_foreign_release,
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_fops);

const struct file_operations drvmem_foreign_fops_leaky = {
	.open = drvmem_foreign_open,
	.release = drvmem_foreign_release_forgets,
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_fops_leaky);

/* Each control, and its broken twin bound through the "-bad" id. */
static const struct platform_device_id drvmem_foreign_temp_ids[] = {
	{ "drvmem-ftemp", 0 },
	{ "drvmem-ftemp-bad", DRVMEM_FOREIGN_TWIN },
	{ }
};

static const struct platform_device_id drvmem_foreign_helper_ids[] = {
	{ "drvmem-fhelper", 0 },
	{ "drvmem-fhelper-bad", DRVMEM_FOREIGN_TWIN },
	{ }
};

static const struct platform_device_id drvmem_foreign_deferred_ids[] = {
	{ "drvmem-fdefer", 0 },
	{ "drvmem-fdefer-bad", DRVMEM_FOREIGN_TWIN },
	{ }
};

static const struct platform_device_id drvmem_foreign_attr_ids[] = {
	{ "drvmem-fattr", 0 },
	{ "drvmem-fattr-bad", DRVMEM_FOREIGN_TWIN },
	{ }
};

const struct platform_driver drvmem_foreign_drivers[DRVMEM_FOREIGN_NR] = {
	{
		.driver.name = "drvmem-foreign-two",
		.probe = drvmem_foreign_two_probe,
		.remove = drvmem_foreign_two_remove,
	},
	{
		.driver.name = "drvmem-foreign-dependent",
		.probe = drvmem_foreign_dependent_probe,
		.remove = drvmem_foreign_two_remove,
	},
	{
		.driver.name = "drvmem-foreign-temp",
		.probe = drvmem_foreign_temp_probe,
		.remove = drvmem_foreign_temp_remove,
		.id_table = drvmem_foreign_temp_ids,
	},
	{
		.driver.name = "drvmem-foreign-helper",
		.probe = drvmem_foreign_helper_probe,
		.remove = drvmem_foreign_helper_remove,
		.id_table = drvmem_foreign_helper_ids,
	},
	{
		.driver.name = "drvmem-foreign-deferred",
		.probe = drvmem_foreign_deferred_probe,
		.remove = drvmem_foreign_deferred_remove,
		.id_table = drvmem_foreign_deferred_ids,
	},
	{
		.driver.name = "drvmem-foreign-rcu",
		.probe = drvmem_foreign_deferred_probe,
		.remove = drvmem_foreign_rcu_remove,
	},
	{
		.driver.name = "drvmem-foreign-attr",
		.probe = drvmem_foreign_attr_probe,
		.remove = drvmem_foreign_attr_remove,
		.id_table = drvmem_foreign_attr_ids,
	},
	{
		.driver.name = "drvmem-foreign-pdata",
		.probe = drvmem_foreign_pdata_probe,
		.remove = drvmem_foreign_pdata_remove,
		.id_table = drvmem_foreign_pdata_ids,
	},
};
EXPORT_SYMBOL_IF_KUNIT(drvmem_foreign_drivers);
