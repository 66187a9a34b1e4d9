// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the chapter's "Memory Pools" pattern: a mempool keeps
 * min_nr elements in reserve so that an I/O path makes forward progress
 * when the allocator fails.
 *
 * The pool-level cases run once per pool kind of the drvmem_mempool
 * reference driver (kmalloc, slab over the driver's own kmem_cache, page,
 * and mempool_init() on a pool embedded in the device structure), on a
 * device state the test owns.  The driver-level cases bind the driver.
 * The allocator "fails" through the kit's fault injection, confined to the
 * pool's element allocator (or to the driver's request path).
 *
 * drvmem_mempool_broken runs the same checks on broken variants
 * (mempool_broken.c) and expects each to be flagged.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "kit/drvmem_kit.h"
#include "broken/mempool_broken.h"
#include "../drivers-under-test/drvmem_mempool.h"

/* Elements a test may hold at once. */
#define DRVMEM_MEMPOOL_TEST_HELD	32

/* How long a GFP_KERNEL allocation may take to go to sleep. */
#define DRVMEM_MEMPOOL_ASLEEP_MS	1000

/*
 * The bound on a sleeper's wake-up after mempool_free().  Well below the
 * 5 s after which mempool_alloc() retries by itself, so that only a
 * wake-up by mempool_free() can pass.
 */
#define DRVMEM_MEMPOOL_WAKE_MS		500

/* How long releasing a stuck sleeper may take. */
#define DRVMEM_MEMPOOL_RELEASE_MS	10000

/* Requests in the forward-progress run. */
#define DRVMEM_MEMPOOL_RUN		1000

/**
 * struct drvmem_mempool_kind_param - one pool kind, and what it allocates
 * @name: the kind, for the case's description and for messages
 * @kind: the kind
 * @element: what one element is, for the ledger
 * @bookkeeping: slab objects of the pool itself: the mempool_t (unless
 *	embedded) and its array of element pointers
 */
struct drvmem_mempool_kind_param {
	const char *name;
	enum drvmem_mempool_kind kind;
	enum drvmem_kind element;
	unsigned int bookkeeping;
};

static const struct drvmem_mempool_kind_param drvmem_mempool_kinds[] = {
	{ "kmalloc pool", DRVMEM_MEMPOOL_KMALLOC, DRVMEM_SLAB, 2 },
	{ "slab pool", DRVMEM_MEMPOOL_SLAB, DRVMEM_SLAB, 2 },
	{ "page pool", DRVMEM_MEMPOOL_PAGE, DRVMEM_PAGES, 2 },
	{ "embedded pool", DRVMEM_MEMPOOL_EMBEDDED, DRVMEM_SLAB, 1 },
};

KUNIT_ARRAY_PARAM_DESC(drvmem_mempool_kind, drvmem_mempool_kinds, name);

/**
 * struct drvmem_mempool_test - state of one test, in test->priv
 * @test: the test
 * @param: the pool kind under test
 * @md: device state the pool-level cases own, never bound
 * @pool: the pool under test
 * @held: elements the test holds, returned to @pool when the test ends
 * @nr_held: number of @held
 * @spare: an element to hand to another thread, returned if still here
 * @what: the step, for the kit's messages
 */
struct drvmem_mempool_test {
	struct kunit *test;
	const struct drvmem_mempool_kind_param *param;
	struct drvmem_mempool_dev md;
	mempool_t *pool;
	void *held[DRVMEM_MEMPOOL_TEST_HELD];
	unsigned int nr_held;
	void *spare;
	char what[96];
};

/**
 * struct drvmem_mempool_sleeper - a kthread in a GFP_KERNEL mempool_alloc()
 * @test: the test, to end its fault injection on release
 * @pool: the pool
 * @task: the kthread, pinned
 * @started: completed before the allocation
 * @done: completed when mempool_alloc() returned
 * @element: what mempool_alloc() returned
 */
struct drvmem_mempool_sleeper {
	struct kunit *test;
	mempool_t *pool;
	struct task_struct *task;
	struct completion started;
	struct completion done;
	void *element;
};

/**
 * struct drvmem_mempool_freer - a kthread that returns one element
 * @pool: the pool
 * @release: how it returns it (mempool_free(), or a broken fixture's way)
 * @element: the element, owned by the kthread once it runs
 * @task: the kthread, pinned
 * @released: completed once @release returned
 */
struct drvmem_mempool_freer {
	mempool_t *pool;
	void (*release)(void *element, mempool_t *pool);
	void *element;
	struct task_struct *task;
	struct completion released;
};

typedef int (*drvmem_mempool_create_fn)(struct drvmem_mempool_dev *md,
					enum drvmem_mempool_kind kind);

static void *drvmem_mempool_get(struct drvmem_mempool_test *ctx, gfp_t gfp)
{
	void *e;

	KUNIT_ASSERT_LT_MSG(ctx->test, ctx->nr_held, DRVMEM_MEMPOOL_TEST_HELD,
			    "test bug: holding too many elements");
	e = mempool_alloc(ctx->pool, gfp);
	if (e)
		ctx->held[ctx->nr_held++] = e;
	return e;
}

/* Return the element taken last. */
static void drvmem_mempool_put(struct drvmem_mempool_test *ctx)
{
	mempool_free(ctx->held[--ctx->nr_held], ctx->pool);
}

static void drvmem_mempool_put_all(struct drvmem_mempool_test *ctx)
{
	while (ctx->nr_held)
		drvmem_mempool_put(ctx);
}

