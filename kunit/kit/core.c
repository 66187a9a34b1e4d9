// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: the per-test context, findings and tracepoints.
 *
 * drvmem_kit_init() makes one context per test, a named KUnit resource
 * that the mechanisms (ledger.c, tripwire.c, fault.c) set up their parts
 * of and undo when the test ends.  A finding fails the test with a message
 * naming the step and the resource, or, between drvmem_capture_begin() and
 * drvmem_capture_end(), is kept so that the kit's self-test can expect it.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "kit_internal.h"

/**
 * kit_of() - the kit of a test
 * @test: the test
 *
 * Return: the context drvmem_kit_init() made; asserts if there is none.
 */
struct drvmem_kit *kit_of(struct kunit *test)
{
	struct kunit_resource *res;
	struct drvmem_kit *kit;

	res = kunit_find_named_resource(test, "drvmem_kit");
	KUNIT_ASSERT_NOT_NULL_MSG(test, res,
				  "drvmem kit: call drvmem_kit_init() from the suite's init");
	kit = res->data;
	kunit_put_resource(res);
	return kit;
}

static const char * const kit_kind_name[DRVMEM_NR_FINDING_KINDS] = {
	[DRVMEM_FINDING_LEAK] = "leak",
	[DRVMEM_FINDING_DOUBLE_FREE] = "double free",
	[DRVMEM_FINDING_FOREIGN_FREE] = "foreign free",
	[DRVMEM_FINDING_FREE_ORDER] = "free order",
	[DRVMEM_FINDING_CACHE_LEAK] = "cache leak",
	[DRVMEM_FINDING_UNMAP_SIZE] = "unmap size",
	[DRVMEM_FINDING_UNMAP_DIR] = "unmap direction",
	[DRVMEM_FINDING_REPORT] = "report",
	[DRVMEM_FINDING_DMA_API] = "DMA-API error",
	[DRVMEM_FINDING_UNCHECKED] = "unchecked allocation",
	[DRVMEM_FINDING_STEP_FAILED] = "step failed",
	[DRVMEM_FINDING_HELD] = "resources held",
	[DRVMEM_FINDING_SWEEP_INCOMPLETE] = "incomplete sweep",
	[DRVMEM_FINDING_OVERFLOW] = "ledger overflow",
	[DRVMEM_FINDING_PATTERN] = "pattern",
};

/**
 * drvmem_finding_kind_name() - a finding kind, in words
 * @kind: the kind; DRVMEM_NR_FINDING_KINDS reads "no finding"
 *
 * Return: its name.
 */
const char *drvmem_finding_kind_name(enum drvmem_finding_kind kind)
{
	return kind < DRVMEM_NR_FINDING_KINDS ? kit_kind_name[kind] : "no finding";
}
EXPORT_SYMBOL_GPL(drvmem_finding_kind_name);

/* Fail the test with a finding, or keep it while capturing. */
static void kit_report(struct drvmem_kit *kit, enum drvmem_finding_kind kind,
		       const char *msg)
{
	struct kunit *test = kit->test;

	/* the finding may quote a report: the tripwire must not see it again */
	kit->reporting = true;
	if (!kit->capturing) {
		KUNIT_FAIL(test, "%s", msg);
	} else {
		if (!kit->captured++)
			strscpy(kit->capture, msg, sizeof(kit->capture));
		if (!kit->captured_kind[kind][0])
			strscpy(kit->captured_kind[kind], msg,
				sizeof(kit->captured_kind[kind]));
		kunit_info(test, "captured finding (%s): %s\n",
			   kit_kind_name[kind], msg);
	}
	kit->reporting = false;
}

/* The finding @msg, said where it was made, for one batched finding. */
static void kit_batch_add(struct drvmem_kit *kit, enum drvmem_finding_kind kind,
			  const char *msg)
{
	struct kit_batch *b = &kit->batch;
	size_t len = strlen(b->where);
	struct kit_batched *f;
	unsigned int i;

	/* "<where>: <what>": the same what at another fault point is one finding */
	if (len && !strncmp(msg, b->where, len) && !strncmp(msg + len, ": ", 2))
		msg += len + 2;
	for (i = 0; i < b->nr; i++) {
		f = &b->found[i];
		if (f->kind == kind && !strcmp(f->what, msg)) {
			f->count++;
			strscpy(f->last, b->where, sizeof(f->last));
			return;
		}
	}
	if (b->nr == ARRAY_SIZE(b->found)) {
		b->dropped++;
		return;
	}
	f = &b->found[b->nr++];
	f->kind = kind;
	f->count = 1;
	strscpy(f->what, msg, sizeof(f->what));
	strscpy(f->first, b->where, sizeof(f->first));
	strscpy(f->last, b->where, sizeof(f->last));
}

