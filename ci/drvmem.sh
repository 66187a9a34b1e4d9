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
#   drvmem.sh kerneldoc      kernel-doc -Wall on every C file and header
#   drvmem.sh cocci          the project's Coccinelle rules (ci/cocci/) on
#                            the reference drivers
#   drvmem.sh errata         checkpatch tells the chapter's kmalloc example
#                            from the corrected one (docs/errata.md, 3)
#   drvmem.sh coccicheck     make coccicheck MODE=report on the drivers, the
#                            kit, the example and the compat header
#   drvmem.sh sparse         make C=2 on drvmem in the UML build
#   drvmem.sh x86_64-config  the x86_64 tier's .kunitconfig, on stdout
#   drvmem.sh patch          a git am-able series adding drvmem to the tree
#   drvmem.sh patch-build    the series applied to a clean copy of the tree
#                            with git am, and kunit.py run there
#   drvmem.sh tools TIER     install (as root) or name what TIER needs:
#                            um, x86_64 or check
#
# Environment: KERNEL (a Debian kernel line drvmem fetches: 6.12, the
# default, from the machine's own suite, or 7.2 from Debian's unstable suite
# through a private sources list under $CACHE), KERNEL_SRC (any kernel tree;
# overrides KERNEL), CACHE (default ~/.cache/drvmem), BUILD_DIR (the UML
# build directory), JOBS, FILTER, KUNIT_ARGS (extra kunit.py arguments),
# KUNIT_JSON (write kunit.py's JSON), DRVMEM_INSTALL=0 (never apt-get: name
# the packages instead).
#
# Every failure is one line on stderr that names the fix, and exit status 1.

set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/drvmem}
JOBS=${JOBS:-2}
FILTER=${FILTER:-}
KUNIT_ARGS=${KUNIT_ARGS:-}
KERNEL=${KERNEL:-6.12}
# the kernel lines drvmem is tested on: older is refused, newer is warned of
TESTED_OLDEST=6.12
TESTED_NEWEST=7.2
STAGE_DIR=drivers/misc/drvmem
# the worked example, a user's directory with its own .kunitconfig
EXAMPLE=examples/foo
KCONFIG_LINE='source "drivers/misc/drvmem/Kconfig"'
MAKEFILE_LINE='obj-y				+= drvmem/'
# the archive of unstable's packages, as the machine's own apt names it
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# ccache hashes paths under $CACHE relative to the build directory, so a
# tree and its build directory copied elsewhere in $CACHE side by side (make
# check's patched copy) hit the objects of the original (unless the user
# has a base directory of their own)
CCACHE_BASEDIR=${CCACHE_BASEDIR:-$CACHE}
export CCACHE_BASEDIR
# ccache's depend mode: on a miss the compiler runs once and its -MMD file
# names the headers to hash, where the default runs the preprocessor a
# second time first.  A cold UML build of 6.12 with an empty cache: 167 s
# in depend mode, 215 s by default, 160 s without ccache; warm, every
# object a hit either way, and 95 % in a copy of the tree (make patch).  It
# misses what only the preprocessed text shares: the modules tier's
# objects, another autoconf.h, no longer hit the x86_64 tier's (its cold
# build 114 s to 205 s, the other four 844 s to 591 s).
CCACHE_DEPEND=${CCACHE_DEPEND:-1}
export CCACHE_DEPEND
# UML's boot arguments for every run, one string (UML joins its argv into
# the command line):
# - time-travel: idle waits are skipped, not waited out in real time
#   (.kunitconfig's UML block says why);
# - reserve_mem: UML_RESERVE (832M unless set, 0 for none) of kunit.py's
#   mem=1G held back from the kernel, which keeps about 115 MiB.  KASAN's
#   quarantine is 1/32 of the kernel's memory (29 MiB of 1 GiB, about 3
#   of 115) and every kmem_cache_destroy() of a cache with slabs walks all
#   of it: a third of the run with 1 GiB (README, "How fast"; the kit's
#   self-test drvmem_kit_quarantine_outlasts_runs checks what it holds).
UML_RESERVE=${UML_RESERVE:-832M}
UML_ARGS=time-travel
[ "$UML_RESERVE" = 0 ] || UML_ARGS="$UML_ARGS reserve_mem=$UML_RESERVE:4K:drvmem"

die() {
	echo "drvmem: $*" >&2
	exit 1
}

is_root() {
	[ "$(id -u)" = 0 ] && [ "${DRVMEM_INSTALL:-1}" != 0 ]
}

# apt_install PKG... - apt-get install, refreshing the package lists once
# when they are missing or stale (a fresh machine has none)
apt_install() {
	echo "drvmem: installing $* with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "$@" >&2 && return
	apt-get update -q >&2 || return
	apt-get install -y -q --no-install-recommends "$@" >&2
}

# The tools each tier needs: "command-or-file package" pairs.  Checked
# before anything is built; installed as root, else named in one line.
TOOLS_um='make:make gcc:gcc /usr/include/stdio.h:libc6-dev bc:bc bison:bison
flex:flex perl:perl python3:python3 xz:xz-utils flock:util-linux'
TOOLS_x86_64="$TOOLS_um /usr/include/libelf.h:libelf-dev
/usr/include/openssl/opensslv.h:libssl-dev qemu-system-x86_64:qemu-system-x86"
TOOLS_modules="$TOOLS_x86_64 /bin/busybox:busybox-static"
# ocaml-nox: spatch compiles the OCaml scripts of some of the kernel's own
# Coccinelle scripts (coccicheck fails without ocamlopt)
TOOLS_check="$TOOLS_modules shellcheck:shellcheck spatch:coccinelle node:nodejs
npm:npm sparse:sparse git:git clang:clang ocamlopt:ocaml-nox"
# not needed, only faster: installed as root, never asked for otherwise
TOOLS_speed='ccache:ccache'

