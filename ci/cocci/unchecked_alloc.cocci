// SPDX-License-Identifier: GPL-2.0
/// An allocation whose result is never tested for failure.
///
/// A sweep proves a NULL check by failing the allocation; it cannot fail an
/// allocator that has no fault point, such as alloc_percpu() in 6.12 (it
/// fails only when it must create a chunk), so for those the check is
/// proven here, and for every other allocator too.  make check runs it on
/// drivers-under-test/ (it must report nothing); ci/mutants.py runs it on
/// a mutant no run-time test killed.  For a driver of your own:
///   spatch -D report --no-includes --include-headers \
///          --sp-file ci/cocci/unchecked_alloc.cocci path/to/driver.c
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@tested exists@
expression x;
position p;
identifier alloc =~ "^(__)?(alloc_percpu(_gfp)?|k[mz]alloc(_obj|_array)?|kcalloc|kv[mz]alloc|vz?alloc|kmem_cache_z?alloc|kmem_cache_create|mempool_create[a-z_]*|mempool_alloc|alloc_pages|__get_free_pages|dma_alloc_coherent|dmam_alloc_coherent|devm_k[mz]alloc|devm_kcalloc|kmemdup|kstrdup)$";
@@

x@p = alloc(...);
...
(
 !x
|
 x == NULL
|
 x != NULL
|
 IS_ERR_OR_NULL(x)
)

@returned exists@
expression x;
position p;
identifier alloc =~ "^(__)?(alloc_percpu(_gfp)?|k[mz]alloc(_obj|_array)?|kcalloc|kv[mz]alloc|vz?alloc|kmem_cache_z?alloc|kmem_cache_create|mempool_create[a-z_]*|mempool_alloc|alloc_pages|__get_free_pages|dma_alloc_coherent|dmam_alloc_coherent|devm_k[mz]alloc|devm_kcalloc|kmemdup|kstrdup)$";
@@

x@p = alloc(...);
...
return x;

@unchecked depends on report@
expression x;
position p != {tested.p, returned.p};
identifier alloc =~ "^(__)?(alloc_percpu(_gfp)?|k[mz]alloc(_obj|_array)?|kcalloc|kv[mz]alloc|vz?alloc|kmem_cache_z?alloc|kmem_cache_create|mempool_create[a-z_]*|mempool_alloc|alloc_pages|__get_free_pages|dma_alloc_coherent|dmam_alloc_coherent|devm_k[mz]alloc|devm_kcalloc|kmemdup|kstrdup)$";
@@

x@p = alloc(...);

@script:python depends on report@
p << unchecked.p;
x << unchecked.x;
alloc << unchecked.alloc;
@@

coccilib.report.print_report(p[0], "%s from %s() is never tested for failure" % (x, alloc))
