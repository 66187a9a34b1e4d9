/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chapter's complete example, as written, for the drvmem_unwind suite:
 * probes that break when a second device binds.
 *
 * Copyright (c) 2026 drvmem authors
 */
#ifndef _DRVMEM_UNWIND_BROKEN_H
#define _DRVMEM_UNWIND_BROKEN_H

#include "../kit/drvmem_kit.h"

/* sized, so that a suite can take ARRAY_SIZE(); the definition must agree */
#define DRVMEM_BROKEN_TWO_DEVICES_NR	2
extern const struct drvmem_broken drvmem_broken_two_devices[DRVMEM_BROKEN_TWO_DEVICES_NR];

#endif /* _DRVMEM_UNWIND_BROKEN_H */
