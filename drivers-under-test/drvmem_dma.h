/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drvmem_dma: a small DMA engine with a descriptor ring, the reference
 * driver for coherent and streaming DMA mappings.
 *
 * The engine owns a ring of DRVMEM_DMA_RING_LEN descriptors and a status
 * block, both in one coherent buffer: the device reads and writes them at
 * any time.  A request is a list of buffers; each buffer is mapped for
 * streaming DMA in its own direction and described by one descriptor.  A
 * scatterlist request maps all its buffers with one dma_map_sgtable() call
 * and takes one descriptor per DMA segment.  The engine processes its ring in
 * order, so requests complete in the order they were submitted.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_DMA_H
#define _DRVMEM_DMA_H

#include <linux/bits.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct device;

/* Descriptors in the ring, and the most buffers one request may carry. */
#define DRVMEM_DMA_RING_LEN		16
#define DRVMEM_DMA_MAX_BUFS		8
/* The most one descriptor can move: the device's DMA segment size. */
#define DRVMEM_DMA_MAX_LEN		SZ_64K

/* drvmem_dma_desc.ctrl */
#define DRVMEM_DMA_DESC_OWN		BIT(31)	/* the device owns it */
#define DRVMEM_DMA_DESC_TO_DEV		BIT(0)	/* the device reads the buffer */
#define DRVMEM_DMA_DESC_FROM_DEV	BIT(1)	/* the device writes the buffer */

/**
 * struct drvmem_dma_desc - one hardware descriptor in the coherent ring
 * @addr: bus address of the buffer, as the device sees it
 * @len: length of the buffer in bytes
 * @ctrl: DRVMEM_DMA_DESC_* flags; OWN is written last
 *
 * An unused descriptor is all zeroes: it never holds DMA_MAPPING_ERROR nor
 * the address of a buffer that is no longer mapped.
 */
struct drvmem_dma_desc {
	__le64 addr;
	__le32 len;
	__le32 ctrl;
};

/**
 * struct drvmem_dma_status - the block the device writes as it works
 * @completed: free-running count of the descriptors it has completed
 * @reserved: the rest of the device's 64-byte status block
 *
 * The device updates it whenever it completes a descriptor, so it lives in
 * coherent memory, right after the ring; the CPU reads it only through
 * drvmem_dma_completed().
 */
struct drvmem_dma_status {
	__le32 completed;
	u8 reserved[60];
};

static_assert(sizeof(struct drvmem_dma_status) == 64);

/**
 * struct drvmem_dma_buf - one buffer of a request
 * @cpu_addr: the buffer (kmalloc memory: never stack nor vmalloc)
 * @len: bytes to transfer
 * @dir: direction of this buffer's transfer
 * @dma_addr: set by the driver while the buffer is mapped,
 *	DMA_MAPPING_ERROR otherwise
 */
struct drvmem_dma_buf {
	void *cpu_addr;
	size_t len;
	enum dma_data_direction dir;
	dma_addr_t dma_addr;
};

/**
 * struct drvmem_dma_request - a multi-buffer request, one mapping per buffer
 * @bufs: the buffers, filled in by the caller
 * @nr_bufs: number of buffers in @bufs, 1 to DRVMEM_DMA_MAX_BUFS
 * @first: first ring slot of the request, set by the driver
 */
struct drvmem_dma_request {
	struct drvmem_dma_buf bufs[DRVMEM_DMA_MAX_BUFS];
	unsigned int nr_bufs;
	unsigned int first;
};

/**
 * struct drvmem_dma_sg_request - a multi-buffer request mapped as one
 *	scatterlist
 * @cpu_addr: the buffers, filled in by the caller
 * @len: their lengths, filled in by the caller
 * @nr_bufs: number of buffers, 1 to DRVMEM_DMA_MAX_BUFS
 * @dir: direction of the whole request
 * @sgt: the scatterlist, owned by the driver while the request is in flight
 * @nents: DMA segments dma_map_sgtable() mapped (may be fewer than @nr_bufs)
 * @first: first ring slot of the request, set by the driver
 */
struct drvmem_dma_sg_request {
	void *cpu_addr[DRVMEM_DMA_MAX_BUFS];
	size_t len[DRVMEM_DMA_MAX_BUFS];
	unsigned int nr_bufs;
	enum dma_data_direction dir;
	struct sg_table sgt;
	int nents;
	unsigned int first;
};

/**
 * struct drvmem_dma - one DMA engine
 * @dev: the device, for the DMA API
 * @lock: protects @head and @tail (a slot, once reserved, is its
 *	request's alone)
 * @ring: descriptor ring, coherent memory the CPU and the device share
 * @ring_dma: bus address of @ring
 * @ring_size: size of the coherent buffer: the ring, then @status
 * @head: free-running count of slots handed out
 * @tail: free-running count of slots given back
 * @status: status block the device writes, in the coherent buffer after
 *	the ring
 * @status_dma: bus address of @status
 */
struct drvmem_dma {
	struct device *dev;
	spinlock_t lock;	/* protects head and tail */
	struct drvmem_dma_desc *ring;
	dma_addr_t ring_dma;
	size_t ring_size;
	unsigned int head;
	unsigned int tail;
	struct drvmem_dma_status *status;
	dma_addr_t status_dma;
};

/**
 * drvmem_dma_slot() - ring slot of the @i-th descriptor of a request
 * @first: the request's first slot
 * @i: index of the descriptor within the request
 *
 * Return: the slot, wrapping around the end of the ring.
 */
static inline unsigned int drvmem_dma_slot(unsigned int first, unsigned int i)
{
	return (first + i) % DRVMEM_DMA_RING_LEN;
}

struct drvmem_dma *drvmem_dma_get(struct device *dev);
u32 drvmem_dma_completed(struct drvmem_dma *dma);

int drvmem_dma_submit(struct drvmem_dma *dma, struct drvmem_dma_request *req);
void drvmem_dma_complete(struct drvmem_dma *dma,
			 struct drvmem_dma_request *req);
int drvmem_dma_read_rx(struct drvmem_dma *dma,
		       const struct drvmem_dma_request *req, unsigned int i,
		       void *dst, size_t len);
int drvmem_dma_write_tx(struct drvmem_dma *dma,
			const struct drvmem_dma_request *req, unsigned int i,
			const void *src, size_t len);

int drvmem_dma_submit_sg(struct drvmem_dma *dma,
			 struct drvmem_dma_sg_request *req);
void drvmem_dma_complete_sg(struct drvmem_dma *dma,
			    struct drvmem_dma_sg_request *req);

int drvmem_dma_ring_reserve(struct drvmem_dma *dma, unsigned int n,
			    unsigned int *first);
void drvmem_dma_ring_release(struct drvmem_dma *dma, unsigned int first,
			     unsigned int n);
void drvmem_dma_desc_set(struct drvmem_dma *dma, unsigned int slot,
			 dma_addr_t addr, size_t len,
			 enum dma_data_direction dir);
void drvmem_dma_desc_clear(struct drvmem_dma *dma, unsigned int slot);

#endif /* _DRVMEM_DMA_H */
