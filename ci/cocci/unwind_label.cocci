// SPDX-License-Identifier: GPL-2.0
/// An unwind label named after what failed, not after what it undoes.
///
/// coding-style.rst, section 7: a label says what the goto does
/// (err_free_buf: frees buf).  The chapter's complete example names its
/// labels after the allocation that failed (err_vmalloc: kfree()s the
/// kmalloc buffer), the naming that invites putting a release under the
/// wrong label (docs/errata.md, C5).  Reported: a label err_, out_, fail_
/// or error_ whose first statement is a call and whose name carries no
/// verb of that call (free, destroy, release, unmap, put, ...).  make
/// check runs this rule on drivers-under-test/ (it must report nothing)
/// and on the chapter's example (it must report its three labels).
//
// Confidence: Moderate
// Options: --no-includes --include-headers

virtual report

@label depends on report@
identifier l =~ "^(err|out|fail|error)_";
identifier f;
expression list args;
position p;
@@

l@p:
f(args);

@script:python depends on report@
p << label.p;
l << label.l;
f << label.f;
@@

verbs = ("free", "destroy", "release", "unmap", "put", "unregister",
         "disable", "del", "remove", "cancel", "unlock", "stop", "clear",
         "deinit", "exit", "cleanup", "unprepare", "detach", "close", "dec")
name = l.split("_", 1)[1]
if not [v for v in verbs if v in name and v in f.lower()]:
    coccilib.report.print_report(p[0],
        "label %s names what failed, not what it undoes (%s())" % (l, f))
