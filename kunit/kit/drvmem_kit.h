/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drvmem test kit: fault sweep, allocation ledger and warning tripwire for
 * KUnit suites that test a driver's memory handling.
 *
 * Sweeping a platform driver's probe is one call in a suite whose init is
 * drvmem_kit_init() (examples/foo/foo_kunit.c is a whole suite):
 *
 *	static void foo_probe_unwinds_at_every_fault_point(struct kunit *test)
 *	{
 *		drvmem_sweep_probe(test, "foo", "foo_", 3);
 *	}
 *
 * Helpers that make or arm something return an errno or an ERR_PTR() and
 * the test asserts; checks (sweeps, ledger and tripwire checks, expected
 * findings) report findings instead.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_KIT_H
#define _DRVMEM_KIT_H

#include <linux/dma-mapping.h>
#include <linux/types.h>

#include "../../compat/drvmem_compat.h"

struct kunit;
struct device;
struct platform_device;

/**
 * enum drvmem_kind - what the allocation ledger tells apart
 * @DRVMEM_SLAB: slab objects (kmalloc family, kmem_cache_alloc, devm_kmalloc)
 * @DRVMEM_PAGES: pages (alloc_pages, __get_free_pages, devm_get_free_pages)
 * @DRVMEM_VMALLOC: vmalloc areas (vmalloc, vzalloc, large kvmalloc)
 * @DRVMEM_PERCPU: per-CPU areas (alloc_percpu)
 * @DRVMEM_DMA_COHERENT: coherent DMA buffers (dma_alloc_coherent, dmam_*)
 * @DRVMEM_DMA_MAP: streaming DMA mappings (dma_map_single, dma_map_page)
 * @DRVMEM_DMA_SG: streaming scatterlist mappings (dma_map_sg)
 * @DRVMEM_CACHE: slab caches the code created (kmem_cache_create), for
 *	the order of their destruction; a cache left behind is reported by
 *	its name (cache.c)
 * @DRVMEM_NR_KINDS: number of kinds
 */
enum drvmem_kind {
	DRVMEM_SLAB,
	DRVMEM_PAGES,
	DRVMEM_VMALLOC,
	DRVMEM_PERCPU,
	DRVMEM_DMA_COHERENT,
	DRVMEM_DMA_MAP,
	DRVMEM_DMA_SG,
	DRVMEM_CACHE,
	DRVMEM_NR_KINDS,
};

/**
 * enum drvmem_finding_kind - what the kit found
 * @DRVMEM_FINDING_LEAK: allocated by the code under test and not freed
 * @DRVMEM_FINDING_DOUBLE_FREE: freed twice
 * @DRVMEM_FINDING_FOREIGN_FREE: a free of what the code under test never
 *	allocated, or of a pointer inside an allocation
 * @DRVMEM_FINDING_FREE_ORDER: freed while something allocated after it was
 *	still held
 * @DRVMEM_FINDING_CACHE_LEAK: a slab cache created by the code under test
 *	and not destroyed (merged by SLUB or not)
 * @DRVMEM_FINDING_UNMAP_SIZE: released with another size than allocated
 * @DRVMEM_FINDING_UNMAP_DIR: unmapped with another direction than mapped
 * @DRVMEM_FINDING_REPORT: a report printed by the test's task (WARNING,
 *	BUG, KASAN, lockdep, sleeping in atomic, DMA-API, kmemleak)
 * @DRVMEM_FINDING_DMA_API: an error counted by DMA-API debugging
 * @DRVMEM_FINDING_UNCHECKED: a step succeeded without what the baseline
 *	held after a fault: a missing NULL check
 * @DRVMEM_FINDING_STEP_FAILED: a step failed with no fault injected
 * @DRVMEM_FINDING_HELD: a failed or undone step still holds devres entries
 * @DRVMEM_FINDING_SWEEP_INCOMPLETE: a sweep reached fewer fault points than
 *	required, or never failed one of the step's calls
 * @DRVMEM_FINDING_OVERFLOW: more records than the ledger holds
 * @DRVMEM_FINDING_PATTERN: a suite's own check of its pattern failed
 * @DRVMEM_NR_FINDING_KINDS: number of kinds
 */
