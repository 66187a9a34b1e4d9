// SPDX-License-Identifier: GPL-2.0
/*
 * Broken request paths of the drvmem_dma engine, each with one bug the
 * drvmem_dma suites must flag.  They drive the reference engine's ring with
 * its exported helpers and differ from drvmem_dma_submit() and
 * drvmem_dma_complete() only in the bug they carry.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/visibility.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>

#include "../../compat/drvmem_compat.h"
#include "dma_broken.h"

/*
 * Bug: never calls dma_mapping_error().  Each buffer is mapped and its
 * descriptor written at once, so a failed mapping puts DMA_MAPPING_ERROR
 * in the ring and the request "succeeds".
 */
int drvmem_dma_broken_submit_unchecked(struct drvmem_dma *dma,
				       struct drvmem_dma_request *req)
{
	struct drvmem_dma_buf *buf;
	unsigned int i;
	int ret;

	ret = drvmem_dma_ring_reserve(dma, req->nr_bufs, &req->first);
	if (ret)
		return ret;

	for (i = 0; i < req->nr_bufs; i++) {
		buf = &req->bufs[i];
		buf->dma_addr = dma_map_single(dma->dev, buf->cpu_addr,
					       buf->len, buf->dir);
		drvmem_dma_desc_set(dma, drvmem_dma_slot(req->first, i),
				    buf->dma_addr, buf->len, buf->dir);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_broken_submit_unchecked);

/*
 * Bug: the error path stops one buffer short (off by one), so the first
 * buffer stays mapped when any later mapping fails.
 */
int drvmem_dma_broken_submit_leaky(struct drvmem_dma *dma,
				   struct drvmem_dma_request *req)
{
	struct drvmem_dma_buf *buf;
	unsigned int i;
	int ret;

	for (i = 0; i < req->nr_bufs; i++) {
		buf = &req->bufs[i];
		buf->dma_addr = dma_map_single(dma->dev, buf->cpu_addr,
					       buf->len, buf->dir);
		if (dma_mapping_error(dma->dev, buf->dma_addr)) {
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
	while (i-- > 1) {
		buf = &req->bufs[i];
		dma_unmap_single(dma->dev, buf->dma_addr, buf->len, buf->dir);
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_broken_submit_leaky);

static void drvmem_dma_broken_take_back(struct drvmem_dma *dma,
					struct drvmem_dma_request *req)
{
	unsigned int i;

	for (i = 0; i < req->nr_bufs; i++)
		drvmem_dma_desc_clear(dma, drvmem_dma_slot(req->first, i));
}

/* Bug: unmaps with half the size each buffer was mapped with. */
void drvmem_dma_broken_complete_wrong_size(struct drvmem_dma *dma,
					   struct drvmem_dma_request *req)
{
	struct drvmem_dma_buf *buf;
	unsigned int i;

	drvmem_dma_broken_take_back(dma, req);
	i = req->nr_bufs;
	while (i--) {
		buf = &req->bufs[i];
		dma_unmap_single(dma->dev, buf->dma_addr, buf->len / 2,
				 buf->dir);
	}
	drvmem_dma_ring_release(dma, req->first, req->nr_bufs);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_broken_complete_wrong_size);

/* Bug: unmaps every buffer as DMA_BIDIRECTIONAL, whatever it was mapped as. */
void drvmem_dma_broken_complete_wrong_dir(struct drvmem_dma *dma,
					  struct drvmem_dma_request *req)
{
	struct drvmem_dma_buf *buf;
	unsigned int i;

	drvmem_dma_broken_take_back(dma, req);
	i = req->nr_bufs;
	while (i--) {
		buf = &req->bufs[i];
		dma_unmap_single(dma->dev, buf->dma_addr, buf->len,
				 DMA_BIDIRECTIONAL);
	}
	drvmem_dma_ring_release(dma, req->first, req->nr_bufs);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_broken_complete_wrong_dir);

/* Bug: unmaps in the order of mapping instead of the reverse. */
void drvmem_dma_broken_complete_forward(struct drvmem_dma *dma,
					struct drvmem_dma_request *req)
{
	struct drvmem_dma_buf *buf;
	unsigned int i;

	drvmem_dma_broken_take_back(dma, req);
	for (i = 0; i < req->nr_bufs; i++) {
		buf = &req->bufs[i];
		dma_unmap_single(dma->dev, buf->dma_addr, buf->len, buf->dir);
	}
	drvmem_dma_ring_release(dma, req->first, req->nr_bufs);
}
EXPORT_SYMBOL_IF_KUNIT(drvmem_dma_broken_complete_forward);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("drvmem: broken DMA request paths the drvmem_dma suites must flag");
MODULE_LICENSE("GPL");
