// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for coherent and streaming DMA: the DMA mask, the coherent
 * descriptor ring, streaming mappings in each direction with their syncs,
 * scatterlists, and every mapping error path, proven with nothing left
 * mapped.  DMA-API debugging watches every test
 * (the kit's tripwire); broken request paths show each check bites.
 *
 * The device is a platform device with dma-direct behind it (UML's PCI
 * emulation, or x86_64): no IOMMU, so a bus address is a physical address
 * and the test can play the device by reading and writing memory at the
 * address a descriptor holds.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "../drivers-under-test/drvmem_dma.h"
#include "broken/dma_broken.h"
#include "kit/drvmem_kit.h"

#define DRVMEM_DMA_TEST_EVENTS	8
#define DRVMEM_DMA_WHAT_LEN	128

/**
 * struct drvmem_dma_req_ops - one way to run a request through the engine
 * @submit: maps and submits (drvmem_dma_submit() or a broken variant)
 * @complete: completes and unmaps (drvmem_dma_complete() or a broken one)
 */
struct drvmem_dma_req_ops {
	int (*submit)(struct drvmem_dma *dma, struct drvmem_dma_request *req);
	void (*complete)(struct drvmem_dma *dma,
			 struct drvmem_dma_request *req);
};

static const struct drvmem_dma_req_ops drvmem_dma_reference_ops = {
	.submit = drvmem_dma_submit,
	.complete = drvmem_dma_complete,
};

/**
 * struct drvmem_dma_layout - one buffer of a test request
 * @len: its length (a power of two: kmalloc aligns it to its size, so no
 *	two buffers share a cache line, which DMA-API debugging would flag)
 * @dir: its direction
 */
struct drvmem_dma_layout {
	size_t len;
	enum dma_data_direction dir;
};

/* A request with a buffer of each direction. */
static const struct drvmem_dma_layout drvmem_dma_mixed[] = {
	{ 256, DMA_TO_DEVICE },
	{ 512, DMA_FROM_DEVICE },
	{ 1024, DMA_BIDIRECTIONAL },
	{ 64, DMA_TO_DEVICE },
};

/**
 * struct drvmem_dma_test_req - a request in a test, completed at cleanup if
 *	the test ends with it in flight
 * @dma: the engine
 * @ops: how to complete it
 * @req: the request
 * @in_flight: submitted and not completed yet
 */
struct drvmem_dma_test_req {
	struct drvmem_dma *dma;
	const struct drvmem_dma_req_ops *ops;
	struct drvmem_dma_request req;
	bool in_flight;
};

/**
 * struct drvmem_dma_sync_event - a dma_sync_single_* call the driver made
 * @for_cpu: dma_sync_single_for_cpu() (else _for_device())
 * @addr: its bus address
 * @size: its size
 * @dir: its direction
 * @cpu_done: whether the CPU access the syncs bracket had happened yet
 */
struct drvmem_dma_sync_event {
	bool for_cpu;
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
	bool cpu_done;
};

/**
 * struct drvmem_dma_test - state of one test, in test->priv
 * @task: the test's task: probes ignore every other
 * @pdev: the platform device
 * @dev: &pdev->dev
 * @dma: the engine bound to it
 * @saved_dma_mask: the device's dma_mask pointer, while a test removes it
 * @saw_mask_error: the driver printed its "no usable DMA mask" error
 * @events: dma_sync_single_* calls seen
 * @nr_events: entries in @events
 * @watch: memory the CPU access under test fills in
 * @want: what @watch holds once the access is done
 * @watch_len: bytes of @watch and @want
 */
struct drvmem_dma_test {
	struct task_struct *task;
	struct platform_device *pdev;
	struct device *dev;
	struct drvmem_dma *dma;
	u64 *saved_dma_mask;
	bool saw_mask_error;
	struct drvmem_dma_sync_event events[DRVMEM_DMA_TEST_EVENTS];
	unsigned int nr_events;
	const void *watch;
	const void *want;
	size_t watch_len;
};

/* Test helpers */

/* Attach @probe, with the test state as data, to tracepoint @name. */
static void drvmem_dma_hook(struct kunit *test, const char *name, void *probe)
{
	int ret = drvmem_tracepoint_attach(test, name, probe, test->priv);

	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "cannot attach to tracepoint %s", name);
}

/* What the device sees at a bus address: dma-direct, no IOMMU. */
static void *drvmem_dma_bus_to_virt(struct device *dev, dma_addr_t addr)
{
	return phys_to_virt(dma_to_phys(dev, addr));
}

/* The device is done with the descriptor in @slot: it clears OWN. */
static void drvmem_dma_device_done(struct drvmem_dma *dma, unsigned int slot)
{
	struct drvmem_dma_desc *desc = &dma->ring[slot];

	WRITE_ONCE(desc->ctrl, desc->ctrl & ~cpu_to_le32(DRVMEM_DMA_DESC_OWN));
}

static bool drvmem_dma_device_owns(struct drvmem_dma *dma, unsigned int slot)
{
	return le32_to_cpu(READ_ONCE(dma->ring[slot].ctrl)) & DRVMEM_DMA_DESC_OWN;
}

static struct platform_device *drvmem_dma_device(struct kunit *test,
						 const char *drv_name)
{
	struct drvmem_dma_test *t = test->priv;

	t->pdev = drvmem_platform_device(test, drv_name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->pdev);
	t->dev = &t->pdev->dev;
	return t->pdev;
}

