// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: fault sweep, allocation ledger and warning tripwire.
 *
 * The three mechanisms share one per-test context, a named KUnit resource
 * made by drvmem_kit_init():
 *
 * - the fault sweep runs a step (a probe, an open) with the n-th fault
 *   point of the test's task failed, n = 1, 2, ..., then aims at every call
 *   of the code under test that no run failed.  It uses the task's fail_nth
 *   and the fault-injection stack filter; DMA-API debugging's bookkeeping
 *   (or, without it, the stack depot's) is never failed.
 * - the allocation ledger records, from tracepoints, what functions whose
 *   names start with the owner prefix allocate and free directly, by kind
 *   and call site, and checks leaks, double and foreign frees, DMA unmap
 *   size and direction, and the order of frees.
 * - the tripwire watches the console for WARNING:/BUG:/DMA-API/kmemleak reports
 *   printed by the test's task, and DMA-API debug's error counter.
 *
 * Findings fail the test with a message naming the step and the resource,
 * or, between drvmem_capture_begin() and drvmem_capture_end(), are kept so
 * that the kit's self-test can expect them.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/platform_device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/device.h>
#include <linux/kallsyms.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <trace/events/dma.h>
#include <trace/events/kmem.h>
#include <trace/events/percpu.h>
#include <trace/events/printk.h>
#include <trace/events/vmalloc.h>

#include "drvmem_kit.h"

#define DRVMEM_MSG_LEN		256
#define DRVMEM_LEDGER_MAX	512
#define DRVMEM_STACK_DEPTH	48
#define DRVMEM_SWEEP_MAX	1000
#define DRVMEM_SWEEP_CLEAN	3
/* aimed passes over missed calls, the later ones after an unaimed sweep */
#define DRVMEM_SWEEP_PASSES	3
#define DRVMEM_OWNER_LEN	32
#define DRVMEM_API_LEN		40

/* One allocation or mapping seen by the ledger. */
struct drvmem_entry {
	unsigned long key;
	size_t size;
	unsigned long site;
	unsigned long free_site;
	const char *api;
	unsigned int seq;	/* when allocated, and when freed: one sequence */
	unsigned int free_seq;
	u8 kind;
	u8 dir;
	bool live;
	bool owner_freed;	/* released by the code under test */
	bool disowned;		/* the allocator's after all (kit_ledger_settle) */
};

/* The values of the fault-injection knobs the kit changes, to restore. */
struct drvmem_fault_knobs {
	bool ignore_gfp_wait;
	bool task_filter;
	unsigned long probability, interval, verbose;
	unsigned long require_start, require_end, reject_start, reject_end;
	int times;
	u32 ratelimit;
};

struct drvmem_fault_attr {
	const char *dir;
	bool *ignore_gfp_wait;
	bool *task_filter;
	unsigned long *probability, *interval, *verbose;
	unsigned long *require_start, *require_end, *reject_start, *reject_end;
	atomic_t *times;
	u32 *ratelimit;
	struct drvmem_fault_knobs saved;
};

struct drvmem_kit {
	struct kunit *test;
	struct task_struct *task;
	struct kunit_resource res;
	raw_spinlock_t lock;

	/*
	 * Scratch for the tracepoint probes: only the test's task gets past
	 * their filters, and they do not nest.
	 */
	unsigned long stack[DRVMEM_STACK_DEPTH];
	char sym[KSYM_SYMBOL_LEN];
	char callee[KSYM_NAME_LEN];

	/* allocation ledger */
	bool armed;
	char owner[DRVMEM_OWNER_LEN];
	size_t owner_len;
	unsigned int nr, seq, nr_problems;
	bool overflow;
	char problem[DRVMEM_MSG_LEN];
	char failed_api[DRVMEM_API_LEN];
	unsigned long failed_site;
	struct drvmem_entry entries[DRVMEM_LEDGER_MAX];

	/* fault injection */
	bool fault_armed;
	struct drvmem_fault_attr attr[2];
	u32 *min_order, saved_min_order;

	/* DMA mapping faults */
	struct device *dma_dev;
	unsigned int dma_nth, dma_seen;
	u64 dma_saved_limit;

	/* tripwire */
	bool reporting, trip_next;
	unsigned int trips;
	char trip[DRVMEM_MSG_LEN];
	const char * const *allow;
	u32 *dma_errors, dma_errors_seen, *dma_show, saved_dma_show;
	/* kunit_warning_suppress() on kernels without it (drvmem_compat.h) */
	struct kunit_suppressed_warning *suppressed;

	/* findings kept for the self-test */
	struct kunit *hidden_test;
	bool capturing;
	unsigned int captured;
	char capture[DRVMEM_MSG_LEN];
};

static const char * const drvmem_kind_name[DRVMEM_NR_KINDS] = {
	[DRVMEM_SLAB] = "slab object",
	[DRVMEM_PAGES] = "pages",
	[DRVMEM_VMALLOC] = "vmalloc area",
	[DRVMEM_PERCPU] = "per-CPU area",
	[DRVMEM_DMA_COHERENT] = "coherent DMA buffer",
	[DRVMEM_DMA_MAP] = "DMA mapping",
	[DRVMEM_DMA_SG] = "DMA sg mapping",
};

/*
 * The allocation APIs the ledger knows, by symbol prefix, with the kinds of
 * events that stand for what the caller gets back.  An event of another
 * kind under the same call (the pages behind a vmalloc area, the vm_struct
 * of a vmalloc) is the API's own business and is not recorded.
 */
struct drvmem_api {
	const char *prefix;
	const char *name;
	unsigned int kinds;
};

#define K(kind) BIT(DRVMEM_##kind)
static const struct drvmem_api drvmem_alloc_apis[] = {
	{ "__kmalloc", "kmalloc", K(SLAB) },
	{ "kmalloc", "kmalloc", K(SLAB) },
	{ "kmem_cache_alloc", "kmem_cache_alloc", K(SLAB) },
	{ "krealloc", "krealloc", K(SLAB) },
	{ "kmemdup", "kmemdup", K(SLAB) },
	{ "kstrdup", "kstrdup", K(SLAB) },
	{ "kstrndup", "kstrndup", K(SLAB) },
	{ "kasprintf", "kasprintf", K(SLAB) },
	{ "devm_kmalloc", "devm_kmalloc", K(SLAB) },
	{ "devm_krealloc", "devm_krealloc", K(SLAB) },
	{ "devm_kmemdup", "devm_kmemdup", K(SLAB) },
	{ "devm_kstrdup", "devm_kstrdup", K(SLAB) },
	{ "devm_kasprintf", "devm_kasprintf", K(SLAB) },
	{ "__kvmalloc", "kvmalloc", K(SLAB) | K(VMALLOC) },
	{ "kvmalloc", "kvmalloc", K(SLAB) | K(VMALLOC) },
	{ "kvrealloc", "kvrealloc", K(SLAB) | K(VMALLOC) },
	{ "vmalloc", "vmalloc", K(VMALLOC) },
	{ "vzalloc", "vzalloc", K(VMALLOC) },
	{ "__vmalloc", "vmalloc", K(VMALLOC) },
	{ "__alloc_pages", "alloc_pages", K(PAGES) },
	{ "alloc_pages", "alloc_pages", K(PAGES) },
	{ "__get_free_pages", "__get_free_pages", K(PAGES) },
	{ "get_zeroed_page", "get_zeroed_page", K(PAGES) },
	{ "devm_get_free_pages", "devm_get_free_pages", K(PAGES) },
	{ "__alloc_percpu", "alloc_percpu", K(PERCPU) },
	{ "pcpu_alloc", "alloc_percpu", K(PERCPU) },
	{ "__devm_alloc_percpu", "devm_alloc_percpu", K(PERCPU) },
	{ "mempool_create", "mempool_create", K(SLAB) | K(PAGES) },
	{ "mempool_init", "mempool_init", K(SLAB) | K(PAGES) },
	{ "mempool_resize", "mempool_resize", K(SLAB) | K(PAGES) },
	{ "dma_alloc_attrs", "dma_alloc_coherent", K(DMA_COHERENT) },
	{ "dmam_alloc_attrs", "dmam_alloc_coherent", K(DMA_COHERENT) },
	{ "dma_map_page_attrs", "dma_map_single", K(DMA_MAP) },
	{ "dma_map_phys", "dma_map_phys", K(DMA_MAP) },
	{ "dma_map_sg", "dma_map_sg", K(DMA_SG) },
	{ "dma_map_sgtable", "dma_map_sgtable", K(DMA_SG) },
	{ "sg_alloc_table", "sg_alloc_table", K(SLAB) | K(PAGES) },
};

#undef K

/* The release APIs, with the kinds they release. */
#define K(kind) BIT(DRVMEM_##kind)
static const struct drvmem_api kit_free_apis[] = {
	{ "kfree", "kfree", K(SLAB) },
	{ "kvfree", "kvfree", K(SLAB) | K(VMALLOC) },
	{ "kmem_cache_free", "kmem_cache_free", K(SLAB) },
	{ "devm_kfree", "devm_kfree", K(SLAB) },
	{ "vfree", "vfree", K(VMALLOC) },
	{ "free_pages", "free_pages", K(PAGES) },
	{ "__free_pages", "__free_pages", K(PAGES) },
	{ "devm_free_pages", "devm_free_pages", K(PAGES) },
	{ "free_percpu", "free_percpu", K(PERCPU) },
	{ "dma_free_attrs", "dma_free_coherent", K(DMA_COHERENT) },
	{ "dma_unmap_page_attrs", "dma_unmap_single", K(DMA_MAP) },
	{ "dma_unmap_phys", "dma_unmap_phys", K(DMA_MAP) },
	{ "dma_unmap_sg", "dma_unmap_sg", K(DMA_SG) },
	{ "sg_free_table", "sg_free_table", K(SLAB) | K(PAGES) },
};

#undef K

/*
 * Events under these functions, inside the API the owner called, are the
 * API's own business: what an allocator or a debugging tool allocates for
 * itself whatever the kind (a new slab, a stack depot pool, kmemleak's
 * record of the caller's object: every kmemleak hook is named kmemleak_*;
 * SLUB's sheaves of free objects),
 * and vmalloc's bookkeeping, which matters when kvmalloc()/kvfree() (whose
 * slab objects are the caller's) take the vmalloc path: the vm_struct, the
 * vmap_area (freed lazily, after the test), the page array (a vmalloc of
 * its own for large areas: the nested entry) and the pages.  Only the
 * entries for any kind hide an injected fault's call.
 */
struct kit_internal {
	const char *prefix;
	unsigned int kinds;
	bool nested;	/* only where the function is on the stack twice */
};

#define KIT_ANY_KIND	UINT_MAX
#define K(kind) BIT(DRVMEM_##kind)
static const struct kit_internal kit_internal[] = {
	{ "allocate_slab", KIT_ANY_KIND },
	{ "new_slab", KIT_ANY_KIND },
	{ "___slab_alloc", KIT_ANY_KIND },
	/* SLUB's per-CPU sheaves (7.x): allocated and freed on the way */
	{ "__alloc_empty_sheaf", KIT_ANY_KIND },
	{ "alloc_empty_sheaf", KIT_ANY_KIND },
	{ "__free_empty_sheaf", KIT_ANY_KIND },
	{ "free_empty_sheaf", KIT_ANY_KIND },
	{ "refill_sheaf", KIT_ANY_KIND },
	{ "sheaf_flush", KIT_ANY_KIND },
	{ "barn_", KIT_ANY_KIND },
	{ "__pcs_", KIT_ANY_KIND },
	{ "stack_depot_save", KIT_ANY_KIND },
	{ "kmemleak_", KIT_ANY_KIND },
	{ "__vmalloc_node_range", K(SLAB) | K(PAGES) },
	{ "__vmalloc_node_range", K(VMALLOC), true },
	{ "vfree", K(SLAB) | K(PAGES) },
	{ "kvfree", K(SLAB) | K(VMALLOC) },
};

#undef K

/*
 * Everything on the tracepoint path is named kit_*, never drvmem_*: the
 * ledger looks for the innermost frame named after the owner, and the
 * kit's own frames must not be mistaken for the code under test.
 */
static bool kit_prefixed(const char *sym, const char *prefix)
{
	return !strncmp(sym, prefix, strlen(prefix));
}

static_assert(ARRAY_SIZE(kit_internal) <= BITS_PER_LONG);

/* @seen: bit i set once kit_internal[i] was found on the stack */
static bool kit_internal_frame(const char *sym, unsigned int kinds,
			       unsigned long *seen)
{
	const struct kit_internal *in;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kit_internal); i++) {
		in = &kit_internal[i];
		if (!kit_prefixed(sym, in->prefix))
			continue;
		if (in->nested && !__test_and_set_bit(i, seen))
			continue;
		if (in->kinds == KIT_ANY_KIND || (in->kinds & kinds))
			return true;
	}
	return false;
}