/* What the test holds goes back first, then the pool, then its cache. */
static void drvmem_mempool_teardown(struct drvmem_mempool_test *ctx)
{
	if (ctx->pool) {
		drvmem_mempool_put_all(ctx);
		mempool_free(ctx->spare, ctx->pool);
		ctx->spare = NULL;
	}
	drvmem_mempool_pool_destroy(&ctx->md, ctx->param->kind);
	drvmem_mempool_cache_destroy(&ctx->md);
	ctx->pool = NULL;
}

KUNIT_DEFINE_ACTION_WRAPPER(drvmem_mempool_teardown_action,
			    drvmem_mempool_teardown,
			    struct drvmem_mempool_test *);

/*
 * Ready ctx->md for a pool of the test's kind with @min_nr elements: the
 * slab kind needs the driver's cache.  The pool is created by the caller.
 */
static void drvmem_mempool_prepare(struct kunit *test, int min_nr)
{
	struct drvmem_mempool_test *ctx = test->priv;
	int ret;

	ctx->md.min_nr = min_nr;
	ret = kunit_add_action_or_reset(test, drvmem_mempool_teardown_action,
					ctx);
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (ctx->param->kind == DRVMEM_MEMPOOL_SLAB) {
		ret = drvmem_mempool_cache_create(&ctx->md);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0,
				    "mempool: creating the command cache failed");
	}
}

/* Create the pool with @create after drvmem_mempool_prepare(). */
static mempool_t *drvmem_mempool_create(struct kunit *test,
					drvmem_mempool_create_fn create)
{
	struct drvmem_mempool_test *ctx = test->priv;
	int ret;

	ret = create(&ctx->md, ctx->param->kind);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "mempool: creating the %s, min_nr %d, failed",
			    ctx->param->name, ctx->md.min_nr);
	ctx->pool = drvmem_mempool_pool(&ctx->md, ctx->param->kind);
	KUNIT_ASSERT_NOT_NULL_MSG(test, ctx->pool, "mempool: %s missing after create",
				  ctx->param->name);
	return ctx->pool;
}

static mempool_t *drvmem_mempool_setup(struct kunit *test, int min_nr)
{
	drvmem_mempool_prepare(test, min_nr);
	return drvmem_mempool_create(test, drvmem_mempool_pool_create);
}

/* Drain the reserve with the allocator failing; asserts it gives min_nr. */
static void drvmem_mempool_drain(struct kunit *test, const char *step)
{
	struct drvmem_mempool_test *ctx = test->priv;
	int i, min_nr = ctx->pool->min_nr;

	KUNIT_EXPECT_GE_MSG(test, ctx->pool->curr_nr, min_nr,
			    "mempool reserve: %s, %s: fewer than min_nr in reserve",
			    ctx->param->name, step);
	/* all of it: 7.2 keeps one element even in a pool of min_nr 0 */
	for (i = READ_ONCE(ctx->pool->curr_nr); i > 0; i--)
		KUNIT_ASSERT_NOT_NULL_MSG(test,
					  drvmem_mempool_get(ctx, GFP_NOWAIT),
					  "mempool reserve: %s, %s: GFP_NOWAIT alloc with %d in reserve (min_nr %d) got NULL",
					  ctx->param->name, step, i, min_nr);
	KUNIT_EXPECT_EQ_MSG(test, ctx->pool->curr_nr, 0,
			    "mempool reserve: %s, %s: elements left in reserve",
			    ctx->param->name, step);
}

/* Once min_nr elements are out, a non-sleeping alloc gets nothing. */
static void drvmem_mempool_expect_exhausted(struct kunit *test,
					    const char *step)
{
	struct drvmem_mempool_test *ctx = test->priv;

	KUNIT_EXPECT_NULL_MSG(test, drvmem_mempool_get(ctx, GFP_NOWAIT),
			      "mempool reserve: %s, %s: GFP_NOWAIT alloc beyond the %d reserved elements succeeded: is the allocator failing?",
			      ctx->param->name, step, ctx->pool->min_nr);
}

static int drvmem_mempool_test_init(struct kunit *test)
{
	struct drvmem_mempool_test *ctx;
	int ret;

	ret = drvmem_kit_init(test);
	if (ret)
		return ret;
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->test = test;
	/* the pool-level cases have no platform device: give the pools one */
	ctx->md.dev = kunit_device_register(test, "drvmem-mempool-kunit");
	if (IS_ERR(ctx->md.dev))
		return PTR_ERR(ctx->md.dev);
	/* the driver-level cases are not parameterized: the slab pool */
	ctx->param = test->param_value ?: &drvmem_mempool_kinds[DRVMEM_MEMPOOL_SLAB];
	test->priv = ctx;
	return 0;
}

/*
 * Pattern: Memory Pools, mempool_create().  Test that creating a pool
 * preallocates exactly min_nr elements: the pool counts min_nr in reserve,
 * and the ledger saw min_nr elements allocated besides the pool's own
 * bookkeeping, all still held.
 */
