#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh - the project's own tests: staging and its bad inputs on
# throw-away fake kernel trees, the KUnit summary script, and the
# consistency of Kconfig, Makefiles and .kunitconfig.
#
# Prints one "ok N - what" or "not ok N - what" line per test and exits
# non-zero if any failed.  Never touches a real kernel tree.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# fake_tree DIR [VERSION PATCHLEVEL] - the files staging reads and writes
fake_tree() {
	mkdir -p "$1/tools/testing/kunit" "$1/drivers/misc"
	printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 0\n' "${2:-6}" "${3:-12}" >"$1/Makefile"
	: >"$1/tools/testing/kunit/kunit.py"
	printf 'menu "Misc devices"\n\nconfig FOO\n\tbool "foo"\n\nendmenu\n' >"$1/drivers/misc/Kconfig"
	# shellcheck disable=SC2016 # a Makefile line, not shell
	printf 'obj-$(CONFIG_FOO)\t\t+= foo.o\n' >"$1/drivers/misc/Makefile"
}

# expect_error NAME PATTERN CMD... - CMD fails with one line naming PATTERN
expect_error() {
	name=$1 pattern=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -q "$pattern" "$TMP/err" &&
	   ! grep -q Traceback "$TMP/err"; then
		result 0 "$name"
	else
		echo "# rc=$rc, stderr: $(cat "$TMP/err")"
		result 1 "$name"
	fi
}

# never the user's cache or build directory
drvmem() {
	env CACHE="$TMP/cache" BUILD_DIR= "$REPO/ci/drvmem.sh" "$@"
}

# --- staging -------------------------------------------------------------
t=$TMP/linux
fake_tree "$t"
cp -r "$t" "$TMP/pristine"

KERNEL_SRC=$t drvmem stage
KERNEL_SRC=$t drvmem stage
[ "$(readlink "$t/drivers/misc/drvmem")" = "$REPO" ] &&
	[ "$(grep -c 'source "drivers/misc/drvmem/Kconfig"' "$t/drivers/misc/Kconfig")" = 1 ] &&
	[ "$(grep -c 'drvmem/' "$t/drivers/misc/Makefile")" = 1 ]
result $? "stage twice: one symlink, one source line, one obj- line"

tail -n 2 "$t/drivers/misc/Kconfig" | head -n 1 | grep -q 'source "drivers/misc/drvmem/Kconfig"'
result $? "stage puts the source line inside the menu, before endmenu"

KERNEL_SRC=$t drvmem unstage
[ ! -e "$t/drivers/misc/drvmem" ] && diff -r "$TMP/pristine" "$t" >/dev/null
result $? "unstage restores the tree byte for byte"

KERNEL_SRC=$t drvmem unstage && diff -r "$TMP/pristine" "$t" >/dev/null
result $? "unstage twice is a no-op"

# a tree staged from another checkout (a CI clone, a worktree), then from here
mkdir -p "$TMP/clone/kunit" "$TMP/clone/ci"
: >"$TMP/clone/kunit/drvmem_kit.h"
: >"$TMP/clone/ci/drvmem.sh"
ln -s "$TMP/clone" "$t/drivers/misc/drvmem"
for b in build-um-6.12 build-x86_64-7.2; do
	mkdir -p "$TMP/cache/$b/drivers/misc/drvmem" "$TMP/cache/$b/mm"
	: >"$TMP/cache/$b/drivers/misc/drvmem/clone.o"
	: >"$TMP/cache/$b/mm/slub.o"
done
KERNEL_SRC=$t drvmem stage 2>"$TMP/err" &&
	[ "$(readlink "$t/drivers/misc/drvmem")" = "$REPO" ] && grep -q "pointed to the checkout" "$TMP/err" &&
	[ ! -e "$TMP/cache/build-um-6.12/drivers/misc/drvmem" ] &&
	[ ! -e "$TMP/cache/build-x86_64-7.2/drivers/misc/drvmem" ] &&
	[ -e "$TMP/cache/build-um-6.12/mm/slub.o" ] && [ -e "$TMP/cache/build-x86_64-7.2/mm/slub.o" ]