/*
 * kit_owner_frame - find the innermost owner function on the stack and
 * the function it called.  Returns false when the owner is not on the stack
 * or an event of @kinds (a mask; 0 for an injected fault) comes from a
 * function inside that call that works for itself (kit_internal).
 */
static bool kit_owner_frame(struct drvmem_kit *kit, unsigned int kinds,
			    unsigned long *site, char *callee, size_t len)
{
	unsigned long *entries = kit->stack, seen = 0;
	char *sym = kit->sym;
	unsigned int nr, i, owner;

	nr = stack_trace_save(entries, DRVMEM_STACK_DEPTH, 0);
	for (owner = 1; owner < nr; owner++) {
		sprint_symbol_no_offset(sym, entries[owner]);
		if (kit_prefixed(sym, kit->owner))
			break;
	}
	if (owner >= nr)
		return false;
	/* the frames between the event and the API the owner called */
	for (i = 1; i + 1 < owner; i++) {
		sprint_symbol_no_offset(sym, entries[i]);
		if (kit_internal_frame(sym, kinds, &seen))
			return false;
	}
	*site = entries[owner];
	sprint_symbol_no_offset(sym, entries[owner - 1]);
	strscpy(callee, sym, len);
	return true;
}

static const struct drvmem_api *kit_find_api(const struct drvmem_api *apis,
					     unsigned int nr, const char *callee)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (kit_prefixed(callee, apis[i].prefix))
			return &apis[i];
	return NULL;
}

static bool kit_ledger_wants(struct drvmem_kit *kit)
{
	return READ_ONCE(kit->armed) && in_task() && current == kit->task;
}

/* Called with kit->lock held. */
static void kit_problem(struct drvmem_kit *kit, const char *fmt, ...)
{
	va_list args;

	if (kit->nr_problems++)
		return;
	va_start(args, fmt);
	vsnprintf(kit->problem, sizeof(kit->problem), fmt, args);
	va_end(args);
}

/* Called with kit->lock held: make room by forgetting freed entries. */
static struct drvmem_entry *kit_new_entry(struct drvmem_kit *kit)
{
	unsigned int i, j;

	if (kit->nr == DRVMEM_LEDGER_MAX) {
		for (i = 0, j = 0; i < kit->nr; i++)
			if (kit->entries[i].live)
				kit->entries[j++] = kit->entries[i];
		kit->nr = j;
	}
	if (kit->nr == DRVMEM_LEDGER_MAX) {
		kit->overflow = true;
		return NULL;
	}
	return &kit->entries[kit->nr++];
}

static void kit_ledger_alloc(struct drvmem_kit *kit, enum drvmem_kind kind,
			     unsigned long key, size_t size, u8 dir)
{
	const struct drvmem_api *api;
	char *callee = kit->callee;
	struct drvmem_entry *e;
	unsigned long site, flags;

	if (!kit_ledger_wants(kit) ||
	    !kit_owner_frame(kit, BIT(kind), &site, callee, KSYM_NAME_LEN))
		return;
	api = kit_find_api(drvmem_alloc_apis, ARRAY_SIZE(drvmem_alloc_apis),
			   callee);

	raw_spin_lock_irqsave(&kit->lock, flags);
	if (!key) {
		/* something the owner asked for failed: name it */
		if (!kit->failed_site) {
			kit->failed_site = site;
			strscpy(kit->failed_api, api ? api->name : callee,
				sizeof(kit->failed_api));
		}
	} else if (api && (api->kinds & BIT(kind))) {
		e = kit_new_entry(kit);
		if (e)
			*e = (struct drvmem_entry) {
				.key = key, .size = size, .site = site,
				.api = api->name, .seq = kit->seq++,
				.kind = kind, .dir = dir, .live = true,
			};
	}
	raw_spin_unlock_irqrestore(&kit->lock, flags);
}

static struct drvmem_entry *kit_find_entry(struct drvmem_kit *kit,
					   enum drvmem_kind kind,
					   unsigned long key)
{
	unsigned int i = kit->nr;

	while (i--)
		if (kit->entries[i].kind == kind && kit->entries[i].key == key)
			return &kit->entries[i];
	return NULL;
}

/*
 * The first entry allocated after @e, while @e was held, and freed after
 * it, or NULL.  Allocations and frees share one sequence.
 */
static struct drvmem_entry *kit_freed_later(struct drvmem_kit *kit,
					    const struct drvmem_entry *e)
{
	unsigned int i;

	for (i = 0; i < kit->nr; i++) {
		struct drvmem_entry *n = &kit->entries[i];

		if (n->seq > e->seq && n->seq < e->free_seq && !n->live &&
		    !n->disowned && n->free_seq > e->free_seq)
			return n;
	}
	return NULL;
}

static struct drvmem_entry *kit_containing(struct drvmem_kit *kit,
					   unsigned long addr)
{
	unsigned int i = kit->nr;

	while (i--) {
		struct drvmem_entry *e = &kit->entries[i];

		if (e->live && e->kind == DRVMEM_SLAB && addr > e->key &&
		    addr < e->key + e->size)
			return e;
	}
	return NULL;
}

static void kit_ledger_free(struct drvmem_kit *kit, enum drvmem_kind kind,
			    unsigned long key, size_t size, u8 dir,
			    unsigned long call_site)
{
	const struct drvmem_api *api;
	char *callee = kit->callee;
	struct drvmem_entry *e, *in;
	unsigned long site = 0, flags;
	bool own = false;

	/* a NULL pointer is nothing; a DMA address of 0 is an address */
	if (!kit_ledger_wants(kit) ||
	    (!key && kind != DRVMEM_DMA_MAP && kind != DRVMEM_DMA_SG))
		return;
	if (kit_owner_frame(kit, BIT(kind), &site, callee, KSYM_NAME_LEN)) {
		api = kit_find_api(kit_free_apis, ARRAY_SIZE(kit_free_apis),
				   callee);
		own = api && (api->kinds & BIT(kind));
	}
	if (call_site)
		site = call_site;

	raw_spin_lock_irqsave(&kit->lock, flags);
	e = kit_find_entry(kit, kind, key);
	if (e && e->live) {
		e->live = false;
		e->free_site = site;
		e->free_seq = kit->seq++;
		e->owner_freed = own;
		if ((kind == DRVMEM_DMA_MAP || kind == DRVMEM_DMA_SG ||
		     kind == DRVMEM_DMA_COHERENT) && size != e->size)
			kit_problem(kit,
				    "%s from %pS released at %pS with size %zu, allocated with %zu",
				    e->api, (void *)e->site, (void *)site,
				    size, e->size);
		else if ((kind == DRVMEM_DMA_MAP || kind == DRVMEM_DMA_SG) &&
			 dir != e->dir)
			kit_problem(kit,
				    "%s from %pS unmapped at %pS with direction %u, mapped with %u",
				    e->api, (void *)e->site, (void *)site,
				    dir, e->dir);
	} else if (e && own) {
		kit_problem(kit,
			    "double free: %s %#lx from %pS freed at %pS, already freed at %pS",
			    e->api, key, (void *)e->site, (void *)site,
			    (void *)e->free_site);
	} else if (own) {
		in = kit_containing(kit, key);
		if (in)
			kit_problem(kit,
				    "%s(%#lx) at %pS: not the start of an allocation, it is inside a %s of %zu B from %pS",
				    callee, key, (void *)site, in->api,
				    in->size, (void *)in->site);
		else
			kit_problem(kit,
				    "%s(%#lx) at %pS: a %s the code under test never allocated",
				    callee, key, (void *)site,
				    drvmem_kind_name[kind]);
	}
	raw_spin_unlock_irqrestore(&kit->lock, flags);
}

