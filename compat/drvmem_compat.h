/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drvmem compat: the one place where the kernels drvmem is tested on differ.
 *
 * drvmem is written against the newest API (Linux 7.2); each entry below
 * maps an older kernel (6.12, Debian stable's) onto it, the way backports
 * do, so that no suite or driver carries an #if of its own.  Each entry
 * names the upstream change and the release it landed in.  The reference
 * drivers and the kit include it; a driver written for 7.0 or later alone
 * needs none of it.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_COMPAT_H
#define _DRVMEM_COMPAT_H

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>

/*
 * 7.0, "slab: Introduce kmalloc_obj() and family": kzalloc_obj(*p, gfp)
 * and kvzalloc_obj(*p, gfp) allocate one object of p's type, which
 * checkpatch now prefers to kzalloc(sizeof(*p), gfp) and kvzalloc().
 * drvmem always passes the GFP flags.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP)	({ typeof(P) *__p = kzalloc(sizeof(P), GFP); __p; })
#endif
#ifndef kvzalloc_obj
#define kvzalloc_obj(P, GFP)	({ typeof(P) *__p = kvzalloc(sizeof(P), GFP); __p; })
#endif

/*
 * 6.13, "module: Convert symbol namespace to string literal": the namespace
 * is a string, MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING"), and so is
 * EXPORT_SYMBOL_NS_GPL()'s.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#undef MODULE_IMPORT_NS
#define MODULE_IMPORT_NS(ns)	MODULE_INFO(import_ns, ns)
#undef EXPORT_SYMBOL_NS_GPL
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	__EXPORT_SYMBOL(sym, "GPL", ns)
#endif

/*
 * 6.18, "dma-mapping: rename trace_dma_*map_page to trace_dma_*map_phys"
 * (the phys_addr_t based DMA API): a streaming mapping is traced as
 * dma_map_phys/dma_unmap_phys, with the prototype of the old events, and
 * dma_map_page_attrs() calls dma_map_phys().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
#define check_trace_callback_type_dma_map_phys	\
	check_trace_callback_type_dma_map_page
#define check_trace_callback_type_dma_unmap_phys	\
	check_trace_callback_type_dma_unmap_page

/* the kit attaches its probes by name (kit/core.c) */
static inline const char *drvmem_tracepoint_name(const char *name)
{
	if (!strcmp(name, "dma_map_phys"))
		return "dma_map_page";
	if (!strcmp(name, "dma_unmap_phys"))
		return "dma_unmap_page";
	return name;
}

/*
 * dma_map_resource() traces an event of its own, of dma_map_page's
 * prototype; from 6.18 on it calls dma_map_phys() and has none.
 */
static inline bool drvmem_tracepoint_folded(const char *name)
{
	return false;
}
#else
static inline const char *drvmem_tracepoint_name(const char *name)
{
	return name;
}

static inline bool drvmem_tracepoint_folded(const char *name)
{
	return !strcmp(name, "dma_map_resource");
}
#endif

/*
 * 6.18, "kunit: Pass parameterized test context to generate_params()":
 * generators take the test first.  drvmem's generators are all
 * KUNIT_ARRAY_PARAM() ones, which follow the kernel's prototype by
 * themselves; nothing to map.
 */

/*
 * 7.x, "kunit: bug: Add backtrace suppression" (include/kunit/test.h):
 * kunit_warning_suppress(test) { ... } keeps the WARN()s of the test's task
 * inside the block from being printed, and counts them.  On older kernels
 * the kit provides the same API: the WARN()s are still printed, but the
 * tripwire does not take them for reports, and counts them instead.
 */
#ifndef kunit_warning_suppress
struct kunit_suppressed_warning;

struct kunit_suppressed_warning *
drvmem_start_suppress_warning(struct kunit *test);
void drvmem_end_suppress_warning(struct kunit *test,
				 struct kunit_suppressed_warning *w);
int drvmem_suppressed_warning_count(struct kunit_suppressed_warning *w);
void drvmem_suppress_auto_cleanup(struct kunit_suppressed_warning **wp);

#define kunit_start_suppress_warning	drvmem_start_suppress_warning
#define kunit_end_suppress_warning	drvmem_end_suppress_warning
#define kunit_suppressed_warning_count	drvmem_suppressed_warning_count

#define kunit_warning_suppress(test)					\
	for (struct kunit_suppressed_warning *__kunit_suppress		\
	     __cleanup(drvmem_suppress_auto_cleanup) =			\
	     kunit_start_suppress_warning(test);			\
	     __kunit_suppress;						\
	     kunit_end_suppress_warning(test, __kunit_suppress),	\
	     __kunit_suppress = NULL)

#define KUNIT_SUPPRESSED_WARNING_COUNT() \
	kunit_suppressed_warning_count(__kunit_suppress)

#define KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, expected) \
	KUNIT_EXPECT_EQ(test, KUNIT_SUPPRESSED_WARNING_COUNT(), expected)

#define DRVMEM_KIT_SUPPRESSES_WARNINGS	1
#endif

#endif /* _DRVMEM_COMPAT_H */