static void drvmem_mempool_create_preallocates_min_nr(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	const struct drvmem_mempool_kind_param *p = ctx->param;
	int min_nr = DRVMEM_MEMPOOL_MIN_NR;
	unsigned int slab;
	mempool_t *pool;
	int ret;

	drvmem_mempool_prepare(test, min_nr);
	drvmem_ledger_begin(test, "drvmem_mempool_");
	ret = drvmem_mempool_pool_create(&ctx->md, p->kind);
	drvmem_ledger_end(test);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "mempool: creating the %s failed",
			    p->name);
	pool = drvmem_mempool_pool(&ctx->md, p->kind);
	KUNIT_ASSERT_NOT_NULL_MSG(test, pool, "mempool: %s missing after create",
				  p->name);
	ctx->pool = pool;

	KUNIT_EXPECT_EQ_MSG(test, pool->min_nr, min_nr,
			    "mempool reserve: %s, create: min_nr", p->name);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr,
			    "mempool reserve: %s, create: elements in reserve",
			    p->name);

	slab = p->bookkeeping + (p->element == DRVMEM_SLAB ? min_nr : 0);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB),
			    slab,
			    "mempool reserve: %s, create: slab objects held (%u bookkeeping + elements)",
			    p->name, p->bookkeeping);
	if (p->element == DRVMEM_PAGES)
		KUNIT_EXPECT_EQ_MSG(test,
				    drvmem_ledger_outstanding(test, DRVMEM_PAGES),
				    min_nr,
				    "mempool reserve: %s, create: pages held",
				    p->name);
}

/*
 * Pattern: Memory Pools, mempool_alloc() when the allocator fails.  Test
 * that a non-sleeping mempool_alloc() (GFP_NOWAIT, GFP_ATOMIC) hands out
 * exactly the min_nr reserved elements and then NULL, that an element freed
 * back is handed out again, and that mempool_free() refills the reserve.
 */
static void drvmem_mempool_alloc_when_allocator_fails_uses_reserve(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	const char *name = ctx->param->name;
	int i, min_nr = DRVMEM_MEMPOOL_MIN_NR;
	mempool_t *pool;
	void *e, *last;

	pool = drvmem_mempool_setup(test, min_nr);
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, pool->alloc), 0);

	for (i = 0; i < min_nr; i++) {
		gfp_t gfp = i % 2 ? GFP_ATOMIC : GFP_NOWAIT;

		e = drvmem_mempool_get(ctx, gfp);
		KUNIT_EXPECT_NOT_NULL_MSG(test, e,
					  "mempool reserve: %s, allocator failing: %pGg alloc #%d of min_nr %d got NULL",
					  name, &gfp, i + 1, min_nr);
		KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr - 1 - i,
				    "mempool reserve: %s, allocator failing: reserve after alloc #%d",
				    name, i + 1);
	}
	drvmem_mempool_expect_exhausted(test, "allocator failing");
	KUNIT_EXPECT_NULL_MSG(test, drvmem_mempool_get(ctx, GFP_ATOMIC),
			      "mempool reserve: %s, allocator failing: GFP_ATOMIC alloc beyond the reserve succeeded",
			      name);
	KUNIT_ASSERT_EQ_MSG(test, ctx->nr_held, min_nr,
			    "mempool reserve: %s, allocator failing: elements held", name);

	/* freeing one makes the next succeed, with the same element */
	last = ctx->held[ctx->nr_held - 1];
	drvmem_mempool_put(ctx);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, 1,
			    "mempool reserve: %s, allocator failing: mempool_free() did not refill the reserve",
			    name);
	e = drvmem_mempool_get(ctx, GFP_NOWAIT);
	KUNIT_EXPECT_PTR_EQ_MSG(test, e, last,
				"mempool reserve: %s, allocator failing: the element freed was not handed out again",
				name);
	drvmem_mempool_expect_exhausted(test, "allocator failing, after a free");

	/* the reserve refills as elements are freed */
	for (i = 1; ctx->nr_held; i++) {
		drvmem_mempool_put(ctx);
		KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min(i, min_nr),
				    "mempool reserve: %s, allocator failing: reserve after free #%d",
				    name, i);
	}
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr,
			    "mempool reserve: %s, all freed: reserve not whole",
			    name);
}

/*
 * The sleeper: GFP_KERNEL mempool_alloc() in its own task.  The kit's
 * fault injection fails only tasks marked make_it_fail (the test's task),
 * so the kthread marks itself to meet the same failing allocator.
 */
static int drvmem_mempool_sleeper_fn(void *data)
{
	struct drvmem_mempool_sleeper *s = data;

	current->make_it_fail = 1;
	/* complete_all(): waiting must not consume them, see _release() */
	complete_all(&s->started);
	s->element = mempool_alloc(s->pool, GFP_KERNEL);
	current->make_it_fail = 0;
	complete_all(&s->done);
	return 0;
}

static int drvmem_mempool_freer_fn(void *data)
{
	struct drvmem_mempool_freer *f = data;

	f->release(f->element, f->pool);
	complete(&f->released);
	return 0;
}

/*
 * Wake a sleeper that no mempool_free() woke: with the allocator healthy
 * again, its next attempt succeeds.  Bounded; never asserts.
 */
static void drvmem_mempool_sleeper_release(struct drvmem_mempool_sleeper *s)
{
	unsigned int i;

	if (!completion_done(&s->started) || completion_done(&s->done))
		return;
	drvmem_fault_end(s->test);
	for (i = 0; i < DRVMEM_MEMPOOL_RELEASE_MS / 10; i++) {
		wake_up(&s->pool->wait);
		if (wait_for_completion_timeout(&s->done, msecs_to_jiffies(10)))
			return;
	}
	pr_err("drvmem_mempool: sleeper on pool %p still asleep after %u ms\n",
	       s->pool, DRVMEM_MEMPOOL_RELEASE_MS);
}

static void drvmem_mempool_sleeper_stop(struct drvmem_mempool_sleeper *s)
{
	drvmem_mempool_sleeper_release(s);
	kthread_stop_put(s->task);
	mempool_free(s->element, s->pool);
	s->element = NULL;
}

