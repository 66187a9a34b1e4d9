# SPDX-License-Identifier: GPL-2.0
#
# drvmem: driver memory patterns, proven by KUnit.
#
# This file has two jobs.  Inside a kernel build (KERNELRELEASE is set) it is
# the kbuild file of drivers/misc/drvmem/.  Run from the repository it is the
# user's entry point: `make kunit` and `make check` (see README.md).

ifneq ($(KERNELRELEASE),)

# The worked example, a driver and suite outside drvmem's naming built as
# a user's directory would be, comes before kunit/: drvmem_kasan's suite,
# linked last there, turns lockdep off for every suite after it.
obj-y += drivers-under-test/ examples/foo/ kunit/

else

CI		:= $(CURDIR)/ci
CACHE		?= $(HOME)/.cache/drvmem
JOBS		?= 2
FILTER		?=
KUNIT_ARGS	?=
MUTANTS_ARGS	?=

export CACHE KERNEL KERNEL_SRC BUILD_DIR JOBS FILTER KUNIT_ARGS

.PHONY: help kunit kunit-x86_64 check bench mutants stage unstage patch selftest lint clean

help:
	@echo 'make kunit   stage drvmem into a kernel tree, build UML, run the drvmem suites'
	@echo 'make check   make kunit + self-tests + static checks, ends with "N passed, N failed"'
	@echo 'make kunit FILTER=drvmem_unwind   run one suite (kunit.py filter glob; default: every suite)'
	@echo 'make kunit KUNIT_ARGS="--raw_output"   pass extra arguments to kunit.py'
	@echo 'make kunit UML_RESERVE=0   UML with all of kunit.py'"'"'s 1 GiB (default: 832M held back, README "How fast")'
	@echo 'make kunit-x86_64   the same suites on QEMU x86_64 with SMP'
	@echo 'make bench   inner-loop, run and sweep figures against their targets (BENCH_COLD=1: cold too)'
	@echo 'make mutants   every mutant of the reference drivers against the suites (MUTANTS_ARGS="--list", "--only gfp", ...)'
	@echo 'make stage / make unstage   add / remove drvmem in $$KERNEL_SRC'
	@echo 'make patch   a git am-able series adding drvmem to a kernel tree for good (in ~/.cache/drvmem/patch/)'
	@echo 'Kernel: KERNEL=6.12 (default) or KERNEL=7.2 (fetched from Debian unstable), or KERNEL_SRC=/path/to/linux'

kunit:
	@$(CI)/drvmem.sh kunit

kunit-x86_64:
	@$(CI)/drvmem.sh kunit-x86_64

stage:
	@$(CI)/drvmem.sh stage

unstage:
	@$(CI)/drvmem.sh unstage

patch:
	@$(CI)/drvmem.sh patch

selftest:
	@$(CI)/selftest.sh

lint:
	@$(CI)/drvmem.sh checkpatch && $(CI)/drvmem.sh kerneldoc

check:
	@$(CI)/check.sh

bench:
	@$(CI)/bench.sh

mutants:
	@python3 $(CI)/mutants.py $(MUTANTS_ARGS)

clean:
	rm -rf $(CACHE)/build-*

endif