# missing LIST - the packages of LIST whose command or file is missing.
# No function of this script may bear a tool's name: command -v finds it.
missing() {
	for pair in $1; do
		what=${pair%%:*}
		case $what in
		/*) [ -e "$what" ] && continue ;;
		*) command -v "$what" >/dev/null 2>&1 && continue ;;
		esac
		printf '%s ' "${pair#*:}"
	done
}

# tools TIER - make sure TIER's tools are there, before any build
tools() {
	case $1 in
	um) list=$TOOLS_um ;;
	x86_64) list=$TOOLS_x86_64 ;;
	modules) list=$TOOLS_modules ;;
	check) list=$TOOLS_check ;;
	*) die "usage: drvmem.sh tools um|x86_64|modules|check" ;;
	esac
	need=$(missing "$list")
	if is_root; then
		need="$need$(missing "$TOOLS_speed")"
		# shellcheck disable=SC2086 # a list of package names
		[ -z "$need" ] || apt_install $need ||
			die "apt-get install $need failed: check the network and apt sources, then retry"
		need=$(missing "$list")
	fi
	[ -z "$need" ] ||
		die "missing tools for the $1 tier: run 'sudo apt-get install ${need% }'"
}

# unpack TARBALL PKG DST - a linux-source-* tarball into DST, once
unpack() {
	echo "drvmem: unpacking $1 into $CACHE (once)" >&2
	mkdir -p "$CACHE"
	rm -rf "$3.tmp"
	mkdir "$3.tmp"
	tar -xf "$1" -C "$3.tmp" || die "could not unpack $1 into $CACHE: check free space"
	mv "$3.tmp/$2" "$3"
	rmdir "$3.tmp"
}

# install_stable PKG - the tarball of PKG from the machine's own suites
install_stable() {
	tarball=/usr/src/$1.tar.xz
	if [ ! -f "$tarball" ]; then
		is_root || die "no kernel tree: run 'sudo apt-get install $1' or set KERNEL_SRC=/path/to/linux"
		apt_install "$1" || die "apt-get install $1 failed: check the network and apt sources, or set KERNEL_SRC"
	fi
	echo "$tarball"
}

# archive_uri - the Debian archive the machine's apt uses: the repository
# labelled "Debian" (not -security), or else the first URI ending in
# /debian; DEBIAN_ARCHIVE overrides it
archive_uri() {
	if [ -n "${DEBIAN_ARCHIVE:-}" ]; then
		echo "$DEBIAN_ARCHIVE"
		return
	fi
	# shellcheck disable=SC2016 # apt's own format, not shell
	uri=$(apt-get indextargets --format '$(LABEL) $(REPO_URI)' 2>/dev/null |
		awk '$1 == "Debian" { print $2; exit }')
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
			/etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk '/^deb / || /^URIs:/ { for (i = 2; i <= NF; i++)
				if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }')
	fi
	[ -n "$uri" ] && echo "$uri"
}

# apt_unstable ARGS... - apt-get on Debian's unstable suite alone: its own
# sources list, package lists and archive directory under $CACHE, nothing
# of the machine's apt state read or written but dpkg's status
apt_unstable() {
	d=$CACHE/apt-unstable
	apt-get -q -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache::archives="$d/archives" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o APT::Sandbox::User=root "$@"
}

# download_unstable PKG - the tarball of PKG from Debian's unstable suite,
# without adding that suite to the machine or installing anything
download_unstable() {
	d=$CACHE/apt-unstable
	is_root || die "fetching $1 from Debian unstable needs root (apt-get download): run as root, or set KERNEL_SRC=/path/to/linux"
	uri=$(archive_uri) ||
		die "no Debian archive in the machine's apt sources: add one, or set KERNEL_SRC=/path/to/linux"
	rm -rf "$d"
	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/deb"
	echo "deb [signed-by=$DEBIAN_KEYRING] $uri unstable main" >"$d/sources.list"
	log=$d/apt.log
	apt_unstable update >"$log" 2>&1
	# apt-get update can exit 0 having fetched nothing
	ls "$d/lists/"*_Packages* >/dev/null 2>&1 ||
		die "apt-get update of $uri unstable failed (see $log): check the network, or set KERNEL_SRC=/path/to/linux"
	echo "drvmem: downloading $1 from $uri unstable (private sources list in $d)" >&2
	(cd "$d/deb" && apt_unstable download "$1" >>"$log" 2>&1) ||
		die "apt-get download $1 failed (see $log): is it still in Debian unstable? else set KERNEL_SRC=/path/to/linux"
	for deb in "$d/deb/$1"_*.deb; do
		dpkg-deb -x "$deb" "$d/root" || die "dpkg-deb -x $deb failed: check free space in $CACHE"
	done
	[ -f "$d/root/usr/src/$1.tar.xz" ] || die "$1 holds no /usr/src/$1.tar.xz: set KERNEL_SRC=/path/to/linux"
	echo "$d/root/usr/src/$1.tar.xz"
}

# fetch_tree - the Debian package linux-source-$KERNEL, unpacked into
# $CACHE once
fetch_tree() {
	pkg=linux-source-$KERNEL
	dst=$CACHE/$pkg
	if [ -f "$dst/Makefile" ]; then
		echo "$dst"
		return
	fi
	case $KERNEL in
	6.12) tarball=$(install_stable "$pkg") ;;
	7.2) tarball=$(download_unstable "$pkg") ;;
	*) die "KERNEL=$KERNEL: drvmem fetches 6.12 or 7.2; for another tree set KERNEL_SRC=/path/to/linux" ;;
	esac
	unpack "$tarball" "$pkg" "$dst"
	# the package was only the way to the tree
	rm -rf "$CACHE/apt-unstable/deb" "$CACHE/apt-unstable/root"
	echo "$dst"
}

# version_of TREE - "VERSION PATCHLEVEL" of a kernel tree's Makefile
version_of() {
	v=$(sed -n 's/^VERSION = \([0-9]*\)$/\1/p' "$1/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = \([0-9]*\)$/\1/p' "$1/Makefile")
	[ -n "$v" ] && [ -n "$p" ] && echo "$v $p"
}

# vnum MAJOR.MINOR - one comparable number
vnum() {
	echo $((${1%%.*} * 1000 + ${1#*.}))
}

# check_tree DIR - is DIR a kernel tree drvmem can use?
check_tree() {
	t=$1
	[ -d "$t" ] || die "KERNEL_SRC=$t is not a directory: point it at a Linux source tree"
	if [ ! -f "$t/Makefile" ] || [ ! -f "$t/tools/testing/kunit/kunit.py" ] ||
	   [ ! -f "$t/drivers/misc/Kconfig" ]; then
		die "$t is not a Linux source tree (no tools/testing/kunit/kunit.py): set KERNEL_SRC to one"
	fi
	ver=$(version_of "$t") ||
		die "$t/Makefile has no VERSION/PATCHLEVEL: not a Linux source tree"
	have=$(echo "$ver" | tr ' ' .)
	if [ "$(vnum "$have")" -lt "$(vnum $TESTED_OLDEST)" ]; then
		die "$t is Linux $have; drvmem is tested on $TESTED_OLDEST to $TESTED_NEWEST and needs $TESTED_OLDEST or later: use KERNEL=$TESTED_OLDEST or a newer tree"
	fi
	if [ "$(vnum "$have")" -gt "$(vnum $TESTED_NEWEST)" ]; then
		echo "drvmem: warning: $t is Linux $have, newer than drvmem is tested on ($TESTED_OLDEST to $TESTED_NEWEST); going ahead" >&2
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

# build_dir ARCH TREE - one build directory per architecture and tree: the
# trees drvmem fetches by their version, any other tree by its path too
build_dir() {
	if [ "$1" = um ] && [ -n "${BUILD_DIR:-}" ]; then
		echo "$BUILD_DIR"
		return
	fi
	# shellcheck disable=SC2046 # two numbers
	set -- "$1" "$2" $(version_of "$2")
	case $2 in
	"$CACHE"/linux-source-*) echo "$CACHE/build-$1-$3.$4" ;;
	*) echo "$CACHE/build-$1-$3.$4-$(printf '%s' "$2" | cksum | cut -d ' ' -f 1)" ;;
	esac
}

# is_drvmem DIR - is DIR a drvmem checkout?
is_drvmem() {
	# the kit's header, where it is now or where older checkouts kept it
	{ [ -f "$1/kunit/kit/drvmem_kit.h" ] || [ -f "$1/kunit/drvmem_kit.h" ]; } &&
		[ -f "$1/ci/drvmem.sh" ]
}

# repoint LINK - stage this checkout instead of another one.  The other
# checkout's objects in the build directories may be newer than this one's
# sources, and kbuild goes by file times: have them all rebuilt.
repoint() {
	ln -sfn "$REPO" "$1"
	for b in "$CACHE"/build-* ${BUILD_DIR:+"$BUILD_DIR"}; do
		rm -rf "${b:?}/$STAGE_DIR"
	done
}

# stage TREE - symlink the repo into the tree and hook it into drivers/misc.
# A symlink left by another drvmem checkout (a second clone, a worktree, a
# CI clone since deleted) is pointed at this one; anything else is refused.
# hook TREE - the two lines that build drvmem from drivers/misc: Kconfig's
# source line just before the menu's closing endmenu, the Makefile's obj line
hook() {
	if ! grep -qxF "$KCONFIG_LINE" "$1/drivers/misc/Kconfig"; then
		awk -v line="$KCONFIG_LINE" '
			{ l[NR] = $0 } /^endmenu/ { last = NR }
			END { for (i = 1; i <= NR; i++) { if (i == last) print line; print l[i] } }
		' "$1/drivers/misc/Kconfig" >"$1/drivers/misc/Kconfig.drvmem"
		mv "$1/drivers/misc/Kconfig.drvmem" "$1/drivers/misc/Kconfig"
	fi
	grep -qxF "$MAKEFILE_LINE" "$1/drivers/misc/Makefile" ||
		printf '%s\n' "$MAKEFILE_LINE" >>"$1/drivers/misc/Makefile"
}

# patch TREE - `make patch`: a git am-able series that adds drvmem to a
# kernel tree at its staging place for good, made against TREE's
# drivers/misc/Kconfig and Makefile (without drvmem's staging lines), from
# the committed drvmem (git archive HEAD): 0001 the directory, which
# nothing builds yet; 0002 the two lines that build it.  Written to
# $CACHE/patch/; then applied with git am to a new repository holding
# those two files as TREE has them, and the result compared with HEAD.
patch() {
	out=$CACHE/patch
	tmp=$(mktemp -d)
	paths='Kconfig Makefile .kunitconfig compat drivers-under-test kunit examples'
	name=$(git -C "$REPO" config user.name || echo drvmem)
	email=$(git -C "$REPO" config user.email || echo drvmem@localhost)
	t=$1
	set -- git -c user.name="$name" -c user.email="$email" -c core.autocrlf=false
	for r in base applied; do
		mkdir -p "$tmp/$r/drivers/misc"
		for f in Kconfig Makefile; do
			case $f in Kconfig) line=$KCONFIG_LINE ;; *) line=$MAKEFILE_LINE ;; esac
			grep -vxF "$line" "$t/drivers/misc/$f" >"$tmp/$r/drivers/misc/$f" || :
		done
		(cd "$tmp/$r" && "$@" init -q && "$@" add -A && "$@" commit -q -m base)
	done
	mkdir "$tmp/base/$STAGE_DIR"
	# shellcheck disable=SC2086 # a list of paths
	git -C "$REPO" archive HEAD -- $paths | tar -x -C "$tmp/base/$STAGE_DIR"
	(cd "$tmp/base" && "$@" add -A && "$@" commit -q -s -F - <<EOF
misc: drvmem: driver memory patterns, proven by KUnit

Add drvmem: reference drivers for the memory patterns a driver uses
(goto unwind, devm, mempools, slab caches, coherent and streaming DMA),
a test kit (fault sweep, allocation ledger, tripwire) and the KUnit
suites that prove each pattern against those drivers and catch the
common mistakes.  Nothing builds it yet: the next patch does.

From drvmem $(git -C "$REPO" describe --always --dirty).
EOF
	)
	hook "$tmp/base"
	(cd "$tmp/base" && "$@" commit -q -a -s -F - <<EOF
misc: drvmem: build it from drivers/misc

Source drivers/misc/drvmem/Kconfig from the misc menu and descend into
drivers/misc/drvmem/ from its Makefile.  Everything is off by default:
enable DRVMEM and the suites, or run

  ./tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/drvmem
EOF
	)
	rm -rf "$out"
	(cd "$tmp/base" && "$@" format-patch -q -o "$out" HEAD~2)
	(cd "$tmp/applied" && "$@" am -q "$out"/*.patch) || {
		rm -rf "$tmp"
		die "the series does not apply with git am to $t's drivers/misc"
	}
	diff -r -x .git "$tmp/base" "$tmp/applied" || {
		rm -rf "$tmp"
		die "git am of the series gives another tree than the one it was made from"
	}
	n=$(find "$tmp/applied/$STAGE_DIR" -type f | wc -l)
	rm -rf "$tmp"
	ls "$out"/*.patch
	echo "drvmem: the series applies with git am to $t's drivers/misc ($n files under $STAGE_DIR)"
}

# patch_build TREE - the series of `make patch` applied with git am to a
# clean copy of TREE (hard links: nothing of TREE is written; drvmem's
# staging taken out of the copy, git tracking the two files the series
# changes), then kunit.py run there with make kunit's configuration, as a
# user of the patched tree would.  The copy and its build directory sit
# side by side in $CACHE/patched/ as TREE and its UML build directory do
# in $CACHE, with the same names: ccache (CCACHE_BASEDIR) then finds every
# object the UML tier built, and only what the series changed is compiled.
patch_build() {
	patch "$1"
	copy=$CACHE/patched/$(basename "$1")
	b=$CACHE/patched/$(basename "$(build_dir um "$1")")
	rm -rf "$copy" "$b" "$CACHE"/patched-* "$CACHE"/build-patched-*
	mkdir -p "$CACHE/patched"
	cp -al "$1" "$copy"
	unstage "$copy"
	git -C "$copy" init -q
	# shellcheck disable=SC2086 # one file each
	set -- git -C "$copy" -c user.name=drvmem -c user.email=drvmem@localhost
	"$@" add -f drivers/misc/Kconfig drivers/misc/Makefile
	"$@" commit -q -m "the tree as it came"
	"$@" am -q "$CACHE"/patch/*.patch || die "git am of the series failed in $copy"
	cd "$copy"
	rc=0
	cc=
	command -v ccache >/dev/null 2>&1 && cc="CC=ccache gcc"
	python3 tools/testing/kunit/kunit.py run --jobs="$JOBS" --timeout=1200 \
		--kernel_args=kasan_multi_shot --kernel_args="$UML_ARGS" --build_dir="$b" \
		${cc:+--make_options "$cc"} --kunitconfig="$STAGE_DIR" \
		--kunitconfig="$STAGE_DIR/$EXAMPLE" || rc=$?
	cd /
	rm -rf "$copy" "$b"
	return $rc
}

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
	hook "$t"
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

# since_built TREE BUILD_DIR KEY - what the kernel in BUILD_DIR needs
# before it can run: "nothing", "make" or "kunit.py".  Its stamp, written
# by run_kunit() when a build passed, holds KEY (the checkout, the build's
# arguments) and the times of the build's .config and vmlinux as that
# build left them (another build in the directory, the modules tier's or
# make mutants', changes them), and has the time the build started.  No
# file of TREE (drvmem's through its symlink) newer than the stamp:
# nothing.  Only C sources and headers newer: "make", kbuild's own make of
# the kernel binary, as kunit.py's build would run it less its olddefconfig
# and compile_commands.json (no Kconfig, Makefile or .kunitconfig changed,
# so neither can differ): about 4 s against 10 s after touching one driver.
# Else, or with no stamp: "kunit.py", kunit.py's own build.  KUNIT_ARGS are
# part of KEY (one that changes the build, --kconfig_add say, makes another
# key); --jobs, the one argument kunit.py exec does not take, means
# kunit.py's build.
since_built() {
	stamp=$2/drvmem-built
	case " $KUNIT_ARGS" in *" --jobs"*) echo kunit.py; return ;; esac
	if ! [ -f "$stamp" ] || ! [ -f "$2/.config" ] || ! [ -f "$2/vmlinux" ] ||
		[ "$(cat "$stamp")" != "$(built_key "$2" "$3")" ]; then
		echo kunit.py
		return
	fi
	find -L "$1" -name .git -prune -o -newer "$stamp" ! -type d -print 2>/dev/null |
		awk '!/\.[ch]$/ { other = 1 } END {
			print NR == 0 ? "nothing" : other ? "kunit.py" : "make" }'
}

# built_key BUILD_DIR KEY - what since_built()'s stamp holds
built_key() {
	printf '%s\n' "$2"
	stat -c '%n %y' "$1/.config" "$1/vmlinux"
}

# run_kunit TREE BUILD_DIR ARGS... - kunit.py run from the tree (kunit.py
# exec when the build is up to date, kbuild's make and then kunit.py exec
# when only C sources changed: since_built()); exit status is kunit.py's,
# or 1 when that make failed.
# After a crash (which kunit.py may report with exit status 0), the suites
# the crashed boot did not reach run in boots of their own
# (ci/kunit_resume.py), and the status is 1.
run_kunit() {
	t=$1
	b=$2
	shift 2
	cc=
	command -v ccache >/dev/null 2>&1 && cc="CC=ccache gcc"
	json=${KUNIT_JSON:-$CACHE/kunit-last.json}
	out=$CACHE/kunit-output.txt
	key="$REPO $cc $* $KUNIT_ARGS"
	cd "$t"
	rm -f "$json" "$out.rc" "$b/drvmem-built.new"
	arch=um
	target=linux
	tt=--kernel_args=$UML_ARGS
	case " $* " in *" --arch=x86_64 "*) arch=x86_64 target=bzImage tt= ;; esac
	todo=$(since_built "$t" "$b" "$key")
	if [ "$todo" = nothing ]; then
		echo "drvmem: nothing changed since the last build in $b: kunit.py exec"
		mode="exec"
		jobs=
	elif [ "$todo" = make ]; then
		echo "drvmem: only C sources changed since the last build in $b: make $target, then kunit.py exec"
		: >"$b/drvmem-built.new"
		# shellcheck disable=SC2086 # JOBS is a number
		if ! make -s ARCH="$arch" O="$b" --jobs=$JOBS ${cc:+"$cc"} "$target"; then
			rm -f "$b/drvmem-built.new" "$b/drvmem-built"
			echo "drvmem: the build failed" >&2
			return 1
		fi
		built_key "$b" "$key" >"$b/drvmem-built"
		touch -r "$b/drvmem-built.new" "$b/drvmem-built"
		rm -f "$b/drvmem-built.new"
		mode="exec"
		jobs=
	else
		mkdir -p "$b"
		# the stamp's time is the build's start: an edit made during the
		# build is newer than it
		: >"$b/drvmem-built.new"
		mode="run"
		jobs=--jobs=$JOBS
	fi
	# kasan_multi_shot: tests that provoke a KASAN report on purpose run;
	# time-travel and reserve_mem: UML only (UML_ARGS);
	# timeout: x86_64 under TCG runs the suites in about 100 s of the
	# default 300, too close on a slower machine
	# shellcheck disable=SC2086 # KUNIT_ARGS is a list of arguments
	{
		rc=0
		python3 tools/testing/kunit/kunit.py "$mode" ${jobs:+"$jobs"} \
			--kernel_args=kasan_multi_shot ${tt:+"$tt"} --timeout=1200 \
			${cc:+--make_options "$cc"} --json="$json" --build_dir="$b" \
			"$@" $KUNIT_ARGS "$FILTER" 2>&1 || rc=$?
		echo "$rc" >"$out.rc"
	} | tee "$out"
	rc=$(cat "$out.rc")
	# the build passed when the kernel started
	if [ -f "$b/drvmem-built.new" ]; then
		if grep -q '^\[[0-9:]*\] Starting KUnit Kernel' "$out" &&
			built_key "$b" "$key" >"$b/drvmem-built" 2>/dev/null; then
			touch -r "$b/drvmem-built.new" "$b/drvmem-built"
			rm -f "$b/drvmem-built.new"
		else
			rm -f "$b/drvmem-built.new" "$b/drvmem-built"
		fi
	fi
	# kunit.py may exit 0 after a crash ("passed: 2, errors: 3")
	if ! grep -q -e '\[CRASHED\]' -e 'timed out after' "$out"; then
		junit "$t" "$b/test.log"
		return "$rc"
	fi
	crashed=$CACHE/crashed-boot.log
	rm -f "$crashed".*
	cp "$b/test.log" "$crashed" 2>/dev/null || :
	# the run's own kernel and arguments, without building
	# shellcheck disable=SC2086
	python3 "$REPO/ci/kunit_resume.py" "$out" "$crashed" "$json" "$FILTER" -- \
		python3 tools/testing/kunit/kunit.py exec --build_dir="$b" \
		--kernel_args=kasan_multi_shot ${tt:+"$tt"} --timeout=1200 "$@" $KUNIT_ARGS ||
		rc=1
	# shellcheck disable=SC2046 # one log per boot; no spaces in the paths
	junit "$t" $(cat "$crashed.boots" 2>/dev/null || echo "$crashed")
	return "$rc"
}

# junit TREE LOG... - the JUnit XML of the run (KUNIT_JUNIT, default
# $CACHE/kunit-last.xml) from its boots' kernel logs, by kunit_tool's own
# writer: the tree's, else the 7.2 tree's in $CACHE (6.12 has none)
junit() {
	xml=${KUNIT_JUNIT:-$CACHE/kunit-last.xml}
	rm -f "$xml"
	for tool in "$1/tools/testing/kunit" "$CACHE/linux-source-7.2/tools/testing/kunit"; do
		[ -f "$tool/kunit_junit.py" ] && break
	done
	shift
	if [ ! -f "$tool/kunit_junit.py" ]; then
		echo "drvmem: no JUnit XML: this kunit_tool has no kunit_junit.py (make kunit KERNEL=7.2 fetches one)"
		return 0
	fi
	if python3 "$REPO/ci/kunit_junit.py" "$xml" "$tool" "$@"; then
		echo "drvmem: JUnit XML in $xml"
	else
		echo "drvmem: no JUnit XML: kunit_tool could not read the run's log"
	fi
}

# checkpatch TREE - the kernel's style checker, --strict, on every C file.
# The compat header is where version tests and the kernel's own macro
# shapes belong: those three rules are off for it alone.
checkpatch() {
	cd "$REPO"
	# shellcheck disable=SC2046 # one argument per file; no spaces in names
	perl "$1/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES -f $(find kunit drivers-under-test examples -name '*.[ch]' | sort) &&
	perl "$1/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_ARG_REUSE \
		-f compat/drvmem_compat.h
}

# kerneldoc TREE - kernel-doc warnings on every C file and header of
# drvmem (W=1 runs kernel-doc on each file it compiles, too); perl runs
# 7.x's Python kernel-doc by its #! line
kerneldoc() {
	cd "$REPO"
	out=$(perl "$1/scripts/kernel-doc" -none -Wall kunit/*.c kunit/kit/*.[ch] \
		kunit/broken/*.[ch] compat/*.h drivers-under-test/*.[ch] examples/*/*.c 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# cocci - the project's own Coccinelle rules on the reference drivers:
# each must report nothing (ci/mutants.py shows what each one catches)
cocci() {
	cd "$REPO"
	out=
	for rule in ci/cocci/*.cocci; do
		out=$out$(spatch --very-quiet -D report --no-includes --include-headers \
			--sp-file "$rule" drivers-under-test/*.c examples/*/*.c 2>&1)
	done
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# flagged OUTPUT PATTERN WHAT - a checker's OUTPUT has PATTERN, else say
# WHAT and show the output; clean OUTPUT WHAT - the OUTPUT is empty
flagged() {
	printf '%s\n' "$1" | grep -q "$2" && return
	echo "$3:"
	printf '%s\n' "$1"
	return 1
}

clean() {
	[ -z "$1" ] && return
	echo "$2:"
	printf '%s\n' "$1"
	return 1
}

# errata TREE - checkpatch --strict flags the chapter's kmalloc example
# (strcpy, the OOM message) and passes the corrected one (docs/errata.md, 3);
# checkpatch (printk(KERN_INFO ...)) and ci/cocci/unwind_label.cocci (its
# three labels) flag the complete example's mem_init() and pass its
# correction, drivers-under-test/drvmem_unwind.c (C5).  The chapter's
# examples are functions around the chapter's lines, as a driver has them.
errata() {
	tmp=$(mktemp -d) || return 1
	cat >"$tmp/chapter.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
static int example(void)
{
	char *buffer = kmalloc(1024, GFP_KERNEL);

	if (!buffer) {
		printk(KERN_ERR "Failed to allocate memory\n");
		return -ENOMEM;
	}
	strcpy(buffer, "Hello");
	kfree(buffer);
	return 0;
}
EOF
	cat >"$tmp/corrected.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
static int example(void)
{
	char *buffer = kmalloc(1024, GFP_KERNEL);

	if (!buffer)
		return -ENOMEM;
	strscpy(buffer, "Hello", 1024);
	kfree(buffer);
	return 0;
}
EOF
	cat >"$tmp/complete.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
static int __init mem_init(void)
{
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;

	dev->kmalloc_buf = kmalloc(4096, GFP_KERNEL);
	if (!dev->kmalloc_buf)
		goto err_kmalloc;

	dev->vmalloc_buf = vmalloc(1024 * 1024);
	if (!dev->vmalloc_buf)
		goto err_vmalloc;

	dev->cache = kmem_cache_create("my_cache", 128, 0, 0, NULL);
	if (!dev->cache)
		goto err_cache;

	printk(KERN_INFO "Memory allocated successfully\n");
	return 0;

err_cache:
	vfree(dev->vmalloc_buf);
err_vmalloc:
	kfree(dev->kmalloc_buf);
err_kmalloc:
	kfree(dev);
	return -ENOMEM;
}
EOF
	set -- perl "$1/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types --ignore FILE_PATH_CHANGES -f
	chapter=$("$@" "$tmp/chapter.c" 2>&1) || :
	corrected=$("$@" "$tmp/corrected.c" 2>&1) || :
	complete=$("$@" "$tmp/complete.c" 2>&1) || :
	unwind=$("$@" "$REPO/drivers-under-test/drvmem_unwind.c" 2>&1) || :
	set -- spatch --very-quiet -D report --no-includes --include-headers \
		--sp-file "$REPO/ci/cocci/unwind_label.cocci"
	labels=$("$@" "$tmp/complete.c" 2>&1)
	labels_corrected=$("$@" "$REPO/drivers-under-test/drvmem_unwind.c" 2>&1)
	rm -rf "$tmp"
	ok=0
	for type in STRCPY OOM_MESSAGE; do
		flagged "$chapter" ":$type:" "checkpatch did not flag the chapter's kmalloc example with $type" || ok=1
	done
	clean "$corrected" "checkpatch flags the corrected kmalloc example" || ok=1
	flagged "$complete" ":PREFER_PR_LEVEL:" \
		"checkpatch did not flag the complete example's printk(KERN_INFO ...)" || ok=1
	clean "$unwind" "checkpatch flags drvmem_unwind.c" || ok=1
	for l in err_cache err_vmalloc err_kmalloc; do
		flagged "$labels" "label $l names what failed" \
			"unwind_label.cocci did not flag the complete example's $l" || ok=1
	done
	clean "$labels_corrected" "unwind_label.cocci flags drvmem_unwind.c" || ok=1
	return $ok
}

# coccicheck TREE - the kernel's own Coccinelle scripts (make coccicheck
# MODE=report) on what people copy and use: the reference drivers, the
# kit, the example and the compat header, copied out of the repository
# (kbuild's M= takes one directory).  Must report nothing.  The suites and
# the broken fixtures make mistakes on purpose, and the scripts flag them.
coccicheck() {
	tmp=$(mktemp -d) || return 1
	cd "$REPO"
	cp -r drivers-under-test kunit/kit examples compat "$tmp/"
	out=$(make -s -C "$1" ARCH=um coccicheck MODE=report M="$tmp" J="$JOBS" 2>&1 |
		grep -v -e '^/usr/bin/spatch' -e '^$' -e '^Please check' -e '^When using' \
			-e 'metavariable?' -e 'debug file' -e '^Using default' \
			-e '^Debug logs' -e 'does not match mode' -e 'ing directory' \
			-e '^[0-9]* files match$' -e '^fatal: not a git repository') || :
	rm -rf "$tmp"
	[ -z "$out" ] || { echo "$out" | sed "s|$tmp/||"; return 1; }
}

# sparse_check TREE - make C=2 (sparse on every file) over drvmem's directory in
# the UML build of TREE, which make kunit made: no warning.  Exit 77 when
# the kernel finds the installed sparse too old (7.2 wants a newer one
# than Debian 12's 0.6.4).
sparse_check() {
	b=$(build_dir um "$1")
	[ -f "$b/.config" ] || die "no UML build of $1 yet: run make kunit first"
	out=$(make -C "$1" ARCH=um O="$b" C=2 drivers/misc/drvmem/ 2>&1) || {
		echo "$out" | tail -20
		return 1
	}
	if printf '%s\n' "$out" | grep -q 'sparse is not available or not up to date'; then
		echo "sparse $(command sparse --version 2>/dev/null) is too old for this kernel"
		return 77
	fi
	n=$(printf '%s\n' "$out" | grep -c '^  CHECK ')
	warn=$(printf '%s\n' "$out" | grep -e 'warning:' -e 'error:' || :)
	echo "sparse: $n files checked"
	[ -z "$warn" ] || { echo "$warn"; return 1; }
	[ "$n" -gt 0 ]
}

# analyze TREE - clang's static analyzer (clang --analyze, ci/analyze.py)
# on the reference drivers, the kit and the example, with the flags of the
# UML build of TREE, which make kunit made: no report.  Then its self-test:
# a mistake it can see must be reported.
analyze() {
	b=$(build_dir um "$1")
	[ -f "$b/compile_commands.json" ] || die "no UML build of $1 yet: run make kunit first"
	python3 "$REPO/ci/analyze.py" "$b" && python3 "$REPO/ci/analyze.py" "$b" --selftest
}

# x86_64_kunitconfig - the top .kunitconfig without its UML-only block,
# plus SMP, on stdout: the x86_64 tier's config and the modules tier's
# base.  What loadable modules need (MODULES, KUNIT_DEBUGFS, an initrd)
# is in both, so that the two differ only where they must.  KASAN's
# outline instrumentation (a call per check, not the checks inlined): the
# same reports, a quarter less compile time than inline (measured on eight
# of the kernel's largest files), and this tier is paid cold; the UML
# tier, re-run on every edit, keeps the faster inline checks.  No ACPI: a sixth of the files of this kernel (drivers/acpi, 211
# of 1216), none of them drvmem's business; QEMU's MP table (X86_MPPARSE)
# still brings up the second CPU.
x86_64_kunitconfig() {
	sed '/^# UML only/,/^# end UML only/d' "$REPO/.kunitconfig"
	printf '%s\n' CONFIG_SMP=y CONFIG_UNWINDER_FRAME_POINTER=y CONFIG_KASAN_OUTLINE=y \
		CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_KUNIT_DEBUGFS=y \
		CONFIG_BLK_DEV_INITRD=y '# CONFIG_ACPI is not set' CONFIG_X86_MPPARSE=y
}

# modules TREE - drvmem as loadable modules on a real kernel: an x86_64
# kernel with KUnit itself a module, the kit (drvmem_kit.ko; its small
# built-in part, kunit/kit/symbols.c, says why it has one), every suite
# and reference driver =m, booted in QEMU with a busybox initramfs that
# loads kunit.ko and then them; their results read from debugfs, parsed
# by kunit.py parse (ci/kunit_modules.py).  A build directory of its own:
# CONFIG_KUNIT=m changes what 1,100 of the kernel's files are compiled
# with, so sharing the x86_64 tier's would rebuild both every time.
modules() {
	b=$(build_dir modules "$1")
	cfg=$CACHE/modules.kunitconfig
	mkdir -p "$CACHE"
	# the x86_64 tier's config (the example's too), with KUnit and every
	# tristate of drvmem as modules, the example's built-in suite left out
	{ x86_64_kunitconfig; cat "$REPO/$EXAMPLE/.kunitconfig"; } |
		sed -e '/^CONFIG_FOO_KUNIT_TEST=/d' \
		-e 's/^\(CONFIG_DRVMEM_[A-Z_]*_KUNIT_TEST\)=y/\1=m/' \
		-e 's/^CONFIG_KUNIT=y/CONFIG_KUNIT=m/' \
		-e 's/^CONFIG_DRVMEM_KIT=y/CONFIG_DRVMEM_KIT=m/' \
		-e 's/^CONFIG_DRVMEM_DRIVERS=y/CONFIG_DRVMEM_DRIVERS=m/' >"$cfg"
	cc=
	command -v ccache >/dev/null 2>&1 && cc="CC=ccache gcc"
	cd "$1"
	python3 tools/testing/kunit/kunit.py build --arch=x86_64 --jobs="$JOBS" \
		${cc:+--make_options "$cc"} --build_dir="$b" --kunitconfig="$cfg" ||
		return
	python3 "$REPO/ci/kunit_modules.py" "$1" "$b"
}

cmd=${1:-}
case $cmd in
tools)
	tools "${2:-}"
	exit
	;;