static struct drvmem_dma *drvmem_dma_bind(struct kunit *test,
					  const char *drv_name)
{
	struct drvmem_dma_test *t = test->priv;
	int ret;

	drvmem_dma_device(test, drv_name);
	ret = drvmem_platform_bind(test, t->pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s: probe failed", drv_name);
	t->dma = drvmem_dma_get(t->dev);
	KUNIT_ASSERT_NOT_NULL(test, t->dma);
	return t->dma;
}

static void drvmem_dma_finish(struct drvmem_dma_test_req *r)
{
	if (!r->in_flight)
		return;
	r->ops->complete(r->dma, &r->req);
	r->in_flight = false;
}

KUNIT_DEFINE_ACTION_WRAPPER(drvmem_dma_finish_action, drvmem_dma_finish,
			    struct drvmem_dma_test_req *);

/* A request over new buffers laid out as @layout, completed at cleanup. */
static struct drvmem_dma_test_req *
drvmem_dma_new_req(struct kunit *test, const struct drvmem_dma_req_ops *ops,
		   const struct drvmem_dma_layout *layout, unsigned int nr)
{
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r;
	unsigned int i;
	int ret;

	KUNIT_ASSERT_LE(test, nr, DRVMEM_DMA_MAX_BUFS);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->dma = t->dma;
	r->ops = ops;
	r->req.nr_bufs = nr;
	for (i = 0; i < nr; i++) {
		r->req.bufs[i].len = layout[i].len;
		r->req.bufs[i].dir = layout[i].dir;
		r->req.bufs[i].cpu_addr = kunit_kzalloc(test, layout[i].len,
							GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r->req.bufs[i].cpu_addr);
	}
	ret = kunit_add_action_or_reset(test, drvmem_dma_finish_action, r);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return r;
}

static int drvmem_dma_submit_req(struct drvmem_dma_test_req *r)
{
	int ret = r->ops->submit(r->dma, &r->req);

	r->in_flight = !ret;
	return ret;
}

/* A scatterlist request over three new buffers (128, 2048, 512 B). */
static struct drvmem_dma_sg_request *
drvmem_dma_new_sg_req(struct kunit *test, enum dma_data_direction dir)
{
	static const size_t lens[] = { 128, 2048, 512 };
	struct drvmem_dma_sg_request *req;
	unsigned int i;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	req->nr_bufs = ARRAY_SIZE(lens);
	req->dir = dir;
	for (i = 0; i < req->nr_bufs; i++) {
		req->len[i] = lens[i];
		req->cpu_addr[i] = kunit_kzalloc(test, lens[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, req->cpu_addr[i]);
	}
	return req;
}

static u32 drvmem_dma_ctrl_for(enum dma_data_direction dir)
{
	u32 ctrl = DRVMEM_DMA_DESC_OWN;

	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		ctrl |= DRVMEM_DMA_DESC_TO_DEV;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		ctrl |= DRVMEM_DMA_DESC_FROM_DEV;
	return ctrl;
}

/*
 * After a request ended (failed or completed), the ring must be idle: no
 * descriptor holds DMA_MAPPING_ERROR, nor an address that is not mapped.
 * Findings go through the kit, so a broken variant can be captured.
 */
static bool drvmem_dma_ring_is_clean(struct kunit *test, const char *what)
{
	struct drvmem_dma *dma = ((struct drvmem_dma_test *)test->priv)->dma;
	const struct drvmem_dma_desc *desc;
	dma_addr_t addr;
	unsigned int i;

	for (i = 0; i < DRVMEM_DMA_RING_LEN; i++) {
		desc = &dma->ring[i];
		addr = le64_to_cpu(desc->addr);
		if (addr == DMA_MAPPING_ERROR) {
			drvmem_finding(test, DRVMEM_FINDING_UNCHECKED,
				       "%s: descriptor %u holds DMA_MAPPING_ERROR: a mapping was used without dma_mapping_error()",
				       what, i);
			return false;
		}
	}
	for (i = 0; i < DRVMEM_DMA_RING_LEN; i++) {
		desc = &dma->ring[i];
		addr = le64_to_cpu(desc->addr);
		if (addr || desc->len || desc->ctrl) {
			drvmem_finding(test, DRVMEM_FINDING_PATTERN,
				       "%s: descriptor %u still holds %pad (len %u, ctrl %#x): a stale address",
				       what, i, &addr, le32_to_cpu(desc->len),
				       le32_to_cpu(desc->ctrl));
			return false;
		}
	}
	return true;
}

/*
 * Submit a request whose k-th mapping fails, for k = 1 .. n, then one with
 * no failure.  Each failing submit must return -ENOMEM, leave no descriptor
 * written and unmap the k - 1 buffers it had mapped, in reverse order, with
 * their size and direction (ledger); the last must go through.  Stops at
 * the first k with a finding.  Returns true when nothing was found.
 */
static bool drvmem_dma_fail_each_mapping(struct kunit *test,
					 const struct drvmem_dma_req_ops *ops,
					 struct drvmem_dma_test_req **leftover)
{
	struct drvmem_dma_test *t = test->priv;
	unsigned int nr = ARRAY_SIZE(drvmem_dma_mixed), k, left;
	char what[DRVMEM_DMA_WHAT_LEN];
	struct drvmem_dma_test_req *r;
	bool ok = true;
	int ret;

	r = drvmem_dma_new_req(test, ops, drvmem_dma_mixed, nr);
	*leftover = r;
	for (k = 1; k <= nr; k++) {
		snprintf(what, sizeof(what),
			 "streaming DMA error path, mapping %u of %u failed",
			 k, nr);
		drvmem_ledger_begin(test, "drvmem_dma_");
		KUNIT_ASSERT_EQ(test, drvmem_dma_fail_nth(test, t->dev, k), 0);
		ret = drvmem_dma_submit_req(r);
		drvmem_fault_end(test);
		drvmem_ledger_end(test);

		ok = drvmem_dma_ring_is_clean(test, what);
		left = drvmem_ledger_outstanding(test, DRVMEM_DMA_MAP);
		if (ok && left) {
			drvmem_finding(test, DRVMEM_FINDING_LEAK,
				       "%s: %u earlier DMA mapping(s) left mapped",
				       what, left);
			ok = false;
		}
		if (ok && ret != -ENOMEM) {
			drvmem_finding(test, DRVMEM_FINDING_PATTERN,
				       "%s: submit returned %d, want -ENOMEM",
				       what, ret);
			ok = false;
		}
		ok = drvmem_ledger_check(test, what) && ok;
		drvmem_dma_finish(r);
		ok = drvmem_tripwire_check(test) && ok;
		if (!ok)
			return false;
	}

	/* No mapping fails: the sweep covered every mapping of the request. */
	snprintf(what, sizeof(what),
		 "streaming DMA, %u mappings, none failed, then completed", nr);
	drvmem_ledger_begin(test, "drvmem_dma_");
	KUNIT_ASSERT_EQ(test, drvmem_dma_fail_nth(test, t->dev, nr + 1), 0);
	ret = drvmem_dma_submit_req(r);
	drvmem_fault_end(test);
	if (ret) {
		drvmem_finding(test, DRVMEM_FINDING_STEP_FAILED,
			       "%s: submit returned %d", what, ret);
		ok = false;
	}
	drvmem_dma_finish(r);
	drvmem_ledger_end(test);
	ok = drvmem_dma_ring_is_clean(test, what) && ok;
	ok = drvmem_ledger_check(test, what) && ok;
	return drvmem_tripwire_check(test) && ok;
}

/*
 * Submit and complete a request of @layout through @ops.  With @ledger, the
 * ledger checks each mapping has its unmap with the same size and direction,
 * in reverse order; the tripwire turns any DMA-API debugging report into a
 * finding either way.  Returns true when nothing was found.
 */
static bool drvmem_dma_round_trip(struct kunit *test,
				  const struct drvmem_dma_req_ops *ops,
				  const struct drvmem_dma_layout *layout,
				  unsigned int nr, bool ledger)
{
	static const char what[] = "streaming DMA, submit then complete";
	struct drvmem_dma_test_req *r;
	bool ok = true;
	int ret;

	r = drvmem_dma_new_req(test, ops, layout, nr);
	if (ledger)
		drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_req(r);
	if (ret) {
		drvmem_finding(test, DRVMEM_FINDING_STEP_FAILED,
			       "%s: submit returned %d", what, ret);
		ok = false;
	}
	drvmem_dma_finish(r);
	if (ledger) {
		drvmem_ledger_end(test);
		ok = drvmem_ledger_check(test, what) && ok;
	}
	return drvmem_tripwire_check(test) && ok;
}

/*
 * DMA-API debugging's on/off switch: the debugfs file dma-api/disabled is
 * its global_disable flag.  NULL if there is no DMA-API debugging.
 */
static bool *drvmem_dma_debug_disabled(void)
{
	struct dentry *dir, *file;
	bool *disabled = NULL;

	dir = debugfs_lookup("dma-api", NULL);
	if (IS_ERR_OR_NULL(dir))
		return NULL;
	file = debugfs_lookup("disabled", dir);
	if (!IS_ERR_OR_NULL(file)) {
		disabled = d_inode(file)->i_private;
		dput(file);
	}
	dput(dir);
	return disabled;
}

/* Probes */

static void drvmem_dma_on_console(void *data, const char *text, size_t len)
{
	struct drvmem_dma_test *t = data;

	if (current == t->task && strnstr(text, "no usable DMA mask", len))
		t->saw_mask_error = true;
}

static void drvmem_dma_on_sync(struct drvmem_dma_test *t, bool for_cpu,
			       struct device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir)
{
	struct drvmem_dma_sync_event *e;

	if (current != t->task || dev != t->dev ||
	    t->nr_events == DRVMEM_DMA_TEST_EVENTS)
		return;
	e = &t->events[t->nr_events++];
	e->for_cpu = for_cpu;
	e->addr = addr;
	e->size = size;
	e->dir = dir;
	e->cpu_done = t->watch_len && !memcmp(t->watch, t->want, t->watch_len);
}

static void drvmem_dma_on_sync_for_cpu(void *data, struct device *dev,
				       dma_addr_t addr, size_t size,
				       enum dma_data_direction dir)
{
	drvmem_dma_on_sync(data, true, dev, addr, size, dir);
}

static void drvmem_dma_on_sync_for_device(void *data, struct device *dev,
					  dma_addr_t addr, size_t size,
					  enum dma_data_direction dir)
{
	drvmem_dma_on_sync(data, false, dev, addr, size, dir);
}

/* Record the test task's dma_sync_single_* calls in t->events. */
static void drvmem_dma_watch_syncs(struct kunit *test)
{
	drvmem_dma_hook(test, "dma_sync_single_for_cpu",
			drvmem_dma_on_sync_for_cpu);
	drvmem_dma_hook(test, "dma_sync_single_for_device",
			drvmem_dma_on_sync_for_device);
}

/* Parameters */

/**
 * struct drvmem_dma_driver_case - one of the two forms of the engine
 * @name: its platform driver
 * @points: the allocations its probe makes that can fail
 */
struct drvmem_dma_driver_case {
	const char *name;
	unsigned int points;
};

static const struct drvmem_dma_driver_case drvmem_dma_driver_cases[] = {
	/* kzalloc, dma_alloc_coherent (its pages) */
	{ .name = "drvmem-dma", .points = 2 },
	/* devm_kzalloc, dmam_alloc_coherent (its devres node, its pages) */
	{ .name = "drvmem-dma-devm", .points = 3 },
};

static void drvmem_dma_driver_case_desc(const struct drvmem_dma_driver_case *c,
					char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(drvmem_dma_driver, drvmem_dma_driver_cases,
		  drvmem_dma_driver_case_desc);

static const enum dma_data_direction drvmem_dma_dirs[] = {
	DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
};

static void drvmem_dma_dir_desc(const enum dma_data_direction *dir, char *desc)
{
	static const char * const names[] = {
		[DMA_BIDIRECTIONAL] = "DMA_BIDIRECTIONAL",
		[DMA_TO_DEVICE] = "DMA_TO_DEVICE",
		[DMA_FROM_DEVICE] = "DMA_FROM_DEVICE",
	};

	strscpy(desc, names[*dir], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(drvmem_dma_dir, drvmem_dma_dirs, drvmem_dma_dir_desc);

/* drvmem_dma_mask: the chapter's "Set DMA mask" step */

static void drvmem_dma_restore_mask_ptr(struct drvmem_dma_test *t)
{
	t->dev->dma_mask = t->saved_dma_mask;
}

KUNIT_DEFINE_ACTION_WRAPPER(drvmem_dma_restore_mask_ptr_action,
			    drvmem_dma_restore_mask_ptr,
			    struct drvmem_dma_test *);

/*
 * Pattern: set the DMA mask before any DMA, 64 bits with no fallback
 * (dma-api-howto: the call never fails for 64 bits on a device that can do
 * DMA).  Test that the bound device has a 64-bit streaming and coherent
 * mask (KUnit platform devices start with 32 bits, so probe set them) and
 * the maximum segment size one descriptor can move.
 */
static void drvmem_dma_probe_sets_64bit_mask(struct kunit *test)
{
	const struct drvmem_dma_driver_case *c = test->param_value;
	struct drvmem_dma_test *t = test->priv;

	drvmem_dma_bind(test, c->name);

	KUNIT_EXPECT_EQ_MSG(test, *t->dev->dma_mask, DMA_BIT_MASK(64),
			    "DMA mask, probe: streaming mask of the bound device");
	KUNIT_EXPECT_EQ_MSG(test, t->dev->coherent_dma_mask, DMA_BIT_MASK(64),
			    "DMA mask, probe: coherent mask of the bound device");
	/* the field, not dma_get_max_seg_size(): that reads 64 KiB when unset */
	KUNIT_ASSERT_NOT_NULL(test, t->dev->dma_parms);
	KUNIT_EXPECT_EQ_MSG(test, t->dev->dma_parms->max_segment_size,
			    DRVMEM_DMA_MAX_LEN,
			    "DMA segment size, probe: not set to what one descriptor moves");
}

/*
 * Pattern: "Set DMA mask" fails only for a device that cannot do DMA.  Test
 * that a device without a dma_mask (dma_set_mask_and_coherent() returns
 * -EIO, really) makes probe fail with that error, say so with
 * dev_err_probe(), and allocate nothing.
 */
static void drvmem_dma_probe_fails_cleanly_without_usable_mask(struct kunit *test)
{
	static const char what[] = "DMA mask refused, probe";
	const struct drvmem_dma_driver_case *c = test->param_value;
	struct drvmem_dma_test *t = test->priv;
	int ret;

	drvmem_dma_device(test, c->name);
	drvmem_dma_hook(test, "console", drvmem_dma_on_console);
	t->saved_dma_mask = t->dev->dma_mask;
	ret = kunit_add_action_or_reset(test,
					drvmem_dma_restore_mask_ptr_action, t);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* A device that cannot do DMA at all: every mask is refused. */
	t->dev->dma_mask = NULL;

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_platform_bind(test, t->pdev);
	drvmem_ledger_end(test);

	KUNIT_EXPECT_EQ_MSG(test, ret, -EIO, "%s: returned %d, want -EIO",
			    what, ret);
	KUNIT_EXPECT_NULL_MSG(test, t->dev->driver, "%s: device bound", what);
	KUNIT_EXPECT_TRUE_MSG(test, t->saw_mask_error,
			      "%s: no \"no usable DMA mask\" error printed", what);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_devres_count(t->dev), 0,
			    "%s: devres entries left", what);
	drvmem_ledger_check(test, what);
}

/*
 * Pattern: the mask is what the device can address, not a 64-then-32
 * fallback (dma-api-howto's "Recommended code").  Test that the engine's
 * 32-bit version gets 32-bit streaming and coherent masks and its ring
 * below 4 GiB: a driver that asked every engine for 64 bits fails here,
 * one that set no mask fails the 64-bit test.
 */
static void drvmem_dma_32bit_engine_gets_32bit_mask(struct kunit *test)
{
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma *dma;

	dma = drvmem_dma_bind(test, "drvmem-dma32");

	KUNIT_EXPECT_EQ_MSG(test, *t->dev->dma_mask, DMA_BIT_MASK(32),
			    "DMA mask, 32-bit engine: streaming mask");
	KUNIT_EXPECT_EQ_MSG(test, t->dev->coherent_dma_mask, DMA_BIT_MASK(32),
			    "DMA mask, 32-bit engine: coherent mask");
	KUNIT_EXPECT_LE_MSG(test, dma->ring_dma + dma->ring_size - 1,
			    (dma_addr_t)DMA_BIT_MASK(32),
			    "DMA mask, 32-bit engine: ring at %pad, above 4 GiB",
			    &dma->ring_dma);
}

static struct kunit_case drvmem_dma_mask_test_cases[] = {
	KUNIT_CASE_PARAM(drvmem_dma_probe_sets_64bit_mask,
			 drvmem_dma_driver_gen_params),
	KUNIT_CASE_PARAM(drvmem_dma_probe_fails_cleanly_without_usable_mask,
			 drvmem_dma_driver_gen_params),
	KUNIT_CASE(drvmem_dma_32bit_engine_gets_32bit_mask),
	{}
};

/* drvmem_dma_coherent: the chapter's "Coherent DMA" */

/*
 * Pattern: coherent DMA (dma_alloc_coherent / dmam_alloc_coherent).  Test
 * that the ring is one coherent buffer the CPU can use, starts zeroed,
 * shows the device (at dma_handle) what the CPU wrote, lies within the
 * coherent mask, and is freed when the device is unbound.
 */
static void drvmem_dma_ring_is_coherent_and_freed_on_remove(struct kunit *test)
{
	const struct drvmem_dma_driver_case *c = test->param_value;
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma *dma;
	u8 *ring, *seen;
	size_t i, dirty = 0;

	drvmem_ledger_begin(test, "drvmem_dma_");
	dma = drvmem_dma_bind(test, c->name);
	KUNIT_EXPECT_EQ_MSG(test,
			    drvmem_ledger_outstanding(test, DRVMEM_DMA_COHERENT), 1,
			    "coherent DMA, probe: coherent buffers held, want the ring");

	ring = (u8 *)dma->ring;
	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_EXPECT_LE_MSG(test, dma->ring_dma + dma->ring_size - 1,
			    t->dev->coherent_dma_mask,
			    "coherent DMA, ring at %pad: outside the coherent mask",
			    &dma->ring_dma);
	for (i = 0; i < dma->ring_size; i++)
		dirty += ring[i] != 0;
	KUNIT_EXPECT_EQ_MSG(test, dirty, 0,
			    "coherent DMA, ring after probe: bytes not zeroed");

	/*
	 * The CPU writes through cpu_addr, the device reads at dma_handle.
	 * Coherent memory is never bounced: this checks that dma_handle
	 * addresses the ring, on every tier alike.
	 */
	seen = drvmem_dma_bus_to_virt(t->dev, dma->ring_dma);
	for (i = 0; i < dma->ring_size; i++)
		ring[i] = i ^ 0x5a;
	KUNIT_EXPECT_MEMEQ_MSG(test, seen, ring, dma->ring_size,
			       "coherent DMA, ring: the device does not see what the CPU wrote");
	memset(ring, 0, dma->ring_size);

	drvmem_platform_unbind(test, t->pdev);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_EQ_MSG(test,
			    drvmem_ledger_outstanding(test, DRVMEM_DMA_COHERENT), 0,
			    "coherent DMA, remove: ring not freed");
	drvmem_ledger_check(test, "coherent DMA, probe then remove");
}

/*
 * Pattern: every allocation checked, unwound in reverse order (goto labels
 * or devres).  Test that probe, the coherent ring included, fails cleanly
 * at each of its allocation fault points and that remove releases all.
 */
static void drvmem_dma_probe_unwinds_at_every_fault_point(struct kunit *test)
{
	const struct drvmem_dma_driver_case *c = test->param_value;

	drvmem_sweep_probe(test, c->name, "drvmem_dma_", c->points);
}

/*
 * DMA-API debugging watches every test here, and turns itself off for the
 * rest of the boot when one of its own allocations fails ("cacheline
 * tracking ENOMEM, dma-debug disabled").  Test that a probe sweep leaves it
 * on: the kit must not fail the allocations it makes under the driver's
 * calls.
 */
static void drvmem_dma_debug_stays_on_through_probe_sweep(struct kunit *test)
{
	const struct drvmem_dma_driver_case *c = test->param_value;
	bool *disabled;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "needs CONFIG_DMA_API_DEBUG");
	disabled = drvmem_dma_debug_disabled();
	if (!disabled)
		kunit_skip(test, "no dma-api/disabled in debugfs");
	KUNIT_ASSERT_FALSE_MSG(test, *disabled,
			       "DMA-API debugging is off before the sweep");

	drvmem_sweep_probe(test, c->name, "drvmem_dma_", c->points);

	KUNIT_EXPECT_FALSE_MSG(test, *disabled,
			       "probe sweep: DMA-API debugging turned itself off: later reports would go unseen");
}

/*
 * Pattern: coherent DMA, "if (!cpu_addr) return -ENOMEM" and its unwind.
 * Test that probe fails cleanly when the ring cannot be allocated: every
 * allocation made under dma_alloc_attrs() fails, the ring's pages first.
 * Unlike the sweep, this does not depend on how many fault points come
 * before the ring.
 */
static void drvmem_dma_probe_unwinds_when_ring_allocation_fails(struct kunit *test)
{
	static const char what[] = "coherent ring allocation failed, probe";
	const struct drvmem_dma_driver_case *c = test->param_value;
	struct drvmem_dma_test *t = test->priv;
	int ret;

	drvmem_dma_device(test, c->name);
	drvmem_ledger_begin(test, "drvmem_dma_");
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, dma_alloc_attrs), 0);
	ret = drvmem_platform_bind(test, t->pdev);
	drvmem_fault_end(test);
	drvmem_ledger_end(test);

	KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "%s: returned %d, want -ENOMEM",
			    what, ret);
	KUNIT_EXPECT_NULL_MSG(test, t->dev->driver, "%s: device bound", what);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_devres_count(t->dev), 0,
			    "%s: devres entries left", what);
	drvmem_ledger_check(test, what);
}

