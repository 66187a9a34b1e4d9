#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the drvmem KUnit cases in a kunit.py --json file.

Usage: kunit_summary.py RESULTS.json [SUITE ...]

Prints "PASSED FAILED SKIPPED" for every leaf case (a parameterised case
counts once per parameter) of the suites whose names start with "drvmem"
and of each SUITE named (the worked example's), then one "not ok" line per
failure.  Each SUITE named on the command line
must have run: one that is missing (a kernel that died before reaching it,
a suite not built in) counts as one failure.
Exit status: 0 if at least one case ran and none failed, else 1.
"""

import json
import sys


def leaves(group, path):
    """Yield (path, status) for every leaf case below a JSON group."""
    for case in group.get("test_cases", []):
        yield path + [case["name"]], case["status"]
    for sub in group.get("sub_groups", []):
        yield from leaves(sub, path + [sub["name"]])


def summarize(results, prefix, expected):
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    failures = []
    ran = {suite["name"] for suite in results.get("sub_groups", [])}
    for name in expected:
        if name not in ran:
            counts["FAIL"] += 1
            failures.append(f"{name} (suite did not run)")
    for suite in results.get("sub_groups", []):
        if not suite["name"].startswith(prefix) and suite["name"] not in expected:
            continue
        for path, status in leaves(suite, [suite["name"]]):
            key = status if status in counts else "FAIL"
            counts[key] += 1
            if key == "FAIL":
                failures.append(".".join(path))
    return counts, failures


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as err:
        print(f"kunit_summary: cannot read {argv[1]}: {err}", file=sys.stderr)
        print("0 0 0")
        return 1
    counts, failures = summarize(results, "drvmem", argv[2:])
    print(counts["PASS"], counts["FAIL"], counts["SKIP"])
    for name in failures:
        print(f"not ok {name}")
    ran = counts["PASS"] + counts["FAIL"]
    return 0 if ran and not counts["FAIL"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
