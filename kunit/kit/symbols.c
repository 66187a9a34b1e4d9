// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: the kernel's symbols that the kit reads and no module
 * may.
 *
 * The kit names the code a frame is in by its symbol's bounds, finds the
 * fault-injection filter's exempt function and kmemleak's scan by name,
 * walks SLUB's list of caches (mm/slab.h), reads the command line and
 * mounts debugfs.
 * None of that is exported: kallsyms_lookup_name() has not been since 5.7,
 * on purpose.  This file is always built in when the kit is configured,
 * also when the kit itself is a module (drvmem_kit.ko, which then needs
 * KUnit only as a module), and it exports exactly what the kit uses, in
 * its own namespace, DRVMEM_KIT_BUILTIN: test kernels only (the kit's
 * Kconfig), never a production ABI.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "mm/slab.h"

#include "../../compat/drvmem_compat.h"
#include "symbols.h"

/**
 * drvmem_kit_lookup_name() - the address of a kernel or module symbol
 * @name: the symbol
 *
 * Return: kallsyms_lookup_name(@name): the address, or 0.
 */
unsigned long drvmem_kit_lookup_name(const char *name)
{
	return kallsyms_lookup_name(name);
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_lookup_name, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_lookup_size_offset() - the bounds of the symbol @addr is in
 * @addr: an address in the kernel's or a module's text
 * @size: the symbol's size
 * @offset: @addr's offset in it
 *
 * Return: kallsyms_lookup_size_offset(): nonzero when found.
 */
int drvmem_kit_lookup_size_offset(unsigned long addr, unsigned long *size,
				  unsigned long *offset)
{
	return kallsyms_lookup_size_offset(addr, size, offset);
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_lookup_size_offset, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_kernel_text() - is @addr in the kernel's or a module's text?
 * @addr: an address, e.g. a return address read from a stack frame
 *
 * Return: __kernel_text_address(@addr).
 */
bool drvmem_kit_kernel_text(unsigned long addr)
{
	return __kernel_text_address(addr);
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_kernel_text, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_command_line() - the kernel's command line, as booted
 *
 * Return: saved_command_line.
 */
const char *drvmem_kit_command_line(void)
{
	return saved_command_line;
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_command_line, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_put_filesystem() - put what get_fs_type() gave
 * @type: the filesystem type
 */
void drvmem_kit_put_filesystem(struct file_system_type *type)
{
	put_filesystem(type);
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_put_filesystem, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_slab_mutex() - the lock of the slab allocator's cache list
 *
 * Return: &slab_mutex (mm/slab.h).
 */
struct mutex *drvmem_kit_slab_mutex(void)
{
	return &slab_mutex;
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_slab_mutex, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_slab_caches() - the slab allocator's list of caches
 *
 * Walk it under drvmem_kit_slab_mutex(), as mm/slab_common.c does.
 *
 * Return: &slab_caches (mm/slab.h), of struct kmem_cache by their .list.
 */
struct list_head *drvmem_kit_slab_caches(void)
{
	return &slab_caches;
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_slab_caches, "DRVMEM_KIT_BUILTIN");

/**
 * drvmem_kit_cache_of_caches() - the cache every struct kmem_cache is from
 *
 * Return: kmem_cache (mm/slab.h).
 */
const struct kmem_cache *drvmem_kit_cache_of_caches(void)
{
	return kmem_cache;
}
EXPORT_SYMBOL_NS_GPL(drvmem_kit_cache_of_caches, "DRVMEM_KIT_BUILTIN");
