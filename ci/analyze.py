#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""clang's static analyzer on drvmem's code, with the kernel's own flags.

    analyze.py BUILD_DIR [--selftest]

Reads BUILD_DIR/compile_commands.json (make kunit has kbuild write it, as
scripts/clang-tools/gen_compile_commands.py does), takes the command of
each file people copy or use -- the reference drivers, the kit and the
worked example -- and runs it again as `clang --analyze`: the same include
paths, defines, config header and warnings, with the options only gcc
knows taken out (the kernel's own clang flags are set by kbuild for a
clang build, and a second, clang-built tree only for this would cost a
cold kernel build).  Any report fails.

The suites and the broken fixtures make mistakes on purpose and are left
out, as for coccicheck.

--selftest: the analyzer must flag a copy of drvmem_full.c whose probe
drops dma_set_mask_and_coherent()'s result and tests the unset ret, and
must not flag the driver itself: a check that cannot fail proves nothing.
(Measured: it does not flag a probe that warns and goes on when kzalloc()
fails, once the function frees or tests the pointer again later, as
every goto unwind does; that mistake is the sweep's to catch.)

Exit status: 0 clean, 1 reports (printed), 77 clang missing.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

# What is analyzed, relative to drvmem's directory in the tree.
DIRS = ("drivers-under-test/", "kunit/kit/", "examples/")
DRVMEM = "drivers/misc/drvmem/"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# gcc options clang does not take, or takes otherwise: the option alone, or
# with its value when a value follows as the next argument.
DROP_PREFIX = (
    "-fsanitize", "-fasan-", "-fno-sanitize", "-fconserve-stack",
    "-fno-allow-store-data-races", "-fno-var-tracking-assignments",
    "-fmin-function-alignment", "-mindirect-branch", "-mfunction-return",
    "-mrecord-mcount", "-fno-ipa-", "-fzero-call-used-regs",
    "-mpreferred-stack-boundary", "-mno-fp-ret-in-387", "-mskip-rax-setup",
    "-fstack-clash-protection", "-fno-stack-clash-protection",
    "-fplugin", "-Wimplicit-fallthrough=", "-Wno-alloc-size-larger-than",
    "-Wno-stringop-", "-Wno-restrict", "-Wno-maybe-uninitialized",
    "-Wno-packed-not-aligned", "-Wno-dangling-pointer", "-Wno-array-bounds",
    "-fno-tree-", "-fstrict-flex-arrays", "-Wno-format-truncation",
    "-Wno-format-overflow", "-Wno-unused-but-set", "-fdiagnostics-show",
    "-fmacro-prefix-map", "-Wp,-MMD", "-Wp,-MD", "-Werror",
    "-ftrivial-auto-var-init", "-fno-stack-check", "-mno-3dnow",
)
DROP_WITH_VALUE = ("--param", "-o", "-MF", "-MT", "-MQ")

CLANG_EXTRA = [
    "--analyze", "-Xclang", "-analyzer-output=text",
    "-Wno-unknown-warning-option", "-Wno-unused-command-line-argument",
    "-Wno-unknown-attributes", "-Wno-ignored-optimization-argument",
    # the analyzer's own warnings only: the compiler's are gcc's job
    "-w",
]


def clang_argv(command, src):
    """The analyzer's argv for one kbuild command, on source file src."""
    args = shlex.split(command)
    out = ["clang"]
    i = 1
    # ccache gcc ...: skip the wrapper too
    while i < len(args) and not args[i].startswith("-"):
        i += 1
    skip = False
    for a in args[i:]:
        if skip:
            skip = False
            continue
        if a in DROP_WITH_VALUE:
            skip = True
            continue
        if a.startswith(DROP_PREFIX) or a.endswith(".c"):
            continue
        if a in ("-c", "-S", "-E"):
            continue
        out.append(a)
    return out + CLANG_EXTRA + [src, "-o", os.devnull]


def entries(build):
    """(path in drvmem, path in this checkout, entry) of each analyzed file.

    The repository's own file is analyzed, with the flags kbuild used for
    the staged one (which may be another checkout's, ci/mutants.py's).
    """
    with open(os.path.join(build, "compile_commands.json")) as f:
        db = json.load(f)
    for e in db:
        src = [a for a in shlex.split(e["command"]) if a.endswith(".c")]
        k = src[-1].find(DRVMEM) if src else -1
        if k < 0:
            continue
        rel = src[-1][k + len(DRVMEM):]
        if rel.startswith(DIRS):
            yield rel, os.path.join(REPO, rel), e


def analyze(e, src, extra=()):
    """The analyzer's reports on src, compiled as entry e is; '' if none."""
    argv = clang_argv(e["command"], src)
    argv[1:1] = extra
    r = subprocess.run(argv, cwd=e["directory"], capture_output=True,
                       text=True)
    text = r.stderr.strip()
    if r.returncode and not text:
        text = f"clang exited {r.returncode}"
    return text


def selftest(found):
    full = [x for x in found if x[0].endswith("drvmem_full.c")]
    if not full:
        print("analyze: drvmem_full.c is not in compile_commands.json")
        return 1
    rel, path, e = full[0]
    with open(path) as f:
        text = f.read()
    good = "\tret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));\n"
    bad = "\tdma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));\n"
    if text.count(good) != 1:
        print("analyze: drvmem_full.c has no single `ret = dma_set_mask_and_coherent(...)`")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "drvmem_full.c")
        with open(copy, "w") as f:
            f.write(text.replace(good, bad))
        # its "../compat/..." include, found from the original's directory
        flagged = analyze(e, copy, ["-I", os.path.dirname(path)])
    clean = analyze(e, path)
    hit = "garbage value" in flagged
    ok = hit and not clean
    print("analyze: the probe that tests a ret it never set: "
          f"{'flagged' if hit else 'NOT flagged'}")
    print(f"analyze: the driver itself: {'clean' if not clean else 'reported'}")
    if not ok:
        print(flagged or clean)
    return 0 if ok else 1


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    if not shutil.which("clang"):
        print("analyze: no clang (apt-get install clang)")
        return 77
    found = sorted(entries(sys.argv[1]))
    if "--selftest" in sys.argv[2:]:
        return selftest(found)
    if not found:
        print("analyze: no drvmem file in compile_commands.json")
        return 1
    bad = 0
    for rel, path, e in found:
        text = analyze(e, path)
        if text:
            bad += 1
            print(f"{rel}:\n{text}")
    print(f"analyze: {len(found)} files analyzed, {bad} with reports")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
