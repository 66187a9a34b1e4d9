/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drvmem_mempool: an I/O path that makes forward progress under memory
 * pressure, built on mempools of every kind.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_MEMPOOL_H
#define _DRVMEM_MEMPOOL_H

#include <linux/atomic.h>
#include <linux/gfp_types.h>
#include <linux/mempool.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#define DRVMEM_MEMPOOL_DRV_NAME		"drvmem-mempool"

/* Elements each pool keeps in reserve: requests in flight it guarantees. */
#define DRVMEM_MEMPOOL_MIN_NR		4

/* Size of a data buffer from the kmalloc pool; the largest request. */
#define DRVMEM_MEMPOOL_BUF_SIZE		256

struct device;
struct kmem_cache;
struct page;

/**
 * enum drvmem_mempool_kind - the pools of a drvmem_mempool device
 * @DRVMEM_MEMPOOL_KMALLOC: data buffers, mempool_create_kmalloc_pool()
 * @DRVMEM_MEMPOOL_SLAB: command descriptors, mempool_create_slab_pool()
 *	over the device's own kmem_cache
 * @DRVMEM_MEMPOOL_PAGE: bounce pages, mempool_create_page_pool()
 * @DRVMEM_MEMPOOL_EMBEDDED: completion status records, mempool_init() on a
 *	mempool_t embedded in the device structure
 * @DRVMEM_MEMPOOL_NR_KINDS: number of kinds
 */
enum drvmem_mempool_kind {
	DRVMEM_MEMPOOL_KMALLOC,
	DRVMEM_MEMPOOL_SLAB,
	DRVMEM_MEMPOOL_PAGE,
	DRVMEM_MEMPOOL_EMBEDDED,
	DRVMEM_MEMPOOL_NR_KINDS,
};

/**
 * struct drvmem_mempool_status - completion status of one request
 * @tag: tag of the request
 * @result: 0, or a negative errno
 * @csum: checksum of the data the device saw
 */
struct drvmem_mempool_status {
	u32 tag;
	int result;
	u32 csum;
};

/**
 * struct drvmem_mempool_cmd - command descriptor, one per request
 * @tag: tag of the request
 * @len: bytes of data
 * @buf: data buffer, from the kmalloc pool
 * @bounce: bounce page the device reads, from the page pool
 * @status: completion status, from the embedded pool
 */
struct drvmem_mempool_cmd {
	u32 tag;
	u32 len;
	void *buf;
	struct page *bounce;
	struct drvmem_mempool_status *status;
};

/**
 * struct drvmem_mempool_dev - state of one drvmem_mempool device
 * @dev: the device
 * @min_nr: elements each pool keeps in reserve
 * @cmd_cache: slab cache of &struct drvmem_mempool_cmd
 * @cmd_pool: command descriptors (%DRVMEM_MEMPOOL_SLAB)
 * @buf_pool: data buffers (%DRVMEM_MEMPOOL_KMALLOC)
 * @page_pool: bounce pages (%DRVMEM_MEMPOOL_PAGE)
 * @status_pool: completion status records (%DRVMEM_MEMPOOL_EMBEDDED)
 * @chain_lock: held by the completion path while it chains a request
 * @completed: requests completed
 * @from_reserve: requests that found the command pool below min_nr right
 *	after taking their descriptor: with one submitter, those served from
 *	the reserve; concurrent submitters make it a statistic, not a count
 */
struct drvmem_mempool_dev {
	struct device *dev;
	int min_nr;
	struct kmem_cache *cmd_cache;
	mempool_t *cmd_pool;
	mempool_t *buf_pool;
	mempool_t *page_pool;
	mempool_t status_pool;
	spinlock_t chain_lock;	/* see drvmem_mempool_submit_chained() */
	atomic_long_t completed;
	atomic_long_t from_reserve;
};

int drvmem_mempool_cache_create(struct drvmem_mempool_dev *md);
void drvmem_mempool_cache_destroy(struct drvmem_mempool_dev *md);
int drvmem_mempool_pool_create(struct drvmem_mempool_dev *md,
			       enum drvmem_mempool_kind kind);
void drvmem_mempool_pool_destroy(struct drvmem_mempool_dev *md,
				 enum drvmem_mempool_kind kind);
mempool_t *drvmem_mempool_pool(struct drvmem_mempool_dev *md,
			       enum drvmem_mempool_kind kind);
int drvmem_mempool_submit(struct drvmem_mempool_dev *md, u32 tag,
			  const void *data, size_t len, gfp_t gfp, u32 *csum);
int drvmem_mempool_submit_chained(struct drvmem_mempool_dev *md, u32 tag,
				  const void *data, size_t len);

#endif /* _DRVMEM_MEMPOOL_H */