/* Tracepoint probes: data is the test's kit. */

static void kit_on_kmalloc(void *data, unsigned long call_site,
			   const void *ptr, size_t bytes_req,
			   size_t bytes_alloc, gfp_t gfp, int node)
{
	kit_ledger_alloc(data, DRVMEM_SLAB, (unsigned long)ptr, bytes_req, 0);
}

static void kit_on_kmem_cache_alloc(void *data, unsigned long call_site,
				    const void *ptr, struct kmem_cache *s,
				    gfp_t gfp, int node)
{
	kit_ledger_alloc(data, DRVMEM_SLAB, (unsigned long)ptr,
			 ptr ? kmem_cache_size(s) : 0, 0);
}

static void kit_on_kfree(void *data, unsigned long call_site,
			 const void *ptr)
{
	kit_ledger_free(data, DRVMEM_SLAB, (unsigned long)ptr, 0, 0, 0);
}

static void kit_on_kmem_cache_free(void *data, unsigned long call_site,
				   const void *ptr, const struct kmem_cache *s)
{
	kit_ledger_free(data, DRVMEM_SLAB, (unsigned long)ptr, 0, 0, 0);
}

static void kit_on_mm_page_alloc(void *data, struct page *page,
				 unsigned int order, gfp_t gfp, int migratetype)
{
	kit_ledger_alloc(data, DRVMEM_PAGES, page ? page_to_pfn(page) : 0,
			 PAGE_SIZE << order, 0);
}

static void kit_on_mm_page_free(void *data, struct page *page,
				unsigned int order)
{
	kit_ledger_free(data, DRVMEM_PAGES, page_to_pfn(page), 0, 0, 0);
}

static void kit_on_alloc_vmap_area(void *data, unsigned long addr,
				   unsigned long size, unsigned long align,
				   unsigned long vstart, unsigned long vend,
				   int failed)
{
	/* the area includes vmalloc's guard page */
	kit_ledger_alloc(data, DRVMEM_VMALLOC, failed ? 0 : addr,
			 size - PAGE_SIZE, 0);
}

static void kit_on_free_vmap_area_noflush(void *data, unsigned long va_start,
					  unsigned long nr_lazy, unsigned long nr_lazy_max)
{
	kit_ledger_free(data, DRVMEM_VMALLOC, va_start, 0, 0, 0);
}

static void kit_on_percpu_alloc_percpu(void *data, unsigned long call_site,
				       bool reserved, bool is_atomic, size_t size,
				       size_t align, void *base_addr, int off,
				       void __percpu *ptr, size_t bytes_alloc,
				       gfp_t gfp)
{
	kit_ledger_alloc(data, DRVMEM_PERCPU, (__force unsigned long)ptr,
			 size, 0);
}

static void kit_on_percpu_alloc_percpu_fail(void *data, bool reserved, bool is_atomic,
					    size_t size, size_t align)
{
	kit_ledger_alloc(data, DRVMEM_PERCPU, 0, size, 0);
}

static void kit_on_percpu_free_percpu(void *data, void *base_addr, int off,
				      void __percpu *ptr)
{
	kit_ledger_free(data, DRVMEM_PERCPU, (__force unsigned long)ptr,
			0, 0, 0);
}

static void kit_on_dma_alloc(void *data, struct device *dev, void *virt,
			     dma_addr_t dma, size_t size,
			     enum dma_data_direction dir, gfp_t gfp,
			     unsigned long attrs)
{
	kit_ledger_alloc(data, DRVMEM_DMA_COHERENT, (unsigned long)virt,
			 size, dir);
}

static void kit_on_dma_free(void *data, struct device *dev, void *virt,
			    dma_addr_t dma, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	kit_ledger_free(data, DRVMEM_DMA_COHERENT, (unsigned long)virt,
			size, dir, 0);
}

/* Count a mapping of the device under a DMA fault; narrow it when due. */
static void kit_dma_mapped(struct drvmem_kit *kit, struct device *dev)
{
	if (!in_task() || current != kit->task || dev != kit->dma_dev ||
	    !kit->dma_nth)
		return;
	if (++kit->dma_seen == kit->dma_nth - 1)
		dev->bus_dma_limit = 1;
}

static void kit_on_dma_map_phys(void *data, struct device *dev, phys_addr_t phys,
				dma_addr_t dma, size_t size,
				enum dma_data_direction dir, unsigned long attrs)
{
	bool failed = dma == DMA_MAPPING_ERROR;

	kit_ledger_alloc(data, DRVMEM_DMA_MAP, failed ? 0 : dma, size, dir);
	if (!failed)
		kit_dma_mapped(data, dev);
}

static void kit_on_dma_unmap_phys(void *data, struct device *dev,
				  dma_addr_t dma, size_t size,
				  enum dma_data_direction dir,
				  unsigned long attrs)
{
	kit_ledger_free(data, DRVMEM_DMA_MAP, dma, size, dir, 0);
}

static void kit_on_dma_map_sg(void *data, struct device *dev,
			      struct scatterlist *sgl, int nents, int ents,
			      enum dma_data_direction dir,
			      unsigned long attrs)
{
	kit_ledger_alloc(data, DRVMEM_DMA_SG, (unsigned long)sgl, nents, dir);
	kit_dma_mapped(data, dev);
}

static void kit_on_dma_unmap_sg(void *data, struct device *dev,
				struct scatterlist *sgl, int nents,
				enum dma_data_direction dir,
				unsigned long attrs)
{
	kit_ledger_free(data, DRVMEM_DMA_SG, (unsigned long)sgl, nents, dir,
			0);
}

static bool kit_is_report(const char *text, size_t len)
{
	static const char * const marks[] = {
		"WARNING:", "BUG:", "DMA-API:", "UBSAN:", "Oops",
		"INFO:",	/* lockdep, hung tasks, RCU stalls */
		"kmemleak: ",	/* it lost track of an object, or gave up */
	};
	/* what an injected fault costs kmemleak, which stays on */
	static const char kmemleak_degraded[] =
		"kmemleak: Cannot allocate a scan area";
	unsigned int i;

	if (strnstr(text, kmemleak_degraded, len))
		return false;
	if (len > 4 && !strncmp(text, "BUG ", 4))	/* SLUB: "BUG kmalloc-64 (...)" */
		return true;
	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (strnstr(text, marks[i], len))
			return true;
	return false;
}

/*
 * fail_dump() prints this line in the task whose allocation is being failed,
 * before the allocator returns: the stack names the owner's call exactly,
 * even for failures that leave no trace event (a page allocation failed by
 * fail_page_alloc returns before its tracepoint).
 */
static void kit_note_injection(struct drvmem_kit *kit)
{
	char *callee = kit->callee;
	const struct drvmem_api *api;
	unsigned long site, flags;

	if (!READ_ONCE(kit->armed) ||
	    !kit_owner_frame(kit, 0, &site, callee, KSYM_NAME_LEN))
		return;
	api = kit_find_api(drvmem_alloc_apis, ARRAY_SIZE(drvmem_alloc_apis),
			   callee);
	raw_spin_lock_irqsave(&kit->lock, flags);
	if (!kit->failed_site) {
		kit->failed_site = site;
		strscpy(kit->failed_api, api ? api->name : callee,
			sizeof(kit->failed_api));
	}
	raw_spin_unlock_irqrestore(&kit->lock, flags);
}

static bool kit_allowed(struct drvmem_kit *kit, const char *text, size_t len)
{
	const char * const *allow;

	for (allow = kit->allow; allow && *allow; allow++)
		if (strnstr(text, *allow, len))
			return true;
	return false;
}

/* Called with kit->lock held. */
static void kit_trip_append(struct drvmem_kit *kit, const char *text,
			    size_t len)
{
	size_t used = strlen(kit->trip);

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if (used && used < sizeof(kit->trip) - 3) {
		memcpy(kit->trip + used, " / ", 3);
		used += 3;
	}
	len = min(len, sizeof(kit->trip) - 1 - used);
	memcpy(kit->trip + used, text, len);
	kit->trip[used + len] = '\0';
}

#ifdef DRVMEM_KIT_SUPPRESSES_WARNINGS
struct kunit_suppressed_warning {
	struct drvmem_kit *kit;
	struct kunit *test;
	atomic_t counter;
};

/* a WARN() of the test's task inside kunit_warning_suppress(): counted */
static bool kit_suppressed(struct drvmem_kit *kit, const char *text, size_t len)
{
	struct kunit_suppressed_warning *w = READ_ONCE(kit->suppressed);

	if (!w || !strnstr(text, "WARNING:", len))
		return false;
	atomic_inc(&w->counter);
	return true;
}
#else
/* the kernel's kunit_warning_suppress() keeps such WARN()s off the console */
static bool kit_suppressed(struct drvmem_kit *kit, const char *text, size_t len)
{
	return false;
}
#endif