KUNIT_DEFINE_ACTION_WRAPPER(drvmem_mempool_sleeper_stop_action,
			    drvmem_mempool_sleeper_stop,
			    struct drvmem_mempool_sleeper *);
KUNIT_DEFINE_ACTION_WRAPPER(drvmem_mempool_kthread_stop_put_action,
			    kthread_stop_put, struct task_struct *);

/* Create a pinned kthread; the caller arranges its stop, then wakes it. */
static struct task_struct *drvmem_mempool_kthread(struct kunit *test,
						  int (*fn)(void *), void *data,
						  const char *name)
{
	struct task_struct *t;

	t = kthread_create(fn, data, "%s", name);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "mempool: kthread_create(%s)",
			       name);
	get_task_struct(t);
	return t;
}

/*
 * With the allocator failing and the reserve empty, a GFP_KERNEL
 * mempool_alloc() in a kthread must go to sleep on the pool's wait queue,
 * and mempool_free() from another kthread must wake it with the element
 * freed, within DRVMEM_MEMPOOL_WAKE_MS.  mempool_free() takes the sleeper
 * it wakes off the wait queue before it returns (the waiter's entry is
 * DEFINE_WAIT()'s, removed on wake-up): one still queued once the release
 * returned was not woken, which needs no wait for the bound.  Failures are
 * findings, so that the self-test can expect them; a sleeper nobody woke
 * is released.
 */
static void drvmem_mempool_check_sleeper(struct kunit *test,
					 void (*release)(void *element,
							 mempool_t *pool))
{
	struct drvmem_mempool_test *ctx = test->priv;
	const char *name = ctx->param->name;
	mempool_t *pool = ctx->pool;
	struct drvmem_mempool_sleeper *s;
	struct drvmem_mempool_freer *f;
	unsigned int waited;
	void *freed;
	int ret;

	/* the element another kthread returns, taken while memory is fine */
	ctx->spare = mempool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL_MSG(test, ctx->spare,
				  "mempool reserve: %s, healthy allocator: GFP_KERNEL alloc got NULL",
				  name);

	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, pool->alloc), 0);
	drvmem_mempool_drain(test, "before the sleeper");

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	s->pool = pool;
	init_completion(&s->started);
	init_completion(&s->done);
	s->task = drvmem_mempool_kthread(test, drvmem_mempool_sleeper_fn, s,
					 "drvmem_mempool_sleeper");
	ret = kunit_add_action_or_reset(test,
					drvmem_mempool_sleeper_stop_action, s);
	KUNIT_ASSERT_EQ(test, ret, 0);
	wake_up_process(s->task);

	/* it must go to sleep in mempool_alloc(), on the pool's wait queue */
	for (waited = 0; waited < DRVMEM_MEMPOOL_ASLEEP_MS; waited += 20) {
		if (completion_done(&s->done) || wq_has_sleeper(&pool->wait))
			break;
		msleep(20);
	}
	if (completion_done(&s->done)) {
		drvmem_finding(test, DRVMEM_FINDING_PATTERN,
			       "mempool reserve: %s, min_nr %d, allocator failing and reserve empty: GFP_KERNEL mempool_alloc() returned %p without waiting",
			       name, pool->min_nr, s->element);
		return;
	}
	if (!wq_has_sleeper(&pool->wait)) {
		drvmem_finding(test, DRVMEM_FINDING_PATTERN,
			       "mempool reserve: %s, min_nr %d: GFP_KERNEL mempool_alloc() not asleep on the pool within %u ms",
			       name, pool->min_nr, DRVMEM_MEMPOOL_ASLEEP_MS);
		drvmem_mempool_sleeper_release(s);
		return;
	}

	/* another kthread returns an element; it owns the element from now */
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->pool = pool;
	f->release = release;
	init_completion(&f->released);
	f->task = drvmem_mempool_kthread(test, drvmem_mempool_freer_fn, f,
					 "drvmem_mempool_freer");
	ret = kunit_add_action_or_reset(test,
					drvmem_mempool_kthread_stop_put_action,
					f->task);
	KUNIT_ASSERT_EQ(test, ret, 0);
	freed = ctx->spare;
	f->element = freed;
	ctx->spare = NULL;
	wake_up_process(f->task);

	if (!wait_for_completion_timeout(&f->released,
					 msecs_to_jiffies(DRVMEM_MEMPOOL_WAKE_MS)) ||
	    wq_has_sleeper(&pool->wait) ||
	    !wait_for_completion_timeout(&s->done,
					 msecs_to_jiffies(DRVMEM_MEMPOOL_WAKE_MS))) {
		drvmem_finding(test, DRVMEM_FINDING_PATTERN,
			       "mempool reserve: %s, min_nr %d: GFP_KERNEL mempool_alloc() sleeper not woken by the mempool_free() of another kthread (bound %u ms): the freed element did not go to a reserve",
			       name, pool->min_nr, DRVMEM_MEMPOOL_WAKE_MS);
		drvmem_mempool_sleeper_release(s);
		return;
	}
	KUNIT_EXPECT_PTR_EQ_MSG(test, s->element, freed,
				"mempool reserve: %s, sleeper woken: it did not get the element mempool_free() returned",
				name);
}

/*
 * Pattern: Memory Pools, forward progress.  Test that with the allocator
 * failing and the reserve empty, a GFP_KERNEL mempool_alloc() sleeps, and
 * a mempool_free() from another kthread wakes it with the freed element
 * within a bounded time.  A sleeper that is never woken fails the test and
 * is released, it never hangs the run; drvmem_mempool_broken shows the
 * check fails when the element bypasses the pool.
 */