result $? "stage takes over another drvmem checkout's symlink, says so, drops only its objects"

rm -rf "$TMP/clone"
ln -sfn "$TMP/clone" "$t/drivers/misc/drvmem"
KERNEL_SRC=$t drvmem stage 2>"$TMP/err" &&
	[ "$(readlink "$t/drivers/misc/drvmem")" = "$REPO" ] && grep -q "which is gone" "$TMP/err"
result $? "stage replaces a symlink to a deleted checkout, and says so"

# two runs sharing a cache take turns (the fake kunit.py does nothing)
mkdir -p "$TMP/cache"
# shellcheck disable=SC2016 # the inner shell expands $1
flock "$TMP/cache/run.lock" sh -c ': >"$1"; sleep 3' sh "$TMP/held" &
i=0
while [ ! -e "$TMP/held" ] && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
start=$(date +%s)
KERNEL_SRC=$t drvmem kunit >/dev/null 2>"$TMP/err"
rc=$?
wait
[ $rc -eq 0 ] && [ $(($(date +%s) - start)) -ge 1 ] && grep -q "waiting for it" "$TMP/err"
result $? "a kunit run waits while another holds the cache, and says so"
KERNEL_SRC=$t drvmem unstage

# --- bad inputs: one line naming the fix, non-zero exit ------------------
KERNEL_SRC=$TMP/nowhere expect_error "missing KERNEL_SRC is refused" \
	"is not a directory" drvmem stage
mkdir -p "$TMP/empty"
KERNEL_SRC=$TMP/empty expect_error "a directory that is not a kernel tree is refused" \
	"not a Linux source tree" drvmem stage
# --- the version window: tested on 6.12 to 7.2 -----------------------------
fake_tree "$TMP/old" 6 11
KERNEL_SRC=$TMP/old expect_error "6.11, older than the oldest tested, is refused" \
	"tested on 6.12 to 7.2 and needs 6.12 or later" drvmem stage
fake_tree "$TMP/five" 5 15
KERNEL_SRC=$TMP/five expect_error "a 5.x kernel is refused" "needs 6.12 or later" drvmem stage
for edge in "6 12" "7 2"; do
	# shellcheck disable=SC2086 # VERSION PATCHLEVEL
	fake_tree "$TMP/edge" $edge
	KERNEL_SRC=$TMP/edge drvmem stage 2>"$TMP/err" && [ ! -s "$TMP/err" ]
	result $? "$(echo "$edge" | tr ' ' .), a tested edge, is staged without a word"
	KERNEL_SRC=$TMP/edge drvmem unstage
	rm -rf "$TMP/edge"
done
for newer in "7 3" "8 0"; do
	# shellcheck disable=SC2086 # VERSION PATCHLEVEL
	fake_tree "$TMP/new" $newer
	KERNEL_SRC=$TMP/new drvmem stage 2>"$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
		grep -q "newer than drvmem is tested on (6.12 to 7.2)" "$TMP/err" &&
		[ -L "$TMP/new/drivers/misc/drvmem" ]
	result $? "$(echo "$newer" | tr ' ' .), newer than tested, is warned of in one line and staged"
	KERNEL_SRC=$TMP/new drvmem unstage 2>/dev/null
	rm -rf "$TMP/new"
done
fake_tree "$TMP/noversion" && printf 'VERSION = 7\n' >"$TMP/noversion/Makefile"
KERNEL_SRC=$TMP/noversion expect_error "a Makefile without PATCHLEVEL is refused" \
	"no VERSION/PATCHLEVEL" drvmem stage

# --- fetching a kernel line ------------------------------------------------
KERNEL=9.9 expect_error "a kernel line drvmem does not fetch is refused" \
	"drvmem fetches 6.12 or 7.2" drvmem tree