/*
 * Pattern: coherent DMA for what the device writes at any time.  Test that
 * the status block lies in the ring's coherent buffer (which the ring test
 * checks against the coherent mask), starts zeroed, and that
 * drvmem_dma_completed() reads what the device wrote there without a
 * single sync call.
 */
static void drvmem_dma_status_block_is_coherent(struct kunit *test)
{
	const struct drvmem_dma_driver_case *c = test->param_value;
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_status *seen_by_device;
	struct drvmem_dma *dma;
	u32 completed;

	dma = drvmem_dma_bind(test, c->name);
	drvmem_dma_watch_syncs(test);

	KUNIT_EXPECT_GE_MSG(test, dma->status_dma, dma->ring_dma,
			    "coherent DMA, %s: status block before the ring", c->name);
	KUNIT_EXPECT_LE_MSG(test, dma->status_dma + sizeof(*dma->status),
			    dma->ring_dma + dma->ring_size,
			    "coherent DMA, %s: status block beyond the coherent buffer",
			    c->name);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_dma_completed(dma), 0,
			    "coherent DMA, %s: status block not zeroed", c->name);

	/* The device completes three descriptors and says so. */
	seen_by_device = drvmem_dma_bus_to_virt(t->dev, dma->status_dma);
	WRITE_ONCE(seen_by_device->completed, cpu_to_le32(3));
	completed = drvmem_dma_completed(dma);
	KUNIT_EXPECT_EQ_MSG(test, completed, 3,
			    "coherent DMA, %s: status read %u, the device wrote 3",
			    c->name, completed);
	KUNIT_EXPECT_EQ_MSG(test, t->nr_events, 0,
			    "coherent DMA, %s: %u sync calls on coherent memory",
			    c->name, t->nr_events);
}