cocci)
	cocci
	exit
	;;
x86_64-config)
	x86_64_kunitconfig
	exit
	;;
tree | stage | unstage | patch | patch-build | checkpatch | kerneldoc | errata | coccicheck | sparse | analyze | modules | kunit | kunit-x86_64)
	case $cmd in
	kunit) tools um ;;
	kunit-x86_64) tools x86_64 ;;
	modules) tools modules ;;
	esac
	t=$(tree) || exit 1
	;;
*) die "usage: drvmem.sh tree|stage|unstage|patch|patch-build|checkpatch|kerneldoc|errata|coccicheck|sparse|analyze|modules|cocci|kunit|kunit-x86_64|x86_64-config|tools" ;;
esac
case $cmd in
tree) echo "$t" ;;
stage) stage "$t" ;;
unstage) unstage "$t" ;;
patch) patch "$t" ;;
patch-build)
	tools um
	lock
	patch_build "$t"
	;;
checkpatch) checkpatch "$t" ;;
kerneldoc) kerneldoc "$t" ;;
errata) errata "$t" ;;
coccicheck) coccicheck "$t" ;;
sparse) sparse_check "$t" ;;
analyze) analyze "$t" ;;
modules)
	lock
	stage "$t"
	modules "$t"
	;;
kunit)
	lock
	stage "$t"
	run_kunit "$t" "$(build_dir um "$t")" \
		--kunitconfig="$STAGE_DIR" --kunitconfig="$STAGE_DIR/$EXAMPLE"
	;;
kunit-x86_64)
	lock
	stage "$t"
	# the top .kunitconfig without its UML-only block, plus SMP
	mkdir -p "$CACHE"
	x86_64_kunitconfig >"$CACHE/x86_64.kunitconfig"
	# TCG, as 6.12's kunit_tool always ran it (ci/qemu-tcg.sh says why)
	if [ "${DRVMEM_QEMU_KVM:-0}" != 1 ]; then
		mkdir -p "$CACHE/qemu-tcg"
		ln -sfn "$REPO/ci/qemu-tcg.sh" "$CACHE/qemu-tcg/qemu-system-x86_64"
		PATH=$CACHE/qemu-tcg:$PATH
		export PATH
	fi
	# swiotlb=force: streaming mappings bounce, so a missing sync or
	# unmap shows in the data, which on UML's coherent DMA it cannot
	run_kunit "$t" "$(build_dir x86_64 "$t")" --arch=x86_64 \
		--kunitconfig="$CACHE/x86_64.kunitconfig" \
		--kunitconfig="$STAGE_DIR/$EXAMPLE" --qemu_args="-smp 2" \
		--kernel_args=swiotlb=force
	;;
esac