static void drvmem_mempool_alloc_sleeps_until_an_element_is_freed(struct kunit *test)
{
	drvmem_mempool_setup(test, DRVMEM_MEMPOOL_MIN_NR);
	drvmem_mempool_check_sleeper(test, mempool_free);
}

/*
 * Pattern: Memory Pools, the reserve is a last resort.  Test that while
 * the allocator works, mempool_alloc() takes new elements from it and
 * leaves the reserve whole, and that mempool_free() to a full pool gives
 * the elements back to the allocator.
 */
static void drvmem_mempool_alloc_with_healthy_allocator_leaves_reserve(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	const char *name = ctx->param->name;
	int i, j, min_nr = DRVMEM_MEMPOOL_MIN_NR;
	mempool_t *pool;
	void *e;

	pool = drvmem_mempool_setup(test, min_nr);
	for (i = 0; i < 3 * min_nr; i++) {
		gfp_t gfp = i % 2 ? GFP_NOWAIT : GFP_KERNEL;

		e = drvmem_mempool_get(ctx, gfp);
		KUNIT_EXPECT_NOT_NULL_MSG(test, e,
					  "mempool reserve: %s, healthy allocator: %pGg alloc #%d got NULL",
					  name, &gfp, i + 1);
		KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr,
				    "mempool reserve: %s, healthy allocator: alloc #%d took from the reserve",
				    name, i + 1);
		for (j = 0; j < pool->curr_nr; j++)
			KUNIT_EXPECT_PTR_NE_MSG(test, e, pool->elements[j],
						"mempool reserve: %s, healthy allocator: alloc #%d got an element still in the reserve",
						name, i + 1);
	}
	drvmem_mempool_put_all(ctx);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr,
			    "mempool reserve: %s, healthy allocator, all freed: reserve",
			    name);
}

/*
 * Pattern: Memory Pools, mempool_resize().  Test that growing the pool
 * fills the larger reserve, that shrinking it frees the excess, and that
 * after each resize the allocator failing still leaves exactly the new
 * min_nr elements to hand out.  Growing while the allocator fails cannot
 * fill the reserve at once; frees fill it later.
 */
static void drvmem_mempool_resize_keeps_the_guarantee(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	const char *name = ctx->param->name;
	int i, min_nr = DRVMEM_MEMPOOL_MIN_NR;
	mempool_t *pool;
	int ret;

	pool = drvmem_mempool_setup(test, min_nr);

	ret = mempool_resize(pool, 2 * min_nr);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "mempool resize: %s, grow to %d",
			    name, 2 * min_nr);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, 2 * min_nr,
			    "mempool resize: %s, grown with a healthy allocator: reserve",
			    name);
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, pool->alloc), 0);
	drvmem_mempool_drain(test, "grown");
	drvmem_mempool_expect_exhausted(test, "grown");
	drvmem_mempool_put_all(ctx);
	drvmem_fault_end(test);

	ret = mempool_resize(pool, min_nr);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "mempool resize: %s, shrink to %d",
			    name, min_nr);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr,
			    "mempool resize: %s, shrunk: reserve", name);
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, pool->alloc), 0);
	drvmem_mempool_drain(test, "shrunk");
	drvmem_mempool_expect_exhausted(test, "shrunk");
	drvmem_mempool_put_all(ctx);

	/* grow while the allocator fails: the reserve stays as it was ... */
	ret = mempool_resize(pool, 2 * min_nr);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "mempool resize: %s, grow with the allocator failing",
			    name);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, min_nr,
			    "mempool resize: %s, grown with the allocator failing: reserve",
			    name);
	drvmem_fault_end(test);

	/* ... until elements are freed to it */
	for (i = 0; i < 2 * min_nr; i++)
		KUNIT_ASSERT_NOT_NULL_MSG(test, drvmem_mempool_get(ctx, GFP_KERNEL),
					  "mempool resize: %s, healthy allocator: GFP_KERNEL alloc #%d got NULL",
					  name, i + 1);
	drvmem_mempool_put_all(ctx);
	KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, 2 * min_nr,
			    "mempool resize: %s, grown, then %d elements freed: reserve",
			    name, 2 * min_nr);
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, pool->alloc), 0);
	drvmem_mempool_drain(test, "grown, refilled by frees");
	drvmem_mempool_expect_exhausted(test, "grown, refilled by frees");
}

static int drvmem_mempool_create_step(struct kunit *test, void *data)
{
	struct drvmem_mempool_test *ctx = data;

	return drvmem_mempool_pool_create(&ctx->md, ctx->param->kind);
}

static void drvmem_mempool_destroy_step(struct kunit *test, void *data)
{
	struct drvmem_mempool_test *ctx = data;

	drvmem_mempool_pool_destroy(&ctx->md, ctx->param->kind);
}

/*
 * Pattern: Memory Pools, mempool_create() error handling.  Test that
 * creating the pool with each of its allocations failed in turn (the
 * mempool_t, the element array, each reserved element) returns an error
 * and leaves nothing allocated, and that the pool made when nothing fails
 * is freed whole by its destroy.
 */
static void drvmem_mempool_create_unwinds_at_every_fault_point(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	const struct drvmem_mempool_kind_param *p = ctx->param;
	struct drvmem_step step = {
		.run = drvmem_mempool_create_step,
		.undo = drvmem_mempool_destroy_step,
		.subject = drvmem_mempool_pool_create,
		.owner = "drvmem_mempool_",
		.min_points = p->bookkeeping + DRVMEM_MEMPOOL_MIN_NR,
	};

	scnprintf(ctx->what, sizeof(ctx->what), "create %s", p->name);
	step.name = ctx->what;
	drvmem_mempool_prepare(test, DRVMEM_MEMPOOL_MIN_NR);

	/* at least one fault point per allocation: the kit checks */
	drvmem_sweep(test, &step, ctx);
}