static struct kunit_case drvmem_dma_coherent_test_cases[] = {
	KUNIT_CASE_PARAM(drvmem_dma_ring_is_coherent_and_freed_on_remove,
			 drvmem_dma_driver_gen_params),
	KUNIT_CASE_PARAM(drvmem_dma_probe_unwinds_at_every_fault_point,
			 drvmem_dma_driver_gen_params),
	KUNIT_CASE_PARAM(drvmem_dma_debug_stays_on_through_probe_sweep,
			 drvmem_dma_driver_gen_params),
	KUNIT_CASE_PARAM(drvmem_dma_probe_unwinds_when_ring_allocation_fails,
			 drvmem_dma_driver_gen_params),
	KUNIT_CASE_PARAM(drvmem_dma_status_block_is_coherent,
			 drvmem_dma_driver_gen_params),
	{}
};

/* drvmem_dma_streaming: the chapter's "Streaming DMA" and "DMA Direction" */

/*
 * Pattern: streaming DMA, dma_map_single() / dma_unmap_single() in each
 * direction.  Test that a request's buffers are mapped in the given
 * direction, each descriptor holds its buffer's address, length and
 * direction, the device reads what the CPU wrote (to the device) and the
 * CPU reads what the device wrote (from the device) once the request is
 * completed, and that every mapping has its unmap with the same size and
 * direction, in reverse order (ledger).  The data checks bite only where
 * streaming mappings bounce (swiotlb=force, the x86_64 tier); on UML the
 * bus address is the buffer itself, and the ledger proves the unmap.
 */
static void drvmem_dma_request_maps_and_unmaps_in_each_direction(struct kunit *test)
{
	const enum dma_data_direction *dir = test->param_value;
	struct drvmem_dma_layout layout[3] = {
		{ 64, *dir }, { 256, *dir }, { 1024, *dir },
	};
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r;
	struct drvmem_dma_desc *desc;
	struct drvmem_dma_buf *buf;
	bool to_dev = *dir != DMA_FROM_DEVICE, from_dev = *dir != DMA_TO_DEVICE;
	unsigned int i;
	u8 *dev_view;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, layout,
			       ARRAY_SIZE(layout));
	for (i = 0; i < r->req.nr_bufs; i++)
		memset(r->req.bufs[i].cpu_addr, 0xc0 + i, r->req.bufs[i].len);

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_req(r);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "streaming DMA, submit: failed");
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_MAP),
			    r->req.nr_bufs,
			    "streaming DMA, submit: mappings held, want one per buffer");

	for (i = 0; i < r->req.nr_bufs; i++) {
		buf = &r->req.bufs[i];
		desc = &t->dma->ring[drvmem_dma_slot(r->req.first, i)];
		KUNIT_EXPECT_EQ_MSG(test, le64_to_cpu(desc->addr), buf->dma_addr,
				    "streaming DMA, descriptor %u: address", i);
		KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(desc->len), buf->len,
				    "streaming DMA, descriptor %u: length", i);
		KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(desc->ctrl),
				    drvmem_dma_ctrl_for(*dir),
				    "streaming DMA, descriptor %u: direction bits", i);
		KUNIT_EXPECT_LE_MSG(test, buf->dma_addr + buf->len - 1,
				    *t->dev->dma_mask,
				    "streaming DMA, buffer %u at %pad: outside the mask",
				    i, &buf->dma_addr);
		dev_view = drvmem_dma_bus_to_virt(t->dev, buf->dma_addr);
		/* Teeth only under swiotlb=force (x86_64 tier); UML: the ledger. */
		if (to_dev)
			KUNIT_EXPECT_MEMEQ_MSG(test, dev_view, buf->cpu_addr,
					       buf->len,
					       "streaming DMA, buffer %u: the device does not read what the CPU wrote",
					       i);
		/* The device writes the buffer. */
		if (from_dev)
			memset(dev_view, 0xd0 + i, buf->len);
	}

	drvmem_dma_finish(r);
	drvmem_ledger_end(test);

	/* Teeth only under swiotlb=force (x86_64 tier); UML: the ledger. */
	for (i = 0; i < r->req.nr_bufs; i++) {
		buf = &r->req.bufs[i];
		if (from_dev)
			KUNIT_EXPECT_EQ_MSG(test, ((u8 *)buf->cpu_addr)[buf->len - 1],
					    0xd0 + i,
					    "streaming DMA, buffer %u after completion: the CPU does not see what the device wrote",
					    i);
	}
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_MAP),
			    0, "streaming DMA, complete: buffers left mapped");
	drvmem_dma_ring_is_clean(test, "streaming DMA, after completion");
	drvmem_ledger_check(test, "streaming DMA, submit then complete");
}

/*
 * Pattern: DMA direction per buffer.  Test that one request may carry
 * buffers of each direction: each is mapped and unmapped with its own
 * direction (ledger) and its descriptor says which way it goes.
 */
static void drvmem_dma_request_maps_each_buffer_in_its_direction(struct kunit *test)
{
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r;
	struct drvmem_dma_desc *desc;
	unsigned int i;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops,
			       drvmem_dma_mixed, ARRAY_SIZE(drvmem_dma_mixed));

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_req(r);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "DMA direction, submit: failed");
	for (i = 0; i < r->req.nr_bufs; i++) {
		desc = &t->dma->ring[drvmem_dma_slot(r->req.first, i)];
		KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(desc->ctrl),
				    drvmem_dma_ctrl_for(drvmem_dma_mixed[i].dir),
				    "DMA direction, descriptor %u: direction bits", i);
	}
	drvmem_dma_finish(r);
	drvmem_ledger_end(test);
	drvmem_ledger_check(test, "DMA direction, mixed request");
}

/* Submit @r, which the driver must refuse with -EINVAL, mapping nothing. */
static void drvmem_dma_expect_refused(struct kunit *test,
				      struct drvmem_dma_test_req *r,
				      const char *what)
{
	int ret;

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_req(r);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
			    "%s: submit returned %d, want -EINVAL", what, ret);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_MAP),
			    0, "%s: buffers left mapped", what);
	drvmem_ledger_check(test, what);
}

/*
 * Pattern: DMA directions.  DMA_NONE is for debugging, never a mapping's
 * direction (the chapter lists it as one: docs/errata.md, 9), and mapping
 * with it is a BUG_ON in the DMA API.  Test that a request with a DMA_NONE
 * buffer is refused with -EINVAL before anything is mapped.
 */
static void drvmem_dma_request_with_dma_none_is_refused(struct kunit *test)
{
	static const struct drvmem_dma_layout none[] = {
		{ 64, DMA_TO_DEVICE }, { 64, DMA_NONE },
	};
	struct drvmem_dma_test_req *r;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, none,
			       ARRAY_SIZE(none));
	drvmem_dma_expect_refused(test, r, "DMA direction, DMA_NONE buffer");
}

KUNIT_DEFINE_ACTION_WRAPPER(drvmem_dma_vfree_action, vfree, const void *);

/*
 * Pattern: streaming DMA of kmalloc or page memory.  dma_map_single()
 * takes a linear-map address, never a vmalloc one (the chapter's vmalloc
 * section does not say so: docs/errata.md, 10).  Test that a request with
 * a vmalloc buffer is refused with -EINVAL before anything is mapped.
 */
static void drvmem_dma_request_with_vmalloc_buffer_is_refused(struct kunit *test)
{
	static const struct drvmem_dma_layout one[] = { { 64, DMA_TO_DEVICE } };
	struct drvmem_dma_test_req *r;
	void *vbuf;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, one,
			       ARRAY_SIZE(one));
	vbuf = vzalloc(64);
	KUNIT_ASSERT_NOT_NULL(test, vbuf);
	ret = kunit_add_action_or_reset(test, drvmem_dma_vfree_action, vbuf);
	KUNIT_ASSERT_EQ(test, ret, 0);
	r->req.bufs[0].cpu_addr = vbuf;
	drvmem_dma_expect_refused(test, r, "streaming DMA, vmalloc buffer");
}

/*
 * Pattern: dma_sync_single_for_cpu() before the CPU touches a mapped buffer,
 * dma_sync_single_for_device() before the device uses it again.  Test that
 * reading a buffer the device has filled is bracketed by the two syncs,
 * with the buffer's address, size and direction, and the copy between
 * them, and that the buffer is then handed back to the device.
 */
