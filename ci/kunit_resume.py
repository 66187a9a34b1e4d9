#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""After a kernel crash, run the suites the crashed boot never reached.

Usage: kunit_resume.py OUTPUT RAWLOG JSON [FILTER] -- KUNIT_EXEC...

OUTPUT is what kunit.py run printed, RAWLOG the kernel's own log of that
boot (kept before the boots below overwrite it), JSON the results kunit.py
wrote for it (rewritten here with every suite's results; RAWLOG.boots
lists the kernel log of every boot, RAWLOG's first, each kept as
RAWLOG.SUITE, for the JUnit XML), FILTER the
filter glob the run was given; KUNIT_EXEC is the `kunit.py exec` command
line of the same kernel, build directory and kernel arguments.

When the run crashed (kunit.py reported a crashed test, or the kernel ran
out of time), prints the line the kit left naming the test and the fault
point it crashed at, lists the suites, runs each one the crashed boot did
not reach in a boot of its own, and merges their results into JSON, so
that one broken driver costs its own suite and no other.  Exit status: 0
when there was no crash, else 1 (a crash is a failure).
"""

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def suites_listed(cmd, filter_glob):
    out = subprocess.run(cmd + ["--list_tests"] + ([filter_glob] if filter_glob else []),
                         capture_output=True, text=True, check=False).stdout
    suites = []
    for line in out.splitlines():
        m = re.match(r"^([A-Za-z0-9_]+)\.[A-Za-z0-9_]+$", line.strip())
        if m and m.group(1) not in suites:
            suites.append(m.group(1))
    return suites


def main(argv):
    if "--" not in argv or argv.index("--") < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    sep = argv.index("--")
    output, rawlog, json_path = argv[1:4]
    filter_glob = argv[4] if sep > 4 else ""
    cmd = argv[sep + 1:]
    with open(output, encoding="utf-8", errors="replace") as f:
        printed = f.read()
    if "[CRASHED]" not in printed and "timed out after" not in printed:
        return 0
    try:
        with open(rawlog, encoding="utf-8", errors="replace") as f:
            said = re.findall(r"drvmem: (?:crashed|oops) in .*", f.read())
    except OSError:
        said = []
    crashed = re.findall(r"\[CRASHED\] ([A-Za-z0-9_]+) =", printed)
    where = said[-1] if said else "drvmem: the kernel crashed in " + \
        (crashed[-1] if crashed else "a test") + " (no fault point recorded)"
    print(where)
    try:
        with open(json_path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError):
        results = {"name": "main", "sub_groups": [], "test_cases": []}
    ran = [g["name"] for g in results.get("sub_groups", []) if g.get("name")]
    listed = [s for s in suites_listed(cmd, filter_glob)
              if not filter_glob or fnmatch.fnmatchcase(s, filter_glob.split(".")[0])]
    if not listed:
        print("drvmem: could not list the suites to run after the crash")
        return 1
    last = max((listed.index(s) for s in ran if s in listed), default=-1)
    rest = [s for s in listed[last + 1:] if s not in ran]
    print(f"drvmem: {len(rest)} suites the crashed boot did not reach, each in a boot of its own")
    groups = [g for g in results.get("sub_groups", []) if g.get("name")]
    passed = failed = 0
    build = next((a.split("=", 1)[1] for a in cmd if a.startswith("--build_dir=")), "")
    boots = [rawlog]
    for suite in rest:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            part = tmp.name
        glob = suite + ("." + filter_glob.split(".", 1)[1] if "." in filter_glob else "")
        subprocess.run(cmd + [f"--json={part}", glob], check=False)
        if build and os.path.isfile(os.path.join(build, "test.log")):
            shutil.copyfile(os.path.join(build, "test.log"), f"{rawlog}.{suite}")
            boots.append(f"{rawlog}.{suite}")
        try:
            with open(part, encoding="utf-8") as f:
                got = [g for g in json.load(f).get("sub_groups", []) if g.get("name") == suite]
        except (OSError, ValueError):
            got = []
        os.remove(part)
        if not got:
            got = [{"name": suite, "sub_groups": [],
                    "test_cases": [{"name": "(did not run)", "status": "FAIL"}]}]
        groups += got
        for g in got:
            bad = json.dumps(g).count('"status": "FAIL"') + json.dumps(g).count('"status": "ERROR"')
            failed += 1 if bad else 0
            passed += 0 if bad else 1
    with open(rawlog + ".boots", "w", encoding="utf-8") as f:
        f.write("\n".join(boots) + "\n")
    results["sub_groups"] = groups
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    print(where)
    print(f"drvmem: after the crash, {passed} suites passed and {failed} failed in boots of their own")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
