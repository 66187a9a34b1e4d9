// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: where drvmem's test code ends in the kernel's text.
 *
 * Linked last of kunit/ (see its Makefile), after the kit and the suites.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include "../compat/drvmem_compat.h"
#include "kit/symbols.h"

/**
 * drvmem_test_code_end() - marks the end of drvmem's test code
 *
 * Never called: only its address is used (kit/ledger.c).
 */
noinline void drvmem_test_code_end(void)
{
}
EXPORT_SYMBOL_NS_GPL(drvmem_test_code_end, "DRVMEM_KIT_BUILTIN");