KERNEL=7.2 DRVMEM_INSTALL=0 expect_error "7.2 without root: one line naming the fix" \
	"needs root" drvmem tree
# no network: an archive on a closed local port (apt-get fails at once)
KERNEL=7.2 DEBIAN_ARCHIVE=http://127.0.0.1:9/debian expect_error \
	"7.2 with the archive unreachable: one line naming the fix" \
	"apt-get update of http://127.0.0.1:9/debian unstable failed" drvmem tree
[ ! -e "$TMP/cache/linux-source-7.2" ] && ! grep -rqs unstable /etc/apt/sources.list /etc/apt/sources.list.d
result $? "a failed fetch leaves no tree, and unstable stays out of the machine's apt sources"

# --- tools: checked before the build that needs them ---------------------
# a PATH with everything of this machine's but QEMU
mkdir -p "$TMP/bin"
for f in /usr/local/bin/* /usr/bin/* /bin/*; do
	case $f in */qemu-system-x86_64) continue ;; esac
	[ -e "$TMP/bin/${f##*/}" ] || ln -s "$f" "$TMP/bin/${f##*/}"
done
fake_tree "$TMP/t86"
PATH=$TMP/bin KERNEL_SRC=$TMP/t86 DRVMEM_INSTALL=0 expect_error \
	"no QEMU: the x86_64 tier stops before building, naming the package" \
	"run 'sudo apt-get install qemu-system-x86'" drvmem kunit-x86_64
[ ! -e "$TMP/t86/drivers/misc/drvmem" ]
result $? "the x86_64 tier without its tools stages nothing"
PATH=$TMP/bin DRVMEM_INSTALL=0 drvmem tools um
result $? "the UML tier needs no QEMU"
# the x86_64 tier's QEMU runs under TCG: kvm and hvf dropped, the rest kept
mkdir -p "$TMP/fakeqemu" "$TMP/tcg"
printf '#!/bin/sh\necho "$@"\n' >"$TMP/fakeqemu/qemu-system-x86_64"
chmod +x "$TMP/fakeqemu/qemu-system-x86_64"
ln -s "$REPO/ci/qemu-tcg.sh" "$TMP/tcg/qemu-system-x86_64"
out=$(PATH=$TMP/tcg:$TMP/fakeqemu:$PATH qemu-system-x86_64 -m 1024 -accel kvm \
	-accel hvf -accel tcg -append 'a b' -smp 2)
[ "$out" = "-m 1024 -accel tcg -append a b -smp 2" ]
result $? "qemu-tcg.sh drops -accel kvm and hvf, keeps every other argument"
pkgs=$(sed -n 's/.*apt-get install .*--no-install-recommends \(.*\) >.*/\1/p' "$REPO/.ci/run")
[ "$pkgs" = make ]
result $? ".ci/run installs make alone: make check installs the rest"
fake_tree "$TMP/dirty" && : >"$TMP/dirty/.config"
KERNEL_SRC=$TMP/dirty expect_error "a tree with a .config is refused (O= builds)" \
	"mrproper" drvmem stage
fake_tree "$TMP/taken" && mkdir "$TMP/taken/drivers/misc/drvmem"
KERNEL_SRC=$TMP/taken expect_error "a real drivers/misc/drvmem is not overwritten" \
	"not a drvmem symlink" drvmem stage
fake_tree "$TMP/foreign" && ln -s "$TMP" "$TMP/foreign/drivers/misc/drvmem"
KERNEL_SRC=$TMP/foreign expect_error "a drvmem symlink to something else is not replaced" \
	"not a drvmem checkout" drvmem stage
fake_tree "$TMP/tofile" && : >"$TMP/afile" && ln -s "$TMP/afile" "$TMP/tofile/drivers/misc/drvmem"
KERNEL_SRC=$TMP/tofile expect_error "a drvmem symlink to a file is not replaced" \
	"not a drvmem checkout" drvmem stage