static void kit_on_console(void *data, const char *text, size_t len)
{
	struct drvmem_kit *kit = data;
	unsigned long flags;

	if (in_task() && current == kit->task && len >= 24 &&
	    !strncmp(text, "FAULT_INJECTION: forcing", 24)) {
		kit_note_injection(kit);
		return;
	}

	if (!in_task() || current != kit->task || kit->reporting)
		return;
	if (kit_suppressed(kit, text, len))
		return;
	raw_spin_lock_irqsave(&kit->lock, flags);
	if (kit->trip_next) {
		/* on UML a WARN prints its message after the WARNING: line */
		kit->trip_next = false;
		kit_trip_append(kit, text, len);
	}
	raw_spin_unlock_irqrestore(&kit->lock, flags);
	if (!kit_is_report(text, len) || kit_allowed(kit, text, len))
		return;
	raw_spin_lock_irqsave(&kit->lock, flags);
	if (!kit->trips++) {
		kit->trip[0] = '\0';
		kit_trip_append(kit, text, len);
		kit->trip_next = true;
	}
	raw_spin_unlock_irqrestore(&kit->lock, flags);
}

/*
 * register_trace_<event>() are static inlines with a typed probe argument,
 * kit_on_<event>(); calling them through a table needs one wrapper each.
 */
#define DRVMEM_TRACE_WRAPPERS(event)					\
static int drvmem_reg_##event(struct drvmem_kit *kit)			\
{									\
	return register_trace_##event(kit_on_##event, kit);		\
}									\
static void drvmem_unreg_##event(struct drvmem_kit *kit)		\
{									\
	unregister_trace_##event(kit_on_##event, kit);			\
}

DRVMEM_TRACE_WRAPPERS(kmalloc)
DRVMEM_TRACE_WRAPPERS(kmem_cache_alloc)
DRVMEM_TRACE_WRAPPERS(kfree)
DRVMEM_TRACE_WRAPPERS(kmem_cache_free)
DRVMEM_TRACE_WRAPPERS(mm_page_alloc)
DRVMEM_TRACE_WRAPPERS(mm_page_free)
DRVMEM_TRACE_WRAPPERS(alloc_vmap_area)
DRVMEM_TRACE_WRAPPERS(free_vmap_area_noflush)
DRVMEM_TRACE_WRAPPERS(percpu_alloc_percpu)
DRVMEM_TRACE_WRAPPERS(percpu_alloc_percpu_fail)
DRVMEM_TRACE_WRAPPERS(percpu_free_percpu)
DRVMEM_TRACE_WRAPPERS(dma_alloc)
DRVMEM_TRACE_WRAPPERS(dma_free)
DRVMEM_TRACE_WRAPPERS(dma_map_phys)
DRVMEM_TRACE_WRAPPERS(dma_unmap_phys)
DRVMEM_TRACE_WRAPPERS(dma_map_sg)
DRVMEM_TRACE_WRAPPERS(dma_unmap_sg)
DRVMEM_TRACE_WRAPPERS(console)

static const struct {
	int (*reg)(struct drvmem_kit *kit);
	void (*unreg)(struct drvmem_kit *kit);
} drvmem_probes[] = {
#define P(event) { drvmem_reg_##event, drvmem_unreg_##event }
	P(kmalloc), P(kmem_cache_alloc), P(kfree), P(kmem_cache_free),
	P(mm_page_alloc), P(mm_page_free), P(alloc_vmap_area),
	P(free_vmap_area_noflush), P(percpu_alloc_percpu),
	P(percpu_alloc_percpu_fail), P(percpu_free_percpu), P(dma_alloc),
	P(dma_free), P(dma_map_phys), P(dma_unmap_phys), P(dma_map_sg),
	P(dma_unmap_sg), P(console),
#undef P
};

/* Debugfs knobs: the files' i_private is the variable itself. */
static void *drvmem_knob(const char *dir, const char *name)
{
	struct dentry *d, *f;
	void *p = NULL;

	d = debugfs_lookup(dir, NULL);
	if (IS_ERR_OR_NULL(d))
		return NULL;
	f = debugfs_lookup(name, d);
	if (!IS_ERR_OR_NULL(f)) {
		p = d_inode(f)->i_private;
		dput(f);
	}
	dput(d);
	return p;
}

static bool drvmem_fault_attr_init(struct drvmem_fault_attr *a, const char *dir)
{
	a->dir = dir;
	a->ignore_gfp_wait = drvmem_knob(dir, "ignore-gfp-wait");
	a->task_filter = drvmem_knob(dir, "task-filter");
	a->probability = drvmem_knob(dir, "probability");
	a->interval = drvmem_knob(dir, "interval");
	a->verbose = drvmem_knob(dir, "verbose");
	a->times = drvmem_knob(dir, "times");
	a->require_start = drvmem_knob(dir, "require-start");
	a->require_end = drvmem_knob(dir, "require-end");
	a->reject_start = drvmem_knob(dir, "reject-start");
	a->reject_end = drvmem_knob(dir, "reject-end");
	a->ratelimit = drvmem_knob(dir, "verbose_ratelimit_interval_ms");
	return a->ratelimit && a->ignore_gfp_wait && a->task_filter && a->probability &&
	       a->interval && a->verbose && a->times && a->require_start &&
	       a->require_end && a->reject_start && a->reject_end;
}

static void drvmem_fault_attr_save(struct drvmem_fault_attr *a)
{
	a->saved = (struct drvmem_fault_knobs) {
		.ignore_gfp_wait = *a->ignore_gfp_wait,
		.task_filter = *a->task_filter,
		.probability = *a->probability,
		.interval = *a->interval,
		.verbose = *a->verbose,
		.times = atomic_read(a->times),
		.require_start = *a->require_start,
		.require_end = *a->require_end,
		.reject_start = *a->reject_start,
		.reject_end = *a->reject_end,
		.ratelimit = *a->ratelimit,
	};
}

static void drvmem_fault_attr_restore(struct drvmem_fault_attr *a)
{
	*a->ignore_gfp_wait = a->saved.ignore_gfp_wait;
	*a->task_filter = a->saved.task_filter;
	*a->probability = a->saved.probability;
	*a->interval = a->saved.interval;
	*a->verbose = a->saved.verbose;
	atomic_set(a->times, a->saved.times);
	*a->require_start = a->saved.require_start;
	*a->require_end = a->saved.require_end;
	*a->reject_start = a->saved.reject_start;
	*a->reject_end = a->saved.reject_end;
	*a->ratelimit = a->saved.ratelimit;
}

static struct drvmem_kit *drvmem_kit_of(struct kunit *test)
{
	struct kunit_resource *res;
	struct drvmem_kit *kit;

	res = kunit_find_named_resource(test, "drvmem_kit");
	KUNIT_ASSERT_NOT_NULL_MSG(test, res,
				  "drvmem kit: call drvmem_kit_init() from the suite's init");
	kit = res->data;
	kunit_put_resource(res);
	return kit;
}

static __printf(2, 3) void kit_finding(struct drvmem_kit *kit,
					const char *fmt, ...);

static __printf(2, 0) void kit_vfinding(struct drvmem_kit *kit,
					 const char *fmt, va_list args)
{
	struct kunit *test = kit->test;
	char msg[DRVMEM_MSG_LEN];

	vsnprintf(msg, sizeof(msg), fmt, args);
	/* the finding may quote a report: the tripwire must not see it again */
	kit->reporting = true;
	if (!kit->capturing) {
		KUNIT_FAIL(test, "%s", msg);
	} else {
		if (!kit->captured++)
			strscpy(kit->capture, msg, sizeof(kit->capture));
		kunit_info(test, "expected finding: %s\n", msg);
	}
	kit->reporting = false;
}

static void kit_finding(struct drvmem_kit *kit, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	kit_vfinding(kit, fmt, args);
	va_end(args);
}

/**
 * drvmem_finding() - report what the kit found
 * @test: the test
 * @fmt: printf format of the finding
 *
 * Fails @test with the message, or, between drvmem_capture_begin() and
 * drvmem_capture_end(), keeps it for the caller to inspect.
 */
void drvmem_finding(struct kunit *test, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	kit_vfinding(drvmem_kit_of(test), fmt, args);
	va_end(args);
}
EXPORT_SYMBOL_GPL(drvmem_finding);

static bool kit_tripwire_check(struct drvmem_kit *kit)
{
	char trip[DRVMEM_MSG_LEN];
	unsigned int trips, errors = 0;
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->lock, flags);
	trips = kit->trips;
	strscpy(trip, kit->trip, sizeof(trip));
	kit->trips = 0;
	kit->trip_next = false;
	raw_spin_unlock_irqrestore(&kit->lock, flags);

	if (kit->dma_errors) {
		errors = READ_ONCE(*kit->dma_errors) - kit->dma_errors_seen;
		kit->dma_errors_seen += errors;
	}
	if (trips)
		kit_finding(kit, "tripwire: %u report(s) printed, the first: %s",
			    trips, strim(trip));
	if (errors)
		kit_finding(kit, "tripwire: DMA-API debugging counted %u error(s)",
			    errors);
	return !trips && !errors;
}

/**
 * drvmem_tripwire_check() - turn reports printed so far into findings
 * @test: the test
 *
 * A WARNING:, BUG:, DMA-API, lockdep or sleeping-in-atomic report printed
 * by the test's task since the last check, or an error counted by DMA-API
 * debugging, becomes a finding.  Allocation-failure reports caused by the
 * kit's own fault injection are not reports.  Also called by the kit after
 * each sweep step and when the test ends.
 *
 * Return: true when nothing was reported.
 */
bool drvmem_tripwire_check(struct kunit *test)
{
	return kit_tripwire_check(drvmem_kit_of(test));
}
EXPORT_SYMBOL_GPL(drvmem_tripwire_check);

