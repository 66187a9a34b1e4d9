// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: the allocation ledger.
 *
 * Records, from tracepoints, what functions named by the owner's prefixes
 * allocate and free directly, by kind and call site, and checks leaks,
 * double and foreign frees, DMA unmap size and direction, the order of
 * frees, and (through cache.c) slab caches left behind.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/async.h>
#include <linux/device.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#ifdef CONFIG_UML
#include <asm/stacktrace.h>
#endif
#include <trace/events/dma.h>
#include <trace/events/kmem.h>
#include <trace/events/percpu.h>
#include <trace/events/vmalloc.h>

#include "kit_internal.h"

static const char * const kit_resource_name[DRVMEM_NR_KINDS] = {
	[DRVMEM_SLAB] = "slab object",
	[DRVMEM_PAGES] = "pages",
	[DRVMEM_VMALLOC] = "vmalloc area",
	[DRVMEM_PERCPU] = "per-CPU area",
	[DRVMEM_DMA_COHERENT] = "coherent DMA buffer",
	[DRVMEM_DMA_MAP] = "DMA mapping",
	[DRVMEM_DMA_SG] = "DMA sg mapping",
	[DRVMEM_CACHE] = "slab cache",
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
	/* a release API that also frees what it allocated by itself (a
	 * mempool's elements): no double or foreign free
	 */
	bool frees_its_own;
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
	/* before alloc_pages: its pages are freed one by one, by design */
	{ "alloc_pages_exact", "alloc_pages_exact", K(PAGES) },
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
	/* the struct kmem_cache itself, allocated from the cache of caches */
	{ "__kmem_cache_create", "kmem_cache_create", K(CACHE) },
	{ "kmem_cache_create", "kmem_cache_create", K(CACHE) },
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
	{ "kmem_cache_destroy", "kmem_cache_destroy", K(CACHE) },
	/* the pool and its reserve: some elements mempool_alloc() made */
	{ "mempool_destroy", "mempool_destroy", K(SLAB) | K(PAGES), true },
	{ "mempool_exit", "mempool_exit", K(SLAB) | K(PAGES), true },
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

/* most prefixes differ from a name in their first character */
static bool kit_prefixed(const char *sym, const char *prefix)
{
	return *sym == *prefix && !strncmp(sym, prefix, strlen(prefix));
}

/* Is @sym named by one of the owner's comma-separated prefixes? */
static bool kit_owned(const struct drvmem_kit *kit, const char *sym)
{
	const char *p = kit->ledger.owner, *end;
	size_t len;

	while (*p) {
		end = strchrnul(p, ',');
		len = end - p;
		if (len && !strncmp(sym, p, len))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/*
 * Is the function at @addr, named @sym by sprint_symbol_no_offset(),
 * drvmem's test code (the kit, a suite or a test helper)?  Built in, they
 * are linked between two markers (kunit/Makefile), so this holds whatever
 * they are named; as modules, the kit is drvmem_kit.ko and a suite a
 * module named *_kunit ("drvmem_unwind_two_devices [unwind_kunit]").  A
 * function's cold part (foo.cold) is placed with every other cold part: it
 * is judged by its function, and @sym is cut to its name ("foo").
 */
static bool kit_test_code(unsigned long addr, char *sym)
{
	char *dot;

	if (addr >= (unsigned long)drvmem_test_code_start &&
	    addr < (unsigned long)drvmem_test_code_end)
		return true;
	if (strstr(sym, "_kunit]") || strstr(sym, " [drvmem_kit]"))
		return true;
	dot = strstr(sym, ".cold");
	if (!dot)
		return false;
	*dot = '\0';
	addr = drvmem_kit_lookup_name(sym);
	return addr >= (unsigned long)drvmem_test_code_start &&
	       addr < (unsigned long)drvmem_test_code_end;
}

static_assert(ARRAY_SIZE(kit_internal) <= BITS_PER_LONG);

static const struct drvmem_api *kit_find_api(const struct drvmem_api *apis,
					     unsigned int nr, const char *callee)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (kit_prefixed(callee, apis[i].prefix))
			return &apis[i];
	return NULL;
}

/*
 * kit_frame - what the ledger knows of the function @addr returns into.
 * Every event the ledger looks at walks a stack of the same few hundred
 * return addresses, and naming each one (sprint_symbol()) was most of the
 * kit's own cost: each address is named once per test and owner, here.
 */
static const struct kit_frame *kit_frame(struct drvmem_kit *kit,
					 unsigned long addr)
{
	struct kit_frame *f = &kit->ledger.frames[hash_long(addr, DRVMEM_FRAMES_BITS)];
	char *sym = kit->ledger.sym;
	unsigned int i;

	if (f->addr == addr)
		return f;
	f->addr = addr;
	sprint_symbol_no_offset(sym, addr);
	f->test = kit_test_code(addr, sym);
	f->owned = kit_owned(kit, sym);
	f->alloc_api = kit_find_api(drvmem_alloc_apis,
				    ARRAY_SIZE(drvmem_alloc_apis), sym);
	f->free_api = kit_find_api(kit_free_apis, ARRAY_SIZE(kit_free_apis),
				   sym);
	f->internal = 0;
	for (i = 0; i < ARRAY_SIZE(kit_internal); i++)
		if (kit_prefixed(sym, kit_internal[i].prefix))
			__set_bit(i, &f->internal);
	return f;
}

/* @seen: bit i set once kit_internal[i] was found on the stack */
static bool kit_internal_frame(const struct kit_frame *f, unsigned int kinds,
			       unsigned long *seen)
{
	const struct kit_internal *in;
	unsigned int i;

	for_each_set_bit(i, &f->internal, ARRAY_SIZE(kit_internal)) {
		in = &kit_internal[i];
		if (in->nested && !__test_and_set_bit(i, seen))
			continue;
		if (in->kinds == KIT_ANY_KIND || (in->kinds & kinds))
			return true;
	}
	return false;
}

/*
 * kit_stack_save - the return addresses on the current stack, innermost
 * first.  UML's stack tracer, dump_trace(), reads every word of the stack
 * and keeps those that follow the chain of frame pointers: with a ledger
 * event's few dozen frames on a stack of thousands of words, that reading
 * was a fifth of a run.  The kit needs frame pointers anyway (Kconfig), so
 * on UML it follows the same chain itself and stops at @max; elsewhere the
 * architecture's unwinder stops there.  Interrupted by a fault, the stack
 * tracer knows where the chain resumes: it is asked then.
 */
static unsigned int kit_stack_save(unsigned long *entries, unsigned int max)
{
#if defined(CONFIG_UML) && defined(CONFIG_FRAME_POINTER)
	unsigned long lo = (unsigned long)task_stack_page(current);
	struct stack_frame *frame = __builtin_frame_address(0), *next;
	unsigned long hi = lo + THREAD_SIZE, addr;
	unsigned int nr = 0;

	if (current->thread.segv_regs)
		return stack_trace_save(entries, max, 0);
	while (nr < max && (unsigned long)frame >= lo &&
	       (unsigned long)(frame + 1) <= hi) {
		addr = READ_ONCE_NOCHECK(frame->return_address);
		if (!drvmem_kit_kernel_text(addr))
			break;
		entries[nr++] = addr;
		next = (struct stack_frame *)READ_ONCE_NOCHECK(frame->next_frame);
		if (next <= frame)
			break;
		frame = next;
	}
	return nr;
#else
	return stack_trace_save(entries, max, 0);
#endif
}

/*
 * kit_owner_frame - find the innermost owner function on the stack and
 * the function it called.  Returns false when the owner is not on the
 * stack, when drvmem's test code is met first (the kit's or a test
 * helper's own allocation, whatever its name), or when an event of @kinds
 * (a mask; 0 for an injected fault) comes from a function inside that
 * call that works for itself (kit_internal).
 */
static bool kit_owner_frame(struct drvmem_kit *kit, unsigned int kinds,
			    unsigned long *site, const struct kit_frame **callee)
{
	unsigned long *entries = kit->ledger.stack, seen = 0;
	unsigned int nr, i, first, owner;
	const struct kit_frame *f;

	nr = kit_stack_save(entries, DRVMEM_STACK_DEPTH);
	/*
	 * Skip the stack tracer's frames, then the kit's own on the way here
	 * (its tracepoint probe, its fault hook).
	 */
	for (first = 0; first < nr && !kit_frame(kit, entries[first])->test; first++)
		;
	for (; first < nr && kit_frame(kit, entries[first])->test; first++)
		;
	for (owner = first + 1; owner < nr; owner++) {
		f = kit_frame(kit, entries[owner]);
		/* the kit's or a test's own call, not the code under test's */
		if (f->test)
			return false;
		if (f->owned)
			break;
	}
	if (owner >= nr)
		return false;
	/* the frames between the event and the API the owner called */
	for (i = first + 1; i + 1 < owner; i++)
		if (kit_internal_frame(kit_frame(kit, entries[i]), kinds, &seen))
			return false;
	*site = entries[owner];
	*callee = kit_frame(kit, entries[owner - 1]);
	return true;
}

/* The name of the function @f is in, for a call of no API the kit knows. */
static const char *kit_frame_name(struct drvmem_kit *kit,
				  const struct kit_frame *f)
{
	sprint_symbol_no_offset(kit->ledger.callee, f->addr);
	return kit->ledger.callee;
}

/**
 * kit_alloc_api() - is @sym an allocation API the ledger knows?
 * @sym: a function's name
 *
 * For kmemleak's backtraces (kmemleak.c): the first frame that is none of
 * them is the code that asked for the object.
 *
 * Return: true if @sym is named by one of the allocation APIs' prefixes.
 */
bool kit_alloc_api(const char *sym)
{
	return kit_find_api(drvmem_alloc_apis, ARRAY_SIZE(drvmem_alloc_apis),
			    sym);
}

static bool kit_ledger_wants(struct drvmem_kit *kit)
{
	return READ_ONCE(kit->ledger.armed) && kit_in_test_task(kit);
}

/* Called with kit->ledger.lock held. */
static __printf(3, 4) void kit_problem(struct drvmem_kit *kit,
				       enum drvmem_finding_kind kind,
				       const char *fmt, ...)
{
	va_list args;

	if (kit->ledger.nr_problems++)
		return;
	kit->ledger.problem_kind = kind;
	va_start(args, fmt);
	vsnprintf(kit->ledger.problem, sizeof(kit->ledger.problem), fmt, args);
	va_end(args);
}

/* Called with kit->ledger.lock held: make room by forgetting freed entries. */
static struct drvmem_entry *kit_new_entry(struct drvmem_kit *kit)
{
	unsigned int i, j;

	if (kit->ledger.nr == DRVMEM_LEDGER_MAX) {
		for (i = 0, j = 0; i < kit->ledger.nr; i++)
			if (kit->ledger.entries[i].live)
				kit->ledger.entries[j++] = kit->ledger.entries[i];
		kit->ledger.nr = j;
	}
	if (kit->ledger.nr == DRVMEM_LEDGER_MAX) {
		kit->ledger.overflow = true;
		return NULL;
	}
	return &kit->ledger.entries[kit->ledger.nr++];
}

static struct drvmem_entry *kit_find_entry(struct drvmem_kit *kit,
					   enum drvmem_kind kind,
					   unsigned long key)
{
	unsigned int i = kit->ledger.nr;

	while (i--)
		if (kit->ledger.entries[i].kind == kind && kit->ledger.entries[i].key == key)
			return &kit->ledger.entries[i];
	return NULL;
}

static void kit_ledger_alloc(struct drvmem_kit *kit, enum drvmem_kind kind,
			     unsigned long key, size_t size, u8 dir)
{
	const struct drvmem_api *api;
	const struct kit_frame *callee;
	struct drvmem_entry *e;
	unsigned long site, flags;

	if (!kit_ledger_wants(kit) ||
	    !kit_owner_frame(kit, BIT(kind), &site, &callee))
		return;
	api = callee->alloc_api;

	if (!key) {
		/* something the owner asked for failed: name it */
		kit_fault_note_call(kit, site, api ? api->name :
				    kit_frame_name(kit, callee));
		kit_ledger_teardown(kit);
		return;
	}
	raw_spin_lock_irqsave(&kit->ledger.lock, flags);
	/*
	 * An object the ledger holds live cannot be handed out again: a
	 * second event for it is the same allocation traced twice (6.12's
	 * __do_kmalloc_node() traces a large kmalloc, as kvmalloc() makes it,
	 * once inside __kmalloc_large_node() and once more itself).
	 */
	e = kit_find_entry(kit, kind, key);
	if (e && e->live) {
		raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
		return;
	}
	if (api && (api->kinds & BIT(kind))) {
		e = kit_new_entry(kit);
		if (e) {
			*e = (struct drvmem_entry) {
				.key = key, .size = size, .site = site,
				.api = api->name, .seq = kit->ledger.seq++,
				.kind = kind, .dir = dir, .live = true,
			};
			kit->ledger.nr_live++;
		}
	}
	raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
}

/*
 * The first entry allocated after @e, while @e was held, and freed after
 * it, or NULL.  Allocations and frees share one sequence.
 */
static struct drvmem_entry *kit_freed_later(struct drvmem_kit *kit,
					    const struct drvmem_entry *e)
{
	unsigned int i;

	/* what another task released, it released when it could */
	for (i = 0; i < kit->ledger.nr; i++) {
		struct drvmem_entry *n = &kit->ledger.entries[i];

		if (n->seq > e->seq && n->seq < e->free_seq && !n->live &&
		    !n->disowned && !n->by_other && n->free_seq > e->free_seq)
			return n;
	}
	return NULL;
}

static struct drvmem_entry *kit_containing(struct drvmem_kit *kit,
					   unsigned long addr)
{
	unsigned int i = kit->ledger.nr;

	while (i--) {
		struct drvmem_entry *e = &kit->ledger.entries[i];

		if (e->live && e->kind == DRVMEM_SLAB && addr > e->key &&
		    addr < e->key + e->size)
			return e;
	}
	return NULL;
}

/*
 * A release by another task than the test's (a worker, an RCU callback, the
 * last put after an asynchronous probe) of something the owner allocated:
 * done on its behalf, so it counts as released.  Any context.
 */
/* Called with kit->ledger.lock held. */
static void kit_released_by_other(struct drvmem_kit *kit, struct drvmem_entry *e)
{
	if (!e || !e->live)
		return;
	e->live = false;
	e->by_other = true;
	e->free_seq = kit->ledger.seq++;
	kit->ledger.nr_live--;
}

static void kit_ledger_free_other(struct drvmem_kit *kit, enum drvmem_kind kind,
				  unsigned long key)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->ledger.lock, flags);
	kit_released_by_other(kit, kit_find_entry(kit, kind, key));
	raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
}

