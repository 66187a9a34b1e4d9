/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory-unsafe broken drivers for the drvmem_kasan suite.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KASAN_BROKEN_H
#define _DRVMEM_KASAN_BROKEN_H

#include "drvmem_kit.h"

extern const struct drvmem_broken drvmem_broken_kasan[];
extern const unsigned int drvmem_broken_kasan_count;

#endif /* _DRVMEM_KASAN_BROKEN_H */