static void drvmem_dma_read_rx_syncs_around_cpu_access(struct kunit *test)
{
	static const struct drvmem_dma_layout layout[] = {
		{ 512, DMA_FROM_DEVICE },
	};
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r;
	struct drvmem_dma_buf *buf;
	unsigned int i, slot;
	u8 *dst, *want;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, layout, 1);
	buf = &r->req.bufs[0];
	dst = kunit_kzalloc(test, buf->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	want = kunit_kzalloc(test, buf->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, want);
	memset(want, 0xa5, buf->len);
	t->watch = dst;
	t->want = want;
	t->watch_len = buf->len;
	drvmem_dma_watch_syncs(test);

	ret = drvmem_dma_submit_req(r);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "DMA sync, submit: failed");
	/* The device fills the buffer and hands its descriptor back. */
	slot = drvmem_dma_slot(r->req.first, 0);
	memcpy(drvmem_dma_bus_to_virt(t->dev, buf->dma_addr), want, buf->len);
	drvmem_dma_device_done(t->dma, slot);
	/* The CPU reads it while it stays mapped, then re-arms it. */
	ret = drvmem_dma_read_rx(t->dma, &r->req, 0, dst, buf->len);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "DMA sync, read: failed");
	KUNIT_EXPECT_TRUE_MSG(test, drvmem_dma_device_owns(t->dma, slot),
			      "DMA sync, read: buffer not handed back to the device");
	/* Teeth only under swiotlb=force (x86_64 tier); UML: the sync events. */
	KUNIT_EXPECT_MEMEQ_MSG(test, dst, want, buf->len,
			       "DMA sync, read: the CPU did not get what the device wrote");

	KUNIT_ASSERT_EQ_MSG(test, t->nr_events, 2,
			    "DMA sync, read: %u sync calls, want for_cpu then for_device",
			    t->nr_events);
	KUNIT_EXPECT_TRUE_MSG(test, t->events[0].for_cpu,
			      "DMA sync, read: first sync is not for the CPU");
	KUNIT_EXPECT_FALSE_MSG(test, t->events[0].cpu_done,
			       "DMA sync, read: the CPU read before dma_sync_single_for_cpu()");
	KUNIT_EXPECT_FALSE_MSG(test, t->events[1].for_cpu,
			       "DMA sync, read: second sync is not for the device");
	KUNIT_EXPECT_TRUE_MSG(test, t->events[1].cpu_done,
			      "DMA sync, read: handed back to the device before the CPU read");
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ_MSG(test, t->events[i].addr, buf->dma_addr,
				    "DMA sync %u, read: address", i);
		KUNIT_EXPECT_EQ_MSG(test, t->events[i].size, buf->len,
				    "DMA sync %u, read: size", i);
		KUNIT_EXPECT_EQ_MSG(test, t->events[i].dir, DMA_FROM_DEVICE,
				    "DMA sync %u, read: direction", i);
	}
	drvmem_dma_finish(r);
}

/*
 * Pattern: the same syncs when the CPU refills a mapped buffer the device
 * reads.  Test that the CPU writes between dma_sync_single_for_cpu() and
 * dma_sync_single_for_device(), that the device then reads the new data,
 * and that the buffer is handed back to the device to be sent.
 */
static void drvmem_dma_write_tx_syncs_around_cpu_access(struct kunit *test)
{
	static const struct drvmem_dma_layout layout[] = {
		{ 256, DMA_TO_DEVICE },
	};
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r;
	struct drvmem_dma_buf *buf;
	unsigned int i, slot;
	u8 *src, *data;
	size_t len;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, layout, 1);
	buf = &r->req.bufs[0];
	src = kunit_kzalloc(test, buf->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	/* new data shorter than the buffer, whose tail stays zero */
	len = buf->len - 16;
	memset(src, 0x3c, len);
	/* written from a copy of exactly @len bytes: one byte more is KASAN's */
	data = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	memcpy(data, src, len);
	t->watch = buf->cpu_addr;
	t->want = src;
	t->watch_len = buf->len;
	drvmem_dma_watch_syncs(test);

	ret = drvmem_dma_submit_req(r);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "DMA sync, submit: failed");
	/* The device has sent the buffer; the CPU refills it and re-arms it. */
	slot = drvmem_dma_slot(r->req.first, 0);
	drvmem_dma_device_done(t->dma, slot);
	ret = drvmem_dma_write_tx(t->dma, &r->req, 0, data, len);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "DMA sync, write: failed");
	KUNIT_EXPECT_TRUE_MSG(test, drvmem_dma_device_owns(t->dma, slot),
			      "DMA sync, write: buffer not handed back to the device");
	KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(t->dma->ring[slot].len), len,
			    "DMA sync, write: the device is told to send %u bytes, not the %zu written",
			    le32_to_cpu(t->dma->ring[slot].len), len);
	/* Teeth only under swiotlb=force (x86_64 tier); UML: the sync events. */
	KUNIT_EXPECT_MEMEQ_MSG(test,
			       drvmem_dma_bus_to_virt(t->dev, buf->dma_addr),
			       src, buf->len,
			       "DMA sync, write: the device does not read the new data");

	KUNIT_ASSERT_EQ_MSG(test, t->nr_events, 2,
			    "DMA sync, write: %u sync calls, want for_cpu then for_device",
			    t->nr_events);
	KUNIT_EXPECT_TRUE_MSG(test, t->events[0].for_cpu,
			      "DMA sync, write: first sync is not for the CPU");
	KUNIT_EXPECT_FALSE_MSG(test, t->events[0].cpu_done,
			       "DMA sync, write: the CPU wrote before dma_sync_single_for_cpu()");
	KUNIT_EXPECT_FALSE_MSG(test, t->events[1].for_cpu,
			       "DMA sync, write: second sync is not for the device");
	KUNIT_EXPECT_TRUE_MSG(test, t->events[1].cpu_done,
			      "DMA sync, write: handed to the device before the CPU wrote");
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ_MSG(test, t->events[i].addr, buf->dma_addr,
				    "DMA sync %u, write: address", i);
		KUNIT_EXPECT_EQ_MSG(test, t->events[i].size, buf->len,
				    "DMA sync %u, write: size", i);
		KUNIT_EXPECT_EQ_MSG(test, t->events[i].dir, DMA_TO_DEVICE,
				    "DMA sync %u, write: direction", i);
	}
	drvmem_dma_finish(r);
}

/*
 * Pattern: the CPU touches a mapped buffer only once the device is done
 * with it.  Test that reading or refilling a buffer whose descriptor the
 * device still owns is refused with -EBUSY, without a sync call, and that
 * the descriptors stay the device's.
 */
static void drvmem_dma_cpu_access_waits_for_the_device(struct kunit *test)
{
	static const struct drvmem_dma_layout layout[] = {
		{ 128, DMA_FROM_DEVICE },
		{ 128, DMA_TO_DEVICE },
	};
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r;
	unsigned int i;
	u8 *data;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	r = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, layout, 2);
	data = kunit_kzalloc(test, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	drvmem_dma_watch_syncs(test);

	ret = drvmem_dma_submit_req(r);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "DMA ownership, submit: failed");
	ret = drvmem_dma_read_rx(t->dma, &r->req, 0, data, 128);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY,
			    "DMA ownership, read of a buffer the device owns: returned %d",
			    ret);
	ret = drvmem_dma_write_tx(t->dma, &r->req, 1, data, 128);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY,
			    "DMA ownership, write of a buffer the device owns: returned %d",
			    ret);
	KUNIT_EXPECT_EQ_MSG(test, t->nr_events, 0,
			    "DMA ownership: %u sync calls on buffers the device owns",
			    t->nr_events);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      drvmem_dma_device_owns(t->dma,
							     drvmem_dma_slot(r->req.first, i)),
				      "DMA ownership: descriptor %u taken from the device", i);
	drvmem_dma_finish(r);
}

/*
 * Pattern: a multi-buffer request as a scatterlist (dma_map_sgtable).  Test
 * that the request gets one descriptor per DMA segment covering all its
 * bytes, and that completion unmaps the list with the entry count and
 * direction it was mapped with (ledger) and leaves the ring idle.
 */
static void drvmem_dma_sg_request_maps_and_unmaps_whole_list(struct kunit *test)
{
	struct drvmem_dma_sg_request *req;
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_desc *desc;
	size_t total = 0, mapped = 0;
	unsigned int i;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	req = drvmem_dma_new_sg_req(test, DMA_FROM_DEVICE);
	for (i = 0; i < req->nr_bufs; i++)
		total += req->len[i];

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_sg(t->dma, req);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "DMA scatterlist, submit: failed");
	KUNIT_EXPECT_GE_MSG(test, req->nents, 1,
			    "DMA scatterlist, submit: DMA segments mapped");
	KUNIT_EXPECT_LE_MSG(test, req->nents, req->nr_bufs,
			    "DMA scatterlist, submit: more DMA segments than buffers");
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_SG), 1,
			    "DMA scatterlist, submit: sg mappings held");
	for (i = 0; i < req->nents; i++) {
		desc = &t->dma->ring[drvmem_dma_slot(req->first, i)];
		KUNIT_EXPECT_NE_MSG(test, le64_to_cpu(desc->addr),
				    DMA_MAPPING_ERROR,
				    "DMA scatterlist, descriptor %u", i);
		KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(desc->ctrl),
				    drvmem_dma_ctrl_for(DMA_FROM_DEVICE),
				    "DMA scatterlist, descriptor %u: direction bits", i);
		mapped += le32_to_cpu(desc->len);
	}
	KUNIT_EXPECT_EQ_MSG(test, mapped, total,
			    "DMA scatterlist: bytes described by the descriptors");

	drvmem_dma_complete_sg(t->dma, req);
	drvmem_ledger_end(test);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_SG), 0,
			    "DMA scatterlist, complete: list left mapped");
	drvmem_dma_ring_is_clean(test, "DMA scatterlist, after completion");
	drvmem_ledger_check(test, "DMA scatterlist, submit then complete");
}