static void kit_ledger_free(struct drvmem_kit *kit, enum drvmem_kind kind,
			    unsigned long key, size_t size, u8 dir,
			    unsigned long call_site)
{
	const struct drvmem_api *api;
	const struct kit_frame *callee = NULL;
	struct drvmem_entry *e, *in;
	unsigned long site = 0, flags;
	bool own = false, lenient = false;

	/* a NULL pointer is nothing; a DMA address of 0 is an address */
	if (!key && kind != DRVMEM_DMA_MAP && kind != DRVMEM_DMA_SG)
		return;
	if (current != kit->task || !in_task()) {
		if (READ_ONCE(kit->ledger.nr_live))
			kit_ledger_free_other(kit, kind, key);
		return;
	}
	if (!READ_ONCE(kit->ledger.armed))
		return;
	if (kit_owner_frame(kit, BIT(kind), &site, &callee)) {
		api = callee->free_api;
		own = api && (api->kinds & BIT(kind));
		lenient = api && api->frees_its_own;
	}
	if (call_site)
		site = call_site;

	raw_spin_lock_irqsave(&kit->ledger.lock, flags);
	e = kit_find_entry(kit, kind, key);
	if (e && e->live) {
		e->live = false;
		e->free_site = site;
		e->free_seq = kit->ledger.seq++;
		e->owner_freed = own;
		kit->ledger.nr_live--;
		/*
		 * Pages too: an order-2 block freed with __free_page() frees
		 * one page and loses three.
		 */
		if ((kind == DRVMEM_DMA_MAP || kind == DRVMEM_DMA_SG ||
		     kind == DRVMEM_DMA_COHERENT ||
		     (kind == DRVMEM_PAGES && strcmp(e->api, "alloc_pages_exact"))) &&
		    size != e->size)
			kit_problem(kit, DRVMEM_FINDING_UNMAP_SIZE,
				    "%s from %pS released at %pS with size %zu, allocated with %zu",
				    e->api, (void *)e->site, (void *)site,
				    size, e->size);
		else if ((kind == DRVMEM_DMA_MAP || kind == DRVMEM_DMA_SG) &&
			 dir != e->dir)
			kit_problem(kit, DRVMEM_FINDING_UNMAP_DIR,
				    "%s from %pS unmapped at %pS with direction %u, mapped with %u",
				    e->api, (void *)e->site, (void *)site,
				    dir, e->dir);
	} else if (lenient) {
		/* a pool element mempool_alloc() allocated itself */
	} else if (e && own) {
		kit_problem(kit, DRVMEM_FINDING_DOUBLE_FREE,
			    "double free: %s %#lx from %pS freed at %pS, already freed at %pS",
			    e->api, key, (void *)e->site, (void *)site,
			    (void *)e->free_site);
	} else if (own) {
		in = kit_containing(kit, key);
		if (in)
			kit_problem(kit, DRVMEM_FINDING_FOREIGN_FREE,
				    "%s(%#lx) at %pS: not the start of an allocation, it is inside a %s of %zu B from %pS",
				    kit_frame_name(kit, callee), key, (void *)site, in->api,
				    in->size, (void *)in->site);
		else
			kit_problem(kit, DRVMEM_FINDING_FOREIGN_FREE,
				    "%s(%#lx) at %pS: a %s the code under test never allocated",
				    kit_frame_name(kit, callee), key, (void *)site,
				    kit_resource_name[kind]);
	}
	raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
}

