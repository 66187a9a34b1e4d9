#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: drvmem's speed, measured, each figure against its target.
#
#   inner loop      make kunit after touching one reference driver   <= 10 s
#   no change       make kunit with nothing changed                  <= 8 s
#   the run         the kernel's run, boot to halt, every suite: the wall
#                   time kunit.py gives it (its "Elapsed time")      <= 4 s
#   sweep speed     fault points per second of drvmem-full's sweep by
#                   the wall clock (the host's time of the log's lines) >= 1000
#
# Under UML's time-travel the kernel's clock skips the waits it does not
# wait out, so kernel times can exceed wall times; the figures are wall
# times, the kernel's (the cases' times in the JUnit XML, the sweep's own
# line) follow as comments.
#
# BENCH_COLD=1 adds the cold figures (two cold UML builds and a cold x86_64
# build, about half an hour on 2 CPUs), each in an empty build directory
# with ccache off:
#   cold ratio      make kunit, over a plain kunit.py run of the same
#                   .kunitconfig without drvmem                       <= 1.5
#   x86_64 cold     kunit.py build of the x86_64 tier (make kunit-x86_64,
#                   KERNEL=7.2 unless KERNEL or KERNEL_SRC say otherwise) <= 360 s
#
# Prints one line per figure and keeps them in $CACHE/bench.txt.  Uses the
# same kernel and cache as make kunit (KERNEL, KERNEL_SRC, CACHE).

set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/drvmem}
OUT=$CACHE/bench.txt
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# figure NAME VALUE TARGET UNIT [min]: one line, with the ratio to target
figure() {
	awk -v n="$1" -v v="$2" -v t="$3" -v u="$4" -v dir="${5:-max}" 'BEGIN {
		ok = (dir == "min") ? v >= t : v <= t
		printf "%-12s %8s %-4s target %s %s %s, ratio %.2f %s\n", n, v, u,
		       (dir == "min") ? ">=" : "<=", t, u, v / t, ok ? "ok" : "MISSED"
	}' | tee -a "$OUT"
}

# kunit LOG ARGS...: one make kunit, its wall time on stdout; each line of
# LOG starts with the host's monotonic time it arrived at, in seconds
# (kunit.py unbuffered, so that a line arrives when the kernel prints it)
kunit() {
	log=$1
	shift
	t0=$(now)
	{ env PYTHONUNBUFFERED=1 "$@" make -s -C "$REPO" kunit 2>&1 ||
		echo "bench: make kunit failed"; } |
		python3 -uc 'import sys, time
for line in sys.stdin:
    sys.stdout.write("%.6f %s" % (time.monotonic(), line))' >"$log"
	if grep -q '^[0-9.]* bench: make kunit failed$' "$log"; then
		tail -n 20 "$log" >&2
		exit 1
	fi
	secs "$t0" "$(now)"
}

# elapsed LOG: kunit.py's wall time of the kernel's run in LOG, boot,
# suites and its parse: "Elapsed time: Xs" of kunit.py exec, or the "Xs
# running" of kunit.py run
elapsed() {
	sed -n -e 's/.* Elapsed time: \([0-9.]*\)s$/\1/p' \
		-e 's/.* Elapsed time: .*, \([0-9.]*\)s running$/\1/p' "$1" |
		tail -n 1 | awk '{ printf "%.1f", $1 }'
}

mkdir -p "$CACHE"
{ echo "# drvmem bench, $(date -u +%Y-%m-%d), $(nproc) CPUs, kernel ${KERNEL_SRC:-${KERNEL:-6.12}}"; } | tee "$OUT"

# the cases' kernel time comes from the run's JUnit XML, which make kunit
# writes with kunit_tool's own writer: 6.12's kunit_tool has none, the 7.2
# tree's has
if [ ! -f "$("$REPO/ci/drvmem.sh" tree)/tools/testing/kunit/kunit_junit.py" ] &&
	[ ! -f "$CACHE/linux-source-7.2/tools/testing/kunit/kunit_junit.py" ]; then
	echo "# fetching the 7.2 tree for its kunit_tool's JUnit writer" | tee -a "$OUT"
	KERNEL=7.2 KERNEL_SRC='' "$REPO/ci/drvmem.sh" tree >/dev/null