expect_error "an unknown command is refused" "usage" drvmem frobnicate

# --- the KUnit summary ---------------------------------------------------
cat >"$TMP/ok.json" <<'JSON'
{"name": "KUnit Test Group", "test_cases": [], "sub_groups": [
 {"name": "drvmem_a", "test_cases": [{"name": "t1", "status": "PASS"},
   {"name": "t2", "status": "SKIP"}], "sub_groups": [
   {"name": "t3", "test_cases": [{"name": "p1", "status": "PASS"},
     {"name": "p2", "status": "PASS"}], "sub_groups": []}]},
 {"name": "other", "test_cases": [{"name": "x", "status": "FAIL"}], "sub_groups": []}]}
JSON
out=$(python3 "$REPO/ci/kunit_summary.py" "$TMP/ok.json") && [ "$out" = "3 0 1" ]
result $? "summary counts each parameter and ignores other suites"

! out=$(python3 "$REPO/ci/kunit_summary.py" "$TMP/ok.json" drvmem_a other) &&
	echo "$out" | grep -q "^3 1 1$" && echo "$out" | grep -q "not ok other.x"
result $? "summary counts a suite it is told to expect, such as the example's"

sed 's/"p2", "status": "PASS"/"p2", "status": "FAIL"/' "$TMP/ok.json" >"$TMP/fail.json"
! out=$(python3 "$REPO/ci/kunit_summary.py" "$TMP/fail.json") &&
	echo "$out" | grep -q "^2 1 1$" && echo "$out" | grep -q "not ok drvmem_a.t3.p2"
result $? "summary fails and names a failed parameter"

sed 's/drvmem_a/elsewhere/' "$TMP/ok.json" >"$TMP/none.json"
! python3 "$REPO/ci/kunit_summary.py" "$TMP/none.json" >/dev/null
result $? "summary fails when no drvmem test ran"

! python3 "$REPO/ci/kunit_summary.py" "$TMP/missing.json" >/dev/null 2>&1
result $? "summary fails when kunit.py wrote no results"

! out=$(python3 "$REPO/ci/kunit_summary.py" "$TMP/ok.json" drvmem_a drvmem_b) &&
	echo "$out" | grep -q "^3 1 1$" && echo "$out" | grep -q "not ok drvmem_b (suite did not run)"
result $? "summary fails when an expected suite did not run"

# --- Kconfig, Makefiles and .kunitconfig agree ---------------------------
ok=0
for f in "$REPO"/kunit/*_kunit.c; do
	pattern=$(basename "$f" _kunit.c)
	sym=DRVMEM_$(echo "$pattern" | tr '[:lower:]' '[:upper:]')_KUNIT_TEST
	grep -q "^config $sym$" "$REPO/kunit/Kconfig" || { echo "# $sym not in kunit/Kconfig"; ok=1; }
	grep -q "^CONFIG_$sym=y$" "$REPO/.kunitconfig" || { echo "# $sym not in .kunitconfig"; ok=1; }
	grep -q "\.name = \"drvmem_$pattern" "$f" || { echo "# $f: no suite drvmem_$pattern"; ok=1; }
	obj=$(sed -n "s/^obj-\$(CONFIG_$sym) += \(.*\)\.o$/\1/p" "$REPO/kunit/Makefile")
	if [ -z "$obj" ] || { [ "$obj" != "${pattern}_kunit" ] &&
	   ! grep -q "^$obj-y := .*${pattern}_kunit\.o" "$REPO/kunit/Makefile"; }; then
		echo "# kunit/Makefile does not build ${pattern}_kunit.o under $sym"
		ok=1
	fi
done
result $ok "every <pattern>_kunit.c has its Kconfig symbol, kunit/Makefile line, .kunitconfig line and suite name"

ok=0
syms=$(sed -n 's/^CONFIG_\(DRVMEM[A-Z_]*\)=.*/\1/p' "$REPO/.kunitconfig")
for sym in $syms; do
	grep -Eq "^(menu)?config $sym$" "$REPO/Kconfig" "$REPO"/*/Kconfig ||
		{ echo "# .kunitconfig: $sym is defined nowhere"; ok=1; }
done
result $ok "every CONFIG_DRVMEM_* in .kunitconfig is defined in a Kconfig"

ok=0
for f in "$REPO"/kunit/*.c "$REPO"/kunit/broken/*.[ch] "$REPO"/kunit/kit/*.[ch] \
	 "$REPO"/drivers-under-test/*.c "$REPO"/examples/*/*.c; do
	head -n 1 "$f" | grep -q "SPDX-License-Identifier" || { echo "# $f: no SPDX"; ok=1; }