/* Tracepoint probes: data is the test's kit. */

static void kit_on_kmalloc(void *data, unsigned long call_site,
			   const void *ptr, size_t bytes_req,
			   size_t bytes_alloc, gfp_t gfp, int node)
{
	kit_fault_alloc_traced(data, NULL, !ptr);
	kit_ledger_alloc(data, DRVMEM_SLAB, (unsigned long)ptr, bytes_req, 0);
}

static void kit_on_kmem_cache_alloc(void *data, unsigned long call_site,
				    const void *ptr, struct kmem_cache *s,
				    gfp_t gfp, int node)
{
	kit_fault_alloc_traced(data, s, !ptr);
	kit_ledger_alloc(data, kit_cache_of_caches(s) ? DRVMEM_CACHE : DRVMEM_SLAB,
			 (unsigned long)ptr, ptr ? kmem_cache_size(s) : 0, 0);
}

static void kit_on_kfree(void *data, unsigned long call_site,
			 const void *ptr)
{
	kit_ledger_free(data, DRVMEM_SLAB, (unsigned long)ptr, 0, 0, 0);
}

static void kit_on_kmem_cache_free(void *data, unsigned long call_site,
				   const void *ptr, const struct kmem_cache *s)
{
	kit_ledger_free(data, kit_cache_of_caches(s) ? DRVMEM_CACHE : DRVMEM_SLAB,
			(unsigned long)ptr, 0, 0, 0);
}

