// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem: where the broken fixtures start in the kernel's text.
 *
 * Linked first of kunit/broken/ (see its Makefile); the fixtures end where
 * drvmem's test code starts (kunit/test_code_start.c).  Their leaks are
 * made on purpose, and flagged by the tests that expect them: the leak
 * check after the run does not count them (kunit/kit/kmemleak.c).
 *
 * Copyright (c) 2026 drvmem authors
 */

#include "../../compat/drvmem_compat.h"
#include "../kit/symbols.h"

/**
 * drvmem_fixtures_start() - marks the start of drvmem's broken fixtures
 *
 * Never called: only its address is used.
 */
noinline void drvmem_fixtures_start(void)
{
}
EXPORT_SYMBOL_NS_GPL(drvmem_fixtures_start, "DRVMEM_KIT_BUILTIN");