done
for f in "$REPO"/drivers-under-test/*.c; do
	grep -q "MODULE_DESCRIPTION" "$f" || { echo "# $f: no MODULE_DESCRIPTION"; ok=1; }
done
result $ok "every C file has an SPDX line, every driver a MODULE_DESCRIPTION"

# --- the worked example: the README shows it, its .kunitconfig suffices ---
awk '/^5\. \*\*The suite\*\*/ { on = 1; next }
     on && /^```c$/ { copy = 1; next }
     copy && /^```$/ { exit }
     copy' "$REPO/README.md" | cmp -s - "$REPO/examples/foo/foo_kunit.c"
result $? "the README's worked example is examples/foo/foo_kunit.c, line for line"

ok=0
deps=$(sed -n '/^config DRVMEM_KIT$/,/^config /s/^[[:space:]]*depends on //p' "$REPO/kunit/Kconfig" |
	tr -c 'A-Z0-9_\n' ' ')
for sym in $deps DRVMEM DRVMEM_KIT; do
	grep -q "^CONFIG_$sym=y$" "$REPO/examples/foo/.kunitconfig" ||
		{ echo "# examples/foo/.kunitconfig: no CONFIG_$sym=y"; ok=1; }
done
result $ok "the example's .kunitconfig names every symbol DRVMEM_KIT depends on"

# --- make mutants: generated from the code, every operator -----------------
python3 "$REPO/ci/mutants.py" --list >"$TMP/mutants" 2>&1
ok=$?
for op in cache-destroy mempool-free use-after-free unwind-free teardown-free \
	swap-frees double-free null-check mapping-error devm-action gfp off-by-one \
	unmap devm-kfree; do
	grep -q "^[^ ]* $op " "$TMP/mutants" || { echo "# no $op mutant"; ok=1; }
done
result $ok "make mutants generates a mutant of every operator from the reference drivers"

# a mutant is the driver with one change: apply one of each operator, diff
python3 -c '
import difflib, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "ci"))
sys.argv = ["mutants.py"]
import mutants
seen = set()
bad = 0
for m in mutants.all_mutants():
    if m.op in seen:
        continue
    seen.add(m.op)
    old = open(os.path.join(mutants.REPO, m.path)).read().splitlines()
    new = m.new.splitlines()
    changed = [l for l in difflib.unified_diff(old, new, lineterm="", n=0)
               if l[:1] in "+-" and l[:3] not in ("+++", "---")]
    if not changed or len(changed) > 12:
        print("#", m.op, m.ident(), len(changed), "changed lines")
        bad = 1
sys.exit(bad)
' "$REPO"
result $? "each operator's mutant differs from its driver in a few lines"

# the static rule: silent on the drivers, flags an unchecked alloc_percpu()
if command -v spatch >/dev/null 2>&1; then
	sed '/priv->counter = alloc_percpu/{n;N;d}' "$REPO/drivers-under-test/drvmem_full.c" >"$TMP/full.c"
	out=$(spatch --very-quiet -D report --no-includes --include-headers \
		--sp-file "$REPO/ci/cocci/unchecked_alloc.cocci" "$TMP/full.c" 2>&1)
	printf '%s\n' "$out" | grep -q "priv -> counter from alloc_percpu() is never tested"
	result $? "unchecked_alloc.cocci flags alloc_percpu() with its NULL check deleted"
	# the chapter's DMA example (docs/errata.md, 12): %llx and a cast
	cat >"$TMP/chapter_dma.c" <<'EOF'
