// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: slab caches created and not destroyed.
 *
 * Leaks of caches are not found by the ledger: SLUB may merge a new cache
 * into an existing one, and kmem_cache_create() then allocates nothing the
 * ledger could see; it takes a reference on the existing cache.  What
 * every kmem_cache_create() does change, merged or not, is the list of
 * slab caches or a cache's reference count.  So the kit takes a snapshot
 * of both when the ledger begins, and compares when it is checked: a
 * cache that is new, or that holds more references, was created and not
 * destroyed.
 *
 * The list and the reference count are the slab allocator's own
 * (mm/slab.h), read as lib/slub_kunit.c does, under slab_mutex.  Every
 * cache made in that window counts, whoever made it: a step runs in the
 * test's task, and nothing else in a KUnit kernel creates caches at run
 * time.  Destroying a cache that still has objects is a report SLUB
 * prints (the tripwire's) and leaves the cache listed with no reference;
 * that cache is not counted here a second time.
 *
 * The order of destruction is the ledger's: a cache that SLUB did not merge
 * is a struct kmem_cache allocated from the cache of caches, recorded as a
 * DRVMEM_CACHE entry (kit_cache_of_caches()) and freed when the last
 * reference goes, so a kmem_cache_destroy() before the free of something
 * allocated after the cache is out of order like any other free.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string_choices.h>

#include "mm/slab.h"

#include "kit_internal.h"

/* room for caches created while the snapshot is being made */
#define KIT_CACHES_SLACK	32

static unsigned int kit_caches_count(void)
{
	struct kmem_cache *s;
	unsigned int n = 0;

	mutex_lock(drvmem_kit_slab_mutex());
	list_for_each_entry(s, drvmem_kit_slab_caches(), list)
		n++;
	mutex_unlock(drvmem_kit_slab_mutex());
	return n;
}

/**
 * kit_cache_of_caches() - is @s the cache every struct kmem_cache is from?
 * @s: the cache of a kmem_cache_alloc() or kmem_cache_free() event
 *
 * Any context: compares a pointer.
 *
 * Return: true for an event that creates or releases a slab cache.
 */
bool kit_cache_of_caches(const struct kmem_cache *s)
{
	return s == drvmem_kit_cache_of_caches();
}

/**
 * kit_cache_of_detector() - is @s where a detector keeps its bookkeeping?
 * @s: the cache of a kmem_cache_alloc() event
 *
 * kmemleak keeps its record of every object (and debugobjects theirs) in
 * caches that kmemleak does not track, marked SLAB_NOLEAKTRACE.  Any
 * context: reads the cache's flags.
 *
 * Return: true for such a cache.
 */
bool kit_cache_of_detector(const struct kmem_cache *s)
{
	return s->flags & SLAB_NOLEAKTRACE;
}

/**
 * kit_caches_snapshot() - remember every slab cache and its references
 * @kit: the kit
 *
 * Not for the tracepoint path: takes slab_mutex and may allocate.
 */
void kit_caches_snapshot(struct drvmem_kit *kit)
{
	struct kit_caches *c = &kit->caches;
	unsigned int need = kit_caches_count() + KIT_CACHES_SLACK;
	struct kmem_cache *s;

	if (need > c->cap) {
		kvfree(c->snap);
		c->snap = kvmalloc_array(need, sizeof(*c->snap), GFP_KERNEL);
		c->cap = c->snap ? need : 0;
	}
	c->nr = 0;
	c->valid = false;
	if (!c->snap)
		return;
	mutex_lock(drvmem_kit_slab_mutex());
	list_for_each_entry(s, drvmem_kit_slab_caches(), list) {
		if (c->nr == c->cap)
			break;
		c->snap[c->nr++] = (struct kit_cache) {
			.s = s, .refcount = s->refcount,
		};
	}
	c->valid = c->nr < c->cap;
	mutex_unlock(drvmem_kit_slab_mutex());
}

static const struct kit_cache *kit_caches_find(const struct kit_caches *c,
					       const struct kmem_cache *s)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		if (c->snap[i].s == s)
			return &c->snap[i];
	return NULL;
}

/*
 * Count the caches made since the snapshot: new ones, and existing ones a
 * merge took more references on.  @name, @merged and @refs describe the
 * first of them.
 */
static unsigned int kit_caches_scan(struct drvmem_kit *kit, char *name,
				    size_t len, bool *merged, int *refs)
{
	struct kit_caches *c = &kit->caches;
	const struct kit_cache *was;
	unsigned int nr = 0;
	struct kmem_cache *s;

	mutex_lock(drvmem_kit_slab_mutex());
	list_for_each_entry(s, drvmem_kit_slab_caches(), list) {
		was = kit_caches_find(c, s);
		/* refcount 0: destroyed with objects, SLUB reported it */
		if (s->refcount <= 0 || (was && s->refcount <= was->refcount))
			continue;
		if (!nr++) {
			strscpy(name, s->name, len);
			*merged = !!was;
			*refs = s->refcount - (was ? was->refcount : 0);
		}
	}
	mutex_unlock(drvmem_kit_slab_mutex());
	return nr;
}

