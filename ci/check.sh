#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - `make check`: the project's self-tests and static checks, then
# everything `make kunit` does (UML) on every kernel line drvmem is tested
# on (CHECK_KERNELS, default "6.12 7.2"; KERNEL_SRC instead: that tree
# alone), then the same suites on QEMU x86_64 with SMP on the newest of them
# (CHECK_X86_64=0 skips that tier; CHECK_UML=0 the UML tiers, for a CI
# job per tier: ci/templates/), and a seeded sample of make mutants on
# the first kernel (CHECK_MUTANTS=0 skips it).  Each self-test, static check,
# KUnit case and mutant counts once, and each tier prints its own count; the last line is
# "N passed, N failed" (and ", N skipped" when some were).  Fails if
# anything failed, if a tier ran no drvmem case or if a suite did not run.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/drvmem}
export CACHE
pass=0
fail=0
skip=0

# part NAME - say that a part of the run begins; the time each part took
# is printed before the summary
part_at=$(date +%s)
part_name=
times=
part() {
	now=$(date +%s)
	[ -z "$part_name" ] ||
		times="$times$(printf '%6d s  %s' $((now - part_at)) "$part_name")
"
	part_at=$now
	part_name=$1
	[ -z "$1" ] || echo "drvmem check: $1"
}

# check NAME CMD... - run one check, count it
check() {
	name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "drvmem check: ok - $name"
	else
		fail=$((fail + 1))
		echo "drvmem check: FAILED - $name"
	fi
}

# selftests - count each "ok"/"not ok" line of selftest.sh
selftests() {
	out=$("$REPO/ci/selftest.sh" 2>&1)
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$p" -gt 0 ] || fail=$((fail + 1))
}

shellscripts() {
	shellcheck -s sh "$REPO"/ci/*.sh "$REPO/.ci/run"
}

# kunit_tier NAME TARGET - run one kunit.py tier, count its drvmem cases
kunit_tier() {
	tier=$1
	json=$CACHE/kunit-$1.json
	rm -f "$json"
	KUNIT_JSON=$json KUNIT_JUNIT=$CACHE/kunit-$1.xml "$REPO/ci/drvmem.sh" "$2"
	rc=$?
	echo "kunit.py ($tier) exited with $rc"
	# shellcheck disable=SC2046,SC2086 # three numbers; a list of suites
	set -- $(python3 "$REPO/ci/kunit_summary.py" "$json" $SUITES |
		tee "$CACHE/summary-$tier.txt")
	pass=$((pass + $1))
	fail=$((fail + $2))
	skip=$((skip + $3))
	tiers="$tiers$tier: $1 passed, $2 failed, $3 skipped
"
	grep '^not ok' "$CACHE/summary-$tier.txt"
	if [ $(($1 + $2)) -eq 0 ]; then
		echo "drvmem check: FAILED - no drvmem KUnit case ran ($json)"
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
		echo "drvmem check: FAILED - kunit.py ($tier) failed, yet no drvmem case did"
		fail=$((fail + 1))
	fi
}

# mutants - a fixed sample of make mutants (every operator, seeded): each
# mutant killed counts as passed, each survivor, hang or stillborn as failed,
# a survivor listed as equivalent as skipped
mutants() {
	out=$(python3 "$REPO/ci/mutants.py" --sample "${CHECK_MUTANTS_SAMPLE:-16}" \
		--seed "${CHECK_MUTANTS_SEED:-drvmem}" --report "$CACHE/mutants-sample.txt" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^\[' | grep -v '^drvmem: .* pointed to'
	p=$(printf '%s\n' "$out" | grep -c '^mutant .*: killed in')
	# a survivor listed as equivalent (with its reason) is skipped
	e=$(printf '%s\n' "$out" | grep -c '^mutant .*: survived in .*\[listed equivalent: ')
	f=$(printf '%s\n' "$out" | grep '^mutant .*: \(survived\|hung\|stillborn\) in' |
		grep -vc '\[listed equivalent: ')
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + e))
	if [ "$p" -eq 0 ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		echo "drvmem check: FAILED - the mutation sample did not run (exit $rc)"
		fail=$((fail + 1))
	fi
}

selftest_label() {
	[ -z "$1" ] || echo " (the validators reject broken copies)"
}

# citemplates - the CI templates pass their validators, and the validators
# reject broken copies (skipped, with the packages named, without npm)
citemplates() {
	for mode in "" --selftest; do
		# shellcheck disable=SC2086 # no argument, or one
		out=$("$REPO/ci/citemplates.sh" $mode 2>&1)
		rc=$?
		printf '%s\n' "$out" | sed 's/^/drvmem check: templates: /'
		if [ "$rc" -eq 77 ]; then
			skip=$((skip + 1))
			echo "drvmem check: skipped - the CI templates (install nodejs npm)"
		elif [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^ok '; then
			pass=$((pass + 1))
			echo "drvmem check: ok - the CI templates$(selftest_label "$mode")"
		else
			fail=$((fail + 1))
			echo "drvmem check: FAILED - the CI templates$(selftest_label "$mode")"
		fi
	done
}

# junit_demo - the JUnit XML of a real run with a crash, a failure and a
# skip, written by kunit_tool's writer (7.2's kunit_junit.py; with 6.12
# alone, skipped: KERNEL=7.2 fetches it)
junit_demo() {
	if [ ! -f "$TREE/tools/testing/kunit/kunit_junit.py" ] &&
	   [ ! -f "$CACHE/linux-source-7.2/tools/testing/kunit/kunit_junit.py" ]; then
		skip=$((skip + 1))
		echo "drvmem check: skipped - JUnit XML: no kunit_tool with kunit_junit.py (fetch 7.2)"
		return
	fi
	check "JUnit XML of a run with a crash, a failure and a skip" \
		python3 "$REPO/ci/mutants.py" --junit-demo "$CACHE/kunit-junit-demo.xml"
}

# sparse_tier KERNEL - sparse (make C=2) on drvmem in that UML build
sparse_tier() {
	"$REPO/ci/drvmem.sh" sparse
	case $? in
	0) pass=$((pass + 1)); echo "drvmem check: ok - sparse, kernel $1" ;;
	77) skip=$((skip + 1)); echo "drvmem check: skipped - sparse, kernel $1 (the kernel wants a newer sparse)" ;;
	*) fail=$((fail + 1)); echo "drvmem check: FAILED - sparse, kernel $1" ;;
	esac
}

# Every suite must run, drvmem's and the example's, unless FILTER picks some.
SUITES=
if [ -z "${FILTER:-}" ]; then
	# the .name of each struct kunit_suite, not of other structs
	SUITES=$(awk '/struct kunit_suite [a-z0-9_]+ = \{/ { on = 1 }
		on && /\.name = "/ { sub(/.*\.name = "/, ""); sub(/".*/, ""); print; on = 0 }' \
		"$REPO"/kunit/*_kunit.c "$REPO"/examples/*/*_kunit.c)
