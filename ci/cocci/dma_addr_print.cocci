// SPDX-License-Identifier: GPL-2.0
/// A dma_addr_t printed through a cast to an integer type.
///
/// printk-formats.rst: a dma_addr_t is printed with %pad, given its
/// address, whatever its width on the architecture.  The chapter's DMA
/// example prints one with "%llx" and a cast (docs/errata.md, 12).  make
/// check runs this rule on drivers-under-test/ (it must report nothing).
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@cast depends on report@
dma_addr_t e;
type T;
expression list args;
identifier print =~ "^(printk|pr_[a-z]+|dev_[a-z]+|netdev_[a-z]+|seq_printf|snprintf|scnprintf|sprintf)$";
position p;
@@

print@p(args, (T)e, ...)

@script:python depends on report@
p << cast.p;
e << cast.e;
@@

coccilib.report.print_report(p[0], "%s: a dma_addr_t printed through a cast, not with %%pad" % e)