#ifdef DRVMEM_KIT_SUPPRESSES_WARNINGS
/**
 * drvmem_start_suppress_warning() - kunit_start_suppress_warning() for
 *	kernels that lack it
 * @test: the test
 *
 * Like the kernel's kunit_start_suppress_warning(), except that the WARN()s
 * of the test's task are still printed: the tripwire counts them instead
 * of taking them for reports.  Reached through kunit_warning_suppress()
 * (drvmem_compat.h); the suppression ends with the test at the latest.
 *
 * Return: the suppression handle, or NULL (and the test failed) if one is
 * already active.
 */
struct kunit_suppressed_warning *drvmem_start_suppress_warning(struct kunit *test)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	struct kunit_suppressed_warning *w;

	if (kit->suppressed) {
		KUNIT_FAIL(test, "Another suppression block is already active");
		return NULL;
	}
	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	if (!w) {
		KUNIT_FAIL(test, "Failed to allocate suppression handle.");
		return NULL;
	}
	w->kit = kit;
	w->test = test;
	WRITE_ONCE(kit->suppressed, w);
	return w;
}
EXPORT_SYMBOL_GPL(drvmem_start_suppress_warning);

/**
 * drvmem_end_suppress_warning() - kunit_end_suppress_warning() for kernels
 *	that lack it
 * @test: the test
 * @w: the handle from drvmem_start_suppress_warning(), or NULL
 */
void drvmem_end_suppress_warning(struct kunit *test,
				 struct kunit_suppressed_warning *w)
{
	if (w && READ_ONCE(w->kit->suppressed) == w)
		WRITE_ONCE(w->kit->suppressed, NULL);
}
EXPORT_SYMBOL_GPL(drvmem_end_suppress_warning);

/**
 * drvmem_suppressed_warning_count() - kunit_suppressed_warning_count() for
 *	kernels that lack it
 * @w: the suppression handle, or NULL
 *
 * Return: the WARN()s counted since the suppression started, 0 for NULL.
 */
int drvmem_suppressed_warning_count(struct kunit_suppressed_warning *w)
{
	return w ? atomic_read(&w->counter) : 0;
}
EXPORT_SYMBOL_GPL(drvmem_suppressed_warning_count);

/**
 * drvmem_suppress_auto_cleanup() - end a suppression when its block is left
 * @wp: the block's handle
 */
void drvmem_suppress_auto_cleanup(struct kunit_suppressed_warning **wp)
{
	if (*wp)
		drvmem_end_suppress_warning((*wp)->test, *wp);
}
EXPORT_SYMBOL_GPL(drvmem_suppress_auto_cleanup);
#endif /* DRVMEM_KIT_SUPPRESSES_WARNINGS */

/**
 * drvmem_capture_begin() - keep findings instead of failing the test
 * @test: the test
 *
 * For self-tests that expect the kit to flag a broken driver.  Reports
 * printed before this call still fail the test.  Until drvmem_capture_end(),
 * KASAN and UBSAN reports do not fail the test either: the tripwire turns
 * them into findings.
 */
void drvmem_capture_begin(struct kunit *test)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);

	drvmem_tripwire_check(test);
	kit->capturing = true;
	kit->captured = 0;
	kit->capture[0] = '\0';
	/* KASAN and UBSAN fail current->kunit_test: let the tripwire see them */
	kit->hidden_test = current->kunit_test;
	current->kunit_test = NULL;
}
EXPORT_SYMBOL_GPL(drvmem_capture_begin);

/**
 * drvmem_capture_end() - stop keeping findings
 * @test: the test
 *
 * Return: the first finding since drvmem_capture_begin(), in test-managed
 * memory, or NULL if the kit found nothing.
 */
const char *drvmem_capture_end(struct kunit *test)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);

	current->kunit_test = kit->hidden_test;
	drvmem_tripwire_check(test);
	kit->capturing = false;
	if (!kit->captured)
		return NULL;
	return kunit_kstrdup(test, kit->capture, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(drvmem_capture_end);

/**
 * drvmem_ledger_begin() - start recording allocations
 * @test: the test
 * @owner: name prefix of the code under test, e.g. "foo_"
 *
 * Records what functions whose names start with @owner allocate and free
 * directly, in the test's task: slab objects, pages, vmalloc areas, per-CPU
 * areas, coherent DMA buffers and streaming DMA mappings.  Forgets what an
 * earlier ledger recorded.
 */
void drvmem_ledger_begin(struct kunit *test, const char *owner)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->lock, flags);
	strscpy(kit->owner, owner, sizeof(kit->owner));
	kit->owner_len = strlen(kit->owner);
	kit->nr = 0;
	kit->seq = 0;
	kit->nr_problems = 0;
	kit->overflow = false;
	kit->problem[0] = '\0';
	kit->failed_api[0] = '\0';
	kit->failed_site = 0;
	WRITE_ONCE(kit->armed, true);
	raw_spin_unlock_irqrestore(&kit->lock, flags);
}
EXPORT_SYMBOL_GPL(drvmem_ledger_begin);

/**
 * drvmem_ledger_end() - stop recording; what was recorded stays to check
 * @test: the test
 */
void drvmem_ledger_end(struct kunit *test)
{
	WRITE_ONCE(drvmem_kit_of(test)->armed, false);
}
EXPORT_SYMBOL_GPL(drvmem_ledger_end);

/*
 * A vmalloc() that fails after reserving its area (a page or page-table
 * allocation failed) returns NULL to the owner; after 6.12 the area is
 * released later by a worker (defer_vm_area_cleanup() in 7.2), which the
 * ledger does not watch.  An area the
 * ledger still holds that vmalloc never finished (VM_UNINITIALIZED), or
 * that is gone, was not the owner's to free.  Not for the tracepoint path:
 * find_vm_area() takes vmalloc's locks.
 */
static void kit_ledger_settle(struct drvmem_kit *kit)
{
	struct vm_struct *area;
	unsigned int i;

	for (i = 0; i < kit->nr; i++) {
		struct drvmem_entry *e = &kit->entries[i];

		if (!e->live || e->kind != DRVMEM_VMALLOC)
			continue;
		area = find_vm_area((void *)e->key);
		if (!area || (READ_ONCE(area->flags) & VM_UNINITIALIZED)) {
			e->live = false;
			e->disowned = true;
		}
	}
}

/**
 * drvmem_ledger_outstanding() - count what the ledger holds as not freed
 * @test: the test
 * @kind: the kind to count
 *
 * Return: the number of @kind allocations recorded and not released.
 */
unsigned int drvmem_ledger_outstanding(struct kunit *test,
				       enum drvmem_kind kind)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	unsigned int i, n = 0;
	unsigned long flags;

	kit_ledger_settle(kit);
	raw_spin_lock_irqsave(&kit->lock, flags);
	for (i = 0; i < kit->nr; i++)
		if (kit->entries[i].live && kit->entries[i].kind == kind)
			n++;
	raw_spin_unlock_irqrestore(&kit->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(drvmem_ledger_outstanding);

/**
 * drvmem_ledger_check() - report leaks and misuse recorded by the ledger
 * @test: the test
 * @what: the step, for the message ("probe, fault point 3 (vmalloc ...)")
 *
 * Anything still outstanding is a leak, named with its kind, size and call
 * site.  A free of something the code under test did not allocate, a second
 * free, an unmap with another size or direction than the mapping, and a
 * free while something allocated after it is still held were recorded when
 * they happened; the first of them is reported.
 *
 * Return: true when the ledger is clean.
 */
bool drvmem_ledger_check(struct kunit *test, const char *what)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	char msg[DRVMEM_MSG_LEN] = "";
	struct drvmem_entry *e, *n;
	unsigned int i, nr_leaks = 0;
	size_t len = 0;
	bool ok = true;

	kit_ledger_settle(kit);
	if (kit->overflow) {
		drvmem_finding(test, "%s: ledger overflow, more than %d records",
			       what, DRVMEM_LEDGER_MAX);
		ok = false;
	}
	if (kit->nr_problems) {
		drvmem_finding(test, "%s: %s%s", what, kit->problem,
			       kit->nr_problems > 1 ? " (and more)" : "");
		ok = false;
	}
	for (i = 0; i < kit->nr; i++) {
		e = &kit->entries[i];
		if (!e->live)
			continue;
		if (!nr_leaks++)
			len = scnprintf(msg, sizeof(msg),
					"%s of %zu B (%s) from %pS not freed",
					e->api, e->size,
					drvmem_kind_name[e->kind],
					(void *)e->site);
	}
	if (nr_leaks) {
		if (nr_leaks > 1)
			scnprintf(msg + len, sizeof(msg) - len,
				  ", and %u more", nr_leaks - 1);
		drvmem_finding(test, "%s: %s", what, msg);
		return false;
	}
	/*
	 * With nothing leaked: a free by the code under test while something
	 * allocated after it was still held is out of order.
	 */
	n = NULL;
	for (i = 0; i < kit->nr && !n; i++) {
		e = &kit->entries[i];
		if (e->owner_freed)
			n = kit_freed_later(kit, e);
	}
	if (n) {
		drvmem_finding(test,
			       "%s: freed out of order: %s of %zu B from %pS freed at %pS before %s of %zu B from %pS, allocated after it",
			       what, e->api, e->size, (void *)e->site,
			       (void *)e->free_site, n->api, n->size,
			       (void *)n->site);
		return false;
	}
	return ok;
}
EXPORT_SYMBOL_GPL(drvmem_ledger_check);

/**
 * drvmem_fault_begin() - aim the kernel's allocation fault injection
 * @test: the test
 * @subject: only fault points reached with this function on the call stack
 *	count; NULL for every fault point of the test's task
 *
 * Makes sleeping allocations (GFP_KERNEL) and order-0 pages failable,
 * confines failures to @subject, exempts DMA-API debugging's bookkeeping
 * (or, without it, the stack depot's), and has each injected fault announce itself in
 * one line without a stack dump, so that the kit can tell which call of the
 * code under test it failed.
 * Nothing fails until the task's fail_nth is set (drvmem_sweep() does) or
 * drvmem_fault_fail_always() is called.  Undone by drvmem_fault_end(), or
 * when the test ends.
 */
