/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory-unsafe broken drivers for the drvmem_kasan suite.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KASAN_BROKEN_H
#define _DRVMEM_KASAN_BROKEN_H

#include "../kit/drvmem_kit.h"

/* sized, so that a suite can take ARRAY_SIZE(); the definition must agree */
#define DRVMEM_BROKEN_KASAN_NR	4
extern const struct drvmem_broken drvmem_broken_kasan[DRVMEM_BROKEN_KASAN_NR];

#endif /* _DRVMEM_KASAN_BROKEN_H */
