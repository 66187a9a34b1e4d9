#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the JUnit XML of a run from the kernel logs of its boots.

Usage: kunit_junit.py OUT.xml KUNIT_TOOL_DIR LOG...
       kunit_junit.py --check OUT.xml

The XML is kunit_tool's own (tools/testing/kunit/kunit_junit.py, 7.2 and
later): each LOG, one boot's raw kernel output (a run, or a boot that ran
the suites a crash kept from running), is parsed by kunit_tool's parser
and written by its writer, one <testsuite> per boot under <testsuites>.
KUNIT_TOOL_DIR is a kunit_tool that has kunit_junit.py, whichever kernel
the run was of: the KTAP it parses is the same.

The case the kernel crashed in gets the name the kit's last line gives
it, which kunit_tool cannot know; after a crash, the empty cases
kunit_tool adds for the suites the boot never reached are left out, the
later boots having run them.

Each case gets its duration (time="seconds"), which KTAP does not carry:
from the printk times of the console lines (CONFIG_PRINTK_TIME, in
drvmem's .kunitconfig), from the line before the case started (its
suite's plan, or the previous case's result) to its own result line; a
crashed case, to the boot's last line.  A log without times gives none.

--check: every <testcase> has its name inside a named suite and a time
(the crashed case aside), and there is a <failure> and an <error> (a
crash) with the case's own log lines, and a <skipped>; prints what it
found, exit 1 if any is missing.
"""

import os
import re
import sys
import xml.etree.ElementTree as ET


def write(out, tool, logs):
    sys.dont_write_bytecode = True  # nothing left in the kernel tree
    sys.path.insert(0, tool)
    import kunit_junit  # pylint: disable=import-outside-toplevel
    import kunit_parser  # pylint: disable=import-outside-toplevel
    from kunit_printer import null_printer  # pylint: disable=import-outside-toplevel

    root = ET.Element("testsuites")
    for log in logs:
        with open(log, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        test = kunit_parser.parse_run_tests(lines, null_printer)
        times = durations(lines)
        if not times:
            print(f"kunit_junit.py: no printk times in {log}: no durations",
                  file=sys.stderr)
        add_durations(kunit_junit.get_test_suite(test, root), (), times)
    name_crashes(root, resumed=len(logs) > 1)
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="unicode", xml_declaration=True)
    return 0


# "[   12.345678] " before each line, then KTAP's 4 spaces a level
STAMPED = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")
HEADER = re.compile(r"^( *)# Subtest: (.*)$")
PLAN = re.compile(r"^( *)1\.\.\d+")
RESULT = re.compile(r"^( *)(?:not )?ok \d+ (.*?)(?: # .*)?$")


def durations(lines):
    """{(suite, ..., case): seconds} from the printk times of a boot's
    console: a case runs from the line before it started (its suite's
    header or plan, or its previous sibling's result) to its result line.
    None: the case the boot ended in, to the last line, if it ended in one."""
    times = {}
    names = {}         # level: the name of the test whose subtests it holds
    since = {}         # level: when its current case started
    t = None
    for line in lines:
        m = STAMPED.match(line.rstrip("\n"))
        if not m:
            continue
        t, text = float(m.group(1)), m.group(2)
        if (h := HEADER.match(text)) or (p := PLAN.match(text)):
            level = len((h or p).group(1)) // 4
            if h:
                names = {k: v for k, v in names.items() if k < level}
                names[level] = h.group(2).strip()
            since = {k: v for k, v in since.items() if k < level}
            since[level] = t
        elif (r := RESULT.match(text)):
            level = len(r.group(1)) // 4
            path = tuple(names.get(k, "") for k in range(1, level + 1))
            if level in since:
                times[path + (r.group(2).strip(),)] = t - since[level]
            since = {k: v for k, v in since.items() if k < level}
            since[level] = t
    if since and max(since) > 0 and t is not None:
        times[None] = t - since[max(since)]
    return times


def add_durations(suite, path, times):
    """Give each <testcase> under <testsuite> @suite its duration; the
    case the boot crashed in (an <error>, no result line) the crash's."""
    for el in suite:
        if el.tag == "testsuite":
            add_durations(el, path + (el.get("name"),), times)
        elif el.tag == "testcase":
            t = times.get(path + (el.get("name"),))
            if t is None and not any(el.find(k) is not None
                                     for k in ("failure", "skipped")):
                t = times.pop(None, None)
            if t is not None:
                el.set("time", f"{t:.3f}")


def name_crashes(root, resumed):
    """kunit_tool knows no name for the case the kernel died in: the kit's
    last line names it ("drvmem: crashed in CASE: ..."), so the case gets
    it.  The empty cases kunit_tool adds for the suites the boot never
    reached are left out when later boots ran them (resumed).  A case
    kunit_tool named but gave no result (a parameterized case the kernel
    died in) is an <error> when the kit's line names it."""
    for suite in root.iter("testsuite"):
        for case in list(suite.findall("testcase")):
            if case.get("name") and not any(case.find(k) is not None for k in
                                            ("failure", "error", "skipped")):
                out = case.findtext("system-out") or ""
                if re.search(r"drvmem: (?:crashed|oops) in %s\b" % re.escape(case.get("name")), out):
                    error = ET.Element("error")
                    error.text = "Test Crashed"
                    case.insert(0, error)
            if case.get("name") or case.find("error") is None:
                continue
            said = re.findall(r"drvmem: (?:crashed|oops) in ([A-Za-z0-9_]+)",
                              case.findtext("system-out") or "")
            if said:
                case.set("name", said[-1])
            elif resumed and case.find("system-out") is None:
                suite.remove(case)


def check(path):
    root = ET.parse(path).getroot()
    cases = [(suite, case) for suite in root.iter("testsuite")
             for case in suite.findall("testcase")]
    found = {}
    for suite, case in cases:
        if not case.get("name") or not suite.get("name"):
            print(f"not ok - a <testcase> without its name or its suite's: {ET.tostring(case)[:80]}")
            return 1
        for kind in ("failure", "error", "skipped"):
            el = case.find(kind)
            if el is None or kind in found:
                continue
            # a skip may give no reason (kunit.filter_action=skip gives none)
            text = "-" if kind == "skipped" else (case.findtext("system-out") or "")
            if text.strip():
                found[kind] = f"{suite.get('name')}.{case.get('name')}"
    print(f"{len(cases)} test cases in {path}")
    ok = 0
    untimed = [f"{suite.get('name')}.{case.get('name')}" for suite, case in cases
               if case.get("time") is None and case.find("error") is None]
    if untimed:
        print(f"not ok - {len(untimed)} <testcase> without a time, the first: {untimed[0]}")
        ok = 1
    else:
        slowest = max(cases, key=lambda c: float(c[1].get("time") or 0))
        print(f"ok - every <testcase> that ended has its time; the longest: "
              f"{slowest[0].get('name')}.{slowest[1].get('name')}, {slowest[1].get('time')} s")
    for kind in ("failure", "error", "skipped"):
        if kind in found:
            print(f"ok - a <{kind}> with its case's own lines: {found[kind]}")
        else:
            print(f"not ok - no <{kind}> with its case's own lines")
            ok = 1
    return ok


def main(argv):
    if len(argv) == 3 and argv[1] == "--check":
        return check(argv[2])
    if len(argv) < 4 or not os.path.isfile(os.path.join(argv[2], "kunit_junit.py")):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    return write(argv[1], argv[2], argv[3:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
