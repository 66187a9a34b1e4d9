/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Code in the shapes of in-tree code not written to drvmem's rules, and
 * broken twins, for the drvmem_foreign suite.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_FOREIGN_BROKEN_H
#define _DRVMEM_FOREIGN_BROKEN_H

#include <linux/fs.h>
#include <linux/platform_device.h>

#include "../kit/drvmem_kit.h"

/* the driver_data of a broken twin's id, "<control>-bad" */
#define DRVMEM_FOREIGN_TWIN	1
/* the driver_data of the board id drvmem-fboard */
#define DRVMEM_FOREIGN_ID_MAGIC	0x5eed

/**
 * struct drvmem_foreign_pdata - platform data of drvmem-fboard
 * @buf_size: the size of the buffer its probe allocates
 */
struct drvmem_foreign_pdata {
	size_t buf_size;
};

/* sized, so that a suite can take ARRAY_SIZE(); the definition must agree */
#define DRVMEM_FOREIGN_NR	8
extern const struct platform_driver drvmem_foreign_drivers[DRVMEM_FOREIGN_NR];
extern const struct file_operations drvmem_foreign_fops;
extern const struct file_operations drvmem_foreign_fops_leaky;

int drvmem_foreign_wq_init(void);
void drvmem_foreign_wq_exit(void);
void drvmem_foreign_flush(struct kunit *test, struct platform_device *pdev);
const char *drvmem_foreign_attr_left(struct kunit *test,
				     struct platform_device *pdev);

#endif /* _DRVMEM_FOREIGN_BROKEN_H */
