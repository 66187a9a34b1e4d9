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

#include <linux/slab.h>

#include "../kit/drvmem_kit.h"

/* sized, so that a suite can take ARRAY_SIZE(); the definition must agree */
#define DRVMEM_BROKEN_UNWIND_NR	13
extern const struct drvmem_broken drvmem_broken_unwind[DRVMEM_BROKEN_UNWIND_NR];

struct kmem_cache *drvmem_broken_cache_create(slab_flags_t flags);
void *drvmem_subject_kvmalloc(size_t size);
void drvmem_subject_kvfree(void *p);
void *drvmem_subject_hoard(unsigned int nr);
void drvmem_subject_hoard_free(void *hoard);

#endif /* _DRVMEM_KIT_BROKEN_H */
