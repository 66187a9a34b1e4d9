/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deliberately broken probes and removes for the kit's self-test.  They
 * are never reference code: each one carries one of the chapter's common
 * errors, and the kit must flag it.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KIT_BROKEN_H
#define _DRVMEM_KIT_BROKEN_H

struct platform_device;

/**
 * struct drvmem_broken - a broken driver and what the kit must say about it
 * @name: platform driver name
 * @probe: the driver's probe
 * @remove: the driver's remove
 * @bug: the error, in words
 * @expect: a piece of the first finding the kit must report
 */
struct drvmem_broken {
	const char *name;
	int (*probe)(struct platform_device *pdev);
	void (*remove)(struct platform_device *pdev);
	const char *bug;
	const char *expect;
};

extern const struct drvmem_broken drvmem_broken_unwind[];
extern const unsigned int drvmem_broken_unwind_count;

#endif /* _DRVMEM_KIT_BROKEN_H */