/**
 * kit_caches_made() - how many slab caches were made since the snapshot
 * @kit: the kit
 *
 * A sweep compares a run that returned success despite its injected fault
 * with the baseline: a cache the baseline made and this run did not is a
 * kmem_cache_create() whose failure was ignored.
 *
 * Return: the number of caches created (or merged into) and not destroyed.
 */
unsigned int kit_caches_made(struct drvmem_kit *kit)
{
	char name[64];
	bool merged;
	int refs;

	return kit->caches.valid ?
	       kit_caches_scan(kit, name, sizeof(name), &merged, &refs) : 0;
}

/**
 * kit_caches_check() - report caches created since the snapshot
 * @kit: the kit
 * @what: the step, for the message
 *
 * Return: true when every cache made since kit_caches_snapshot() was
 * destroyed again.
 */
bool kit_caches_check(struct drvmem_kit *kit, const char *what)
{
	char name[64] = "";
	bool merged = false;
	unsigned int nr;
	int refs = 0;

	if (!kit->caches.valid) {
		kit_finding(kit, DRVMEM_FINDING_OVERFLOW,
			    "%s: could not list the slab caches", what);
		return false;
	}
	nr = kit_caches_scan(kit, name, sizeof(name), &merged, &refs);
	if (!nr)
		return true;
	if (merged)
		kit_finding(kit, DRVMEM_FINDING_CACHE_LEAK,
			    "%s: kmem_cache_create() merged into slab cache \"%s\" (%d more reference%s) and not destroyed%s",
			    what, name, refs, str_plural(refs),
			    nr > 1 ? ", and more caches" : "");
	else
		kit_finding(kit, DRVMEM_FINDING_CACHE_LEAK,
			    "%s: slab cache \"%s\" (kmem_cache_create) not destroyed%s",
			    what, name, nr > 1 ? ", and more caches" : "");
	return false;
}

/*
 * Is @s, a cache SLUB never merges, listed in sysfs under its name?  Such
 * a cache takes its name proper, and sysfs_slab_add() first removes
 * whatever holds that name: a second cache of one name takes the first
 * one's directory.  A mergeable cache is listed under a unique id.
 */
static bool kit_cache_listed(struct kmem_cache *s)
{
#ifdef CONFIG_SYSFS
	struct kernfs_node *kn;
	bool listed;

	if (!s->kobj.state_in_sysfs || !s->kobj.kset ||
	    strcmp(kobject_name(&s->kobj), s->name))
		return true;
	kn = kernfs_find_and_get(s->kobj.kset->kobj.sd, s->name);
	listed = kn == s->kobj.sd;
	kernfs_put(kn);
	return listed;
#else
	return true;
#endif
}

/**
 * drvmem_caches_check_names() - every cache made is told apart by its name
 * @test: the test, with the ledger begun (its snapshot of the caches)
 * @what: the step, for the message
 *
 * For code that made slab caches and holds them (devices bound): a cache
 * that shares its name with another, as every device's cache does when
 * the name is fixed, lost its /sys/kernel/slab directory to the other and
 * cannot be told apart in /proc/slabinfo either.  Name a device's cache
 * after the device (docs/errata.md, C2).
 *
 * Context: process; takes slab_mutex.
 * Return: true if every cache made since the ledger began has its name to
 * itself.
 */
bool drvmem_caches_check_names(struct kunit *test, const char *what)
{
	struct drvmem_kit *kit = kit_of(test);
	struct kit_caches *c = &kit->caches;
	char name[64] = "";
	struct kmem_cache *s;

	mutex_lock(drvmem_kit_slab_mutex());
	list_for_each_entry(s, drvmem_kit_slab_caches(), list) {
		if (s->refcount > 0 && !kit_caches_find(c, s) &&
		    !kit_cache_listed(s)) {
			strscpy(name, s->name, sizeof(name));
			break;
		}
	}
	mutex_unlock(drvmem_kit_slab_mutex());
	if (!name[0])
		return true;
	kit_finding(kit, DRVMEM_FINDING_PATTERN,
		    "%s: slab cache \"%s\" shares its name with another one, which took its sysfs directory: name a device's cache after the device",
		    what, name);
	return false;
}
EXPORT_SYMBOL_GPL(drvmem_caches_check_names);

/**
 * kit_caches_init() - make room for a snapshot
 * @kit: the kit
 *
 * Return: 0 or -ENOMEM.
 */
int kit_caches_init(struct drvmem_kit *kit)
{
	struct kit_caches *c = &kit->caches;

	c->cap = kit_caches_count() + KIT_CACHES_SLACK;
	c->snap = kvmalloc_array(c->cap, sizeof(*c->snap), GFP_KERNEL);
	if (!c->snap) {
		c->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

/**
 * kit_caches_exit() - free the snapshot
 * @kit: the kit
 */
void kit_caches_exit(struct drvmem_kit *kit)
{
	kvfree(kit->caches.snap);
	kit->caches.snap = NULL;
	kit->caches.cap = 0;
}
