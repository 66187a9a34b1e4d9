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

--check: every <testcase> has its name inside a named suite, and there is
a <failure> and an <error> (a crash) with the case's own log lines, and a
<skipped>; prints what it found, exit 1 if any is missing.
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
            test = kunit_parser.parse_run_tests(f.readlines(), null_printer)
        kunit_junit.get_test_suite(test, root)
    name_crashes(root, resumed=len(logs) > 1)
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="unicode", xml_declaration=True)
    return 0


def name_crashes(root, resumed):
    """kunit_tool knows no name for the case the kernel died in: the kit's
    last line names it ("drvmem: crashed in CASE: ..."), so the case gets
    it.  The empty cases kunit_tool adds for the suites the boot never
    reached are left out when later boots ran them (resumed)."""
    for suite in root.iter("testsuite"):
        for case in list(suite.findall("testcase")):
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
