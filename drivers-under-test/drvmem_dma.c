// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem_dma: reference driver for coherent and streaming DMA.
 *
 * A DMA engine with a descriptor ring, in two forms that behave alike:
 *
 * - "drvmem-dma" releases everything by hand: goto unwind in probe, and
 *   remove() undoes probe in reverse order;
 * - "drvmem-dma-devm" is its managed twin: devm_kzalloc() and
 *   dmam_alloc_coherent().
 *
 * Both first set the DMA mask to what the engine addresses: 64 bits (the
 * manual form also drives the engine's 32-bit version, "drvmem-dma32"); a
 * device that cannot do DMA fails probe with a clear error.  Both keep what
 * the CPU and the device share at any time (the descriptor ring and the
 * status block) in coherent memory, and map request buffers for streaming
 * DMA only while the request is in flight.  A mapping that fails in the
 * middle of a request unmaps what that request already mapped, in reverse
 * order, and the request fails with -ENOMEM: a descriptor is written only
 * once every buffer of its request is mapped, so no descriptor ever holds
 * DMA_MAPPING_ERROR.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <kunit/visibility.h>

#include "../compat/drvmem_compat.h"
#include "drvmem_dma.h"

/*
 * The mask says what the device can address: 64 bits, or 32 for the
 * engine's 32-bit version.  Documentation/core-api/dma-api-howto.rst:
 * dma_set_mask_and_coherent() never fails for a mask of 32 bits or more on
 * a device that can do DMA, so trying 64 bits and falling back to 32 is
 * its "Wrong code"; its "Recommended code" sets the mask the device
 * supports.  The call fails only for a device that cannot do DMA at all
 * (no dma_mask): "do not initialize it".  One descriptor moves at most
 * DRVMEM_DMA_MAX_LEN bytes, which the DMA API learns as the device's
 * maximum segment size.
 */
static int drvmem_dma_set_limits(struct device *dev, unsigned int addr_bits)
{
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(addr_bits));
	if (ret)
		return dev_err_probe(dev, ret,
				     "no usable DMA mask: the device cannot do DMA\n");
	dma_set_max_seg_size(dev, DRVMEM_DMA_MAX_LEN);
	return 0;
}

/**
 * drvmem_dma_get() - the engine bound to a device
 * @dev: a device bound to "drvmem-dma" or "drvmem-dma-devm"
 *
 * Return: the engine, or NULL if @dev is not bound.
 */
struct drvmem_dma *drvmem_dma_get(struct device *dev)
{
	return dev_get_drvdata(dev);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_get);

/**
 * drvmem_dma_completed() - how many descriptors the device has completed
 * @dma: the engine
 *
 * The status block is coherent memory the device may write at any moment:
 * no sync, one READ_ONCE().  A caller that goes on to read what those
 * descriptors describe orders that after this read with dma_rmb().
 *
 * Context: any.
 * Return: the device's free-running count of completed descriptors.
 */
u32 drvmem_dma_completed(struct drvmem_dma *dma)
{
	return le32_to_cpu(READ_ONCE(dma->status->completed));
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_completed);

/**
 * drvmem_dma_ring_reserve() - take @n consecutive ring slots
 * @dma: the engine
 * @n: number of slots
 * @first: where to store the first slot
 *
 * Return: 0, or -EBUSY if fewer than @n slots are free.
 */
int drvmem_dma_ring_reserve(struct drvmem_dma *dma, unsigned int n,
			    unsigned int *first)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&dma->lock, flags);
	if (n > DRVMEM_DMA_RING_LEN - (dma->head - dma->tail)) {
		ret = -EBUSY;
	} else {
		*first = dma->head % DRVMEM_DMA_RING_LEN;
		dma->head += n;
	}
	spin_unlock_irqrestore(&dma->lock, flags);

	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_ring_reserve);

/**
 * drvmem_dma_ring_release() - give back the slots of the oldest request
 * @dma: the engine
 * @first: first slot of the request
 * @n: number of slots
 *
 * The engine processes its ring in order, so requests complete, and give
 * their slots back, in the order they were submitted.
 */