void drvmem_fault_begin(struct kunit *test, const void *subject)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	unsigned long start = 0, end = ULONG_MAX, size, offset;
	unsigned long reject_start = 0, reject_end = 0;
	unsigned int i;

	KUNIT_ASSERT_FALSE_MSG(test, kit->fault_armed,
			       "fault injection armed twice without drvmem_fault_end()");
	if (subject) {
		KUNIT_ASSERT_TRUE_MSG(test,
				      kallsyms_lookup_size_offset((unsigned long)subject,
								  &size, &offset),
				      "no symbol for the step's subject %ps", subject);
		start = (unsigned long)subject - offset;
		end = start + size;
	}
	/*
	 * One function can be exempt.  DMA-API debugging, when on, turns
	 * itself off for good when its own allocation fails; the stack depot
	 * (KASAN, page_owner) only loses one stack.
	 */
	if (IS_ENABLED(CONFIG_DMA_API_DEBUG))
		reject_start = kallsyms_lookup_name("add_dma_entry");
#ifdef CONFIG_STACKDEPOT
	else
		reject_start = (unsigned long)stack_depot_save_flags;
#endif
	if (reject_start &&
	    kallsyms_lookup_size_offset(reject_start, &size, &offset))
		reject_end = reject_start + size;
	else
		reject_start = 0;
	KUNIT_ASSERT_TRUE_MSG(test, reject_end || !IS_ENABLED(CONFIG_DMA_API_DEBUG),
			      "no symbol add_dma_entry: the sweep would fail DMA-API debugging's own allocations");
	for (i = 0; i < ARRAY_SIZE(kit->attr); i++) {
		struct drvmem_fault_attr *a = &kit->attr[i];

		drvmem_fault_attr_save(a);
		*a->ignore_gfp_wait = false;
		/* one line per injected fault, for kit_note_injection() */
		*a->verbose = 1;
		*a->ratelimit = 0;
		*a->require_start = start;
		*a->require_end = end;
		*a->reject_start = reject_start;
		*a->reject_end = reject_end;
	}
	kit->saved_min_order = *kit->min_order;
	*kit->min_order = 0;
	kit->fault_armed = true;
}
EXPORT_SYMBOL_GPL(drvmem_fault_begin);

/**
 * drvmem_fault_fail_always() - fail every fault point until the end
 * @test: the test
 * @subject: as for drvmem_fault_begin()
 *
 * Calls drvmem_fault_begin() if needed, then makes every allocation fault
 * point reached by the test's task with @subject on the stack fail (the
 * allocator "is failing"), until drvmem_fault_end().
 */
void drvmem_fault_fail_always(struct kunit *test, const void *subject)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	unsigned int i;

	if (!kit->fault_armed)
		drvmem_fault_begin(test, subject);
	for (i = 0; i < ARRAY_SIZE(kit->attr); i++) {
		struct drvmem_fault_attr *a = &kit->attr[i];

		*a->task_filter = true;
		*a->interval = 1;
		atomic_set(a->times, -1);
		*a->probability = 100;
	}
	current->make_it_fail = 1;
}
EXPORT_SYMBOL_GPL(drvmem_fault_fail_always);

static void kit_fault_end(struct drvmem_kit *kit)
{
	unsigned int i;

	current->make_it_fail = 0;
	current->fail_nth = 0;
	if (kit->dma_dev) {
		kit->dma_dev->bus_dma_limit = kit->dma_saved_limit;
		put_device(kit->dma_dev);
		kit->dma_dev = NULL;
		kit->dma_nth = 0;
		kit->allow = NULL;
	}
	if (!kit->fault_armed)
		return;
	for (i = 0; i < ARRAY_SIZE(kit->attr); i++)
		drvmem_fault_attr_restore(&kit->attr[i]);
	*kit->min_order = kit->saved_min_order;
	kit->fault_armed = false;
}

/**
 * drvmem_fault_end() - put fault injection back as it was
 * @test: the test
 *
 * Also ends a DMA mapping fault started by drvmem_dma_fail_nth().
 */
void drvmem_fault_end(struct kunit *test)
{
	kit_fault_end(drvmem_kit_of(test));
}
EXPORT_SYMBOL_GPL(drvmem_fault_end);

/* "WARNING: ... at kernel/dma/direct.h:103 dma_map_page_attrs+...", or swiotlb's */
static const char * const kit_dma_overflow[] = {
	"kernel/dma/direct.h", "kernel/dma/swiotlb.c", NULL,
};

/**
 * drvmem_dma_fail_nth() - make DMA mappings of a device fail from the n-th on
 * @test: the test
 * @dev: the device whose mappings fail
 * @nth: the first mapping (dma_map_single/page/sg by the test's task) to fail
 *
 * dma_map_* allocates nothing, so no allocation fault point reaches it.
 * Instead, once @nth - 1 mappings of @dev succeeded, the kit narrows the
 * device's addressing (bus_dma_limit) so that dma-direct refuses every
 * further mapping with DMA_MAPPING_ERROR, until drvmem_fault_end() or the
 * end of the test.  dma-direct's one-time warning about the refused address
 * is expected and does not trip the tripwire.  With @nth = 1 the device is
 * narrowed at once, so its coherent allocations fail too.
 */
void drvmem_dma_fail_nth(struct kunit *test, struct device *dev,
			 unsigned int nth)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);

	KUNIT_ASSERT_GT(test, nth, 0);
	KUNIT_ASSERT_NULL_MSG(test, kit->dma_dev, "DMA fault already armed");
	kit->dma_saved_limit = dev->bus_dma_limit;
	kit->dma_seen = 0;
	kit->dma_nth = nth;
	kit->allow = kit_dma_overflow;
	/* held: a test that stops early may free the device before the kit */
	kit->dma_dev = get_device(dev);
	if (nth == 1)
		dev->bus_dma_limit = 1;
}
EXPORT_SYMBOL_GPL(drvmem_dma_fail_nth);

/* After a step failed or was undone: nothing held, nothing reported. */
static void kit_sweep_check(struct kunit *test, const struct drvmem_step *step,
			    void *ctx, const char *where)
{
	unsigned int held = step->held ? step->held(test, ctx) : 0;

	if (held)
		drvmem_finding(test, "%s: %u devres entries still held", where,
			       held);
	drvmem_ledger_check(test, where);
	drvmem_tripwire_check(test);
}

/* Undo a successful step with the ledger recording, then check. */
static void kit_sweep_undo(struct kunit *test, const struct drvmem_step *step,
			   void *ctx, const char *where)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	char undone[DRVMEM_MSG_LEN];

	if (!step->undo)
		return;
	WRITE_ONCE(kit->armed, true);
	step->undo(test, ctx);
	WRITE_ONCE(kit->armed, false);
	scnprintf(undone, sizeof(undone), "%s, then undone", where);
	kit_sweep_check(test, step, ctx, undone);
}

/* What a successful step holds, by call site, to compare runs. */
struct kit_site {
	unsigned long site;
	const char *api;
	unsigned int count;
	u8 kind;
};

#define DRVMEM_SITES	64

static unsigned int kit_live_sites(struct drvmem_kit *kit,
				   struct kit_site *sites)
{
	unsigned int i, j, nr = 0;

	for (i = 0; i < kit->nr; i++) {
		struct drvmem_entry *e = &kit->entries[i];

		if (!e->live)
			continue;
		for (j = 0; j < nr && sites[j].site != e->site; j++)
			;
		if (j == nr) {
			if (nr == DRVMEM_SITES)
				continue;
			sites[nr++] = (struct kit_site) {
				.site = e->site, .api = e->api, .kind = e->kind,
			};
		}
		sites[j].count++;
	}
	return nr;
}

/* The first call site that holds less than in @base, or NULL. */
static const struct kit_site *kit_missing(struct drvmem_kit *kit,
					  const struct kit_site *base,
					  unsigned int nr_base,
					  struct kit_site *now)
{
	unsigned int i, j, nr = kit_live_sites(kit, now);

	for (i = 0; i < nr_base; i++) {
		for (j = 0; j < nr && now[j].site != base[i].site; j++)
			;
		if (j == nr || now[j].count < base[i].count)
			return &base[i];
	}
	return NULL;
}

/* The state of one sweep. */
struct kit_sweep {
	const struct drvmem_step *step;
	void *ctx;
	struct kit_site base[DRVMEM_SITES], now[DRVMEM_SITES];
	unsigned long failed[DRVMEM_SITES];
	unsigned int nr_base, nr_failed, runs;
	char where[DRVMEM_MSG_LEN];
};

static bool kit_site_failed(const struct kit_sweep *sw, unsigned long site)
{
	unsigned int i;

	for (i = 0; i < sw->nr_failed; i++)
		if (sw->failed[i] == site)
			return true;
	return false;
}

static bool kit_site_unfailable(const struct kit_site *s)
{
	return !strcmp(s->api, "alloc_percpu") || s->kind == DRVMEM_DMA_MAP ||
	       s->kind == DRVMEM_DMA_SG;
}

/*
 * Run the step once with its n-th fault point failed and check the result.
 * Return: whether a fault was injected (the step reached n fault points).
 */
