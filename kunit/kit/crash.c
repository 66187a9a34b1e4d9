// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: a crash names its test and the fault injected last.
 *
 * A driver that dereferences an allocation it never checked crashes the
 * kernel when a sweep fails that allocation: under UML a kernel segfault
 * is a panic, the boot ends there and KUnit's report only says "crashed".
 * While a test runs, the kit listens on the panic and die notifier chains
 * and, if the kernel goes down, prints one line naming the test, the step
 * and the fault point it was running, and the call that fault failed:
 *
 *	drvmem: crashed in drvmem_unwind_probe_unwinds_at_every_fault_point:
 *	probe, fault point 1 (kzalloc from drvmem_unwind_probe+0x5c/0x1f0),
 *	the last fault injected
 *
 * ci/drvmem.sh prints that line after the run and runs the suites the
 * crashed boot never reached in boots of their own.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/kdebug.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/printk.h>
#include <linux/stdarg.h>

#include "kit_internal.h"

/* Print what the test was doing: from a panic or an oops, so no locks. */
static void kit_crash_say(struct drvmem_kit *kit, const char *how)
{
	const char *api = kit->fault.failed_site ? kit->fault.failed_api : NULL;

	if (!READ_ONCE(kit->crash.running))
		pr_emerg("drvmem: %s in %s, no fault injected\n", how,
			 kit->test->name);
	else if (api)
		pr_emerg("drvmem: %s in %s: %s (%s from %pS), the last fault injected\n",
			 how, kit->test->name, kit->crash.where, api,
			 (void *)kit->fault.failed_site);
	else
		pr_emerg("drvmem: %s in %s: %s, the last fault injected\n",
			 how, kit->test->name, kit->crash.where);
}

static int kit_crash_on_panic(struct notifier_block *nb, unsigned long event,
			      void *data)
{
	kit_crash_say(container_of(nb, struct drvmem_kit, crash.panic_nb),
		      "crashed");
	return NOTIFY_DONE;
}

static int kit_crash_on_die(struct notifier_block *nb, unsigned long event,
			    void *data)
{
	struct drvmem_kit *kit = container_of(nb, struct drvmem_kit,
					      crash.die_nb);

	/* an oops in the test's own task; other tasks' oopses are not ours */
	if (event == DIE_OOPS && kit_in_test_task(kit))
		kit_crash_say(kit, "oops");
	return NOTIFY_DONE;
}

/**
 * kit_crash_where() - say what the test runs now, for a crash report
 * @kit: the kit
 * @fmt: printf format of the step and fault point, e.g. "probe, fault point 3"
 *
 * The failed call is added from the fault-injection part when it is known.
 */
void kit_crash_where(struct drvmem_kit *kit, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vscnprintf(kit->crash.where, sizeof(kit->crash.where), fmt, args);
	va_end(args);
	WRITE_ONCE(kit->crash.running, true);
}

/**
 * kit_crash_clear() - the run said by kit_crash_where() has ended
 * @kit: the kit
 */
void kit_crash_clear(struct drvmem_kit *kit)
{
	WRITE_ONCE(kit->crash.running, false);
}

/**
 * kit_crash_init() - listen for a panic or an oops while the test runs
 * @kit: the kit
 */
void kit_crash_init(struct drvmem_kit *kit)
{
	kit->crash.panic_nb.notifier_call = kit_crash_on_panic;
	/* before the panic's own notifiers print their state */
	kit->crash.panic_nb.priority = INT_MAX;
	atomic_notifier_chain_register(&panic_notifier_list,
				       &kit->crash.panic_nb);
	kit->crash.die_nb.notifier_call = kit_crash_on_die;
	register_die_notifier(&kit->crash.die_nb);
}

/**
 * kit_crash_exit() - stop listening
 * @kit: the kit
 */
void kit_crash_exit(struct drvmem_kit *kit)
{
	unregister_die_notifier(&kit->crash.die_nb);
	atomic_notifier_chain_unregister(&panic_notifier_list,
					 &kit->crash.panic_nb);
}