/**
 * kit_batch_begin() - hold findings back, to report each one once
 * @kit: the kit
 *
 * For a sweep: the same finding at many fault points (a leak behind every
 * point after the allocation) is reported once, by kit_batch_end(), with
 * how often it was made and its first and last fault point.
 */
void kit_batch_begin(struct drvmem_kit *kit)
{
	memset(&kit->batch, 0, sizeof(kit->batch));
	kit->batch.on = true;
}

/**
 * kit_batch_where() - where the findings made from now on are made
 * @kit: the kit
 * @where: the step and fault point ("probe, fault point 3 (kmalloc ...)")
 */
void kit_batch_where(struct drvmem_kit *kit, const char *where)
{
	strscpy(kit->batch.where, where, sizeof(kit->batch.where));
}

/**
 * kit_batch_end() - report each finding held back, once
 * @kit: the kit
 *
 * Also called when the test ends, for a sweep an assertion cut short.
 */
void kit_batch_end(struct drvmem_kit *kit)
{
	struct kit_batch *b = &kit->batch;
	char msg[DRVMEM_MSG_LEN * 2];
	unsigned int i;

	if (!b->on)
		return;
	b->on = false;
	for (i = 0; i < b->nr; i++) {
		struct kit_batched *f = &b->found[i];

		if (f->count == 1)
			snprintf(msg, sizeof(msg), "%s: %s", f->first, f->what);
		else if (!strcmp(f->first, f->last))
			snprintf(msg, sizeof(msg), "%s (found %u times, each: %s)",
				 f->what, f->count, f->first);
		else
			snprintf(msg, sizeof(msg),
				 "%s (found %u times, the first: %s; the last: %s)",
				 f->what, f->count, f->first, f->last);
		kit_report(kit, f->kind, msg);
	}
	if (b->dropped) {
		snprintf(msg, sizeof(msg), "and %u more findings, not shown",
			 b->dropped);
		kit_report(kit, b->found[0].kind, msg);
	}
}

/**
 * kit_vfinding() - report a finding
 * @kit: the kit
 * @kind: what was found
 * @fmt: printf format of the finding
 * @args: its arguments
 */
void kit_vfinding(struct drvmem_kit *kit, enum drvmem_finding_kind kind,
		  const char *fmt, va_list args)
{
	char msg[DRVMEM_MSG_LEN * 2];

	vsnprintf(msg, sizeof(msg), fmt, args);
	if (kit->batch.on)
		kit_batch_add(kit, kind, msg);
	else
		kit_report(kit, kind, msg);
}

/**
 * kit_finding() - report a finding
 * @kit: the kit
 * @kind: what was found
 * @fmt: printf format of the finding
 */
void kit_finding(struct drvmem_kit *kit, enum drvmem_finding_kind kind,
		 const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	kit_vfinding(kit, kind, fmt, args);
	va_end(args);
}

/**
 * drvmem_finding() - report what the kit found
 * @test: the test
 * @kind: what was found; a suite's own checks use DRVMEM_FINDING_PATTERN
 * @fmt: printf format of the finding
 *
 * Fails @test with the message, or, between drvmem_capture_begin() and
 * drvmem_capture_end(), keeps it, by kind, for the caller to inspect.
 */
void drvmem_finding(struct kunit *test, enum drvmem_finding_kind kind,
		    const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	kit_vfinding(kit_of(test), kind, fmt, args);
	va_end(args);
}
EXPORT_SYMBOL_GPL(drvmem_finding);

/**
 * kit_kvfree_action() - kvfree() as a KUnit deferred action
 * @p: what kvmalloc() or kvzalloc() returned
 */
void kit_kvfree_action(void *p)
{
	kvfree(p);
}

/**
 * kit_in_test_task() - is this the test's task, in task context?
 * @kit: the kit
 *
 * Return: true on the test's own task, which every probe filters on.
 */
