/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Broken request paths for the drvmem_dma suites: each gets one DMA API
 * rule wrong, and the suites must flag it.  Never a reference driver.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_DMA_BROKEN_H
#define _DRVMEM_DMA_BROKEN_H

#include "../../drivers-under-test/drvmem_dma.h"

int drvmem_dma_broken_submit_unchecked(struct drvmem_dma *dma,
				       struct drvmem_dma_request *req);
int drvmem_dma_broken_submit_leaky(struct drvmem_dma *dma,
				   struct drvmem_dma_request *req);
void drvmem_dma_broken_complete_wrong_size(struct drvmem_dma *dma,
					   struct drvmem_dma_request *req);
void drvmem_dma_broken_complete_wrong_dir(struct drvmem_dma *dma,
					  struct drvmem_dma_request *req);
void drvmem_dma_broken_complete_forward(struct drvmem_dma *dma,
					struct drvmem_dma_request *req);

#endif /* _DRVMEM_DMA_BROKEN_H */
