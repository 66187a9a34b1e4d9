/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Broken managed-resource drivers for the drvmem_devm suite: each carries
 * one of the common devm mistakes, and the suite must flag it.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_DEVM_BROKEN_H
#define _DRVMEM_DEVM_BROKEN_H

#include "../kit/drvmem_kit.h"

/* sized, so that a suite can take ARRAY_SIZE(); the definition must agree */
#define DRVMEM_BROKEN_DEVM_NR	5
extern const struct drvmem_broken drvmem_broken_devm[DRVMEM_BROKEN_DEVM_NR];

#endif /* _DRVMEM_DEVM_BROKEN_H */