fi

rm -f "$CACHE/summary.txt"
tiers=
if [ -n "${KERNEL_SRC:-}" ]; then
	KERNELS=src
else
	KERNELS=${CHECK_KERNELS:-6.12 7.2}
fi
part "tools"
"$REPO/ci/drvmem.sh" tools check || exit 1
part "self-tests"
selftests
# the trees first: a kernel that cannot be had fails before any build
part "kernel trees"
for k in $KERNELS; do
	[ "$k" = src ] || export KERNEL="$k"
	TREE=$("$REPO/ci/drvmem.sh" tree) || exit 1
	echo "drvmem check: kernel $k: $TREE"
done
part "static checks against $TREE"
check "checkpatch --strict on every C file" env KERNEL_SRC="$TREE" "$REPO/ci/drvmem.sh" checkpatch
check "kernel-doc -Wall on every C file and header" env KERNEL_SRC="$TREE" "$REPO/ci/drvmem.sh" kerneldoc
check "checkpatch and unwind_label.cocci flag the chapter's examples (strcpy, printk, labels), not their corrections" \
	env KERNEL_SRC="$TREE" "$REPO/ci/drvmem.sh" errata
check "shellcheck on ci/ and .ci/run" shellscripts
check "the project's Coccinelle rules on the reference drivers" "$REPO/ci/drvmem.sh" cocci
check "make coccicheck on the drivers, the kit, the example and compat" \
	env KERNEL_SRC="$TREE" "$REPO/ci/drvmem.sh" coccicheck
citemplates
for k in $KERNELS; do
	[ "$k" = src ] || export KERNEL="$k"
	[ "${CHECK_UML:-1}" = 0 ] || part "KUnit suites under UML, kernel $k"
	[ "${CHECK_UML:-1}" != 0 ] || continue
	kunit_tier "um-$k" kunit
	sparse_tier "$k"
	check "clang --analyze on the drivers, the kit and the example, kernel $k (and it flags an unset ret)" \
		"$REPO/ci/drvmem.sh" analyze
	if [ -z "${mutated:-}" ] && [ "${CHECK_MUTANTS:-1}" != 0 ]; then
		mutated=1
		part "mutation sample (kernel $k; make mutants runs every mutant)"
		mutants
		junit_demo
	fi
done
if [ "${CHECK_UML:-1}" != 0 ]; then
	part "make patch, applied to a clean copy of kernel $k"
	check "make patch: the series applied with git am to a clean copy of $k, its suites run there" \
		env KERNEL_SRC="$TREE" "$REPO/ci/drvmem.sh" patch-build
fi
if [ "${CHECK_X86_64:-1}" != 0 ]; then
	part "KUnit suites under QEMU x86_64 (SMP), kernel $k"
	kunit_tier "x86_64-$k" kunit-x86_64
	part "drvmem as modules on an x86_64 kernel $k, in QEMU"
	check "modules: drivers and suites loaded by insmod, results from debugfs parsed by kunit.py parse" \
		"$REPO/ci/drvmem.sh" modules
fi

part ""
printf '%s' "$tiers"
echo "drvmem check: time per part"
printf '%s' "$times"
summary="$pass passed, $fail failed"
[ "$skip" -eq 0 ] || summary="$summary, $skip skipped"
echo "$summary" | tee "$CACHE/summary.txt"
[ "$fail" -eq 0 ]
