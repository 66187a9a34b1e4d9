#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# qemu-tcg.sh - qemu-system-x86_64 under TCG only: the real QEMU, called
# with every "-accel kvm" and "-accel hvf" dropped from its arguments.
#
# 7.2's kunit_tool asks QEMU for KVM first.  On a machine whose /dev/kvm is
# a nested one, the guest then prints nothing at all and kunit.py waits
# out its timeout (measured: no output in 5 minutes, where TCG completes
# the suites in under 3); 6.12's kunit_tool always used TCG.  ci/drvmem.sh
# puts this script first in PATH, as qemu-system-x86_64, for the x86_64
# tier unless DRVMEM_QEMU_KVM=1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$here" | paste -sd: -)
export PATH
accel=
for a do
	shift
	if [ -n "$accel" ]; then
		accel=
		case $a in kvm | hvf) continue ;; esac
		set -- "$@" -accel "$a"
	elif [ "$a" = -accel ]; then
		accel=1
	else
		set -- "$@" "$a"
	fi
done
exec qemu-system-x86_64 "$@"