bool kit_in_test_task(struct drvmem_kit *kit)
{
	return in_task() && current == kit->task;
}

/**
 * kit_reporting() - is the kit printing a finding right now?
 * @kit: the kit
 *
 * A finding may quote a report: the tripwire must not see it again.
 *
 * Return: true while a finding is being reported.
 */
bool kit_reporting(struct drvmem_kit *kit)
{
	return READ_ONCE(kit->reporting);
}

/**
 * kit_probes_register() - attach a mechanism's tracepoint probes
 * @kit: the kit, the probes' data
 * @probes: the probes
 * @nr: how many
 *
 * Return: 0, or the errno of the probe that failed (none stays attached).
 */
int kit_probes_register(struct drvmem_kit *kit, const struct kit_probe *probes,
			unsigned int nr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = probes[i].reg(kit);
		if (ret) {
			while (i--)
				probes[i].unreg(kit);
			tracepoint_synchronize_unregister();
			return ret;
		}
	}
	return 0;
}

/**
 * kit_probes_unregister() - detach probes attached by kit_probes_register()
 * @kit: the kit
 * @probes: the probes
 * @nr: how many
 */
void kit_probes_unregister(struct drvmem_kit *kit,
			   const struct kit_probe *probes, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		probes[i].unreg(kit);
	tracepoint_synchronize_unregister();
}

/**
 * kit_knob() - a debugfs knob's variable
 * @dir: the knob's directory in debugfs
 * @name: the knob
 *
 * Return: the variable (a debugfs file's i_private), or NULL.
 */
void *kit_knob(const char *dir, const char *name)
{
	struct dentry *d, *f;
	void *p = NULL;

	d = debugfs_lookup(dir, NULL);
	if (IS_ERR_OR_NULL(d))
		return NULL;
	f = debugfs_lookup(name, d);
	if (!IS_ERR_OR_NULL(f)) {
		p = d_inode(f)->i_private;
		dput(f);
	}
	dput(d);
	return p;
}

/**
 * drvmem_capture_begin() - keep findings instead of failing the test
 * @test: the test
 *
 * For self-tests that expect the kit to flag a broken driver.  Reports
 * printed before this call still fail the test.  Until drvmem_capture_end(),
 * what KASAN and UBSAN do to the current test (they fail it) is done to a
 * witness, a test of the kit's own in current->kunit_test, as KUnit's own
 * kunit_current_fail_test does: the detectors still see a test running
 * and fail it, and drvmem_capture_end() turns that into a finding, as the
 * tripwire turns their reports into findings.  KUnit's own expectations
 * in the code between go to @test, as always.
 */
void drvmem_capture_begin(struct kunit *test)
{
	struct drvmem_kit *kit = kit_of(test);

	drvmem_tripwire_check(test);
	kit->capturing = true;
	kit->captured = 0;
	kit->capture[0] = '\0';
	memset(kit->captured_kind, 0, sizeof(kit->captured_kind));
	kunit_init_test(&kit->witness, "drvmem capture", NULL);
	kit->real_test = current->kunit_test;
	current->kunit_test = &kit->witness;
}
EXPORT_SYMBOL_GPL(drvmem_capture_begin);

/**
 * drvmem_capture_end() - stop keeping findings
 * @test: the test
 *
 * A detector that failed the witness without a report the tripwire saw
 * is a finding too.
 *
 * Return: the first finding since drvmem_capture_begin(), in test-managed
 * memory, or NULL if the kit found nothing.
 */