/* Requests taking turns through the ring: enough to go round it twice. */
#define DRVMEM_DMA_TURNS	(2 * DRVMEM_DMA_RING_LEN / 2 + 1)

/**
 * struct drvmem_dma_turns - two requests of one kind taking turns
 * @sg: scatterlist requests, else requests of single mappings
 * @req: the two requests of single mappings
 * @sg_req: the two scatterlist requests
 * @sg_in_flight: which scatterlist requests are submitted
 */
struct drvmem_dma_turns {
	bool sg;
	struct drvmem_dma_test_req *req[2];
	struct drvmem_dma_sg_request *sg_req[2];
	bool sg_in_flight[2];
};

static int drvmem_dma_turn_submit(struct drvmem_dma_turns *tu,
				  struct drvmem_dma *dma, unsigned int i)
{
	int ret;

	if (!tu->sg)
		return drvmem_dma_submit_req(tu->req[i]);
	ret = drvmem_dma_submit_sg(dma, tu->sg_req[i]);
	tu->sg_in_flight[i] = !ret;
	return ret;
}

static void drvmem_dma_turn_complete(struct drvmem_dma_turns *tu,
				     struct drvmem_dma *dma, unsigned int i)
{
	if (!tu->sg) {
		drvmem_dma_finish(tu->req[i]);
	} else if (tu->sg_in_flight[i]) {
		drvmem_dma_complete_sg(dma, tu->sg_req[i]);
		tu->sg_in_flight[i] = false;
	}
}

/* The ring slots request @i holds: its first and how many. */
static unsigned int drvmem_dma_turn_slots(const struct drvmem_dma_turns *tu,
					  unsigned int i, unsigned int *first)
{
	if (!tu->sg) {
		*first = tu->req[i]->req.first;
		return tu->req[i]->req.nr_bufs;
	}
	*first = tu->sg_req[i]->first;
	return tu->sg_req[i]->nents;
}

static void drvmem_dma_turns_desc(const bool *sg, char *desc)
{
	strscpy(desc, *sg ? "scatterlist requests" : "single mappings",
		KUNIT_PARAM_DESC_SIZE);
}

static const bool drvmem_dma_turn_kinds[] = { false, true };

KUNIT_ARRAY_PARAM(drvmem_dma_turns, drvmem_dma_turn_kinds,
		  drvmem_dma_turns_desc);

/*
 * Pattern: a descriptor ring shared by the requests in flight.  Test that
 * completing the oldest request gives its ring slots back (two requests
 * take turns until the ring went round twice) and takes back its own
 * descriptors only: those of the request after it stay with the device.
 */
static void drvmem_dma_completion_gives_back_only_its_slots(struct kunit *test)
{
	static const struct drvmem_dma_layout two[] = {
		{ 64, DMA_TO_DEVICE }, { 128, DMA_FROM_DEVICE },
	};
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_turns tu = { .sg = *(const bool *)test->param_value };
	unsigned int n, i, first, nr, cur, old;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	for (i = 0; i < 2; i++) {
		if (tu.sg)
			tu.sg_req[i] = drvmem_dma_new_sg_req(test, DMA_TO_DEVICE);
		else
			tu.req[i] = drvmem_dma_new_req(test, &drvmem_dma_reference_ops,
						       two, ARRAY_SIZE(two));
	}
	ret = drvmem_dma_turn_submit(&tu, t->dma, 0);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "DMA ring, request 0: submit failed");
	for (n = 1; n <= DRVMEM_DMA_TURNS; n++) {
		cur = n % 2;
		old = !cur;
		ret = drvmem_dma_turn_submit(&tu, t->dma, cur);
		if (ret) {
			KUNIT_FAIL(test,
				   "DMA ring, request %u of %u refused with %d, one request in flight: a completed request did not give its ring slots back",
				   n, DRVMEM_DMA_TURNS, ret);
			break;
		}
		drvmem_dma_turn_complete(&tu, t->dma, old);
		nr = drvmem_dma_turn_slots(&tu, cur, &first);
		for (i = 0; i < nr; i++)
			if (!drvmem_dma_device_owns(t->dma, drvmem_dma_slot(first, i)))
				break;
		if (i < nr) {
			KUNIT_FAIL(test,
				   "DMA ring, request %u: completing request %u took descriptor %u of %u (slot %u) of the request after it from the device",
				   n, n - 1, i, nr, drvmem_dma_slot(first, i));
			break;
		}
	}
	for (i = 0; i < 2; i++)
		drvmem_dma_turn_complete(&tu, t->dma, i);
	drvmem_dma_ring_is_clean(test, "DMA ring, every request completed");
}

static struct kunit_case drvmem_dma_streaming_test_cases[] = {
	KUNIT_CASE_PARAM(drvmem_dma_request_maps_and_unmaps_in_each_direction,
			 drvmem_dma_dir_gen_params),
	KUNIT_CASE(drvmem_dma_request_maps_each_buffer_in_its_direction),
	KUNIT_CASE(drvmem_dma_request_with_dma_none_is_refused),
	KUNIT_CASE(drvmem_dma_request_with_vmalloc_buffer_is_refused),
	KUNIT_CASE(drvmem_dma_read_rx_syncs_around_cpu_access),
	KUNIT_CASE(drvmem_dma_write_tx_syncs_around_cpu_access),
	KUNIT_CASE(drvmem_dma_cpu_access_waits_for_the_device),
	KUNIT_CASE(drvmem_dma_sg_request_maps_and_unmaps_whole_list),
	KUNIT_CASE_PARAM(drvmem_dma_completion_gives_back_only_its_slots,
			 drvmem_dma_turns_gen_params),
	{}
};

/* drvmem_dma_unwind: every mapping error path of a request */

/*
 * Pattern: check every mapping with dma_mapping_error(); on failure unmap
 * what the request already mapped, in reverse order, and fail with
 * -ENOMEM.  Test it for the failure of each mapping of a four-buffer
 * request in turn, then that the request goes through when none fails.
 */
static void drvmem_dma_request_unwinds_when_any_mapping_fails(struct kunit *test)
{
	struct drvmem_dma_test_req *r;

	drvmem_dma_bind(test, "drvmem-dma");
	drvmem_dma_fail_each_mapping(test, &drvmem_dma_reference_ops, &r);
}

/* Two full requests fill the ring. */
static_assert(2 * DRVMEM_DMA_MAX_BUFS == DRVMEM_DMA_RING_LEN);

/* Fill the ring with two requests of DRVMEM_DMA_MAX_BUFS buffers: @r[0..1]. */
static void drvmem_dma_fill_ring(struct kunit *test,
				 struct drvmem_dma_test_req **r)
{
	struct drvmem_dma_layout fill[DRVMEM_DMA_MAX_BUFS];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(fill); i++)
		fill[i] = (struct drvmem_dma_layout){ 64, DMA_TO_DEVICE };
	for (i = 0; i < 2; i++) {
		r[i] = drvmem_dma_new_req(test, &drvmem_dma_reference_ops, fill,
					  DRVMEM_DMA_MAX_BUFS);
		ret = drvmem_dma_submit_req(r[i]);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0,
				    "DMA ring, filling it: request %u", i);
	}
}

/*
 * Pattern: the same unwind when the ring is full after every buffer was
 * mapped.  Test that a request refused with -EBUSY unmaps all its buffers.
 */
static void drvmem_dma_request_unmaps_all_when_ring_is_full(struct kunit *test)
{
	static const char what[] = "streaming DMA, ring full, submit";
	struct drvmem_dma_test_req *r[3];
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	drvmem_dma_fill_ring(test, r);
	r[2] = drvmem_dma_new_req(test, &drvmem_dma_reference_ops,
				  drvmem_dma_mixed, ARRAY_SIZE(drvmem_dma_mixed));

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_req(r[2]);
	drvmem_ledger_end(test);

	KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY, "%s: returned %d, want -EBUSY",
			    what, ret);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_MAP),
			    0, "%s: buffers left mapped", what);
	drvmem_ledger_check(test, what);
	drvmem_dma_finish(r[0]);
	drvmem_dma_finish(r[1]);
}

/*
 * Pattern: dma_map_sgtable() maps all or nothing; the driver then frees its
 * scatterlist and fails with its error.  Test that a request whose
 * scatterlist cannot be mapped fails with -EIO (dma-direct's answer for an
 * address the device cannot reach) and writes no descriptor.  (The kit
 * fails mappings from the n-th on, by narrowing the device; within one
 * dma_map_sgtable() call that means from its first entry.)
 */