static bool kit_sweep_once(struct kunit *test, struct kit_sweep *sw,
			   unsigned int n)
{
	const struct drvmem_step *step = sw->step;
	struct drvmem_kit *kit = drvmem_kit_of(test);
	const struct kit_site *missing;
	bool injected;
	int ret;

	drvmem_ledger_begin(test, step->owner);
	WRITE_ONCE(current->fail_nth, n);
	ret = step->run(test, sw->ctx);
	injected = !READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, 0);
	drvmem_ledger_end(test);
	sw->runs++;

	if (!injected)
		scnprintf(sw->where, sizeof(sw->where),
			  "%s with no fault injected", step->name);
	else if (kit->failed_site)
		scnprintf(sw->where, sizeof(sw->where),
			  "%s, fault point %u (%s from %pS)", step->name, n,
			  kit->failed_api, (void *)kit->failed_site);
	else
		scnprintf(sw->where, sizeof(sw->where),
			  "%s, fault point %u (inside the kernel)", step->name,
			  n);
	if (injected && kit->failed_site && sw->nr_failed < DRVMEM_SITES &&
	    !kit_site_failed(sw, kit->failed_site))
		sw->failed[sw->nr_failed++] = kit->failed_site;

	if (!injected && ret) {
		drvmem_finding(test, "%s: failed with %d", sw->where, ret);
	} else if (injected && !ret) {
		/* success is fine if the kernel absorbed the fault */
		missing = kit_missing(kit, sw->base, sw->nr_base, sw->now);
		if (missing)
			drvmem_finding(test,
				       "%s: returned 0 without the %s from %pS: a missing NULL check?",
				       sw->where, missing->api,
				       (void *)missing->site);
	}
	if (ret)
		kit_sweep_check(test, step, sw->ctx, sw->where);
	else
		kit_sweep_undo(test, step, sw->ctx, sw->where);
	return injected;
}

/* Sweep fault points 1, 2, ... until several runs in a row reach none. */
static unsigned int kit_sweep_all(struct kunit *test, struct kit_sweep *sw)
{
	unsigned int n, clean = 0, points = 0;

	for (n = 1; n <= DRVMEM_SWEEP_MAX && clean < DRVMEM_SWEEP_CLEAN; n++) {
		if (kit_sweep_once(test, sw, n)) {
			points = n;
			clean = 0;
		} else {
			clean++;
		}
	}
	return points;
}

/* Is a call of the baseline that can fail still not failed by any run? */
static bool kit_sweep_missed(struct kit_sweep *sw)
{
	unsigned int i;

	for (i = 0; i < sw->nr_base; i++)
		if (!kit_site_failed(sw, sw->base[i].site) &&
		    !kit_site_unfailable(&sw->base[i]))
			return true;
	return false;
}

/* Point the fault filter at one call site of the owner (or everywhere). */
static void kit_fault_require(struct drvmem_kit *kit, unsigned long start,
			      unsigned long end)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kit->attr); i++) {
		*kit->attr[i].require_start = start;
		*kit->attr[i].require_end = end;
	}
}

/**
 * drvmem_sweep() - run a step with each of its fault points failed in turn
 * @test: the test
 * @step: the step, its undo and what it is
 * @ctx: passed to @step's functions
 *
 * First runs @step with nothing failed, as the baseline of what it holds.
 * Then, for n = 1, 2, ...: runs @step with the n-th fault point failed.  The
 * step must return an error, leave nothing allocated (ledger) and print no
 * warning (tripwire); if it succeeds anyway, it must hold everything the
 * baseline held (the kernel may absorb a fault, e.g. vmalloc retries a
 * page), else it lost a resource: a missing NULL check.  Every success is
 * undone with @step->undo, after which the ledger must be empty.
 *
 * The number of fault points before a given call varies between runs (a
 * slab needs a new page only when full, a vmalloc preloads a node only when
 * it has none), so counting alone can step over a call.  The sweep goes on
 * until several runs in a row reach no n-th point, then aims at each call
 * of the baseline that no run failed: only fault points under that call
 * count, 1, 2, ... again.  The stack filter behind that aim is not reliable
 * everywhere (UML), so a call still missed gets up to two more unaimed
 * passes.  A call that still never failed is a finding.
 *
 * Return: the number of runs with a fault injected.
 */
unsigned int drvmem_sweep(struct kunit *test, const struct drvmem_step *step,
			  void *ctx)
{
	struct drvmem_kit *kit = drvmem_kit_of(test);
	unsigned int i, pass, points, injected = 0;
	struct kit_sweep *sw;
	u64 start;
	int ret;

	sw = kunit_kzalloc(test, sizeof(*sw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sw);
	sw->step = step;
	sw->ctx = ctx;

	/* the baseline: what the step holds when nothing fails */
	drvmem_ledger_begin(test, step->owner);
	ret = step->run(test, ctx);
	drvmem_ledger_end(test);
	if (ret) {
		drvmem_finding(test, "%s failed with %d with no fault injected",
			       step->name, ret);
		return 0;
	}
	sw->nr_base = kit_live_sites(kit, sw->base);
	scnprintf(sw->where, sizeof(sw->where), "%s with no fault injected",
		  step->name);
	kit_sweep_undo(test, step, ctx, sw->where);

	drvmem_fault_begin(test, step->subject);
	start = ktime_get_ns();
	points = kit_sweep_all(test, sw);
	for (pass = 0; pass < DRVMEM_SWEEP_PASSES && kit_sweep_missed(sw); pass++) {
		if (pass) {
			/* unaimed again, from the step's own range */
			drvmem_fault_end(test);
			drvmem_fault_begin(test, step->subject);
			injected += kit_sweep_all(test, sw);
		}
		for (i = 0; i < sw->nr_base; i++) {
			struct kit_site *b = &sw->base[i];

			if (kit_site_failed(sw, b->site) || kit_site_unfailable(b))
				continue;
			kit_fault_require(kit, b->site, b->site + 1);
			injected += kit_sweep_all(test, sw);
		}
	}
	drvmem_fault_end(test);

	kunit_info(test, "%s: swept %u fault points (%u more by aiming at single calls, with %u repeated sweeps) in %u runs, %llu us\n",
		   step->name, points, injected, pass ? pass - 1 : 0, sw->runs,
		   div_u64(ktime_get_ns() - start, NSEC_PER_USEC));
	for (i = 0; i < sw->nr_base; i++) {
		struct kit_site *b = &sw->base[i];

		if (kit_site_failed(sw, b->site))
			continue;
		if (kit_site_unfailable(b))
			kunit_info(test,
				   "%s: %s from %pS has no allocation fault point; its unwind is reached by failing a later step\n",
				   step->name, b->api, (void *)b->site);
		else
			drvmem_finding(test,
				       "%s: the %s from %pS never failed: the sweep did not reach it",
				       step->name, b->api, (void *)b->site);
	}
	if (points < step->min_points)
		drvmem_finding(test,
			       "%s reached %u fault points, fewer than the %u failable allocations it makes: the sweep is incomplete",
			       step->name, points, step->min_points);
	return points + injected;
}
EXPORT_SYMBOL_GPL(drvmem_sweep);

#define DRVMEM_DEV_SUFFIX "-kunit"

/**
 * drvmem_kasan_reports_again() - will KASAN report a second bug?
 *
 * KASAN reports only the first bug of a boot unless booted with
 * kasan_multi_shot (make kunit passes it).  A test that provokes a KASAN
 * report on purpose must skip otherwise, or it would blind KASAN for the
 * tests after it.
 *
 * Return: true if KASAN is off or booted with kasan_multi_shot.
 */
bool drvmem_kasan_reports_again(void)
{
	return !IS_ENABLED(CONFIG_KASAN) ||
	       strstr(saved_command_line, "kasan_multi_shot");
}
EXPORT_SYMBOL_GPL(drvmem_kasan_reports_again);

/**
 * drvmem_platform_device() - an unbound platform device for a driver
 * @test: the test
 * @drv_name: name of the platform driver, or of an entry of its id_table
 *
 * The device is named "<drv_name>-kunit" so that no driver matches it: the
 * test binds it with drvmem_platform_bind(), which finds the driver (and
 * the id_table entry) as the platform bus would, and sees probe's result.  It is
 * unregistered (and so unbound) when the test ends.
 *
 * Return: the device; asserts on failure.
 */
struct platform_device *drvmem_platform_device(struct kunit *test,
					       const char *drv_name)
{
	struct platform_device *pdev;
	char name[64];
	int ret;

	KUNIT_ASSERT_LT(test, snprintf(name, sizeof(name), "%s" DRVMEM_DEV_SUFFIX,
				       drv_name), sizeof(name));
	pdev = kunit_platform_device_alloc(test, name, PLATFORM_DEVID_AUTO);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	ret = kunit_platform_device_add(test, pdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return pdev;
}
EXPORT_SYMBOL_GPL(drvmem_platform_device);

/**
 * drvmem_platform_driver() - register a test-owned platform driver
 * @test: the test
 * @name: the driver's name
 * @probe: its probe
 * @remove: its remove, or NULL
 *
 * For drivers kept beside a suite (broken variants): unregistered when the
 * test ends.  Asserts on failure.
 */
void drvmem_platform_driver(struct kunit *test, const char *name,
			    int (*probe)(struct platform_device *pdev),
			    void (*remove)(struct platform_device *pdev))
{
	struct platform_driver *drv;

	drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, drv);
	drv->probe = probe;
	drv->remove = remove;
	drv->driver.name = name;
	KUNIT_ASSERT_EQ(test, kunit_platform_driver_register(test, drv), 0);
}
EXPORT_SYMBOL_GPL(drvmem_platform_driver);

struct kit_match {
	char name[64];
	struct device_driver *drv;
	const struct platform_device_id *id;
};

/* platform_match() for the device's name without its suffix */
static int kit_match_driver(struct device_driver *drv, void *data)
{
	const struct platform_device_id *id = to_platform_driver(drv)->id_table;
	struct kit_match *m = data;

	if (!id) {
		if (strcmp(drv->name, m->name))
			return 0;
		m->drv = drv;
		return 1;
	}
	for (; id->name[0]; id++) {
		if (!strcmp(id->name, m->name)) {
			m->drv = drv;
			m->id = id;
			return 1;
		}
	}
	return 0;
}

/*
 * The driver for a device made by drvmem_platform_device(): its name names
 * the driver, or an entry of the driver's id_table, whose entry is then
 * the device's, as platform_match() would have made it.
 */
static struct device_driver *drvmem_driver(struct kunit *test,
					   struct platform_device *pdev)
{
	struct kit_match m = { };
	size_t len;

	strscpy(m.name, pdev->name, sizeof(m.name));
	len = strlen(m.name) - strlen(DRVMEM_DEV_SUFFIX);
	KUNIT_ASSERT_TRUE_MSG(test, strlen(m.name) > strlen(DRVMEM_DEV_SUFFIX) &&
			      !strcmp(m.name + len, DRVMEM_DEV_SUFFIX),
			      "%s: not made by drvmem_platform_device()", m.name);
	m.name[len] = '\0';
	bus_for_each_drv(&platform_bus_type, NULL, &m, kit_match_driver);
	KUNIT_ASSERT_NOT_NULL_MSG(test, m.drv,
				  "no platform driver for \"%s\": is it built in?",
				  m.name);
	pdev->id_entry = m.id;
	return m.drv;
}

/**
 * drvmem_platform_bind() - bind a device made by drvmem_platform_device()
 * @test: the test
 * @pdev: the device
 *
 * Return: what the driver's probe returned.
 */
int drvmem_platform_bind(struct kunit *test, struct platform_device *pdev)
{
	return device_driver_attach(drvmem_driver(test, pdev), &pdev->dev);
}
EXPORT_SYMBOL_GPL(drvmem_platform_bind);

/**
 * drvmem_platform_unbind() - unbind a device: the driver's remove runs
 * @test: the test
 * @pdev: the device
 */
void drvmem_platform_unbind(struct kunit *test, struct platform_device *pdev)
{
	device_release_driver(&pdev->dev);
}
EXPORT_SYMBOL_GPL(drvmem_platform_unbind);

/**
 * drvmem_devres_count() - count a device's managed resources
 * @dev: the device
 *
 * Return: the number of devres entries (resources and group markers) held.
 */
unsigned int drvmem_devres_count(struct device *dev)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&dev->devres_lock, flags);
	n = list_count_nodes(&dev->devres_head);
	spin_unlock_irqrestore(&dev->devres_lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(drvmem_devres_count);

static int drvmem_sweep_bind(struct kunit *test, void *ctx)
{
	return drvmem_platform_bind(test, ctx);
}

static void drvmem_sweep_unbind(struct kunit *test, void *ctx)
{
	drvmem_platform_unbind(test, ctx);
}

static unsigned int drvmem_sweep_devres(struct kunit *test, void *ctx)
{
	struct platform_device *pdev = ctx;

	return drvmem_devres_count(&pdev->dev);
}

/**
 * drvmem_sweep_probe() - sweep a platform driver's probe
 * @test: the test
 * @drv_name: the platform driver
 * @owner: name prefix of the driver's functions, for the ledger
 * @min_points: the fewest allocations the probe makes that can fail
 *
 * Binds a new device to @drv_name with each fault point of the driver's
 * probe failed in turn (see drvmem_sweep()); after every failed probe the
 * device must hold no devres entries.  The final probe is undone by
 * unbinding, which must release everything.
 *
 * Return: the number of fault points the probe reached.
 */
unsigned int drvmem_sweep_probe(struct kunit *test, const char *drv_name,
				const char *owner, unsigned int min_points)
{
	struct platform_device *pdev = drvmem_platform_device(test, drv_name);
	struct drvmem_step step = {
		.name = "probe",
		.run = drvmem_sweep_bind,
		.undo = drvmem_sweep_unbind,
		.held = drvmem_sweep_devres,
		/*
		 * Not the probe's own range: under UML the fault-injection
		 * stack filter was seen to miss a probe's kmalloc() right
		 * after its vmalloc(), and the coverage check then failed the
		 * sweep.  The driver core's allocations around probe fail
		 * harmlessly: bind stops before probe, or absorbs them.
		 */
		.subject = NULL,
		.owner = owner,
		.min_points = min_points,
	};

	return drvmem_sweep(test, &step, pdev);
}
EXPORT_SYMBOL_GPL(drvmem_sweep_probe);

/**
 * drvmem_expect_sweep_flags() - sweep a broken probe, expect a finding
 * @test: the test
 * @drv_name: the broken platform driver
 * @owner: name prefix of its functions
 * @bug: the bug, in words, for the failure message
 * @expect: a piece of the first finding the kit must report
 *
 * A check that cannot fail proves nothing: this is how a suite shows that
 * the kit flags a common error.  Fails the test if the sweep of the probe
 * (and the remove after it) reports nothing, or something else first.
 */
void drvmem_expect_sweep_flags(struct kunit *test, const char *drv_name,
			       const char *owner, const char *bug,
			       const char *expect)
{
	const char *finding;

	drvmem_capture_begin(test);
	drvmem_sweep_probe(test, drv_name, owner, 1);
	finding = drvmem_capture_end(test);
	KUNIT_ASSERT_NOT_NULL_MSG(test, finding, "%s: not flagged", bug);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(finding, expect),
				  "%s: flagged as \"%s\", expected \"%s\"",
				  bug, finding, expect);
}
EXPORT_SYMBOL_GPL(drvmem_expect_sweep_flags);

