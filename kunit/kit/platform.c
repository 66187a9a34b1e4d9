// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: platform devices and drivers for tests, probe sweeps.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/platform_device.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mod_devicetable.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "kit_internal.h"

#define DRVMEM_DEV_SUFFIX "-kunit"

struct kit_match {
	char name[64];
	struct device_driver *drv;
	const struct platform_device_id *id;
};

/* platform_match() for the device's name without its suffix */
static int kit_match_driver(struct device_driver *drv, void *data)
{
	const struct platform_device_id *id = to_platform_driver(drv)->id_table;
	struct kit_match *m = data;

	if (!id) {
		if (strcmp(drv->name, m->name))
			return 0;
		m->drv = drv;
		return 1;
	}
	for (; id->name[0]; id++) {
		if (!strcmp(id->name, m->name)) {
			m->drv = drv;
			m->id = id;
			return 1;
		}
	}
	return 0;
}

/*
 * platform_match() for a device made by drvmem_platform_device(): its name
 * is the driver's, or that of an entry of the driver's id_table, followed
 * by DRVMEM_DEV_SUFFIX.  Sets the device's id_table entry as
 * platform_match() would.  Return: the driver, or NULL.
 */
static struct device_driver *kit_find_driver(struct platform_device *pdev)
{
	struct kit_match m = { };
	size_t len;

	strscpy(m.name, pdev->name, sizeof(m.name));
	len = strlen(m.name);
	if (len <= strlen(DRVMEM_DEV_SUFFIX) ||
	    strcmp(m.name + len - strlen(DRVMEM_DEV_SUFFIX), DRVMEM_DEV_SUFFIX))
		return NULL;
	m.name[len - strlen(DRVMEM_DEV_SUFFIX)] = '\0';
	bus_for_each_drv(&platform_bus_type, NULL, &m, kit_match_driver);
	if (m.drv)
		pdev->id_entry = m.id;
	return m.drv;
}

/**
 * drvmem_platform_device() - an unbound platform device for a driver
 * @test: the test
 * @drv_name: name of the platform driver, or of an entry of its id_table
 *
 * Like platform_device_register_simple(), except test-managed and not
 * bound: the device is named "<drv_name>-kunit" so that no driver matches
 * it, and the test binds it with drvmem_platform_bind(), which finds the
 * driver (and the id_table entry) as the platform bus would, and sees
 * probe's result.  It is unregistered (and so unbound) when the test ends.
 *
 * Return: the device; ERR_PTR(-ENOENT) if no registered platform driver
 * matches @drv_name (is it built in?), -ENAMETOOLONG, or the errno of
 * registering the device.
 */
struct platform_device *drvmem_platform_device(struct kunit *test,
					       const char *drv_name)
{
	struct platform_device *pdev;
	char name[64];
	int ret;

	if (snprintf(name, sizeof(name), "%s" DRVMEM_DEV_SUFFIX, drv_name) >=
	    sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	pdev = kunit_platform_device_alloc(test, name, PLATFORM_DEVID_AUTO);
	if (IS_ERR(pdev))
		return pdev;
	if (!kit_find_driver(pdev)) {
		kunit_info(test, "no platform driver \"%s\": is it built in?\n",
			   drv_name);
		return ERR_PTR(-ENOENT);
	}
	ret = kunit_platform_device_add(test, pdev);
	if (ret)
		return ERR_PTR(ret);
	return pdev;
}
EXPORT_SYMBOL_GPL(drvmem_platform_device);

/**
 * drvmem_platform_driver() - register a test-owned platform driver
 * @test: the test
 * @name: the driver's name
 * @probe: its probe
 * @remove: its remove, or NULL
 *
 * Like platform_driver_register(), except test-managed: for drivers kept
 * beside a suite (broken variants), unregistered when the test ends.
 *
 * Return: 0 or a negative errno.
 */
int drvmem_platform_driver(struct kunit *test, const char *name,
			   int (*probe)(struct platform_device *pdev),
			   void (*remove)(struct platform_device *pdev))
{
	struct platform_driver *drv;

	drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);
	if (!drv)
		return -ENOMEM;
	drv->probe = probe;
	drv->remove = remove;
	drv->driver.name = name;
	return kunit_platform_driver_register(test, drv);
}
EXPORT_SYMBOL_GPL(drvmem_platform_driver);

/**
 * drvmem_platform_bind() - bind a device made by drvmem_platform_device()
 * @test: the test
 * @pdev: the device
 *
 * Like device_driver_attach() with the driver the platform bus would pick.
 *
 * Return: what the driver's probe returned; -ENODEV if the driver is gone.
 */
int drvmem_platform_bind(struct kunit *test, struct platform_device *pdev)
{
	struct device_driver *drv = kit_find_driver(pdev);

	if (!drv)
		return -ENODEV;
	return device_driver_attach(drv, &pdev->dev);
}
EXPORT_SYMBOL_GPL(drvmem_platform_bind);

/**
 * drvmem_platform_unbind() - unbind a device: the driver's remove runs
 * @test: the test
 * @pdev: the device
 */
void drvmem_platform_unbind(struct kunit *test, struct platform_device *pdev)
{
	device_release_driver(&pdev->dev);
}
EXPORT_SYMBOL_GPL(drvmem_platform_unbind);

/**
 * drvmem_devres_count() - count a device's managed resources
 * @dev: the device
 *
 * Return: the number of devres entries (resources and group markers) held.
 */