void drvmem_dma_ring_release(struct drvmem_dma *dma, unsigned int first,
			     unsigned int n)
{
	unsigned long flags;

	spin_lock_irqsave(&dma->lock, flags);
	dev_WARN_ONCE(dma->dev, first != dma->tail % DRVMEM_DMA_RING_LEN ||
		      n > dma->head - dma->tail,
		      "ring slots %u+%u released out of order\n", first, n);
	dma->tail += n;
	spin_unlock_irqrestore(&dma->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_ring_release);

/**
 * drvmem_dma_desc_set() - hand one mapped buffer to the device
 * @dma: the engine
 * @slot: a ring slot reserved by the caller
 * @addr: the buffer's bus address: a successful mapping, never
 *	DMA_MAPPING_ERROR (callers check with dma_mapping_error() first)
 * @len: its length
 * @dir: its direction
 */
void drvmem_dma_desc_set(struct drvmem_dma *dma, unsigned int slot,
			 dma_addr_t addr, size_t len,
			 enum dma_data_direction dir)
{
	struct drvmem_dma_desc *desc = &dma->ring[slot];
	u32 ctrl = DRVMEM_DMA_DESC_OWN;

	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		ctrl |= DRVMEM_DMA_DESC_TO_DEV;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		ctrl |= DRVMEM_DMA_DESC_FROM_DEV;

	desc->addr = cpu_to_le64(addr);
	desc->len = cpu_to_le32(len);
	/* The device may start as soon as it sees OWN: address and length first. */
	dma_wmb();
	WRITE_ONCE(desc->ctrl, cpu_to_le32(ctrl));

	dev_dbg(dma->dev, "desc %u: %pad len %zu ctrl %#x\n", slot, &addr, len,
		ctrl);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_desc_set);

/**
 * drvmem_dma_desc_clear() - take a descriptor back from the device
 * @dma: the engine
 * @slot: the descriptor's slot
 *
 * Clears OWN first, then the address: once cleared, the descriptor holds no
 * address that may stop being mapped.
 */
void drvmem_dma_desc_clear(struct drvmem_dma *dma, unsigned int slot)
{
	struct drvmem_dma_desc *desc = &dma->ring[slot];

	WRITE_ONCE(desc->ctrl, 0);
	dma_wmb();
	desc->addr = 0;
	desc->len = 0;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_desc_clear);

/*
 * Does the device still own the descriptor in @slot?  Once it has cleared
 * OWN, dma_rmb() keeps the CPU's accesses to what the descriptor describes
 * from being done before that read.
 */
static bool drvmem_dma_desc_busy(struct drvmem_dma *dma, unsigned int slot)
{
	if (le32_to_cpu(READ_ONCE(dma->ring[slot].ctrl)) & DRVMEM_DMA_DESC_OWN)
		return true;
	dma_rmb();
	return false;
}

/*
 * A streaming buffer is kmalloc or page memory: dma_map_single() takes a
 * linear-map address, never a vmalloc one (it refuses it with a warning),
 * and a direction, never DMA_NONE.
 */
static bool drvmem_dma_buf_valid(const void *cpu_addr, size_t len,
				 enum dma_data_direction dir)
{
	return cpu_addr && !is_vmalloc_addr(cpu_addr) && len &&
	       len <= DRVMEM_DMA_MAX_LEN && valid_dma_direction(dir);
}

/**
 * drvmem_dma_submit() - map a request's buffers and hand them to the device
 * @dma: the engine
 * @req: the request: @req->bufs[0 .. @req->nr_bufs - 1] filled in
 *
 * Maps each buffer with dma_map_single() in its own direction, then writes
 * one descriptor per buffer.  If a mapping fails, the buffers this request
 * already mapped are unmapped in reverse order and no descriptor is written.
 *
 * Context: any; does not sleep.
 * Return: 0 on success, -EINVAL for a malformed request, -ENOMEM if a buffer
 * could not be mapped, -EBUSY if the ring is full.
 */
int drvmem_dma_submit(struct drvmem_dma *dma, struct drvmem_dma_request *req)
{
	struct device *dev = dma->dev;
	struct drvmem_dma_buf *buf;
	unsigned int i;
	int ret;

	if (!req->nr_bufs || req->nr_bufs > DRVMEM_DMA_MAX_BUFS)
		return -EINVAL;
	for (i = 0; i < req->nr_bufs; i++) {
		buf = &req->bufs[i];
		if (!drvmem_dma_buf_valid(buf->cpu_addr, buf->len, buf->dir))
			return -EINVAL;
		buf->dma_addr = DMA_MAPPING_ERROR;
	}

	for (i = 0; i < req->nr_bufs; i++) {
		buf = &req->bufs[i];
		buf->dma_addr = dma_map_single(dev, buf->cpu_addr, buf->len,
					       buf->dir);
		if (dma_mapping_error(dev, buf->dma_addr)) {
			dev_err_ratelimited(dev,
					    "request buffer %u of %u (%zu bytes) not mapped\n",
					    i + 1, req->nr_bufs, buf->len);
			ret = -ENOMEM;
			goto err_unmap_bufs;
		}
	}

	ret = drvmem_dma_ring_reserve(dma, req->nr_bufs, &req->first);
	if (ret)
		goto err_unmap_bufs;

	for (i = 0; i < req->nr_bufs; i++) {
		buf = &req->bufs[i];
		drvmem_dma_desc_set(dma, drvmem_dma_slot(req->first, i),
				    buf->dma_addr, buf->len, buf->dir);
	}

	return 0;

err_unmap_bufs:
	/* Only the buffers before @i are mapped: undo them, last first. */
	while (i--) {
		buf = &req->bufs[i];
		dma_unmap_single(dev, buf->dma_addr, buf->len, buf->dir);
		buf->dma_addr = DMA_MAPPING_ERROR;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_submit);

/**
 * drvmem_dma_complete() - the device is done with a request: unmap it
 * @dma: the engine
 * @req: a request drvmem_dma_submit() accepted, the oldest in flight
 *
 * Takes the descriptors back first, so the ring never holds the address of
 * a buffer that is no longer mapped, then unmaps the buffers in reverse
 * order with the size and direction they were mapped with.  Unmapping a
 * DMA_FROM_DEVICE buffer makes what the device wrote visible to the CPU.
 */
void drvmem_dma_complete(struct drvmem_dma *dma,
			 struct drvmem_dma_request *req)
{
	struct drvmem_dma_buf *buf;
	unsigned int i;

	for (i = 0; i < req->nr_bufs; i++)
		drvmem_dma_desc_clear(dma, drvmem_dma_slot(req->first, i));

	i = req->nr_bufs;
	while (i--) {
		buf = &req->bufs[i];
		dma_unmap_single(dma->dev, buf->dma_addr, buf->len, buf->dir);
		buf->dma_addr = DMA_MAPPING_ERROR;
	}

	drvmem_dma_ring_release(dma, req->first, req->nr_bufs);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_complete);

/**
 * drvmem_dma_read_rx() - read a buffer the device filled, then re-arm it
 * @dma: the engine
 * @req: a request in flight
 * @i: index of a DMA_FROM_DEVICE or DMA_BIDIRECTIONAL buffer in @req
 * @dst: where to copy the data
 * @len: bytes to copy, at most the buffer's length
 *
 * Only once the device has cleared OWN in the buffer's descriptor is it
 * done writing.  The buffer stays mapped: the CPU borrows it with
 * dma_sync_single_for_cpu(), copies, gives it back with
 * dma_sync_single_for_device(), and only then sets OWN again, so that the
 * device fills it anew.
 *
 * Context: any.
 * Return: 0, -EBUSY if the device still owns the buffer, or -EINVAL if
 * @i, @len or the buffer's direction do not allow the read.
 */
int drvmem_dma_read_rx(struct drvmem_dma *dma,
		       const struct drvmem_dma_request *req, unsigned int i,
		       void *dst, size_t len)
{
	const struct drvmem_dma_buf *buf;
	unsigned int slot;

	if (i >= req->nr_bufs)
		return -EINVAL;
	buf = &req->bufs[i];
	if (len > buf->len ||
	    (buf->dir != DMA_FROM_DEVICE && buf->dir != DMA_BIDIRECTIONAL))
		return -EINVAL;
	slot = drvmem_dma_slot(req->first, i);
	if (drvmem_dma_desc_busy(dma, slot))
		return -EBUSY;

	dma_sync_single_for_cpu(dma->dev, buf->dma_addr, buf->len, buf->dir);
	memcpy(dst, buf->cpu_addr, len);
	dma_sync_single_for_device(dma->dev, buf->dma_addr, buf->len, buf->dir);
	drvmem_dma_desc_set(dma, slot, buf->dma_addr, buf->len, buf->dir);

	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_read_rx);

/**
 * drvmem_dma_write_tx() - refill a buffer the device has sent, then re-arm it
 * @dma: the engine
 * @req: a request in flight
 * @i: index of a DMA_TO_DEVICE or DMA_BIDIRECTIONAL buffer in @req
 * @src: the new data
 * @len: bytes to copy, at most the buffer's length
 *
 * Only once the device has cleared OWN in the buffer's descriptor is it
 * done reading.  The CPU borrows the buffer with dma_sync_single_for_cpu(),
 * writes, hands it back with dma_sync_single_for_device(), which makes the
 * new data visible to the device, and sets OWN again to have it sent.
 *
 * Context: any.
 * Return: 0, -EBUSY if the device still owns the buffer, or -EINVAL if
 * @i, @len or the buffer's direction do not allow the write.
 */
int drvmem_dma_write_tx(struct drvmem_dma *dma,
			const struct drvmem_dma_request *req, unsigned int i,
			const void *src, size_t len)
{
	const struct drvmem_dma_buf *buf;
	unsigned int slot;

	if (i >= req->nr_bufs)
		return -EINVAL;
	buf = &req->bufs[i];
	if (len > buf->len ||
	    (buf->dir != DMA_TO_DEVICE && buf->dir != DMA_BIDIRECTIONAL))
		return -EINVAL;
	slot = drvmem_dma_slot(req->first, i);
	if (drvmem_dma_desc_busy(dma, slot))
		return -EBUSY;

	dma_sync_single_for_cpu(dma->dev, buf->dma_addr, buf->len, buf->dir);
	memcpy(buf->cpu_addr, src, len);
	dma_sync_single_for_device(dma->dev, buf->dma_addr, buf->len, buf->dir);
	/* the device sends the new @len bytes, not what was left after them */
	drvmem_dma_desc_set(dma, slot, buf->dma_addr, len, buf->dir);

	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_write_tx);

/**
 * drvmem_dma_submit_sg() - map a multi-buffer request as one scatterlist
 * @dma: the engine
 * @req: the request: @req->cpu_addr, @req->len, @req->nr_bufs and @req->dir
 *	filled in
 *
 * Builds a scatterlist over the buffers, maps it with dma_map_sgtable() and
 * writes one descriptor per DMA segment.  dma_map_sgtable() maps all
 * entries or none; on failure the scatterlist is freed and no descriptor is
 * written.
 *
 * Context: process; may sleep (the scatterlist is allocated with
 * GFP_KERNEL).
 * Return: 0 on success, -EINVAL for a malformed request, -ENOMEM if the
 * scatterlist could not be allocated, the error of dma_map_sgtable() if it
 * could not be mapped, -EBUSY if the ring is full.
 */
int drvmem_dma_submit_sg(struct drvmem_dma *dma,
			 struct drvmem_dma_sg_request *req)
{
	struct device *dev = dma->dev;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	if (!req->nr_bufs || req->nr_bufs > DRVMEM_DMA_MAX_BUFS)
		return -EINVAL;
	for (i = 0; i < req->nr_bufs; i++)
		if (!drvmem_dma_buf_valid(req->cpu_addr[i], req->len[i],
					  req->dir))
			return -EINVAL;

	ret = sg_alloc_table(&req->sgt, req->nr_bufs, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(&req->sgt, sg, i)
		sg_set_buf(sg, req->cpu_addr[i], req->len[i]);

	ret = dma_map_sgtable(dev, &req->sgt, req->dir, 0);
	if (ret) {
		dev_err_ratelimited(dev, "scatterlist of %u buffers not mapped: %d\n",
				    req->nr_bufs, ret);
		goto err_free_table;
	}
	/* DMA segments: may be fewer than the buffers (sgt.orig_nents). */
	req->nents = req->sgt.nents;

	ret = drvmem_dma_ring_reserve(dma, req->nents, &req->first);
	if (ret)
		goto err_unmap_sg;

	for_each_sgtable_dma_sg(&req->sgt, sg, i)
		drvmem_dma_desc_set(dma, drvmem_dma_slot(req->first, i),
				    sg_dma_address(sg), sg_dma_len(sg), req->dir);

	return 0;

err_unmap_sg:
	dma_unmap_sgtable(dev, &req->sgt, req->dir, 0);
err_free_table:
	sg_free_table(&req->sgt);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_submit_sg);

/**
 * drvmem_dma_complete_sg() - the device is done with a scatterlist request
 * @dma: the engine
 * @req: a request drvmem_dma_submit_sg() accepted, the oldest in flight
 *
 * Takes the descriptors back, unmaps the scatterlist with the direction it
 * was mapped with (dma_unmap_sgtable() passes the entries given to the
 * mapping, not the DMA segment count), and frees it.
 */
void drvmem_dma_complete_sg(struct drvmem_dma *dma,
			    struct drvmem_dma_sg_request *req)
{
	int i;

	for (i = 0; i < req->nents; i++)
		drvmem_dma_desc_clear(dma, drvmem_dma_slot(req->first, i));

	dma_unmap_sgtable(dma->dev, &req->sgt, req->dir, 0);
	sg_free_table(&req->sgt);

	drvmem_dma_ring_release(dma, req->first, req->nents);
	req->nents = 0;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_complete_sg);

static void drvmem_dma_init(struct drvmem_dma *dma, struct device *dev)
{
	dma->dev = dev;
	spin_lock_init(&dma->lock);
	dma->ring_size = DRVMEM_DMA_RING_LEN * sizeof(*dma->ring) +
			 sizeof(*dma->status);
}

/* The status block follows the last descriptor in the same coherent buffer. */
static void drvmem_dma_place_status(struct drvmem_dma *dma)
{
	dma->status = (struct drvmem_dma_status *)&dma->ring[DRVMEM_DMA_RING_LEN];
	dma->status_dma = dma->ring_dma +
			  DRVMEM_DMA_RING_LEN * sizeof(*dma->ring);
}

static void drvmem_dma_announce(struct drvmem_dma *dma)
{
	dev_dbg(dma->dev, "ring of %u descriptors at %pad, status at %pad\n",
		DRVMEM_DMA_RING_LEN, &dma->ring_dma, &dma->status_dma);
}

/* The goto form: each label undoes one step, in reverse order. */
static int drvmem_dma_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_dma *dma;
	int ret;

	ret = drvmem_dma_set_limits(dev, platform_get_device_id(pdev)->driver_data);
	if (ret)
		return ret;

	dma = kzalloc_obj(*dma, GFP_KERNEL);
	if (!dma)
		return -ENOMEM;
	drvmem_dma_init(dma, dev);

	/* Zeroed: every descriptor starts unused, the status block at 0. */
	dma->ring = dma_alloc_coherent(dev, dma->ring_size, &dma->ring_dma,
				       GFP_KERNEL);
	if (!dma->ring) {
		ret = -ENOMEM;
		goto err_free_dma;
	}
	drvmem_dma_place_status(dma);

	platform_set_drvdata(pdev, dma);
	drvmem_dma_announce(dma);
	return 0;

err_free_dma:
	kfree(dma);
	return ret;
}

static void drvmem_dma_remove(struct platform_device *pdev)
{
	struct drvmem_dma *dma = platform_get_drvdata(pdev);
	struct device *dev = &pdev->dev;

	if (dma->head != dma->tail)
		dev_warn(dev, "removed with %u descriptors in flight\n",
			 dma->head - dma->tail);

	dma_free_coherent(dev, dma->ring_size, dma->ring, dma->ring_dma);
	kfree(dma);
}

/*
 * The managed twin: devres releases in reverse order on probe failure and
 * on unbind.  devm does not check for errors: the NULL checks stay.  Its
 * state is named apart from the manual probe's "dma": Coccinelle's
 * free/devm_free.cocci judges a file, not a function, and would take the
 * manual remove's kfree(dma) for a free of this devm_kzalloc()'s memory.
 */
static int drvmem_dma_devm_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct drvmem_dma *mdma;
	int ret;

	ret = drvmem_dma_set_limits(dev, 64);
	if (ret)
		return ret;

	mdma = devm_kzalloc(dev, sizeof(*mdma), GFP_KERNEL);
	if (!mdma)
		return -ENOMEM;
	drvmem_dma_init(mdma, dev);

	mdma->ring = dmam_alloc_coherent(dev, mdma->ring_size, &mdma->ring_dma,
					 GFP_KERNEL);
	if (!mdma->ring)
		return -ENOMEM;
	drvmem_dma_place_status(mdma);

	platform_set_drvdata(pdev, mdma);
	drvmem_dma_announce(mdma);
	return 0;
}

/* driver_data: the address bits of the engine's version */
static const struct platform_device_id drvmem_dma_ids[] = {
	{ "drvmem-dma", 64 },
	{ "drvmem-dma32", 32 },
	{ }
};
MODULE_DEVICE_TABLE(platform, drvmem_dma_ids);

static struct platform_driver drvmem_dma_driver = {
	.probe = drvmem_dma_probe,
	.remove = drvmem_dma_remove,
	.id_table = drvmem_dma_ids,
	.driver = {
		.name = "drvmem-dma",
	},
};

static struct platform_driver drvmem_dma_devm_driver = {
	.probe = drvmem_dma_devm_probe,
	.driver = {
		.name = "drvmem-dma-devm",
	},
};

static struct platform_driver * const drvmem_dma_drivers[] = {
	&drvmem_dma_driver,
	&drvmem_dma_devm_driver,
};

static int __init drvmem_dma_module_init(void)
{
	return platform_register_drivers(drvmem_dma_drivers,
					 ARRAY_SIZE(drvmem_dma_drivers));
}
module_init(drvmem_dma_module_init);

static void __exit drvmem_dma_module_exit(void)
{
	platform_unregister_drivers(drvmem_dma_drivers,
				    ARRAY_SIZE(drvmem_dma_drivers));
}
module_exit(drvmem_dma_module_exit);

MODULE_DESCRIPTION("drvmem: reference DMA engine driver (coherent and streaming DMA)");
MODULE_LICENSE("GPL");