/*
 * Pattern: Memory Pools, mempool_destroy().  Test that once every element
 * taken (from the allocator and from the reserve) is back, destroying the
 * pool frees everything its creation allocated: the ledger ends empty.
 */
static void drvmem_mempool_destroy_frees_everything(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	const struct drvmem_mempool_kind_param *p = ctx->param;
	const char *what;

	scnprintf(ctx->what, sizeof(ctx->what),
		  "mempool destroy: %s with every element returned", p->name);
	what = ctx->what;
	drvmem_mempool_prepare(test, DRVMEM_MEMPOOL_MIN_NR);

	drvmem_ledger_begin(test, "drvmem_mempool_");
	drvmem_mempool_create(test, drvmem_mempool_pool_create);
	KUNIT_ASSERT_NOT_NULL_MSG(test, drvmem_mempool_get(ctx, GFP_KERNEL),
				  "%s: GFP_KERNEL alloc got NULL", what);
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, ctx->pool->alloc), 0);
	drvmem_mempool_drain(test, "before destroy");
	drvmem_fault_end(test);
	drvmem_mempool_put_all(ctx);
	drvmem_mempool_pool_destroy(&ctx->md, p->kind);
	ctx->pool = NULL;
	drvmem_ledger_end(test);

	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_SLAB),
			    0, "%s: slab objects left", what);
	KUNIT_EXPECT_EQ_MSG(test, drvmem_ledger_outstanding(test, DRVMEM_PAGES),
			    0, "%s: pages left", what);
	KUNIT_EXPECT_TRUE(test, drvmem_ledger_check(test, what));
}

/*
 * Pattern: Memory Pools, created in probe and destroyed in remove, with
 * goto unwind.  Test that the driver's probe, with each allocation failed
 * in turn, unwinds everything it created, and that remove after a good
 * probe frees everything.
 */
static void drvmem_mempool_probe_unwinds_at_every_fault_point(struct kunit *test)
{
	/* md, the cache, three created pools and one embedded pool */
	unsigned int min_points = 1 + 1 + 3 * (2 + DRVMEM_MEMPOOL_MIN_NR) +
				  (1 + DRVMEM_MEMPOOL_MIN_NR);

	drvmem_sweep_probe(test, DRVMEM_MEMPOOL_DRV_NAME, "drvmem_mempool_", min_points);
}

/* Bind the driver; the kit unbinds and removes the device at the end. */
static struct drvmem_mempool_dev *drvmem_mempool_bind(struct kunit *test)
{
	struct platform_device *pdev;
	struct drvmem_mempool_dev *md;
	int ret;

	pdev = drvmem_platform_device(test, DRVMEM_MEMPOOL_DRV_NAME);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	ret = drvmem_platform_bind(test, pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "mempool: probe of %s failed",
			    DRVMEM_MEMPOOL_DRV_NAME);
	md = platform_get_drvdata(pdev);
	KUNIT_ASSERT_NOT_NULL_MSG(test, md, "mempool: %s bound without driver data",
				  DRVMEM_MEMPOOL_DRV_NAME);
	return md;
}

static void drvmem_mempool_expect_reserves_whole(struct kunit *test,
						 struct drvmem_mempool_dev *md,
						 const char *step)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(drvmem_mempool_kinds); i++) {
		const struct drvmem_mempool_kind_param *p = &drvmem_mempool_kinds[i];
		mempool_t *pool = drvmem_mempool_pool(md, p->kind);

		KUNIT_ASSERT_NOT_NULL_MSG(test, pool,
					  "mempool forward progress: %s: driver has no %s",
					  step, p->name);
		KUNIT_EXPECT_EQ_MSG(test, pool->curr_nr, md->min_nr,
				    "mempool forward progress: %s: driver's %s reserve",
				    step, p->name);
	}
}

/*
 * The first of the driver's pools whose reserve is short of min_nr, or NULL.
 * With the allocator failing and no request in flight, a short reserve
 * stays short: the next GFP_NOIO request that needs it sleeps for ever.
 */
static const struct drvmem_mempool_kind_param *
drvmem_mempool_short_reserve(struct drvmem_mempool_dev *md, int *curr_nr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(drvmem_mempool_kinds); i++) {
		mempool_t *pool = drvmem_mempool_pool(md, drvmem_mempool_kinds[i].kind);

		if (pool && pool->curr_nr < md->min_nr) {
			*curr_nr = pool->curr_nr;
			return &drvmem_mempool_kinds[i];
		}
	}
	return NULL;
}

/*
 * Pattern: Memory Pools, forward progress of an I/O path.  Test that with
 * every allocation of the driver's request path failing, a long run of
 * requests (GFP_NOIO, and GFP_ATOMIC chained under the driver's spinlock,
 * where a request that may sleep is a "sleeping function called from
 * invalid context" report) completes every one of them, served from the
 * reserves, and leaves every reserve whole.  Each request must
 * give back what it took before the next one starts: a reserve left short
 * fails the test at once, where the next GFP_NOIO request would sleep on
 * the pool until KUnit's timeout.
 */
