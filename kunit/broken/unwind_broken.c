// SPDX-License-Identifier: GPL-2.0
/*
 * The chapter's complete example, as written (docs/errata.md, C1): state in
 * a global, which works for one device and breaks when a second one binds.
 * Never reference code:
 * drivers-under-test/drvmem_unwind.c is the corrected version.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "../../compat/drvmem_compat.h"
#include "unwind_broken.h"

struct drvmem_broken_state {
	char *buf;
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

const struct drvmem_broken drvmem_broken_two_devices[DRVMEM_BROKEN_TWO_DEVICES_NR] = {
	{
		.name = "drvmem-broken-global",
		.owner = "drvmem_broken_",
		.probe = drvmem_broken_global_probe,
		.remove = drvmem_broken_global_remove,
		.bug = "the chapter's global device state",
		.expect = DRVMEM_FINDING_LEAK,
	},
};