struct kit_hook {
	const char *name;
	struct tracepoint *tp;
	void *probe;
	void *data;
};

static void kit_find_tracepoint(struct tracepoint *tp, void *priv)
{
	struct kit_hook *hook = priv;

	if (!strcmp(tp->name, hook->name))
		hook->tp = tp;
}

static void kit_unhook(void *data)
{
	struct kit_hook *hook = data;

	tracepoint_probe_unregister(hook->tp, hook->probe, hook->data);
	tracepoint_synchronize_unregister();
}

/**
 * drvmem_tracepoint_attach() - attach a probe to a kernel tracepoint
 * @test: the test; the probe is detached when it ends
 * @name: the tracepoint, e.g. "devres_log"
 * @probe: the probe: the tracepoint's prototype with a leading void *data
 * @data: passed to @probe
 *
 * Looks the tracepoint up by name, so that a suite built as a module can
 * attach to tracepoints that are not exported.
 *
 * Return: 0, -ENOENT if the kernel has no such tracepoint, or an errno.
 */
int drvmem_tracepoint_attach(struct kunit *test, const char *name,
			     void *probe, void *data)
{
	struct kit_hook *hook;
	int ret;

	hook = kunit_kzalloc(test, sizeof(*hook), GFP_KERNEL);
	if (!hook)
		return -ENOMEM;
	*hook = (struct kit_hook) { .name = name, .probe = probe, .data = data };
	for_each_kernel_tracepoint(kit_find_tracepoint, hook);
	if (!hook->tp)
		return -ENOENT;
	ret = tracepoint_probe_register(hook->tp, probe, data);
	if (ret)
		return ret;
	return kunit_add_action_or_reset(test, kit_unhook, hook);
}
EXPORT_SYMBOL_GPL(drvmem_tracepoint_attach);

static void drvmem_kit_release(void *data)
{
	struct drvmem_kit *kit = data;
	unsigned int i;

	/* runs in KUnit's cleanup thread: use the kit, not the test's task */
	kit_fault_end(kit);
	kit_tripwire_check(kit);
	for (i = 0; i < ARRAY_SIZE(drvmem_probes); i++)
		drvmem_probes[i].unreg(kit);
	tracepoint_synchronize_unregister();
	if (kit->dma_show)
		*kit->dma_show = kit->saved_dma_show;
	put_task_struct(kit->task);
}

/**
 * drvmem_kit_init() - set the kit up for a test; call from the suite's init
 * @test: the test
 *
 * Attaches the ledger and tripwire probes and finds the fault-injection
 * knobs.  Everything is undone when the test ends.
 *
 * Return: 0, or a negative errno if the kernel lacks what the kit needs.
 */
int drvmem_kit_init(struct kunit *test)
{
	struct drvmem_kit *kit;
	unsigned int i;
	int ret;

	kit = kunit_kzalloc(test, sizeof(*kit), GFP_KERNEL);
	if (!kit)
		return -ENOMEM;
	kit->test = test;
	raw_spin_lock_init(&kit->lock);
	if (!drvmem_fault_attr_init(&kit->attr[0], "failslab") ||
	    !drvmem_fault_attr_init(&kit->attr[1], "fail_page_alloc"))
		return -ENODEV;
	kit->min_order = drvmem_knob("fail_page_alloc", "min-order");
	if (!kit->min_order)
		return -ENODEV;
	kit->dma_errors = drvmem_knob("dma-api", "error_count");
	kit->dma_show = drvmem_knob("dma-api", "num_errors");

	ret = kunit_add_named_resource(test, NULL, NULL, &kit->res,
				       "drvmem_kit", kit);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(drvmem_probes); i++) {
		ret = drvmem_probes[i].reg(kit);
		if (ret) {
			while (i--)
				drvmem_probes[i].unreg(kit);
			tracepoint_synchronize_unregister();
			return ret;
		}
	}

	/* the test's task, for the probes' filters; held until the end */
	kit->task = get_task_struct(current);
	/* DMA-API debugging: print every error, and count them */
	if (kit->dma_errors)
		kit->dma_errors_seen = READ_ONCE(*kit->dma_errors);
	if (kit->dma_show) {
		kit->saved_dma_show = *kit->dma_show;
		*kit->dma_show = UINT_MAX;
	}
	return kunit_add_action_or_reset(test, drvmem_kit_release, kit);
}
EXPORT_SYMBOL_GPL(drvmem_kit_init);

MODULE_DESCRIPTION("drvmem test kit: fault sweep, allocation ledger, tripwire");
MODULE_LICENSE("GPL");