fi

# warm the build directory first: its cost is the cold figure's, not these
kunit "$TMP/warm.log" KUNIT_ARGS=--raw_output=kunit >/dev/null
nochange=$(kunit "$TMP/nochange.log" KUNIT_ARGS=--raw_output=kunit KUNIT_JUNIT="$TMP/nochange.xml")
touch "$REPO/drivers-under-test/drvmem_unwind.c"
# the same arguments as the run before it: they are part of what make
# kunit compares with its last build
inner=$(kunit "$TMP/inner.log" KUNIT_ARGS=--raw_output=kunit)
[ -s "$TMP/nochange.xml" ] || { grep 'JUnit' "$TMP/nochange.log" >&2; echo "bench: no JUnit XML of the run" >&2; exit 1; }
# the cases' own time by the kernel's clock, each case's from the printk
# times of its lines (ci/kunit_junit.py), boot and kunit.py left out
cases=$(python3 - "$TMP/nochange.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = {}
for boot in root.findall("testsuite"):
    for suite in boot.findall("testsuite"):
        if suite.get("name", "").startswith("drvmem_"):
            suites[suite.get("name")] = sum(float(c.get("time") or 0)
                                            for c in suite.iter("testcase"))
print(f"{sum(suites.values()):.1f}")
top = sorted(suites.items(), key=lambda s: -s[1])[:5]
print("# by suite, by the kernel's clock: " + ", ".join(f"{n} {t:.1f} s" for n, t in top), file=sys.stderr)
PY
) 2>>"$TMP/suites"

run=$(elapsed "$TMP/nochange.log")
[ -n "$run" ] || { echo "bench: no Elapsed time in the run's log" >&2; exit 1; }

figure "inner loop" "$inner" 10 s
figure "no change" "$nochange" 8 s
figure "the run" "$run" 4 s
echo "# the cases by the kernel's clock: $cases s" | tee -a "$OUT"
tee -a "$OUT" <"$TMP/suites"

# sweep_rate LOG: fault points per second of drvmem-full's sweep in LOG
# by the kernel's clock, from "probe: swept N fault points (M more ...) in
# R runs, U us" of drvmem_unwind's second case
sweep_rate() {
	grep "drvmem_unwind_probe_unwinds_at_every_fault_point: probe: swept" "$1" |
		tail -n 1 |
		sed -n 's/.*swept \([0-9]*\) fault points (\([0-9]*\) more.* runs, \([0-9]*\) us.*/\1 \2 \3/p' |
		awk '{ if ($3) printf "%.0f", ($1 + $2) * 1e6 / $3; else print 0 }'
}
# wall_rate LOG: the same sweep by the wall clock, from the host's time of
# the line that ends the case's previous parameter to that of the sweep's
# own line (so its baseline run and the kit's set-up count too)
wall_rate() {
	awk '/ ok [0-9]+ / { t0 = $1 }
	/drvmem_unwind_probe_unwinds_at_every_fault_point: probe: swept/ {
		n = $0; sub(/.* swept /, "", n); split(n, a, " "); pts = a[1]
		m = $0; sub(/.*fault points \(/, "", m); split(m, b, " "); pts += b[1]
		if (t0) r = pts / ($1 - t0)
	} END { printf "%.0f", r }' "$1"
}
figure "sweep speed" "$(wall_rate "$TMP/nochange.log")" 1000 "pt/s" min
# wall_runs LOG: the same sweep's runs per second, and the fault points
# kmemleak's records passed on (a run fails those and the point after them)
wall_runs() {
	awk '/ ok [0-9]+ / { t0 = $1 }
	/drvmem_unwind_probe_unwinds_at_every_fault_point: probe: swept/ {
		r = $0; sub(/.* in /, "", r); split(r, a, " ")
		p = $0; sub(/.* whole; /, "", p); split(p, b, " ")
		if (t0) { rate = a[1] / ($1 - t0); runs = a[1]; passed = b[1] + 0 }
	} END { printf "%d runs, %.0f runs/s; %d of its fault points passed on by kmemleak records", runs, rate, passed }' "$1"
}
echo "# the same sweep: $(wall_runs "$TMP/nochange.log")" | tee -a "$OUT"
# the same sweep in a run of drvmem_unwind alone: what the kernel's state
# after the earlier suites costs it (a full KASAN quarantine, README)
kunit "$TMP/alone.log" KUNIT_ARGS=--raw_output=kunit FILTER=drvmem_unwind >/dev/null
echo "# sweep speed, drvmem_unwind alone: $(wall_rate "$TMP/alone.log") pt/s; by the kernel's clock $(sweep_rate "$TMP/nochange.log") pt/s, alone $(sweep_rate "$TMP/alone.log") pt/s" |
	tee -a "$OUT"
# sweeps of a tick (10 ms) or more: under UML's time-travel the kernel's
# clock moves in ticks, so a shorter sweep's time says nothing
awk '/: swept [0-9]+ fault points/ {
	n = $0; sub(/.* swept /, "", n); split(n, a, " "); pts = a[1]
	us = $0; sub(/ us.*/, "", us); sub(/.*, /, "", us); us += 0
	if (us >= 10000) { r = pts * 1e6 / us; if (!min || r < min) min = r; if (r > max) max = r; k++ }
} END { if (k) printf "# %d sweeps of 10 ms or more: %.0f to %.0f fault points per second\n", k, min, max }' \
	"$TMP/nochange.log" | tee -a "$OUT"

