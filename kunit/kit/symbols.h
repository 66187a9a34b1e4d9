/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drvmem test kit: what is built in even when the kit is a module.
 *
 * symbols.c exports what the kit reads of the kernel and no module may;
 * the markers bound drvmem's built-in code (kunit/Makefile).  All of it is
 * in the namespace DRVMEM_KIT_BUILTIN.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KIT_SYMBOLS_H
#define _DRVMEM_KIT_SYMBOLS_H

#include <linux/mutex.h>
#include <linux/types.h>

struct file_system_type;
struct kmem_cache;

/* symbols.c */
unsigned long drvmem_kit_lookup_name(const char *name);
int drvmem_kit_lookup_size_offset(unsigned long addr, unsigned long *size,
				  unsigned long *offset);
bool drvmem_kit_kernel_text(unsigned long addr);
const char *drvmem_kit_command_line(void);
void drvmem_kit_put_filesystem(struct file_system_type *type);
/* mm/slab.h's slab_mutex, its slab_caches and its kmem_cache */
struct mutex *drvmem_kit_slab_mutex(void);
struct list_head *drvmem_kit_slab_caches(void);
const struct kmem_cache *drvmem_kit_cache_of_caches(void);

/*
 * kunit/broken/fixtures_start.c: where the broken fixtures start;
 * kunit/test_code_start.c, kunit/test_code_end.c: drvmem's built-in test
 * code, after them.
 */
void drvmem_fixtures_start(void);
void drvmem_test_code_start(void);
void drvmem_test_code_end(void);

#endif /* _DRVMEM_KIT_SYMBOLS_H */