static void drvmem_mempool_submit_completes_under_allocation_failures(struct kunit *test)
{
	struct drvmem_mempool_dev *md = drvmem_mempool_bind(test);
	const struct drvmem_mempool_kind_param *short_kind = NULL;
	unsigned int i, completed = 0, first_bad = 0;
	int first_ret = 0, ret, curr_nr;
	u8 data[64];

	for (i = 0; i < sizeof(data); i++)
		data[i] = i;

	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, drvmem_mempool_submit), 0);
	for (i = 1; i <= DRVMEM_MEMPOOL_RUN; i++) {
		/* odd: the I/O path; even: chained from the completion path */
		if (i % 2)
			ret = drvmem_mempool_submit(md, i, data, sizeof(data),
						    GFP_NOIO, NULL);
		else
			ret = drvmem_mempool_submit_chained(md, i, data,
							    sizeof(data));
		if (!ret) {
			completed++;
		} else if (!first_bad) {
			first_bad = i;
			first_ret = ret;
		}
		short_kind = drvmem_mempool_short_reserve(md, &curr_nr);
		if (short_kind)
			break;
	}
	drvmem_fault_end(test);
	if (short_kind) {
		KUNIT_FAIL(test,
			   "mempool forward progress: request %u (%s) returned %d and left the %s reserve at %d of %d: an element was not returned to the pool (the next GFP_NOIO request would sleep on it for ever)",
			   i, i % 2 ? "GFP_NOIO" : "chained, GFP_ATOMIC", ret,
			   short_kind->name, curr_nr, md->min_nr);
		return;
	}

	KUNIT_EXPECT_EQ_MSG(test, completed, DRVMEM_MEMPOOL_RUN,
			    "mempool forward progress: submit under failing allocations: request %u failed with %d",
			    first_bad, first_ret);
	KUNIT_EXPECT_EQ_MSG(test, atomic_long_read(&md->completed),
			    DRVMEM_MEMPOOL_RUN,
			    "mempool forward progress: driver's count of completed requests");
	KUNIT_EXPECT_EQ_MSG(test, atomic_long_read(&md->from_reserve),
			    DRVMEM_MEMPOOL_RUN,
			    "mempool forward progress: command descriptors served from the reserve: were the allocations failing?");
	drvmem_mempool_expect_reserves_whole(test, md, "after the run");
}

/*
 * Pattern: Memory Pools, atomic callers may fail.  Test that a GFP_ATOMIC
 * request that finds a reserve empty fails with -ENOMEM and returns what
 * it took from the other pools, and that a GFP_NOIO request completes
 * once the elements are back.
 */
static void drvmem_mempool_submit_atomic_fails_cleanly_on_empty_reserve(struct kunit *test)
{
	struct drvmem_mempool_dev *md = drvmem_mempool_bind(test);
	void *bufs[DRVMEM_MEMPOOL_MIN_NR];
	u8 data[16] = { 0 };
	unsigned int i;
	int ret;

	/* take the data buffer reserve, as requests in flight would */
	for (i = 0; i < ARRAY_SIZE(bufs); i++) {
		bufs[i] = mempool_alloc_preallocated(md->buf_pool);
		KUNIT_ASSERT_NOT_NULL_MSG(test, bufs[i],
					  "mempool forward progress: driver's kmalloc pool reserve short at element %u",
					  i + 1);
	}

	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, drvmem_mempool_submit), 0);
	ret = drvmem_mempool_submit(md, 1, data, sizeof(data), GFP_ATOMIC,
				    NULL);
	drvmem_fault_end(test);
	KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
			    "mempool forward progress: GFP_ATOMIC submit with the buffer reserve empty");
	KUNIT_EXPECT_EQ_MSG(test, md->cmd_pool->curr_nr, md->min_nr,
			    "mempool forward progress: failed GFP_ATOMIC submit kept a command descriptor");

	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		mempool_free(bufs[i], md->buf_pool);
	drvmem_mempool_expect_reserves_whole(test, md, "elements returned");

	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, drvmem_mempool_submit), 0);
	ret = drvmem_mempool_submit(md, 2, data, sizeof(data), GFP_NOIO, NULL);
	drvmem_fault_end(test);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "mempool forward progress: GFP_NOIO submit once the reserve is back");
}

/*
 * Pattern: Memory Pools on a request path.  Test that a request of the
 * largest size reaches the device whole: the checksum it reports is that
 * of the caller's bytes, no more and no fewer, and nothing is read or
 * written past either buffer (the data is an allocation of exactly its
 * size, under KASAN).
 */
static void drvmem_mempool_submit_delivers_the_data(struct kunit *test)
{
	struct drvmem_mempool_dev *md = drvmem_mempool_bind(test);
	u32 csum = 0, want = 0;
	unsigned int i;
	u8 *data;
	int ret;

	data = kunit_kmalloc(test, DRVMEM_MEMPOOL_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	for (i = 0; i < DRVMEM_MEMPOOL_BUF_SIZE; i++) {
		data[i] = i * 7 + 1;
		want = want * 31 + data[i];
	}
	ret = drvmem_mempool_submit(md, 1, data, DRVMEM_MEMPOOL_BUF_SIZE,
				    GFP_NOIO, &csum);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "mempool request of %u B: submit",
			    DRVMEM_MEMPOOL_BUF_SIZE);
	KUNIT_EXPECT_EQ_MSG(test, csum, want,
			    "mempool request of %u B: the device saw other bytes than the caller's",
			    DRVMEM_MEMPOOL_BUF_SIZE);
}

