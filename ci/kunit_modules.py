#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run drvmem's modules on a real kernel in QEMU; parse their results.

    kunit_modules.py TREE BUILD_DIR

BUILD_DIR holds an x86_64 kernel that kunit.py built with KUnit, drvmem's
kit, drivers and suites as modules (ci/drvmem.sh modules).  This script
packs an initramfs with the kernel's own usr/gen_init_cpio: Debian's
static busybox, the modules in kbuild's link order (modules.order: KUnit,
the drivers, the kit, then the suites) and an /init that loads each one
with insmod -- a suite runs when its module loads -- then prints every
/sys/kernel/debug/kunit/<suite>/results between two markers and reboots.
QEMU (TCG, as the x86_64 tier) boots it; the results are joined into one
KTAP document and given to `kunit.py parse`, whose summary it prints.

Fails when the kernel has KUnit built in, when a module does not load,
when no results come back, when the
results are not one suite per suite module, or when kunit.py parse fails.
The console log and the KTAP are kept in BUILD_DIR (modules-console.log,
modules-results.ktap).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "drvmem-modules: results begin"
END = "drvmem-modules: results end"
TIMEOUT = 1200

INIT = """#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
for m in $(cat /lib/drvmem/order); do
	insmod /lib/drvmem/$m.ko || echo "drvmem-modules: insmod $m failed"
done
echo "%s"
for r in /sys/kernel/debug/kunit/*/results; do
	cat "$r"
done
echo "%s"
reboot -f
""" % (BEGIN, END)


def modules(build):
    """Module names in link order (KUnit's own, lib/kunit/kunit.ko, comes
    before drivers/), and their .ko paths."""
    names, paths = [], {}
    with open(os.path.join(build, "modules.order")) as f:
        for line in f:
            rel = line.strip()
            if "drivers/misc/drvmem/" not in rel and rel != "lib/kunit/kunit.o":
                continue
            ko = os.path.join(build, re.sub(r"\.o$", ".ko", rel))
            name = os.path.basename(ko)[:-3]
            names.append(name)
            paths[name] = ko
    return names, paths


def initramfs(build, names, paths, out):
    busybox = "/bin/busybox"
    ldd = subprocess.run(["ldd", busybox], capture_output=True, text=True)
    if "not a dynamic executable" not in ldd.stdout + ldd.stderr:
        sys.exit(f"{busybox} is not static: apt-get install busybox-static")
    tmp = os.path.dirname(out)
    with open(os.path.join(tmp, "init"), "w") as f:
        f.write(INIT)
    with open(os.path.join(tmp, "order"), "w") as f:
        f.write("\n".join(names) + "\n")
    spec = ["dir /dev 0755 0 0", "nod /dev/console 0600 0 0 c 5 1",
            "dir /bin 0755 0 0", f"file /bin/busybox {busybox} 0755 0 0",
            "slink /bin/sh busybox 0777 0 0", "dir /proc 0755 0 0",
            "dir /sys 0755 0 0", "dir /lib 0755 0 0",
            "dir /lib/drvmem 0755 0 0",
            f"file /init {tmp}/init 0755 0 0",
            f"file /lib/drvmem/order {tmp}/order 0644 0 0"]
    spec += [f"file /lib/drvmem/{n}.ko {paths[n]} 0644 0 0" for n in names]
    with open(os.path.join(tmp, "spec"), "w") as f:
        f.write("\n".join(spec) + "\n")
    gen = os.path.join(build, "usr", "gen_init_cpio")
    with open(out, "wb") as f:
        subprocess.run([gen, os.path.join(tmp, "spec")], stdout=f, check=True)


def boot(build, initrd, log):
    qemu = ["qemu-system-x86_64", "-nodefaults", "-m", "1024", "-smp", "2",
            "-accel", "tcg", "-kernel",
            os.path.join(build, "arch", "x86", "boot", "bzImage"),
            "-initrd", initrd, "-append",
            "console=ttyS0 swiotlb=force kasan_multi_shot panic=-1",
            "-no-reboot", "-nographic", "-serial", "stdio"]
    with open(log, "w") as f:
        try:
            subprocess.run(qemu, stdout=f, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"kunit_modules: QEMU timed out after {TIMEOUT} s")
    with open(log, errors="replace") as f:
        return f.read().replace("\r", "")


def suites_of(names):
    """The suite names each suite module registers, from its source."""
    want = set()
    for n in names:
        with open(os.path.join(REPO, "kunit", n + ".c")) as f:
            want |= set(re.findall(
                r'struct kunit_suite \w+ = \{[^}]*?\.name = "([^"]+)"', f.read()))
    return want


def ktap(console):
    """The suites' results, as one KTAP document, and their names."""
    if BEGIN not in console or END not in console:
        return None, set()
    body = console.split(BEGIN + "\n", 1)[1].split(END, 1)[0]
    suites = []
    # each results file: "KTAP version 1", "1..1", the suite, "ok 1 <suite>"
    for part in body.split("KTAP version 1\n1..1\n")[1:]:
        lines = part.rstrip("\n").split("\n")
        suites.append(lines)
    out = ["KTAP version 1", f"1..{len(suites)}"]
    for i, lines in enumerate(suites, 1):
        last = re.sub(r"^(not ok|ok) 1 ", rf"\g<1> {i} ", lines[-1])
        out += lines[:-1] + [last]
    names = {re.sub(r"^\s*# Subtest: ", "", line) for lines in suites
             for line in lines[:2] if "# Subtest: " in line}
    return "\n".join(out) + "\n", names


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    tree, build = sys.argv[1:]
    names, paths = modules(build)
    if "kunit" not in names:
        print("kunit_modules: no lib/kunit/kunit.ko: the kernel has KUnit built in, "
              "not the module this tier is about")
        return 1
    suites = [n for n in names if n.endswith("_kunit")]
    print(f"kunit_modules: {len(names)} modules, {len(suites)} of them suites: "
          + " ".join(names))
    if not suites:
        return 1
    log = os.path.join(build, "modules-console.log")
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, "initramfs.cpio")
        initramfs(build, names, paths, initrd)
        console = boot(build, initrd, log)
    failed = re.findall(r"drvmem-modules: insmod (\S+) failed", console)
    doc, got = ktap(console)
    if doc is None:
        print(f"kunit_modules: no results in the console log ({log}):")
        print("\n".join(console.splitlines()[-30:]))
        return 1
    results = os.path.join(build, "modules-results.ktap")
    with open(results, "w") as f:
        f.write(doc)
    parse = subprocess.run([sys.executable,
                            os.path.join(tree, "tools/testing/kunit/kunit.py"),
                            "parse", results], capture_output=True, text=True)
    print(parse.stdout.strip())
    want = suites_of(suites)
    ok = parse.returncode == 0 and not failed and got == want
    if failed:
        print("kunit_modules: insmod failed: " + " ".join(failed))
    if got != want:
        print("kunit_modules: suites the modules register without results: "
              + " ".join(sorted(want - got) or ["none"])
              + "; results of no such suite: " + " ".join(sorted(got - want) or ["none"]))
    print(f"kunit_modules: results of {len(got)} suites of {len(suites)} modules "
          f"from debugfs in {results}"
          + ("" if ok else ": FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    shutil.which("qemu-system-x86_64") or sys.exit("no qemu-system-x86_64")
    sys.exit(main())