enum drvmem_finding_kind {
	DRVMEM_FINDING_LEAK,
	DRVMEM_FINDING_DOUBLE_FREE,
	DRVMEM_FINDING_FOREIGN_FREE,
	DRVMEM_FINDING_FREE_ORDER,
	DRVMEM_FINDING_CACHE_LEAK,
	DRVMEM_FINDING_UNMAP_SIZE,
	DRVMEM_FINDING_UNMAP_DIR,
	DRVMEM_FINDING_REPORT,
	DRVMEM_FINDING_DMA_API,
	DRVMEM_FINDING_UNCHECKED,
	DRVMEM_FINDING_STEP_FAILED,
	DRVMEM_FINDING_HELD,
	DRVMEM_FINDING_SWEEP_INCOMPLETE,
	DRVMEM_FINDING_OVERFLOW,
	DRVMEM_FINDING_PATTERN,
	DRVMEM_NR_FINDING_KINDS,
};

/**
 * struct drvmem_step - code under test, for drvmem_sweep()
 * @name: what the step is, used in messages ("probe", "open")
 * @run: runs the step; returns 0 or a negative errno
 * @undo: undoes a successful @run (remove, close); NULL if nothing to undo
 * @held: optional: counts what the step still holds after it failed or was
 *	undone (for a probe: the device's devres entries); must be 0
 * @left: optional: names state the step left behind after it failed or was
 *	undone (a wakeup source, a sysfs attribute), or returns NULL
 * @settle: optional: waits for what the code releases asynchronously, on
 *	its own workqueue, before the kit looks (the kit itself waits for RCU
 *	callbacks and async probes when something is still outstanding)
 * @subject: entry point of the code under test: only fault points reached
 *	with @subject on the call stack are counted and failed (NULL: any
 *	fault point of the test's task).  The filter walks the stack; under
 *	UML it was seen to miss calls, which the sweep's coverage check then
 *	reports, so prefer NULL where failing the caller's allocations too is
 *	harmless.
 * @owner: the code under test, by its functions' name prefixes ("foo_",
 *	"foo_,__foo_"): the ledger records what they allocate and free
 *	directly
 * @min_points: the fewest fault points the step must reach; a sweep that
 *	reaches fewer is a failure, not a pass
 * @any_free_order: the code frees independent resources in an order of its
 *	own: do not check that frees come in reverse order of allocation
 *	(the default checks it, for the frees of an unwind and of @undo)
 */
struct drvmem_step {
	const char *name;
	int (*run)(struct kunit *test, void *ctx);
	void (*undo)(struct kunit *test, void *ctx);
	unsigned int (*held)(struct kunit *test, void *ctx);
	const char *(*left)(struct kunit *test, void *ctx);
	void (*settle)(struct kunit *test, void *ctx);
	const void *subject;
	const char *owner;
	unsigned int min_points;
	bool any_free_order;
};

/**
 * struct drvmem_probe - a platform driver's probe, for drvmem_sweep_platform()
 * @driver: the platform driver's name, or that of an entry of its id_table:
 *	the device's id
 * @owner: the driver, by its functions' name prefixes
 * @min_points: the fewest allocations its probe makes that can fail
 * @platform_data: copied into the device as its platform data, or NULL
 * @platform_data_size: its size
 * @left: optional: names state the driver left on the device after a failed
 *	probe or an unbind (a sysfs attribute, a wakeup source), or returns
 *	NULL
 * @settle: optional: waits for what the driver releases asynchronously
 *	(flushes its workqueue), as for struct drvmem_step
 * @any_free_order: as for struct drvmem_step
 */
struct drvmem_probe {
	const char *driver;
	const char *owner;
	unsigned int min_points;
	const void *platform_data;
	size_t platform_data_size;
	const char *(*left)(struct kunit *test, struct platform_device *pdev);
	void (*settle)(struct kunit *test, struct platform_device *pdev);
	bool any_free_order;
};

/**
 * struct drvmem_broken - a broken driver and what the kit must say about it
 * @name: platform driver name
 * @owner: prefixes of its functions (see drvmem_ledger_begin())
 * @probe: the driver's probe
 * @remove: the driver's remove
 * @bug: the error, in words
 * @expect: the kind of finding the kit must report
 */
struct drvmem_broken {
	const char *name;
	const char *owner;
	int (*probe)(struct platform_device *pdev);
	void (*remove)(struct platform_device *pdev);
	const char *bug;
	enum drvmem_finding_kind expect;
};

/* core.c: the per-test context and findings */
int drvmem_kit_init(struct kunit *test);
void drvmem_finding(struct kunit *test, enum drvmem_finding_kind kind,
		    const char *fmt, ...) __printf(3, 4);