if [ "${BENCH_COLD:-0}" = 1 ]; then
	TREE=$("$REPO/ci/drvmem.sh" tree)
	export CCACHE_DISABLE=1
	rm -rf "$CACHE/bench-drvmem" "$CACHE/bench-plain"
	drvmem=$(kunit "$TMP/cold.log" BUILD_DIR="$CACHE/bench-drvmem")
	grep -v -e '^CONFIG_DRVMEM' -e '^CONFIG_FOO' "$REPO/.kunitconfig" >"$TMP/plain.kunitconfig"
	t0=$(now)
	(cd "$TREE" && python3 tools/testing/kunit/kunit.py run --jobs="${JOBS:-2}" \
		--kunitconfig="$TMP/plain.kunitconfig" --build_dir="$CACHE/bench-plain" \
		--make_options "CC=ccache gcc" >"$TMP/plain.log" 2>&1) || true
	plain=$(secs "$t0" "$(now)")
	rm -rf "$CACHE/bench-drvmem" "$CACHE/bench-plain"
	echo "# cold: make kunit $drvmem s, plain kunit.py $plain s" | tee -a "$OUT"
	figure "cold ratio" "$(awk -v a="$drvmem" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')" 1.5 x
	# the x86_64 tier's own config, as make kunit-x86_64 writes it
	X86_TREE=$(KERNEL=${KERNEL:-7.2} "$REPO/ci/drvmem.sh" tree)
	KERNEL=${KERNEL:-7.2} "$REPO/ci/drvmem.sh" stage
	KERNEL=${KERNEL:-7.2} "$REPO/ci/drvmem.sh" x86_64-config >"$TMP/x86_64.kunitconfig"
	rm -rf "$CACHE/bench-x86_64"
	t0=$(now)
	(cd "$X86_TREE" && python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
		--jobs="${JOBS:-2}" --kunitconfig="$TMP/x86_64.kunitconfig" \
		--kunitconfig="$X86_TREE/drivers/misc/drvmem/examples/foo" \
		--build_dir="$CACHE/bench-x86_64" >"$TMP/x86_64.log" 2>&1) ||
		{ tail -n 20 "$TMP/x86_64.log" >&2; echo "bench: the x86_64 build failed" >&2; exit 1; }
	x86=$(secs "$t0" "$(now)")
	rm -rf "$CACHE/bench-x86_64"
	figure "x86_64 cold" "$x86" 360 s
fi