struct my_device {
	void *coherent_buf;
	dma_addr_t dma_handle;
};
static int setup_dma(struct platform_device *pdev, struct my_device *dev)
{
	dev_info(&pdev->dev, "DMA buffer at 0x%llx\n",
		 (unsigned long long)dev->dma_handle);
	return 0;
}
EOF
	out=$(spatch --very-quiet -D report --no-includes --include-headers \
		--sp-file "$REPO/ci/cocci/dma_addr_print.cocci" "$TMP/chapter_dma.c" 2>&1)
	printf '%s\n' "$out" | grep -q "dma_handle: a dma_addr_t printed through a cast"
	result $? "dma_addr_print.cocci flags the chapter's dma_addr_t printed with %llx"
else
	echo "ok $((n + 1)) - # SKIP the project's Coccinelle rules: install coccinelle"
	n=$((n + 1))
fi

# --- a crash: the suites after it run in boots of their own ---------------
mkdir -p "$TMP/resume"
cat >"$TMP/resume/kunit" <<'PY'
#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
if "--list_tests" in args:
    print("drvmem_a.t1\ndrvmem_b.t1\ndrvmem_b.t2\ndrvmem_c.t1")
    sys.exit(0)
out = [a.split("=", 1)[1] for a in args if a.startswith("--json=")][0]
suite = args[-1]
json.dump({"name": "main", "test_cases": [], "sub_groups": [
    {"name": suite, "sub_groups": [], "test_cases": [{"name": "t1", "status": "PASS"}]}]},
    open(out, "w"))
PY
chmod +x "$TMP/resume/kunit"
printf '[x] ===== [CRASHED] drvmem_a =====\n' >"$TMP/resume/out"
printf 'drvmem: crashed in t1: probe, fault point 3 (kmalloc from x_probe+0x1/0x2), the last fault injected\n' >"$TMP/resume/raw"
printf '{"name": "main", "test_cases": [], "sub_groups": [{"name": "drvmem_a", "sub_groups": [], "test_cases": [{"name": "t1", "status": "FAIL"}]}, {"name": "", "sub_groups": [], "test_cases": []}]}' >"$TMP/resume/json"
python3 "$REPO/ci/kunit_resume.py" "$TMP/resume/out" "$TMP/resume/raw" "$TMP/resume/json" "" \
	-- "$TMP/resume/kunit" >"$TMP/resume/said" 2>&1
rc=$?
names=$(python3 -c 'import json, sys; print(" ".join(g["name"] for g in json.load(open(sys.argv[1]))["sub_groups"]))' "$TMP/resume/json")
[ "$rc" = 1 ] && [ "$names" = "drvmem_a drvmem_b drvmem_c" ] &&
	grep -q "crashed in t1: probe, fault point 3" "$TMP/resume/said"
result $? "after a crash the suites it did not reach run, their results are merged, the fault point is named"
printf '[x] ===== [PASSED] drvmem_a =====\n' >"$TMP/resume/out"
python3 "$REPO/ci/kunit_resume.py" "$TMP/resume/out" "$TMP/resume/raw" "$TMP/resume/json" "" \
	-- "$TMP/resume/kunit" >/dev/null 2>&1
result $? "without a crash nothing is run again"

# --- make kunit without a build when nothing changed -----------------------
# a kunit.py that says which command it ran, "builds" .config and vmlinux
fake_tree "$TMP/stamp"
cat >"$TMP/stamp/tools/testing/kunit/kunit.py" <<'PY'
import os, sys
b = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--build_dir=")][0]
with open(os.environ["FAKE_KUNIT_LOG"], "a") as f:
    f.write(" ".join(sys.argv[1:2] + [a for a in sys.argv if a.startswith("--jobs")]) + "\n")