void drvmem_capture_begin(struct kunit *test);
const char *drvmem_capture_end(struct kunit *test);
const char *drvmem_captured(struct kunit *test, enum drvmem_finding_kind kind);
unsigned int drvmem_captured_nr(struct kunit *test);
void drvmem_expect_finding_end(struct kunit *test,
			       enum drvmem_finding_kind kind, const char *expr);
const char *drvmem_finding_kind_name(enum drvmem_finding_kind kind);

/**
 * DRVMEM_EXPECT_FINDING() - expect @expr to make the kit find @kind
 * @test: the test
 * @kind: an enum drvmem_finding_kind
 * @expr: the code that must be flagged (a sweep, a check, a broken call)
 *
 * Like KUNIT_EXPECT_KASAN_FAIL(): the findings of @expr are kept instead
 * of failing the test, and the test fails unless one of them is of @kind.
 * drvmem_captured() then gives the first finding of each kind.
 */
#define DRVMEM_EXPECT_FINDING(test, kind, expr) do {			\
	struct kunit *__drvmem_test = (test);				\
									\
	drvmem_capture_begin(__drvmem_test);				\
	expr;								\
	drvmem_expect_finding_end(__drvmem_test, kind, #expr);		\
} while (0)

/**
 * DRVMEM_EXPECT_NO_FINDING() - expect @expr to make the kit find nothing
 * @test: the test
 * @expr: the code that must pass (a correct driver's sweep)
 */
#define DRVMEM_EXPECT_NO_FINDING(test, expr) \
	DRVMEM_EXPECT_FINDING(test, DRVMEM_NR_FINDING_KINDS, expr)
int drvmem_tracepoint_attach(struct kunit *test, const char *name,
			     void *probe, void *data);
bool drvmem_kasan_reports_again(void);

/* ledger.c: what the code under test allocates and frees */
void drvmem_ledger_begin(struct kunit *test, const char *owner);
void drvmem_ledger_end(struct kunit *test);
const char *drvmem_kind_name(enum drvmem_kind kind);
unsigned int drvmem_ledger_outstanding(struct kunit *test,
				       enum drvmem_kind kind);
bool drvmem_ledger_check(struct kunit *test, const char *what);

/* cache.c: slab caches, beside the ledger */
bool drvmem_caches_check_names(struct kunit *test, const char *what);

/* kmemleak.c: kmemleak's scan and reports, for leaks no ledger saw */
#define DRVMEM_KMEMLEAK_LINE	256
int drvmem_kmemleak_scan(struct kunit *test, const char **reports);
int drvmem_kmemleak_last(struct kunit *test, const char **reports);
unsigned int drvmem_kmemleak_report(const char *reports, const char *name,
				    bool fixtures, char *out, size_t len);

/* tripwire.c: reports printed by the test's task */
bool drvmem_tripwire_check(struct kunit *test);

/* fault.c: allocation and DMA mapping faults */
int drvmem_fault_begin(struct kunit *test, const void *subject);
int drvmem_fault_fail_always(struct kunit *test, const void *subject);
void drvmem_fault_end(struct kunit *test);
int drvmem_dma_fail_nth(struct kunit *test, struct device *dev,
			unsigned int nth);

/* sweep.c: every fault point of a step, in turn */
unsigned int drvmem_sweep(struct kunit *test, const struct drvmem_step *step,
			  void *ctx);

/* platform.c: platform devices and drivers for tests, probe sweeps */
struct platform_device *drvmem_platform_device(struct kunit *test,
					       const char *drv_name);
int drvmem_platform_bind(struct kunit *test, struct platform_device *pdev);
void drvmem_platform_unbind(struct kunit *test, struct platform_device *pdev);
unsigned int drvmem_devres_count(struct device *dev);
int drvmem_platform_driver(struct kunit *test, const char *name,
			   int (*probe)(struct platform_device *pdev),
			   void (*remove)(struct platform_device *pdev));
unsigned int drvmem_sweep_probe(struct kunit *test, const char *drv_name,
				const char *owner, unsigned int min_points);
unsigned int drvmem_sweep_platform(struct kunit *test,
				   const struct drvmem_probe *probe);
void drvmem_expect_broken_flagged(struct kunit *test,
				  const struct drvmem_broken *b);

#endif /* _DRVMEM_KIT_H */
