#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# drvmem.sh - find or fetch a kernel tree, stage drvmem into it, run kunit.py.
#
#   drvmem.sh tree           print the kernel tree to use (fetching it if needed)
#   drvmem.sh stage          link drvmem into <tree>/drivers/misc/drvmem
#   drvmem.sh unstage        remove exactly what stage added
#   drvmem.sh kunit          stage, then kunit.py run under UML
#   drvmem.sh kunit-x86_64   stage, then kunit.py run under QEMU x86_64 (SMP)
#   drvmem.sh checkpatch     checkpatch --strict on the C sources
#   drvmem.sh kerneldoc      kernel-doc -Wall on the kit and driver headers
#
# Environment: KERNEL_SRC (a kernel tree; default: linux-source-6.12 unpacked
# into $CACHE), CACHE (default ~/.cache/drvmem), BUILD_DIR, JOBS, FILTER,
# KUNIT_ARGS (extra kunit.py arguments), KUNIT_JSON (write kunit.py's JSON).
#
# Every failure is one line on stderr that names the fix, and exit status 1.

set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/drvmem}
JOBS=${JOBS:-2}
FILTER=${FILTER:-drvmem*}
KUNIT_ARGS=${KUNIT_ARGS:-}
PKG=linux-source-6.12
TARBALL=/usr/src/$PKG.tar.xz
STAGE_DIR=drivers/misc/drvmem
KCONFIG_LINE='source "drivers/misc/drvmem/Kconfig"'
MAKEFILE_LINE='obj-y				+= drvmem/'

die() {
	echo "drvmem: $*" >&2
	exit 1
}

# fetch_tree - unpack linux-source-6.12 into $CACHE once, installing it if needed
fetch_tree() {
	dst=$CACHE/$PKG
	if [ -f "$dst/Makefile" ]; then
		echo "$dst"
		return
	fi
	if [ ! -f "$TARBALL" ]; then
		[ "$(id -u)" = 0 ] ||
			die "no kernel tree: run 'sudo apt-get install $PKG' or set KERNEL_SRC=/path/to/linux"
		echo "drvmem: installing $PKG with apt-get" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$PKG" >&2 ||
			die "apt-get install $PKG failed: run 'apt-get update' and retry, or set KERNEL_SRC"
	fi
	echo "drvmem: unpacking $TARBALL into $CACHE (once)" >&2
	mkdir -p "$CACHE"
	rm -rf "$dst.tmp"
	mkdir "$dst.tmp"
	tar -xf "$TARBALL" -C "$dst.tmp" || die "could not unpack $TARBALL into $CACHE: check free space"
	mv "$dst.tmp/$PKG" "$dst"
	rmdir "$dst.tmp"
	echo "$dst"
}

# check_tree DIR - is DIR a kernel tree drvmem can use?
check_tree() {
	t=$1
	[ -d "$t" ] || die "KERNEL_SRC=$t is not a directory: point it at a Linux source tree"
	if [ ! -f "$t/Makefile" ] || [ ! -f "$t/tools/testing/kunit/kunit.py" ] ||
	   [ ! -f "$t/drivers/misc/Kconfig" ]; then
		die "$t is not a Linux source tree (no tools/testing/kunit/kunit.py): set KERNEL_SRC to one"
	fi
	v=$(sed -n 's/^VERSION = \([0-9]*\)$/\1/p' "$t/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = \([0-9]*\)$/\1/p' "$t/Makefile")
	if [ -z "$v" ] || [ -z "$p" ]; then
		die "$t/Makefile has no VERSION/PATCHLEVEL: not a Linux source tree"
	fi
	if [ "$v" -lt 6 ] || { [ "$v" -eq 6 ] && [ "$p" -lt 8 ]; }; then
		die "$t is Linux $v.$p; drvmem needs 6.8 or later (kunit_device_register()): use $PKG"
	fi
	if [ -f "$t/.config" ] || [ -d "$t/include/config" ]; then
		die "$t has build output in the source tree, which breaks O= builds: run 'make -C $t mrproper'"
	fi
}

tree() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		t=$KERNEL_SRC
	else
		t=$(fetch_tree)
	fi
	check_tree "$t"
	(cd "$t" && pwd)
}

# is_drvmem DIR - is DIR a drvmem checkout?
is_drvmem() {
	[ -f "$1/kunit/drvmem_kit.h" ] && [ -f "$1/ci/drvmem.sh" ]
}

# repoint LINK - stage this checkout instead of another one.  The other
# checkout's objects in the build directories may be newer than this one's
# sources, and kbuild goes by file times: have them all rebuilt.
repoint() {
	ln -sfn "$REPO" "$1"
	rm -rf "${BUILD_DIR:-$CACHE/build-um}/$STAGE_DIR" "$CACHE/build-x86_64/$STAGE_DIR"
}