const char *drvmem_capture_end(struct kunit *test)
{
	struct drvmem_kit *kit = kit_of(test);

	current->kunit_test = kit->real_test;
	drvmem_tripwire_check(test);
	if (kit->witness.status == KUNIT_FAILURE &&
	    !kit->captured_kind[DRVMEM_FINDING_REPORT][0])
		kit_finding(kit, DRVMEM_FINDING_REPORT,
			    "a detector (KASAN, UBSAN) failed the test with no report the tripwire saw");
	kunit_cleanup(&kit->witness);
	kit->capturing = false;
	if (!kit->captured)
		return NULL;
	return kunit_kstrdup(test, kit->capture, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(drvmem_capture_end);

/**
 * drvmem_captured() - the first finding of a kind in the last capture
 * @test: the test
 * @kind: the kind
 *
 * Return: the finding, in test-managed memory, or NULL if there was none
 * of @kind between drvmem_capture_begin() and drvmem_capture_end().
 */
const char *drvmem_captured(struct kunit *test, enum drvmem_finding_kind kind)
{
	struct drvmem_kit *kit = kit_of(test);

	if (kind >= DRVMEM_NR_FINDING_KINDS || !kit->captured_kind[kind][0])
		return NULL;
	return kunit_kstrdup(test, kit->captured_kind[kind], GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(drvmem_captured);

/**
 * drvmem_captured_nr() - how many findings the last capture kept
 * @test: the test
 *
 * Return: the number of findings between drvmem_capture_begin() and
 * drvmem_capture_end(); a finding a sweep made at many fault points counts
 * once.
 */
unsigned int drvmem_captured_nr(struct kunit *test)
{
	return kit_of(test)->captured;
}
EXPORT_SYMBOL_GPL(drvmem_captured_nr);

/**
 * drvmem_expect_finding_end() - end DRVMEM_EXPECT_FINDING()
 * @test: the test
 * @kind: the kind expected; DRVMEM_NR_FINDING_KINDS for none at all
 * @expr: the code, in words, for the failure message
 *
 * Fails the test if @expr made no finding of @kind (or, for none, any).
 */
void drvmem_expect_finding_end(struct kunit *test,
			       enum drvmem_finding_kind kind, const char *expr)
{
	const char *first = drvmem_capture_end(test);

	if (kind == DRVMEM_NR_FINDING_KINDS) {
		KUNIT_EXPECT_NULL_MSG(test, first, "%s: expected no finding, got: %s",
				      expr, first);
		return;
	}
	KUNIT_EXPECT_NOT_NULL_MSG(test, drvmem_captured(test, kind),
				  "%s: expected a finding of kind \"%s\", got: %s",
				  expr, kit_kind_name[kind],
				  first ? first : "nothing");
}
EXPORT_SYMBOL_GPL(drvmem_expect_finding_end);

/**
 * drvmem_kasan_reports_again() - will KASAN report a second bug?
 *
 * KASAN reports only the first bug of a boot unless booted with
 * kasan_multi_shot (make kunit passes it).  A test that provokes a KASAN
 * report on purpose must skip otherwise, or it would blind KASAN for the
 * tests after it.
 *
 * Return: true if KASAN is off or booted with kasan_multi_shot.
 */
bool drvmem_kasan_reports_again(void)
{
	return !IS_ENABLED(CONFIG_KASAN) ||
	       strstr(drvmem_kit_command_line(), "kasan_multi_shot");
}
EXPORT_SYMBOL_GPL(drvmem_kasan_reports_again);

struct kit_tracepoint_lookup {
	const char *name;
	struct tracepoint *tp;
};

static void kit_find_tracepoint(struct tracepoint *tp, void *priv)
{
	struct kit_tracepoint_lookup *lookup = priv;

	if (!strcmp(tp->name, lookup->name))
		lookup->tp = tp;
}

/*
 * kit_tracepoint() - a kernel tracepoint, by name
 *
 * Built-in tracepoints are not all exported (__tracepoint_mm_page_alloc,
 * __tracepoint_console, ...): the kit looks them up, so that it works the
 * same built in and as a module.  The name is the newest kernel's
 * (drvmem_tracepoint_name() maps it onto this one's).
 */
static struct tracepoint *kit_tracepoint(const char *name)
{
	struct kit_tracepoint_lookup lookup = {
		.name = drvmem_tracepoint_name(name),
	};

	for_each_kernel_tracepoint(kit_find_tracepoint, &lookup);
	return lookup.tp;
}

/**
 * kit_tracepoint_register() - attach a probe to a tracepoint named @name
 * @name: the tracepoint, as the newest kernel names it
 * @probe: the probe, of the tracepoint's prototype with a leading data
 *	argument (KIT_TRACE_WRAPPERS() checks it)
 * @data: passed to @probe
 *
 * Return: 0, -ENOENT if the kernel has no such tracepoint, or an errno.
 */
int kit_tracepoint_register(const char *name, void *probe, void *data)
{
	struct tracepoint *tp = kit_tracepoint(name);

	return tp ? tracepoint_probe_register(tp, probe, data) : -ENOENT;
}

/**
 * kit_tracepoint_unregister() - detach what kit_tracepoint_register() did
 * @name: the tracepoint
 * @probe: the probe
 * @data: its data
 *
 * The caller waits for running probes (tracepoint_synchronize_unregister()).
 */
void kit_tracepoint_unregister(const char *name, void *probe, void *data)
{
	struct tracepoint *tp = kit_tracepoint(name);

	if (tp)
		tracepoint_probe_unregister(tp, probe, data);
}

struct kit_hook {
	const char *name;
	void *probe;
	void *data;
};

static void kit_unhook(void *data)
{
	struct kit_hook *hook = data;

	kit_tracepoint_unregister(hook->name, hook->probe, hook->data);
	tracepoint_synchronize_unregister();
}

/**
 * drvmem_tracepoint_attach() - attach a probe to a kernel tracepoint
 * @test: the test; the probe is detached when it ends
 * @name: the tracepoint, e.g. "devres_log", as the newest kernel names it
 * @probe: the probe: the tracepoint's prototype with a leading void *data
 * @data: passed to @probe
 *
 * Looks the tracepoint up by name, so that a suite built as a module can
 * attach to tracepoints that are not exported.
 *
 * Return: 0, -ENOENT if the kernel has no such tracepoint, or an errno.
 */
int drvmem_tracepoint_attach(struct kunit *test, const char *name,
			     void *probe, void *data)
{
	struct kit_hook *hook;
	int ret;

	hook = kunit_kzalloc(test, sizeof(*hook), GFP_KERNEL);
	if (!hook)
		return -ENOMEM;
	*hook = (struct kit_hook) { .name = name, .probe = probe, .data = data };
	ret = kit_tracepoint_register(name, probe, data);
	if (ret)
		return ret;
	return kunit_add_action_or_reset(test, kit_unhook, hook);
}
EXPORT_SYMBOL_GPL(drvmem_tracepoint_attach);

static void drvmem_kit_release(void *data)
{
	struct drvmem_kit *kit = data;

	/* runs in KUnit's cleanup thread: use the kit, not the test's task */
	kit_crash_exit(kit);
	kit_batch_end(kit);
	kit_fault_exit(kit);
	kit_tripwire_exit(kit);
	kit_ledger_exit(kit);
	kit_caches_exit(kit);
	put_task_struct(kit->task);
}

/**
 * drvmem_kit_init() - set the kit up for a test; call from the suite's init
 * @test: the test
 *
 * Attaches the ledger and tripwire probes and finds the fault-injection
 * knobs.  Everything is undone when the test ends.
 *
 * Return: 0, or a negative errno if the kernel lacks what the kit needs.
 */
int drvmem_kit_init(struct kunit *test)
{
	struct drvmem_kit *kit;
	int ret;

	/* some 120 KiB, most of it the ledger's tables: not one block */
	kit = kvzalloc_obj(*kit, GFP_KERNEL);
	if (!kit)
		return -ENOMEM;
	ret = kunit_add_action_or_reset(test, kit_kvfree_action, kit);
	if (ret)
		return ret;
	kit->test = test;
	ret = kit_fault_init(kit);
	if (ret)
		return ret;
	ret = kunit_add_named_resource(test, NULL, NULL, &kit->res,
				       "drvmem_kit", kit);
	if (ret)
		return ret;
	/* the test's task, for the probes' filters; held until the end */
	kit->task = get_task_struct(current);
	ret = kit_caches_init(kit);
	if (ret)
		goto err_put_task;
	ret = kit_ledger_init(kit);
	if (ret)
		goto err_caches_exit;
	ret = kit_tripwire_init(kit);
	if (ret)
		goto err_ledger_exit;
	kit_crash_init(kit);
	return kunit_add_action_or_reset(test, drvmem_kit_release, kit);

err_ledger_exit:
	kit_ledger_exit(kit);
err_caches_exit:
	kit_caches_exit(kit);
err_put_task:
	put_task_struct(kit->task);
	return ret;
}
EXPORT_SYMBOL_GPL(drvmem_kit_init);

MODULE_IMPORT_NS("DRVMEM_KIT_BUILTIN");
MODULE_DESCRIPTION("drvmem test kit: fault sweep, allocation ledger, tripwire");
MODULE_LICENSE("GPL");
