// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: where drvmem's test code starts in the kernel's text.
 *
 * Linked first of kunit/ (see its Makefile): the kit and the suites follow
 * it, up to drvmem_test_code_end(); the broken drivers, code under test,
 * are linked before it.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include "../compat/drvmem_compat.h"
#include "kit/symbols.h"

/**
 * drvmem_test_code_start() - marks the start of drvmem's test code
 *
 * Never called: only its address is used (kit/ledger.c).
 */
noinline void drvmem_test_code_start(void)
{
}
EXPORT_SYMBOL_NS_GPL(drvmem_test_code_start, "DRVMEM_KIT_BUILTIN");