static void drvmem_dma_sg_request_fails_cleanly_when_mapping_fails(struct kunit *test)
{
	static const char what[] = "DMA scatterlist mapping failed, submit";
	struct drvmem_dma_sg_request *req;
	struct drvmem_dma_test *t = test->priv;
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	req = drvmem_dma_new_sg_req(test, DMA_TO_DEVICE);

	drvmem_ledger_begin(test, "drvmem_dma_");
	KUNIT_ASSERT_EQ(test, drvmem_dma_fail_nth(test, t->dev, 1), 0);
	ret = drvmem_dma_submit_sg(t->dma, req);
	drvmem_fault_end(test);
	drvmem_ledger_end(test);

	KUNIT_EXPECT_EQ_MSG(test, ret, -EIO, "%s: returned %d, want -EIO",
			    what, ret);
	if (!ret)
		drvmem_dma_complete_sg(t->dma, req);
	drvmem_dma_ring_is_clean(test, what);
	drvmem_ledger_check(test, what);
}

/*
 * Pattern: the scatterlist request's unwind when the ring is full after
 * the list was mapped.  Test that it is refused with -EBUSY, unmapping the
 * list once, with the direction it was mapped with, and freeing it.
 */
static void drvmem_dma_sg_request_unmaps_when_ring_is_full(struct kunit *test)
{
	static const char what[] = "DMA scatterlist, ring full, submit";
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_sg_request *req;
	struct drvmem_dma_test_req *r[2];
	int ret;

	drvmem_dma_bind(test, "drvmem-dma");
	drvmem_dma_fill_ring(test, r);
	req = drvmem_dma_new_sg_req(test, DMA_FROM_DEVICE);

	drvmem_ledger_begin(test, "drvmem_dma_");
	ret = drvmem_dma_submit_sg(t->dma, req);
	drvmem_ledger_end(test);

	KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY, "%s: returned %d, want -EBUSY",
			    what, ret);
	if (!ret)
		drvmem_dma_complete_sg(t->dma, req);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_DMA_SG),
			    0, "%s: scatterlist left mapped", what);
	drvmem_ledger_check(test, what);
	drvmem_dma_finish(r[0]);
	drvmem_dma_finish(r[1]);
}

static int drvmem_dma_sg_step_run(struct kunit *test, void *ctx)
{
	struct drvmem_dma_test *t = test->priv;

	return drvmem_dma_submit_sg(t->dma, ctx);
}

static void drvmem_dma_sg_step_undo(struct kunit *test, void *ctx)
{
	struct drvmem_dma_test *t = test->priv;

	drvmem_dma_complete_sg(t->dma, ctx);
}

/*
 * Pattern: every allocation checked.  Test that submitting a scatterlist
 * request fails cleanly when its scatterlist cannot be allocated.
 */
static void drvmem_dma_sg_submit_unwinds_at_every_fault_point(struct kunit *test)
{
	struct drvmem_dma_sg_request *req;
	const struct drvmem_step step = {
		.name = "scatterlist submit",
		.run = drvmem_dma_sg_step_run,
		.undo = drvmem_dma_sg_step_undo,
		.subject = drvmem_dma_submit_sg,
		.owner = "drvmem_dma_",
		/* sg_alloc_table() */
		.min_points = 1,
	};

	drvmem_dma_bind(test, "drvmem-dma");
	req = drvmem_dma_new_sg_req(test, DMA_BIDIRECTIONAL);
	drvmem_sweep(test, &step, req);
	drvmem_dma_ring_is_clean(test, "scatterlist submit sweep, after it");
}

/*
 * The stack filter's reject range of failslab, where the kit puts its
 * exemption of DMA-API debugging (kit/fault.c).  NULL without it.
 */
static unsigned long *drvmem_dma_failslab_reject_end(void)
{
	struct dentry *dir, *file;
	unsigned long *end = NULL;

	dir = debugfs_lookup("failslab", NULL);
	if (IS_ERR_OR_NULL(dir))
		return NULL;
	file = debugfs_lookup("reject-end", dir);
	if (!IS_ERR_OR_NULL(file)) {
		end = d_inode(file)->i_private;
		dput(file);
	}
	dput(dir);
	return end;
}

/* Arm the faults (none fails yet): the exemption must be off until a call. */
static void drvmem_dma_exemption_begin(struct kunit *test, const char *call,
				       unsigned long *reject_end)
{
	KUNIT_ASSERT_EQ(test, drvmem_fault_begin(test, NULL), 0);
	KUNIT_EXPECT_EQ_MSG(test, *reject_end, 0,
			    "%s: the exemption is on before the call: every fault point walks the stack",
			    call);
}

static void drvmem_dma_exemption_end(struct kunit *test, const char *call,
				     unsigned long *reject_end)
{
	KUNIT_EXPECT_NE_MSG(test, *reject_end, 0,
			    "%s: DMA-API debugging's bookkeeping not exempt: a fault in it turns debugging off",
			    call);
	drvmem_fault_end(test);
}

/*
 * The kit: a fault the kit injects never lands in DMA-API debugging's own
 * bookkeeping, which allocates inside each DMA API call (a node of its
 * cacheline tree for a new page mapped) and turns debugging off for good
 * when that fails.  The exemption is a stack filter, which costs a stack
 * walk at each allocation, so the kit sets it from the call's trace event
 * on.  Test that each DMA API call that DMA-API debugging records sets it,
 * those no reference driver makes too, and that none is set before.
 */
static void drvmem_dma_debug_is_exempt_from_each_call(struct kunit *test)
{
	struct drvmem_dma_test *t = test->priv;
	unsigned long *reject_end;
	struct scatterlist sg;
	struct sg_table *sgt;
	struct page *page;
	void *buf, *cpu;
	dma_addr_t dma;
	int nents;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "needs CONFIG_DMA_API_DEBUG");
	reject_end = drvmem_dma_failslab_reject_end();
	if (!reject_end)
		kunit_skip(test, "no failslab/reject-end in debugfs");
	drvmem_dma_bind(test, "drvmem-dma");
	buf = kunit_kzalloc(test, SZ_1K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	drvmem_dma_exemption_begin(test, "dma_alloc_coherent", reject_end);
	cpu = dma_alloc_coherent(t->dev, PAGE_SIZE, &dma, GFP_KERNEL);
	drvmem_dma_exemption_end(test, "dma_alloc_coherent", reject_end);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	dma_free_coherent(t->dev, PAGE_SIZE, cpu, dma);

	drvmem_dma_exemption_begin(test, "dma_alloc_pages", reject_end);
	page = dma_alloc_pages(t->dev, PAGE_SIZE, &dma, DMA_BIDIRECTIONAL,
			       GFP_KERNEL);
	drvmem_dma_exemption_end(test, "dma_alloc_pages", reject_end);
	KUNIT_ASSERT_NOT_NULL(test, page);
	dma_free_pages(t->dev, PAGE_SIZE, page, dma, DMA_BIDIRECTIONAL);

	drvmem_dma_exemption_begin(test, "dma_alloc_noncontiguous", reject_end);
	sgt = dma_alloc_noncontiguous(t->dev, PAGE_SIZE, DMA_BIDIRECTIONAL,
				      GFP_KERNEL, 0);
	drvmem_dma_exemption_end(test, "dma_alloc_noncontiguous", reject_end);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	dma_free_noncontiguous(t->dev, PAGE_SIZE, sgt, DMA_BIDIRECTIONAL);

	drvmem_dma_exemption_begin(test, "dma_map_single", reject_end);
	dma = dma_map_single(t->dev, buf, SZ_1K, DMA_FROM_DEVICE);
	drvmem_dma_exemption_end(test, "dma_map_single", reject_end);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(t->dev, dma));
	dma_unmap_single(t->dev, dma, SZ_1K, DMA_FROM_DEVICE);

	sg_init_one(&sg, buf, SZ_1K);
	drvmem_dma_exemption_begin(test, "dma_map_sg", reject_end);
	nents = dma_map_sg(t->dev, &sg, 1, DMA_FROM_DEVICE);
	drvmem_dma_exemption_end(test, "dma_map_sg", reject_end);
	KUNIT_ASSERT_EQ(test, nents, 1);
	dma_unmap_sg(t->dev, &sg, 1, DMA_FROM_DEVICE);

	/* an address far above RAM: MMIO, as dma_map_resource() wants */
	drvmem_dma_exemption_begin(test, "dma_map_resource", reject_end);
	dma = dma_map_resource(t->dev, (phys_addr_t)SZ_1G << 8, PAGE_SIZE,
			       DMA_BIDIRECTIONAL, 0);
	drvmem_dma_exemption_end(test, "dma_map_resource", reject_end);
	/*
	 * A bounce buffer cannot stand in for MMIO: with swiotlb=force (the
	 * x86_64 tier) 7.2 refuses the mapping, and traces the call still.
	 */
	if (dma_mapping_error(t->dev, dma)) {
		KUNIT_EXPECT_TRUE_MSG(test, is_swiotlb_force_bounce(t->dev),
				      "dma_map_resource() failed, and swiotlb does not bounce this device");
		return;
	}
	dma_unmap_resource(t->dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
}

static struct kunit_case drvmem_dma_unwind_test_cases[] = {
	KUNIT_CASE(drvmem_dma_request_unwinds_when_any_mapping_fails),
	KUNIT_CASE(drvmem_dma_request_unmaps_all_when_ring_is_full),
	KUNIT_CASE(drvmem_dma_sg_request_fails_cleanly_when_mapping_fails),
	KUNIT_CASE(drvmem_dma_sg_request_unmaps_when_ring_is_full),
	KUNIT_CASE(drvmem_dma_sg_submit_unwinds_at_every_fault_point),
	KUNIT_CASE(drvmem_dma_debug_is_exempt_from_each_call),
	{}
};