static struct kunit_case drvmem_mempool_cases[] = {
	KUNIT_CASE_PARAM(drvmem_mempool_create_preallocates_min_nr,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE_PARAM(drvmem_mempool_alloc_when_allocator_fails_uses_reserve,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE_PARAM(drvmem_mempool_alloc_sleeps_until_an_element_is_freed,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE_PARAM(drvmem_mempool_alloc_with_healthy_allocator_leaves_reserve,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE_PARAM(drvmem_mempool_resize_keeps_the_guarantee,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE_PARAM(drvmem_mempool_create_unwinds_at_every_fault_point,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE_PARAM(drvmem_mempool_destroy_frees_everything,
			 drvmem_mempool_kind_gen_params),
	KUNIT_CASE(drvmem_mempool_probe_unwinds_at_every_fault_point),
	KUNIT_CASE(drvmem_mempool_submit_delivers_the_data),
	KUNIT_CASE(drvmem_mempool_submit_completes_under_allocation_failures),
	KUNIT_CASE(drvmem_mempool_submit_atomic_fails_cleanly_on_empty_reserve),
	{}
};

static struct kunit_suite drvmem_mempool_suite = {
	.name = "drvmem_mempool",
	.init = drvmem_mempool_test_init,
	.test_cases = drvmem_mempool_cases,
};

/*
 * Self-test, pattern: Memory Pools, mempool_destroy() with an element out.
 * Test that the suite flags a request path whose error path loses an
 * element: destroying the pool afterwards leaks it, and the ledger check
 * reports the element not freed.
 */
static void drvmem_mempool_broken_destroy_with_element_out_is_flagged(struct kunit *test)
{
	struct drvmem_mempool_test *ctx = test->priv;
	u8 data[DRVMEM_MEMPOOL_BUF_SIZE + 1] = { 0 };
	const char *msg;
	void *leaked;
	bool clean, taken;
	int ret;

	ctx->param = &drvmem_mempool_kinds[DRVMEM_MEMPOOL_KMALLOC];
	drvmem_mempool_prepare(test, DRVMEM_MEMPOOL_MIN_NR);

	drvmem_ledger_begin(test, "drvmem_mempool_");
	drvmem_mempool_create(test, drvmem_mempool_pool_create);
	/* under memory pressure the broken request takes a reserved element */
	leaked = ctx->pool->elements[ctx->pool->curr_nr - 1];
	KUNIT_ASSERT_EQ(test, drvmem_fault_fail_always(test, ctx->pool->alloc), 0);
	ret = drvmem_mempool_broken_submit(&ctx->md, 1, data, sizeof(data),
					   GFP_NOIO);
	drvmem_fault_end(test);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
			    "mempool self-test: the broken request was not rejected");
	KUNIT_EXPECT_EQ_MSG(test, ctx->pool->curr_nr, DRVMEM_MEMPOOL_MIN_NR - 1,
			    "mempool self-test: the broken request did not take a reserved element");
	taken = ctx->pool->curr_nr == DRVMEM_MEMPOOL_MIN_NR - 1;
	drvmem_mempool_pool_destroy(&ctx->md, ctx->param->kind);
	ctx->pool = NULL;
	drvmem_ledger_end(test);

	drvmem_capture_begin(test);
	clean = drvmem_ledger_check(test,
				    "mempool destroy after a rejected request");
	msg = drvmem_capture_end(test);
	/* give back what the broken driver leaked (else destroy freed it) */
	if (taken)
		kfree(leaked);

	KUNIT_EXPECT_FALSE_MSG(test, clean,
			       "mempool self-test: the ledger check passed with an element leaked");
	KUNIT_ASSERT_NOT_NULL_MSG(test, msg,
				  "mempool self-test: destroying a pool with an element out was not flagged");
	msg = drvmem_captured(test, DRVMEM_FINDING_LEAK);
	KUNIT_ASSERT_NOT_NULL_MSG(test, msg,
				  "mempool self-test: the finding is not a leak");
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(msg, "mempool_create"),
				  "mempool self-test: the finding does not name the pool's element: %s",
				  msg);
}

/*
 * Self-test, pattern: Memory Pools, forward progress.  Test that the
 * sleeper check fails when the element is given back to the allocator
 * instead of with mempool_free(): the pool never sees it and the sleeper
 * is never woken.  The check must say so, within its bound.  (The other
 * classic way to starve a sleeper, a pool of min_nr 0, starves it on 6.12
 * only: 7.2's mempool keeps one element and wakes waiters even then.)
 */
static void drvmem_mempool_broken_release_sleeper_is_flagged(struct kunit *test)
{
	const char *msg;

	drvmem_mempool_setup(test, DRVMEM_MEMPOOL_MIN_NR);
	drvmem_capture_begin(test);
	drvmem_mempool_check_sleeper(test, drvmem_mempool_broken_release);
	drvmem_capture_end(test);
	msg = drvmem_captured(test, DRVMEM_FINDING_PATTERN);
	KUNIT_ASSERT_NOT_NULL_MSG(test, msg,
				  "mempool self-test: the sleeper check passed with the element freed past the pool");
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(msg, "not woken"),
				  "mempool self-test: the finding does not say the sleeper was not woken: %s",
				  msg);
}

static struct kunit_case drvmem_mempool_broken_cases[] = {
	KUNIT_CASE(drvmem_mempool_broken_destroy_with_element_out_is_flagged),
	KUNIT_CASE_PARAM_ATTR(drvmem_mempool_broken_release_sleeper_is_flagged,
			      drvmem_mempool_kind_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite drvmem_mempool_broken_suite = {
	.name = "drvmem_mempool_broken",
	.init = drvmem_mempool_test_init,
	.test_cases = drvmem_mempool_broken_cases,
};

kunit_test_suites(&drvmem_mempool_suite, &drvmem_mempool_broken_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests for mempool reserves and forward progress");
MODULE_LICENSE("GPL");