if sys.argv[1] == "run":
    os.makedirs(b, exist_ok=True)
    for name in (".config", "vmlinux"):
        open(os.path.join(b, name), "a").close()
        os.utime(os.path.join(b, name))      # a build writes them
print("[00:00:00] Starting KUnit Kernel (1/1)...")
PY
# and a make that says which target it built, and "relinks" vmlinux
mkdir -p "$TMP/fakebin"
cat >"$TMP/fakebin/make" <<'SH'
#!/bin/sh
for a; do case $a in O=*) o=${a#O=} ;; esac; target=$a; done
echo "make $target" >>"$FAKE_KUNIT_LOG"
touch "$o/vmlinux"
SH
chmod +x "$TMP/fakebin/make"
stamp_kunit() {
	env FAKE_KUNIT_LOG="$TMP/stamp.log" KERNEL_SRC="$TMP/stamp" DRVMEM_INSTALL=0 \
		PATH="$TMP/fakebin:$PATH" \
		"$@" CACHE="$TMP/cache" BUILD_DIR= "$REPO/ci/drvmem.sh" kunit >"$TMP/stamp.out" 2>&1
	tail -n 1 "$TMP/stamp.log"
}
r1=$(stamp_kunit)
r2=$(stamp_kunit)
grep -q "nothing changed since the last build" "$TMP/stamp.out"
said=$?
# an edit of C sources only: kbuild's make of the kernel, then exec
touch "$TMP/stamp/drivers/misc/foo.c"
r3=$(stamp_kunit)
r3="$(tail -n 2 "$TMP/stamp.log" | head -n 1) $r3"
r4=$(stamp_kunit)
# an edit of drvmem (through the staged symlink); README.md's time is
# put back after, so the user's next make kunit is not made to build
touch -r "$REPO/README.md" "$TMP/readme.time"
touch "$REPO/README.md"
r5=$(stamp_kunit)
touch -r "$TMP/readme.time" "$REPO/README.md"
r6=$(stamp_kunit KUNIT_ARGS=--kconfig_add=CONFIG_FOO=y)
r7=$(stamp_kunit KUNIT_ARGS=--kconfig_add=CONFIG_FOO=y)
r8=$(stamp_kunit)
r9=$(stamp_kunit KUNIT_ARGS=--jobs=1)
# another build in the directory (make mutants', say) relinks vmlinux
stamp_kunit >/dev/null
for b in "$TMP"/cache/build-um-*; do touch "$b/vmlinux"; done
r10=$(stamp_kunit)
r11=$(stamp_kunit)
[ "$r1 $r2 $said" = "run --jobs=2 exec 0" ] && [ "$r3 $r4" = "make linux exec exec" ] &&
	[ "$r5" = "run --jobs=2" ] && [ "$r6 $r7 $r8" = "run --jobs=2 exec run --jobs=2" ] &&
	[ "${r9%% *}" = run ] && [ "$r10 $r11" = "run --jobs=2 exec" ]
rc=$?
[ $rc = 0 ] || echo "# kunit.py commands: $r1 / $r2 ($said) / $r3 / $r4 / $r5 / $r6 / $r7 / $r8 / $r9 / $r10 / $r11; $(tail -n 3 "$TMP/stamp.out")"
result $rc "make kunit runs kunit.py exec when neither the tree, drvmem, the build directory nor the arguments changed since a build, make and exec when only C sources did, kunit.py run otherwise"
drvmem unstage "$TMP/stamp" >/dev/null 2>&1

sh -n "$REPO/ci/drvmem.sh" && sh -n "$REPO/ci/check.sh" && sh -n "$REPO/.ci/run" && sh -n "$0" &&
	python3 -c "import ast, sys; [ast.parse(open(f).read()) for f in sys.argv[1:]]" "$REPO"/ci/*.py
result $? "ci scripts parse"

echo "# $n self-tests, $failed failed"
[ "$failed" -eq 0 ]