# stage TREE - symlink the repo into the tree and hook it into drivers/misc.
# A symlink left by another drvmem checkout (a second clone, a worktree, a
# CI clone since deleted) is pointed at this one; anything else is refused.
stage() {
	t=$1
	link=$t/$STAGE_DIR
	if [ -L "$link" ]; then
		if [ ! -e "$link" ]; then
			echo "drvmem: $link pointed to $(readlink "$link"), which is gone; staging $REPO" >&2
			repoint "$link"
		elif [ ! -d "$link" ] || ! is_drvmem "$link"; then
			die "$link points to $(readlink "$link"), not a drvmem checkout: remove it, then 'make stage'"
		elif [ "$(cd "$link" && pwd -P)" != "$(cd "$REPO" && pwd -P)" ]; then
			echo "drvmem: $link pointed to the checkout $(readlink "$link"); staging $REPO" >&2
			repoint "$link"
		fi
	elif [ -e "$link" ]; then
		die "$link exists and is not a drvmem symlink: remove it, then 'make stage'"
	else
		ln -s "$REPO" "$link"
	fi
	if ! grep -qxF "$KCONFIG_LINE" "$t/drivers/misc/Kconfig"; then
		# one line, just before the menu's closing endmenu
		awk -v line="$KCONFIG_LINE" '
			{ l[NR] = $0 } /^endmenu/ { last = NR }
			END { for (i = 1; i <= NR; i++) { if (i == last) print line; print l[i] } }
		' "$t/drivers/misc/Kconfig" >"$t/drivers/misc/Kconfig.drvmem"
		mv "$t/drivers/misc/Kconfig.drvmem" "$t/drivers/misc/Kconfig"
	fi
	grep -qxF "$MAKEFILE_LINE" "$t/drivers/misc/Makefile" ||
		printf '%s\n' "$MAKEFILE_LINE" >>"$t/drivers/misc/Makefile"
}

unstage() {
	t=$1
	link=$t/$STAGE_DIR
	if [ -L "$link" ]; then
		rm "$link"
	elif [ -e "$link" ]; then
		die "$link is not a drvmem symlink: not touching it"
	fi
	for f in Kconfig Makefile; do
		case $f in Kconfig) line=$KCONFIG_LINE ;; *) line=$MAKEFILE_LINE ;; esac
		if grep -qxF "$line" "$t/drivers/misc/$f"; then
			grep -vxF "$line" "$t/drivers/misc/$f" >"$t/drivers/misc/$f.drvmem" || true
			mv "$t/drivers/misc/$f.drvmem" "$t/drivers/misc/$f"
		fi
	done
}

# lock - one kunit run at a time per cache: runs from two checkouts share the
# staged tree and the build directories.  The lock is held by the open file
# descriptor 9, which kunit.py inherits through exec, until it exits.
lock() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/run.lock"
	if ! flock -n 9; then
		echo "drvmem: another drvmem run is using $CACHE; waiting for it" >&2
		flock 9
	fi
}

# run_kunit TREE ARGS... - kunit.py run from the tree; exit status is kunit.py's
run_kunit() {
	t=$1
	shift
	cc=
	command -v ccache >/dev/null 2>&1 && cc="CC=ccache gcc"
	json=
	[ -n "${KUNIT_JSON:-}" ] && json="--json=$KUNIT_JSON"
	cd "$t"
	# shellcheck disable=SC2086 # KUNIT_ARGS is a list of arguments
	# kasan_multi_shot: tests that provoke a KASAN report on purpose run;
	# timeout: x86_64 under TCG runs the suites in about 100 s of the
	# default 300, too close on a slower machine
	exec python3 tools/testing/kunit/kunit.py run --jobs="$JOBS" \
		--kernel_args=kasan_multi_shot --timeout=1200 \
		${cc:+--make_options "$cc"} $json "$@" $KUNIT_ARGS "$FILTER"
}

# checkpatch TREE - the kernel's style checker, --strict, on every C file
checkpatch() {
	cd "$REPO"
	# shellcheck disable=SC2046 # one argument per file; no spaces in names
	perl "$1/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES -f $(find kunit drivers-under-test -name '*.[ch]' | sort)
}

# kerneldoc TREE - kernel-doc warnings on the kit and the drivers' headers
kerneldoc() {
	cd "$REPO"
	out=$(perl "$1/scripts/kernel-doc" -none -Wall kunit/drvmem_kit.h \
		kunit/drvmem_kit.c drivers-under-test/*.h 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

cmd=${1:-}
case $cmd in
tree | stage | unstage | checkpatch | kerneldoc | kunit | kunit-x86_64)
	t=$(tree) || exit 1
	;;
*) die "usage: drvmem.sh tree|stage|unstage|checkpatch|kerneldoc|kunit|kunit-x86_64" ;;
esac
case $cmd in
tree) echo "$t" ;;
stage) stage "$t" ;;
unstage) unstage "$t" ;;
checkpatch) checkpatch "$t" ;;
kerneldoc) kerneldoc "$t" ;;
kunit)
	lock
	stage "$t"
	run_kunit "$t" --kunitconfig="$STAGE_DIR" --build_dir="${BUILD_DIR:-$CACHE/build-um}"
	;;
kunit-x86_64)
	lock
	stage "$t"
	# the top .kunitconfig without its UML-only block, plus SMP
	sed '/^# UML only/,/^# end UML only/d' "$REPO/.kunitconfig" >"$CACHE/x86_64.kunitconfig"
	printf "CONFIG_SMP=y\nCONFIG_UNWINDER_FRAME_POINTER=y\n" >>"$CACHE/x86_64.kunitconfig"
	# swiotlb=force: streaming mappings bounce, so a missing sync or
	# unmap shows in the data, which on UML's coherent DMA it cannot
	run_kunit "$t" --arch=x86_64 --kunitconfig="$CACHE/x86_64.kunitconfig" \
		--build_dir="$CACHE/build-x86_64" --qemu_args="-smp 2" \
		--kernel_args=swiotlb=force
	;;
esac