/* drvmem_dma_broken: the checks above catch each broken request path */

/*
 * Pattern: dma_mapping_error() after every mapping.  Test that a driver
 * that skips it is caught: the failed mapping's DMA_MAPPING_ERROR lands in
 * a descriptor and the request "succeeds".
 */
static void drvmem_dma_unchecked_mapping_is_caught(struct kunit *test)
{
	static const struct drvmem_dma_req_ops ops = {
		.submit = drvmem_dma_broken_submit_unchecked,
		.complete = drvmem_dma_complete,
	};
	struct drvmem_dma_test_req *r;
	bool passed;

	drvmem_dma_bind(test, "drvmem-dma");
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_UNCHECKED,
			      passed = drvmem_dma_fail_each_mapping(test, &ops, &r));
	KUNIT_EXPECT_FALSE_MSG(test, passed,
			       "streaming DMA error path: broken variant passed the checks");
}

/*
 * Pattern: on a mapping failure, unmap every buffer mapped before it.  Test
 * that an error path that stops one buffer short is caught, naming the
 * mapping left behind.
 */
static void drvmem_dma_mapping_leaked_on_error_path_is_caught(struct kunit *test)
{
	static const struct drvmem_dma_req_ops ops = {
		.submit = drvmem_dma_broken_submit_leaky,
		.complete = drvmem_dma_complete,
	};
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_test_req *r = NULL;
	struct drvmem_dma_buf *leaked;
	bool passed;

	drvmem_dma_bind(test, "drvmem-dma");
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_LEAK,
			      passed = drvmem_dma_fail_each_mapping(test, &ops, &r));
	KUNIT_EXPECT_FALSE_MSG(test, passed,
			       "streaming DMA error path: broken variant passed the checks");

	/* The first buffer is still mapped: unmap it for the variant. */
	leaked = &r->req.bufs[0];
	if (drvmem_ledger_outstanding(test, DRVMEM_DMA_MAP) == 1)
		dma_unmap_single(t->dev, leaked->dma_addr, leaked->len,
				 leaked->dir);
}

/*
 * A round trip with @ops, whose unmap differs from the mapping in @what
 * ("size" or "direction"), must be caught twice: by DMA-API debugging's own
 * report (the tripwire) and by the ledger (@kind).
 */
static void drvmem_dma_expect_unmap_mismatch(struct kunit *test,
					     const struct drvmem_dma_req_ops *ops,
					     const char *what,
					     enum drvmem_finding_kind kind)
{
	char words[48];
	const char *report;

	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_REPORT,
			      drvmem_dma_round_trip(test, ops, drvmem_dma_mixed,
						    ARRAY_SIZE(drvmem_dma_mixed),
						    false));
	report = drvmem_captured(test, DRVMEM_FINDING_REPORT);
	snprintf(words, sizeof(words), "DMA memory with different %s", what);
	KUNIT_EXPECT_TRUE_MSG(test, report && strstr(report, words),
			      "the report is not DMA-API debugging's of the %s: %s",
			      what, report);
	DRVMEM_EXPECT_FINDING(test, kind,
			      drvmem_dma_round_trip(test, ops, drvmem_dma_mixed,
						    ARRAY_SIZE(drvmem_dma_mixed),
						    true));
}

/*
 * Pattern: unmap with the size the buffer was mapped with.  Test that an
 * unmap with another size is caught twice: DMA-API debugging reports it
 * (tripwire), and the ledger names it.
 */
static void drvmem_dma_unmap_with_wrong_size_is_caught(struct kunit *test)
{
	static const struct drvmem_dma_req_ops ops = {
		.submit = drvmem_dma_submit,
		.complete = drvmem_dma_broken_complete_wrong_size,
	};

	drvmem_dma_bind(test, "drvmem-dma");
	drvmem_dma_expect_unmap_mismatch(test, &ops, "size",
					 DRVMEM_FINDING_UNMAP_SIZE);
}

/*
 * Pattern: unmap with the direction the buffer was mapped with.  Test that
 * an unmap with another direction is caught by DMA-API debugging (tripwire)
 * and by the ledger.
 */
static void drvmem_dma_unmap_with_wrong_direction_is_caught(struct kunit *test)
{
	static const struct drvmem_dma_req_ops ops = {
		.submit = drvmem_dma_submit,
		.complete = drvmem_dma_broken_complete_wrong_dir,
	};

	drvmem_dma_bind(test, "drvmem-dma");
	drvmem_dma_expect_unmap_mismatch(test, &ops, "direction",
					 DRVMEM_FINDING_UNMAP_DIR);
}

/*
 * Pattern: release in reverse order of acquisition.  Test that unmapping a
 * request's buffers in mapping order is caught by the ledger.
 */
static void drvmem_dma_unmap_in_mapping_order_is_caught(struct kunit *test)
{
	static const struct drvmem_dma_req_ops ops = {
		.submit = drvmem_dma_submit,
		.complete = drvmem_dma_broken_complete_forward,
	};

	drvmem_dma_bind(test, "drvmem-dma");
	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_FREE_ORDER,
			      drvmem_dma_round_trip(test, &ops, drvmem_dma_mixed,
						    ARRAY_SIZE(drvmem_dma_mixed),
						    true));
}

struct drvmem_dma_stray_unmap {
	struct work_struct work;
	struct device *dev;
	dma_addr_t addr;
	size_t len;
};

static void drvmem_dma_stray_unmap_fn(struct work_struct *work)
{
	struct drvmem_dma_stray_unmap *u =
		container_of(work, struct drvmem_dma_stray_unmap, work);

	/* BUG: one byte short of what was mapped */
	dma_unmap_single(u->dev, u->addr, u->len - 1, DMA_TO_DEVICE);
}

/* Unmap from a worker, another task than the test's, and wait for it. */
static void drvmem_dma_stray_unmap(struct drvmem_dma_stray_unmap *u)
{
	INIT_WORK_ONSTACK(&u->work, drvmem_dma_stray_unmap_fn);
	schedule_work(&u->work);
	flush_work(&u->work);
	destroy_work_on_stack(&u->work);
}

/*
 * Pattern: "Test with memory debugging enabled", DMA-API debugging.  Test
 * that an error DMA-API debugging counts in another task (a driver's
 * worker unmapping with the wrong size), whose report the tripwire does
 * not read, is still a finding: the tripwire also watches the error count.
 */
static void drvmem_dma_api_error_in_a_worker_is_caught(struct kunit *test)
{
	struct drvmem_dma_test *t = test->priv;
	struct drvmem_dma_stray_unmap u = { .len = 64 };
	void *buf;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		kunit_skip(test, "needs CONFIG_DMA_API_DEBUG");
	drvmem_dma_bind(test, "drvmem-dma");
	buf = kunit_kzalloc(test, u.len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	u.dev = t->dev;
	u.addr = dma_map_single(t->dev, buf, u.len, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(t->dev, u.addr));
	KUNIT_ASSERT_TRUE(test, drvmem_tripwire_check(test));

	DRVMEM_EXPECT_FINDING(test, DRVMEM_FINDING_DMA_API,
			      drvmem_dma_stray_unmap(&u));
}

static struct kunit_case drvmem_dma_broken_test_cases[] = {
	KUNIT_CASE(drvmem_dma_api_error_in_a_worker_is_caught),
	KUNIT_CASE(drvmem_dma_unchecked_mapping_is_caught),
	KUNIT_CASE(drvmem_dma_mapping_leaked_on_error_path_is_caught),
	KUNIT_CASE(drvmem_dma_unmap_with_wrong_size_is_caught),
	KUNIT_CASE(drvmem_dma_unmap_with_wrong_direction_is_caught),
	KUNIT_CASE(drvmem_dma_unmap_in_mapping_order_is_caught),
	{}
};

static int drvmem_dma_test_init(struct kunit *test)
{
	struct drvmem_dma_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->task = current;
	test->priv = t;
	return drvmem_kit_init(test);
}

static struct kunit_suite drvmem_dma_mask_test_suite = {
	.name = "drvmem_dma_mask",
	.init = drvmem_dma_test_init,
	.test_cases = drvmem_dma_mask_test_cases,
};

static struct kunit_suite drvmem_dma_coherent_test_suite = {
	.name = "drvmem_dma_coherent",
	.init = drvmem_dma_test_init,
	.test_cases = drvmem_dma_coherent_test_cases,
};

static struct kunit_suite drvmem_dma_streaming_test_suite = {
	.name = "drvmem_dma_streaming",
	.init = drvmem_dma_test_init,
	.test_cases = drvmem_dma_streaming_test_cases,
};

static struct kunit_suite drvmem_dma_unwind_test_suite = {
	.name = "drvmem_dma_unwind",
	.init = drvmem_dma_test_init,
	.test_cases = drvmem_dma_unwind_test_cases,
};

static struct kunit_suite drvmem_dma_broken_test_suite = {
	.name = "drvmem_dma_broken",
	.init = drvmem_dma_test_init,
	.test_cases = drvmem_dma_broken_test_cases,
};

kunit_test_suites(&drvmem_dma_mask_test_suite, &drvmem_dma_coherent_test_suite,
		  &drvmem_dma_streaming_test_suite, &drvmem_dma_unwind_test_suite,
		  &drvmem_dma_broken_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests for drvmem's coherent and streaming DMA driver");
MODULE_LICENSE("GPL");