static void kit_on_mm_page_alloc(void *data, struct page *page,
				 unsigned int order, gfp_t gfp, int migratetype)
{
	kit_fault_alloc_traced(data, NULL, !page);
	kit_ledger_alloc(data, DRVMEM_PAGES, page ? page_to_pfn(page) : 0,
			 PAGE_SIZE << order, 0);
}

static void kit_on_mm_page_free(void *data, struct page *page,
				unsigned int order)
{
	kit_ledger_free(data, DRVMEM_PAGES, page_to_pfn(page),
			PAGE_SIZE << order, 0, 0);
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

/*
 * The DMA API's events come just before DMA-API debugging records the
 * call: each probe below lets the fault injection exempt that first.
 */
static void kit_on_dma_alloc(void *data, struct device *dev, void *virt,
			     dma_addr_t dma, size_t size,
			     enum dma_data_direction dir, gfp_t gfp,
			     unsigned long attrs)
{
	kit_fault_dma_call(data);
	kit_ledger_alloc(data, DRVMEM_DMA_COHERENT, (unsigned long)virt,
			 size, dir);
}

/* not in the ledger (yet): only for the exemption */
static void kit_on_dma_alloc_pages(void *data, struct device *dev,
				   void *virt, dma_addr_t dma, size_t size,
				   enum dma_data_direction dir, gfp_t gfp,
				   unsigned long attrs)
{
	kit_fault_dma_call(data);
}

static void kit_on_dma_alloc_sgt(void *data, struct device *dev,
				 struct sg_table *sgt, size_t size,
				 enum dma_data_direction dir, gfp_t gfp,
				 unsigned long attrs)
{
	kit_fault_dma_call(data);
}

static void kit_on_dma_map_resource(void *data, struct device *dev,
				    phys_addr_t phys, dma_addr_t dma,
				    size_t size, enum dma_data_direction dir,
				    unsigned long attrs)
{
	kit_fault_dma_call(data);
}

static void kit_on_dma_free(void *data, struct device *dev, void *virt,
			    dma_addr_t dma, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	kit_ledger_free(data, DRVMEM_DMA_COHERENT, (unsigned long)virt,
			size, dir, 0);
}

static void kit_on_dma_map_phys(void *data, struct device *dev, phys_addr_t phys,
				dma_addr_t dma, size_t size,
				enum dma_data_direction dir, unsigned long attrs)
{
	bool failed = dma == DMA_MAPPING_ERROR;

	kit_fault_dma_call(data);
	kit_ledger_alloc(data, DRVMEM_DMA_MAP, failed ? 0 : dma, size, dir);
	if (!failed)
		kit_fault_dma_mapped(data, dev);
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
	kit_fault_dma_call(data);
	kit_ledger_alloc(data, DRVMEM_DMA_SG, (unsigned long)sgl, nents, dir);
	kit_fault_dma_mapped(data, dev);
}

static void kit_on_dma_unmap_sg(void *data, struct device *dev,
				struct scatterlist *sgl, int nents,
				enum dma_data_direction dir,
				unsigned long attrs)
{
	kit_ledger_free(data, DRVMEM_DMA_SG, (unsigned long)sgl, nents, dir,
			0);
}

KIT_TRACE_WRAPPERS(kmalloc)
KIT_TRACE_WRAPPERS(kmem_cache_alloc)
KIT_TRACE_WRAPPERS(kfree)
KIT_TRACE_WRAPPERS(kmem_cache_free)
KIT_TRACE_WRAPPERS(mm_page_alloc)
KIT_TRACE_WRAPPERS(mm_page_free)
KIT_TRACE_WRAPPERS(alloc_vmap_area)
KIT_TRACE_WRAPPERS(free_vmap_area_noflush)
KIT_TRACE_WRAPPERS(percpu_alloc_percpu)
KIT_TRACE_WRAPPERS(percpu_alloc_percpu_fail)
KIT_TRACE_WRAPPERS(percpu_free_percpu)
KIT_TRACE_WRAPPERS(dma_alloc)
KIT_TRACE_WRAPPERS(dma_alloc_pages)
KIT_TRACE_WRAPPERS(dma_alloc_sgt)
KIT_TRACE_WRAPPERS(dma_free)
KIT_TRACE_WRAPPERS(dma_map_phys)
KIT_TRACE_WRAPPERS(dma_unmap_phys)
KIT_TRACE_WRAPPERS(dma_map_sg)
KIT_TRACE_WRAPPERS(dma_unmap_sg)

/* 6.12's dma_map_resource(): dma_map_phys's prototype (drvmem_compat.h) */
static int kit_reg_dma_map_resource(struct drvmem_kit *kit)
{
	int ret;

	check_trace_callback_type_dma_map_phys(kit_on_dma_map_resource);
	ret = kit_tracepoint_register("dma_map_resource",
				      kit_on_dma_map_resource, kit);
	return ret == -ENOENT && drvmem_tracepoint_folded("dma_map_resource") ?
	       0 : ret;
}

static void kit_unreg_dma_map_resource(struct drvmem_kit *kit)
{
	kit_tracepoint_unregister("dma_map_resource", kit_on_dma_map_resource,
				  kit);
}

static const struct kit_probe kit_ledger_probes[] = {
	KIT_PROBE(kmalloc), KIT_PROBE(kmem_cache_alloc), KIT_PROBE(kfree),
	KIT_PROBE(kmem_cache_free), KIT_PROBE(mm_page_alloc),
	KIT_PROBE(mm_page_free), KIT_PROBE(alloc_vmap_area),
	KIT_PROBE(free_vmap_area_noflush), KIT_PROBE(percpu_alloc_percpu),
	KIT_PROBE(percpu_alloc_percpu_fail), KIT_PROBE(percpu_free_percpu),
	KIT_PROBE(dma_alloc), KIT_PROBE(dma_alloc_pages),
	KIT_PROBE(dma_alloc_sgt), KIT_PROBE(dma_free), KIT_PROBE(dma_map_phys),
	KIT_PROBE(dma_map_resource), KIT_PROBE(dma_unmap_phys),
	KIT_PROBE(dma_map_sg), KIT_PROBE(dma_unmap_sg),
};

/**
 * drvmem_ledger_begin() - start recording allocations
 * @test: the test
 * @owner: the code under test: its functions' name prefixes, separated by
 *	commas ("foo_" or "foo_,__foo_"); name each driver precisely
 *
 * Records what functions named by @owner allocate and free directly, in
 * the test's task: slab objects, pages, vmalloc areas, per-CPU areas,
 * coherent DMA buffers and streaming DMA mappings; and takes a snapshot of
 * the slab caches, so that drvmem_ledger_check() finds a cache created and
 * not destroyed.  drvmem's own test code (the kit, the suites and their
 * helpers) is never the owner, whatever its name: an allocation whose
 * innermost caller outside the allocator is test code is not recorded.
 * Forgets what an earlier ledger recorded.
 */
void drvmem_ledger_begin(struct kunit *test, const char *owner)
{
	struct drvmem_kit *kit = kit_of(test);
	unsigned long flags;

	kit_caches_snapshot(kit);
	raw_spin_lock_irqsave(&kit->ledger.lock, flags);
	if (strcmp(kit->ledger.owner, owner))
		memset(kit->ledger.frames, 0, sizeof(kit->ledger.frames));
	strscpy(kit->ledger.owner, owner, sizeof(kit->ledger.owner));
	kit->ledger.nr = 0;
	kit->ledger.seq = 0;
	kit->ledger.nr_live = 0;
	kit->ledger.any_order = false;
	kit->ledger.teardown = false;
	kit->ledger.nr_problems = 0;
	kit->ledger.overflow = false;
	kit->ledger.problem[0] = '\0';
	WRITE_ONCE(kit->ledger.armed, true);
	raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
}
EXPORT_SYMBOL_GPL(drvmem_ledger_begin);

/**
 * drvmem_ledger_end() - stop recording; what was recorded stays to check
 * @test: the test
 */
void drvmem_ledger_end(struct kunit *test)
{
	WRITE_ONCE(kit_of(test)->ledger.armed, false);
}
EXPORT_SYMBOL_GPL(drvmem_ledger_end);

#ifdef CONFIG_KASAN_GENERIC
/* KASAN's shadow of @addr: negative once the slab object there is freed. */
static __no_sanitize_address s8 kit_shadow(unsigned long addr)
{
	return *(s8 *)kasan_mem_to_shadow((void *)addr);
}
#endif

/*
 * A slab object freed without a trace event: after 6.12, an object given
 * to kfree_rcu() is freed by kvfree_rcu_cb() straight to the slab, with no
 * kfree event (7.2, TINY_RCU).  KASAN's shadow still says it is free.
 * Without generic KASAN such a release stays unseen.
 */
static bool kit_freed_untraced(const struct drvmem_entry *e)
{
#ifdef CONFIG_KASAN_GENERIC
	return e->kind == DRVMEM_SLAB && kit_shadow(e->key) < 0;
#else
	return false;
#endif
}

/*
 * A vmalloc() that fails after reserving its area (a page or page-table
 * allocation failed) returns NULL to the owner; after 6.12 the area is
 * released later by a worker (defer_vm_area_cleanup() in 7.2), maybe
 * only after the ledger is checked.  Such an area never had its last page mapped:
 * vmalloc maps an area's pages once all are allocated, in order.  The
 * area's vm_struct is not read: the worker may be freeing it right now,
 * on another CPU (seen under KASAN, SMP).  Not for the tracepoint path.
 *
 * @untraced: also count as released what KASAN says is freed, before a
 * leak is declared (not while counting what a step holds: a mempool's
 * reserved elements are poisoned the same way while in the pool).
 */
static void kit_ledger_settle(struct drvmem_kit *kit, bool untraced)
{
	unsigned long last, flags;
	unsigned int i;

	for (i = 0; i < kit->ledger.nr; i++) {
		struct drvmem_entry *e = &kit->ledger.entries[i];

		if (untraced && e->live && kit_freed_untraced(e)) {
			raw_spin_lock_irqsave(&kit->ledger.lock, flags);
			kit_released_by_other(kit, e);
			raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
			continue;
		}

		if (!e->live || e->kind != DRVMEM_VMALLOC || e->size < PAGE_SIZE)
			continue;
		last = e->key + e->size - PAGE_SIZE;
		if (!vmalloc_to_page((void *)last)) {
			raw_spin_lock_irqsave(&kit->ledger.lock, flags);
			if (e->live) {
				e->live = false;
				e->disowned = true;
				kit->ledger.nr_live--;
			}
			raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
		}
	}
}

/*
 * Before a leak is declared: what the code handed to RCU (call_rcu,
 * kfree_rcu) or to an asynchronous probe is released by now.  Only when
 * something is still outstanding: waiting costs a grace period.
 */
static void kit_ledger_wait(struct drvmem_kit *kit)
{
	if (!READ_ONCE(kit->ledger.nr_live))
		return;
	rcu_barrier();
	kvfree_rcu_barrier();
	async_synchronize_full();
}

/**
 * drvmem_kind_name() - what a ledger kind records, in words
 * @kind: the kind
 *
 * For failure messages: "slab object", "vmalloc area", ...
 *
 * Return: the name, or "unknown kind".
 */
const char *drvmem_kind_name(enum drvmem_kind kind)
{
	return kind < DRVMEM_NR_KINDS ? kit_resource_name[kind] : "unknown kind";
}
EXPORT_SYMBOL_GPL(drvmem_kind_name);

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
	struct drvmem_kit *kit = kit_of(test);
	unsigned int i, n = 0;
	unsigned long flags;

	kit_ledger_settle(kit, false);
	raw_spin_lock_irqsave(&kit->ledger.lock, flags);
	for (i = 0; i < kit->ledger.nr; i++)
		if (kit->ledger.entries[i].live && kit->ledger.entries[i].kind == kind)
			n++;
	raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(drvmem_ledger_outstanding);

/*
 * A leak this check reports is a finding already: kmemleak, whose scan
 * after the run looks for the leaks no ledger saw (kunit/kmemleak_kunit.c),
 * is told not to report it a second time.  Slab objects and vmalloc areas
 * are the kinds kmemleak tracks.
 */
static void kit_ledger_reported_leak(const struct drvmem_entry *e)
{
	if (e->kind == DRVMEM_SLAB || e->kind == DRVMEM_VMALLOC)
		kmemleak_ignore((const void *)e->key);
}

/**
 * drvmem_ledger_check() - report leaks and misuse recorded by the ledger
 * @test: the test
 * @what: the step, for the message ("probe, fault point 3 (vmalloc ...)")
 *
 * Anything still outstanding is a leak, named with its kind, size and call
 * site; so is a slab cache created since drvmem_ledger_begin() and not
 * destroyed.  A free of something the code under test did not allocate, a second
 * free, an unmap with another size or direction than the mapping, and a
 * free while something allocated after it is still held were recorded when
 * they happened; the first of them is reported.
 *
 * Return: true when the ledger is clean.
 */
bool drvmem_ledger_check(struct kunit *test, const char *what)
{
	struct drvmem_kit *kit = kit_of(test);
	char msg[DRVMEM_MSG_LEN] = "";
	struct drvmem_entry *e, *n;
	unsigned int i, nr_leaks = 0;
	size_t len = 0;
	bool ok = true;

	kit_ledger_wait(kit);
	kit_ledger_settle(kit, true);
	if (kit->ledger.overflow) {
		kit_finding(kit, DRVMEM_FINDING_OVERFLOW,
			    "%s: ledger overflow, more than %d records",
			    what, DRVMEM_LEDGER_MAX);
		ok = false;
	}
	if (kit->ledger.nr_problems) {
		kit_finding(kit, kit->ledger.problem_kind, "%s: %s%s", what,
			    kit->ledger.problem,
			    kit->ledger.nr_problems > 1 ? " (and more)" : "");
		ok = false;
	}
	for (i = 0; i < kit->ledger.nr; i++) {
		e = &kit->ledger.entries[i];
		/* a cache left behind is reported by its name, below */
		if (!e->live || e->kind == DRVMEM_CACHE)
			continue;
		kit_ledger_reported_leak(e);
		if (!nr_leaks++)
			len = scnprintf(msg, sizeof(msg),
					"%s of %zu B (%s) from %pS not freed",
					e->api, e->size,
					kit_resource_name[e->kind],
					(void *)e->site);
	}
	if (nr_leaks) {
		if (nr_leaks > 1)
			scnprintf(msg + len, sizeof(msg) - len,
				  ", and %u more", nr_leaks - 1);
		kit_finding(kit, DRVMEM_FINDING_LEAK, "%s: %s", what, msg);
		return false;
	}
	if (!kit_caches_check(kit, what))
		return false;
	/*
	 * With nothing leaked: a free by the code under test while something
	 * allocated after it was still held is out of order.
	 */
	n = NULL;
	for (i = 0; i < kit->ledger.nr && !n && !kit->ledger.any_order; i++) {
		e = &kit->ledger.entries[i];
		/* a temporary the code freed before its teardown began is not */
		if (e->owner_freed && (!kit->ledger.teardown ||
				       e->free_seq >= kit->ledger.teardown_seq))
			n = kit_freed_later(kit, e);
	}
	if (n) {
		kit_finding(kit, DRVMEM_FINDING_FREE_ORDER,
			    "%s: freed out of order: %s of %zu B from %pS freed at %pS before %s of %zu B from %pS, allocated after it",
			    what, e->api, e->size, (void *)e->site,
			    (void *)e->free_site, n->api, n->size,
			    (void *)n->site);
		return false;
	}
	return ok;
}
EXPORT_SYMBOL_GPL(drvmem_ledger_check);

/* What the ledger holds, by call site: at most DRVMEM_SITES of them. */
unsigned int kit_ledger_sites(struct drvmem_kit *kit, struct kit_site *sites)
{
	unsigned int i, j, nr = 0;

	for (i = 0; i < kit->ledger.nr; i++) {
		struct drvmem_entry *e = &kit->ledger.entries[i];

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

/**
 * kit_ledger_owner_call() - the owner's call on the stack right now
 * @kit: the kit
 * @site: the owner's call site
 * @api: the allocation API it called, by its name in findings
 *
 * For an injected fault, which may leave no trace event (fail_page_alloc
 * returns before its tracepoint).  Only while the ledger records.
 *
 * Return: whether the owner is on the stack, outside the kernel's own
 * bookkeeping.
 */
bool kit_ledger_owner_call(struct drvmem_kit *kit, unsigned long *site,
			   const char **api)
{
	const struct kit_frame *callee;

	if (!READ_ONCE(kit->ledger.armed) ||
	    !kit_owner_frame(kit, 0, site, &callee))
		return false;
	*api = callee->alloc_api ? callee->alloc_api->name :
				   kit_frame_name(kit, callee);
	return true;
}

/**
 * kit_ledger_resume() - record again, keeping what was recorded, to undo
 * @kit: the kit
 *
 * What is freed from now on is the teardown (kit_ledger_teardown()).
 */
void kit_ledger_resume(struct drvmem_kit *kit)
{
	kit_ledger_teardown(kit);
	WRITE_ONCE(kit->ledger.armed, true);
}

/**
 * kit_ledger_teardown() - the code starts releasing what it holds
 * @kit: the kit
 *
 * An injected fault starts an unwind, an undo starts a teardown: free
 * order is checked for the frees from here on.  A temporary the code
 * freed before (a copy it made and dropped) is its own business.
 */
void kit_ledger_teardown(struct drvmem_kit *kit)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kit->ledger.lock, flags);
	if (!kit->ledger.teardown) {
		kit->ledger.teardown = true;
		kit->ledger.teardown_seq = kit->ledger.seq;
	}
	raw_spin_unlock_irqrestore(&kit->ledger.lock, flags);
}

/**
 * kit_ledger_any_order() - whether free order is checked
 * @kit: the kit
 * @any: true for code that frees independent resources in its own order
 */
void kit_ledger_any_order(struct drvmem_kit *kit, bool any)
{
	kit->ledger.any_order = any;
}

/**
 * kit_ledger_init() - attach the ledger's tracepoint probes
 * @kit: the kit
 *
 * Return: 0 or a negative errno.
 */
int kit_ledger_init(struct drvmem_kit *kit)
{
	raw_spin_lock_init(&kit->ledger.lock);
	return kit_probes_register(kit, kit_ledger_probes,
				   ARRAY_SIZE(kit_ledger_probes));
}

/**
 * kit_ledger_exit() - detach the ledger's probes
 * @kit: the kit
 */
void kit_ledger_exit(struct drvmem_kit *kit)
{
	kit_probes_unregister(kit, kit_ledger_probes,
			      ARRAY_SIZE(kit_ledger_probes));
}