unsigned int drvmem_devres_count(struct device *dev)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&dev->devres_lock, flags);
	n = list_count_nodes(&dev->devres_head);
	spin_unlock_irqrestore(&dev->devres_lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(drvmem_devres_count);

/* What a probe sweep's step works on. */
struct kit_probe_ctx {
	struct platform_device *pdev;
	const struct drvmem_probe *probe;
};

static int kit_sweep_bind(struct kunit *test, void *ctx)
{
	struct kit_probe_ctx *c = ctx;

	return drvmem_platform_bind(test, c->pdev);
}

static void kit_sweep_unbind(struct kunit *test, void *ctx)
{
	struct kit_probe_ctx *c = ctx;

	drvmem_platform_unbind(test, c->pdev);
}

static unsigned int kit_sweep_devres(struct kunit *test, void *ctx)
{
	struct kit_probe_ctx *c = ctx;

	return drvmem_devres_count(&c->pdev->dev);
}

static const char *kit_sweep_left(struct kunit *test, void *ctx)
{
	struct kit_probe_ctx *c = ctx;

	return c->probe->left ? c->probe->left(test, c->pdev) : NULL;
}

static void kit_sweep_settle(struct kunit *test, void *ctx)
{
	struct kit_probe_ctx *c = ctx;

	if (c->probe->settle)
		c->probe->settle(test, c->pdev);
}

/**
 * drvmem_sweep_platform() - sweep a platform driver's probe on a device
 * @test: the test
 * @probe: the driver, its owner prefixes, the device's id and platform
 *	data, and what else to check after each unbind
 *
 * Binds a new device (see drvmem_platform_device(): @probe->driver names
 * the driver or the id_table entry the device matches, and the device gets
 * @probe->platform_data) with each fault point of the driver's probe
 * failed in turn (see drvmem_sweep()); after every failed probe the device
 * must hold no devres entries and nothing @probe->left names.  The final
 * probe is undone by unbinding, which must release everything.
 *
 * Return: the number of fault points the probe reached.
 */
unsigned int drvmem_sweep_platform(struct kunit *test,
				   const struct drvmem_probe *probe)
{
	struct kit_probe_ctx ctx = { .probe = probe };
	struct drvmem_step step = {
		.name = "probe",
		.run = kit_sweep_bind,
		.undo = kit_sweep_unbind,
		.held = kit_sweep_devres,
		.left = kit_sweep_left,
		.settle = kit_sweep_settle,
		/*
		 * Not the probe's own range: under UML the fault-injection
		 * stack filter was seen to miss a probe's kmalloc() right
		 * after its vmalloc(), and the coverage check then failed the
		 * sweep.  The driver core's allocations around probe fail
		 * harmlessly: bind stops before probe, or absorbs them.
		 */
		.subject = NULL,
		.owner = probe->owner,
		.min_points = probe->min_points,
		.any_free_order = probe->any_free_order,
	};
	int ret;

	ctx.pdev = drvmem_platform_device(test, probe->driver);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, ctx.pdev, "no device for \"%s\"",
					 probe->driver);
	if (probe->platform_data) {
		ret = platform_device_add_data(ctx.pdev, probe->platform_data,
					       probe->platform_data_size);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s: platform data not added",
				    probe->driver);
	}
	return drvmem_sweep(test, &step, &ctx);
}
EXPORT_SYMBOL_GPL(drvmem_sweep_platform);

/**
 * drvmem_sweep_probe() - sweep a platform driver's probe
 * @test: the test
 * @drv_name: the platform driver, or an entry of its id_table
 * @owner: the driver's functions' name prefixes, for the ledger
 * @min_points: the fewest allocations the probe makes that can fail
 *
 * drvmem_sweep_platform() for a device with no platform data.
 *
 * Return: the number of fault points the probe reached.
 */
unsigned int drvmem_sweep_probe(struct kunit *test, const char *drv_name,
				const char *owner, unsigned int min_points)
{
	const struct drvmem_probe probe = {
		.driver = drv_name,
		.owner = owner,
		.min_points = min_points,
	};

	return drvmem_sweep_platform(test, &probe);
}
EXPORT_SYMBOL_GPL(drvmem_sweep_probe);

/**
 * drvmem_expect_broken_flagged() - sweep a broken driver, expect its finding
 * @test: the test
 * @b: the broken driver: its probe and remove, the code's owner prefixes,
 *	its bug in words and the kind of finding it must make
 *
 * A check that cannot fail proves nothing: this is how a suite shows that
 * the kit flags a common error.  Registers @b's driver for the test and
 * sweeps its probe (and the remove after it); fails the test unless the
 * kit reports a finding of kind @b->expect.
 */
void drvmem_expect_broken_flagged(struct kunit *test,
				  const struct drvmem_broken *b)
{
	const char *finding;
	int ret;

	ret = drvmem_platform_driver(test, b->name, b->probe, b->remove);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s: registering its driver failed",
			    b->bug);
	drvmem_capture_begin(test);
	drvmem_sweep_probe(test, b->name, b->owner, 1);
	finding = drvmem_capture_end(test);
	KUNIT_ASSERT_NOT_NULL_MSG(test, finding, "%s: not flagged", b->bug);
	KUNIT_EXPECT_NOT_NULL_MSG(test, drvmem_captured(test, b->expect),
				  "%s: flagged as \"%s\", expected a finding of kind \"%s\"",
				  b->bug, finding,
				  drvmem_finding_kind_name(b->expect));
}
EXPORT_SYMBOL_GPL(drvmem_expect_broken_flagged);
