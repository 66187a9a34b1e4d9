#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutants: make the chapter's mistakes in the reference drivers, one
at a time, and show that a test fails on each.

Usage: mutants.py [--list] [--sample N] [--seed S] [--only OP[,OP]]
                  [--match TEXT]... [--report FILE] [--junit-demo XML]

Mutants are generated from the code of drivers-under-test/*.c (so they
follow the drivers as they change), by these operators:

  unwind-free     delete a release after an unwind label (err_/out_)
  teardown-free   delete a release in remove/destroy/complete paths
  swap-frees      swap two adjacent releases (two unwind labels' work)
  double-free     release the same thing twice
  use-after-free  move a release above the statement that last uses it
  null-check      drop the NULL check after an allocation
  mapping-error   drop a dma_mapping_error() check
  devm-action     drop a devm_add_action_or_reset() (its undo never runs)
  gfp             GFP_ATOMIC / GFP_NOWAIT -> GFP_KERNEL (sleep in atomic)
  off-by-one      a loop bound < -> <=, a copy or allocation size off by one
  unmap           wrong direction or size in a DMA unmap or sync
  mempool-free    forget a mempool_free()
  devm-kfree      kfree() memory that devm_* owns
  cache-destroy   forget a kmem_cache_destroy()

Each mutant is written into a copy of this checkout ($CACHE/mutants/drvmem,
the working tree as it is, never the checkout itself), which make kunit then
stages, rebuilds incrementally (one object and the link) and runs, with the
suites narrowed to those that use the mutated driver.  A mutant is killed
when a KUnit case fails or the kernel crashes, hung when the run outlives
its bound (reported with its time), stillborn when it does not build (an
operator bug).  A survivor of the run-time tests is given to the project's
static rules (ci/cocci/*.cocci); one they flag is killed statically.
Mutants listed in ci/mutants-equivalent.txt are run too and reported with
the reason given there.

--sample N runs N mutants chosen by --seed, every operator at least once
(make check); without it every mutant runs.  Exit status: 0 when no mutant
survived, hung or was stillborn, 1 otherwise.  The checkout is staged
again at the end.
"""

import argparse
import fnmatch
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("CACHE") or os.path.expanduser("~/.cache/drvmem")
COPY = os.path.join(CACHE, "mutants", "drvmem")
# a mutant's whole make kunit (rebuild, boot, suites) may take this long
WALL_SECONDS = int(os.environ.get("MUTANT_WALL", "300"))
# and KUnit's own bound on one case is this
CASE_TIMEOUT = int(os.environ.get("MUTANT_TIMEOUT", "120"))

OPERATORS = ["cache-destroy", "mempool-free", "use-after-free", "unwind-free",
             "teardown-free", "swap-frees", "double-free", "null-check",
             "mapping-error", "devm-action", "gfp", "off-by-one", "unmap",
             "devm-kfree"]

RELEASE = re.compile(r"(^|_)(k?v?free|free_pages|free_percpu|destroy|release|"
                     r"put|unmap|unmap_single|unmap_sgtable|unregister|"
                     r"remove_group|kfree|vfree|kvfree)(_|$)")
ALLOC = re.compile(r"(alloc|zalloc|kmemdup|kstrdup|create|get_free_pages?|"
                   r"_pool$|kcalloc)")
TEARDOWN = re.compile(r"(remove|exit|release|destroy|free|complete|teardown|"
                      r"stop|close)")
DIRS = ["DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL"]


class Stmt:
    """One statement of a function: lines [start, end) of the file."""

    def __init__(self, start, end, text, region):
        self.start, self.end, self.text = start, end, text
        self.region = region  # "body" or the unwind label it is under
        m = re.match(r"\s*([A-Za-z_]\w*)\s*\(", text)
        self.call = m.group(1) if m else None

    @property
    def flat(self):
        return " ".join(self.text.split())

    def is_release(self):
        return bool(self.call) and bool(RELEASE.search(self.call))


class Func:
    def __init__(self, name, start, end, stmts):
        self.name, self.start, self.end, self.stmts = name, start, end, stmts


def functions(lines):
    """Kernel style: a body opens with "{" and closes with "}" in column 0."""
    funcs = []
    i = 0
    while i < len(lines):
        if lines[i] != "{\n":
            i += 1
            continue
        j = i - 1
        while j > 0 and not re.match(r"[A-Za-z_]", lines[j]):
            j -= 1
        m = re.search(r"(\w+)\(", lines[j])
        end = i + 1
        while end < len(lines) and lines[end] != "}\n":
            end += 1
        if m:
            funcs.append(Func(m.group(1), i, end, statements(lines, i + 1, end)))
        i = end + 1
    return funcs


def statements(lines, start, end):
    """Simple statements and if/for headers, one per Stmt, with regions."""
    out = []
    region = "body"
    i = start
    while i < end:
        line = lines[i]
        code = line.split("/*")[0].split("//")[0].rstrip()
        if not code.strip() or code.strip().startswith("*"):
            i += 1
            continue
        label = re.match(r"^([a-z_][a-z0-9_]*):$", code)
        if label:
            region = label.group(1)
            i += 1
            continue
        j = i
        text = line
        depth = text.count("(") - text.count(")")
        while depth > 0 and j + 1 < end:
            j += 1
            text += lines[j]
            depth += lines[j].count("(") - lines[j].count(")")
        out.append(Stmt(i, j + 1, text, region))
        i = j + 1
    return out


def split_args(s):
    """The top-level comma-separated arguments of a call's text after '('."""
    args, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                args.append(cur)
                return args
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    return None


def bare_body(lines, st):
    """Is st the unbraced body of an if/else/for/while?"""
    k = st.start - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    prev = lines[k].rstrip()
    return bool(re.match(r"\s*(\}\s*)?(if|for|while|else)\b", prev)) and \
        not prev.endswith(("{", ";"))


class Mutant:
    def __init__(self, op, path, func, st, new_lines, what):
        self.op, self.path, self.func = op, path, func.name
        self.line = st.start + 1
        self.what = what
        self.key = f"{op} {os.path.basename(path)}:{func.name} {st.flat}"
        self.new = "".join(new_lines)
        self.result = self.detail = ""
        self.seconds = 0.0
        self.equivalent = None
        # killed by a failed case, then the run hung (reported with it)
        self.hung_after = False

    def ident(self):
        return f"{os.path.basename(self.path)}:{self.line} {self.op}"


def if_extent(lines, sts, n):
    """Lines [start, end) of the if statement sts[n] with its body."""
    st = sts[n]
    if st.text.rstrip().endswith("{"):
        depth, k = 0, st.start
        while k < len(lines):
            depth += lines[k].count("{") - lines[k].count("}")
            k += 1
            if depth == 0:
                break
        end = k
    elif n + 1 < len(sts):
        end = sts[n + 1].end
    else:
        return None
    if end < len(lines) and re.match(r"\s*(\}\s*)?else\b", lines[end - 1] + lines[end]):
        return None
    return st.start, end


def replace(lines, st, text):
    return lines[:st.start] + [text] + lines[st.end:]


def delete(lines, st):
    indent = re.match(r"\s*", st.text).group(0)
    return replace(lines, st, indent + "{}\n" if bare_body(lines, st) else "")


def generate(path):
    rel = os.path.relpath(path, REPO)
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    out = []

    def add(op, func, st, new_lines, what):
        out.append(Mutant(op, rel, func, st, new_lines,
                          f"{what} in {func.name}()"))

    for fn in functions(lines):
        sts = fn.stmts
        teardown = bool(TEARDOWN.search(fn.name))
        for n, st in enumerate(sts):
            flat = st.flat
            prev = sts[n - 1] if n else None
            if st.is_release():
                if "kmem_cache_destroy" in flat or "cache_destroy(" in flat:
                    add("cache-destroy", fn, st, delete(lines, st),
                        f"delete `{flat}`")
                if st.call == "mempool_free":
                    add("mempool-free", fn, st, delete(lines, st),
                        f"delete `{flat}`")
                base = re.match(r"\s*\w+\((\w+)\)", st.text)
                if base and prev and re.search(
                        r"\b%s(->|\[)" % base.group(1), prev.text) and \
                        not bare_body(lines, st) and \
                        not re.match(r"\s*(if|for|while|else|return)\b", prev.text):
                    new = lines[:prev.start] + [st.text] + \
                        lines[prev.start:st.start] + lines[st.end:]
                    add("use-after-free", fn, st, new,
                        f"move `{flat}` above `{prev.flat}`")
                if st.region != "body":
                    add("unwind-free", fn, st, delete(lines, st),
                        f"delete `{flat}` under {st.region}")
                elif teardown:
                    add("teardown-free", fn, st, delete(lines, st),
                        f"delete `{flat}`")
                if (teardown or st.region != "body") and \
                        not bare_body(lines, st):
                    add("double-free", fn, st,
                        lines[:st.end] + [st.text] + lines[st.end:],
                        f"`{flat}` twice")
                if prev and prev.is_release() and \
                        (teardown or st.region != "body") and \
                        not bare_body(lines, st) and not bare_body(lines, prev):
                    new = lines[:prev.start] + [st.text] + \
                        lines[prev.end:st.start] + [prev.text] + lines[st.end:]
                    where = f"{prev.region} and {st.region}" \
                        if prev.region != st.region else st.region
                    add("swap-frees", fn, st, new,
                        f"swap `{prev.flat}` and `{flat}` ({where})")
            # an allocation's NULL check
            m = re.match(r"\s*([\w>.\-\[\]]+) = ([A-Za-z_]\w*)\(", st.text)
            if m and ALLOC.search(m.group(2)) and n + 1 < len(sts):
                nxt = sts[n + 1]
                var = re.escape(m.group(1))
                c = re.match(r"(\s*)if \((!%s|IS_ERR\(%s\))\)(.*)$" % (var, var),
                             nxt.text, re.S)
                ext = c and if_extent(lines, sts, n + 1)
                if ext:
                    add("null-check", fn, nxt, lines[:ext[0]] + lines[ext[1]:],
                        f"no check of `{m.group(1)}` from {m.group(2)}()")
                if m.group(2).startswith("devm_k") and \
                        "return 0;\n" in [lines[k].strip() + "\n"
                                          for k in range(fn.start, fn.end)]:
                    k = max(k for k in range(fn.start, fn.end)
                            if lines[k].strip() == "return 0;")
                    indent = re.match(r"\s*", lines[k]).group(0)
                    new = lines[:k] + [f"{indent}kfree({m.group(1)});\n"] + lines[k:]
                    add("devm-kfree", fn, st, new,
                        f"kfree(`{m.group(1)}`) from {m.group(2)}()")
            ext = re.match(r"\s*if \(dma_mapping_error\(", st.text) and \
                if_extent(lines, sts, n)
            if ext:
                add("mapping-error", fn, st, lines[:ext[0]] + lines[ext[1]:],
                    "no dma_mapping_error() check")
            if "devm_add_action_or_reset(" in st.text and " = " in st.text:
                add("devm-action", fn, st, replace(
                    lines, st, st.text.replace(" = devm_add", " = 0 && devm_add", 1)),
                    f"drop `{flat}`")
            for g in ("GFP_ATOMIC", "GFP_NOWAIT"):
                if g in st.text and not st.text.lstrip().startswith(("*", "/")):
                    add("gfp", fn, st, replace(
                        lines, st, st.text.replace(g, "GFP_KERNEL")),
                        f"{g} -> GFP_KERNEL in `{flat}`")
            c = re.match(r"(\s*for \([^;]*; \w+ )<( [^;]*;.*)$", st.text, re.S)
            if c:
                add("off-by-one", fn, st,
                    replace(lines, st, c.group(1) + "<=" + c.group(2)),
                    f"`<` -> `<=` in `{flat}`")
            for call, argn in (("memcpy", 2), ("memset", 2), ("kmalloc", 0),
                               ("kzalloc", 0), ("kvmalloc", 0), ("vmalloc", 0),
                               ("devm_kzalloc", 1), ("devm_kmalloc", 1)):
                idx = st.text.find(call + "(")
                if idx < 0 or (idx and re.match(r"\w", st.text[idx - 1])):
                    continue
                head = idx + len(call) + 1
                args = split_args(st.text[head:])
                if not args or len(args) <= argn:
                    continue
                off = head + sum(len(a) + 1 for a in args[:argn])
                arg = args[argn]
                new_arg = f"{arg.rstrip()} - 1" if "alloc" in call else f"{arg.rstrip()} + 1"
                text = st.text[:off] + new_arg + st.text[off + len(arg.rstrip()):]
                add("off-by-one", fn, st, replace(lines, st, text),
                    f"size `{arg.strip()}` of {call}() off by one")
            for call in ("dma_unmap_single", "dma_unmap_page", "dma_unmap_sgtable",
                         "dma_sync_single_for_cpu", "dma_sync_single_for_device"):
                idx = st.text.find(call + "(")
                if idx < 0:
                    continue
                head = idx + len(call) + 1
                args = split_args(st.text[head:])
                if not args:
                    continue
                dirn = 2 if call == "dma_unmap_sgtable" else 3
                choices = [(dirn, "direction")]
                if call.startswith("dma_unmap_s") and call != "dma_unmap_sgtable":
                    choices.append((2, "size"))
                for argi, kind in choices:
                    if len(args) <= argi:
                        continue
                    off = head + sum(len(a) + 1 for a in args[:argi])
                    arg = args[argi]
                    a = arg.strip()
                    if kind == "size":
                        new_arg = f"{a} / 2"
                    elif a in DIRS:
                        new_arg = DIRS[(DIRS.index(a) + 1) % 3]
                    else:
                        new_arg = f"({a} == DMA_TO_DEVICE ? DMA_FROM_DEVICE : DMA_TO_DEVICE)"
                    lead = arg[:len(arg) - len(arg.lstrip())]
                    text = st.text[:off] + lead + new_arg + st.text[off + len(arg):]
                    add("unmap", fn, st, replace(lines, st, text),
                        f"wrong {kind} in `{flat}`")
    return out


def all_mutants():
    files = sorted(os.path.join(REPO, "drivers-under-test", f)
                   for f in os.listdir(os.path.join(REPO, "drivers-under-test"))
                   if f.endswith(".c"))
    seen, keys, out = set(), {}, []
    for path in files:
        for m in generate(path):
            # two operators making one change: the first (most specific) names it
            if (m.path, m.new) in seen:
                continue
            seen.add((m.path, m.new))
            # the same statement twice in a function: number them
            keys[m.key] = keys.get(m.key, 0) + 1
            if keys[m.key] > 1:
                m.key += f" #{keys[m.key]}"
            out.append(m)
    return out


def equivalents():
    path = os.path.join(REPO, "ci", "mutants-equivalent.txt")
    eq = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    key, _, why = line.rstrip("\n").partition(" | ")
                    eq[key.strip()] = why.strip()
    return eq


def suite_names():
    """{suite name: its _kunit.c source} of drvmem's suites."""
    out = {}
    for fname in sorted(os.listdir(os.path.join(REPO, "kunit"))):
        if fname.endswith("_kunit.c"):
            with open(os.path.join(REPO, "kunit", fname), encoding="utf-8") as f:
                test = f.read()
            for name in re.findall(r'struct kunit_suite \w+ = \{\s*\.name = "(\w+)"', test):
                out[name] = test
    return out


def glob_for(wanted, names):
    """One kunit.py filter glob matching every wanted suite, and as few
    others as a common prefix and a few character classes allow."""
    prefix = os.path.commonprefix(sorted(wanted))
    glob = prefix
    for pos in range(len(prefix), max(len(w) for w in wanted)):
        if {n for n in names if fnmatch.fnmatchcase(n, glob + "*")} == set(wanted):
            break
        chars = sorted({w[pos] for w in wanted if len(w) > pos})
        if any(len(w) <= pos for w in wanted):
            break
        glob += "[" + "".join(chars) + "]"
    return glob + "*" if len(wanted) > 1 or glob != wanted[0] else glob


def covering_filter(rel):
    """The kunit.py filter glob of the suites that test a driver file: the
    suites named after it (drvmem_<pattern>.c: drvmem_<pattern>*), else the
    suites whose code names its driver or an exported function of it.
    Narrower than every suite, so a survivor is run again with all of them."""
    names = suite_names()
    stem = os.path.splitext(os.path.basename(rel))[0]
    wanted = sorted(n for n in names if n == stem or n.startswith(stem + "_"))
    if not wanted:
        with open(os.path.join(REPO, rel), encoding="utf-8") as f:
            src = f.read()
        ids = set(re.findall(r'\.name = "(drvmem-[\w-]+)"', src))
        ids |= set(re.findall(r"EXPORT_SYMBOL\w*\((\w+)\)", src))
        wanted = sorted(n for n, test in names.items()
                        if any(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(i), test)
                               for i in ids))
    return glob_for(wanted, names) if wanted else ""


def stage_copy():
    if os.path.isdir(COPY):
        shutil.rmtree(COPY)
    # new file times: kbuild must not take an object built from an
    # earlier mutant for one built from this copy
    # not the cache either, where a CI keeps it inside the checkout
    cache = os.path.realpath(CACHE)

    def ignore(d, names):
        return [n for n in names if n == ".git" or
                os.path.realpath(os.path.join(d, n)) == cache]

    shutil.copytree(REPO, COPY, symlinks=True, copy_function=shutil.copy,
                    ignore=ignore)


def run_kunit(filt, json_path, log_path):
    env = dict(os.environ, FILTER=filt, KUNIT_JSON=json_path,
               KUNIT_ARGS=f"--timeout={CASE_TIMEOUT}")
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        p = subprocess.Popen(["sh", os.path.join(COPY, "ci", "drvmem.sh"), "kunit"],
                             stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=WALL_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            rc = None
    return rc, time.monotonic() - start


def failed_cases(json_path):
    try:
        with open(json_path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError):
        return None

    def leaves(group, path):
        for case in group.get("test_cases", []):
            yield ".".join(path + [case["name"]]), case["status"]
        for sub in group.get("sub_groups", []):
            yield from leaves(sub, path + [sub["name"]])
    return [(n, s) for n, s in leaves(results, []) if s not in ("PASS", "SKIP")]


def static_rules(path):
    """The project's Coccinelle rules on one file: their report, or ''."""
    if not shutil.which("spatch"):
        return ""
    out = ""
    cocci_dir = os.path.join(REPO, "ci", "cocci")
    for rule in sorted(os.listdir(cocci_dir)):
        if rule.endswith(".cocci"):
            r = subprocess.run(["spatch", "--very-quiet", "-D", "report",
                                "--no-includes", "--include-headers",
                                "--sp-file", os.path.join(cocci_dir, rule), path],
                               capture_output=True, text=True, check=False)
            out += r.stdout
    return out.replace(COPY + "/", "").strip()


def run_one(m, work):
    target = os.path.join(COPY, m.path)
    with open(target, encoding="utf-8") as f:
        original = f.read()
    json_path = os.path.join(work, "mutant.json")
    log_path = os.path.join(work, "mutant.log")
    try:
        os.remove(json_path)
    except FileNotFoundError:
        pass
    with open(target, "w", encoding="utf-8") as f:
        f.write(m.new)
    try:
        filt = covering_filter(m.path)
        rc, m.seconds = run_kunit(filt, json_path, log_path)
        if rc == 0 and filt:
            # survived the suites of its driver: every suite gets a go
            rc, more = run_kunit("", json_path, log_path)
            m.seconds += more
        static = static_rules(target) if rc == 0 else ""
    finally:
        with open(target, "w", encoding="utf-8") as f:
            f.write(original)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    fails = failed_cases(json_path)
    crash = re.search(r"drvmem: (?:crashed|oops) in .*", log)
    # a case that failed before the run hung gave its verdict: the mutant is
    # killed, and the hang after it (a kernel the mistake corrupted, looping
    # on its reports) is reported with it, never hidden
    failed_first = [n for n, s in (fails or []) if s == "FAIL" and n.strip(".")]
    if (rc is None or "timed out after" in log) and failed_first:
        m.result, m.hung_after = "killed", True
        m.detail = (", ".join(failed_first[:3]) +
                    f" failed; then the kernel hung: no end of the run after {m.seconds:.0f} s")
    elif rc is None or "timed out after" in log:
        m.result, m.detail = "hung", f"no verdict after {m.seconds:.0f} s"
    elif crash:
        m.result, m.detail = "killed", crash.group(0)
    elif fails:
        m.result = "killed"
        # cases kunit_tool could not name (a boot that ended early) are
        # counted, not listed as ""
        named = [(n, s) for n, s in fails if n.strip(".")]
        m.detail = ", ".join(n + ("" if s == "FAIL" else f" ({s.lower()})")
                             for n, s in named[:3])
        if len(named) > 3:
            m.detail += f" and {len(named) - 3} more"
        if len(named) < len(fails):
            m.detail += (", " if named else "") + \
                f"{len(fails) - len(named)} unnamed, in error (kunit_tool gave them no name)"
    elif fails is None:
        err = re.findall(r"^.*(?:error:|ERROR:).*$", log, re.M)
        m.result = "stillborn"
        m.detail = (err[0].strip() if err else f"make kunit exited {rc}, no results")
    elif rc != 0:
        m.result, m.detail = "killed", f"make kunit exited {rc}, no failed case named"
    elif static:
        m.result, m.detail = "killed", "static rule: " + static.splitlines()[0]
    else:
        m.result = "survived"
    if m.result == "survived" and static:
        m.result, m.detail = "killed", "static rule: " + static.splitlines()[0]
    # the logs worth reading: every mutant not killed, and crashes
    if m.result != "killed" or crash:
        shutil.copy(log_path, os.path.join(work, m.ident().replace(" ", "_").replace(":", "_") + ".log"))


def sample(mutants, n, seed):
    rng = random.Random(seed)
    picked = []
    for op in OPERATORS:
        pool = [m for m in mutants if m.op == op]
        if pool:
            picked.append(rng.choice(pool))
    rest = [m for m in mutants if m not in picked]
    rng.shuffle(rest)
    picked += rest[:max(0, n - len(picked))]
    return sorted(picked, key=lambda m: (m.path, m.line))


def table(mutants):
    rows = ["| operator | mutants | killed | survived | hung | stillborn | equivalent |",
            "|---|---|---|---|---|---|---|"]
    for op in OPERATORS:
        ms = [m for m in mutants if m.op == op]
        if not ms:
            continue
        c = {k: sum(1 for m in ms if m.result == k)
             for k in ("killed", "survived", "hung", "stillborn")}
        eq = sum(1 for m in ms if m.equivalent)
        rows.append(f"| {op} | {len(ms)} | {c['killed']} | {c['survived']} | "
                    f"{c['hung']} | {c['stillborn']} | {eq} |")
    return "\n".join(rows)


# --junit-demo: a real run with a crash, a failure and a skip
JUNIT_CRASH = "null-check drvmem_unwind.c:drvmem_unwind_probe if (!priv)"
JUNIT_FAIL = "teardown-free drvmem_mempool.c:drvmem_mempool_remove kfree(md);"


def junit_demo(mutants, xml):
    """Run every suite on the drivers with two mistakes at once, a NULL
    check dropped (the kernel crashes in drvmem_unwind) and a kfree()
    dropped (drvmem_mempool fails in a boot after the crash), with the slow
    cases skipped (kunit.filter_action=skip), and check the run's JUnit
    XML with kunit_junit.py --check."""
    picked = [m for m in mutants if m.key in (JUNIT_CRASH, JUNIT_FAIL)]
    if len(picked) != 2:
        print(f"drvmem: the JUnit demo's mutants are gone: {JUNIT_CRASH!r}, {JUNIT_FAIL!r}")
        return 1
    stage_copy()
    work = os.path.join(CACHE, "mutants", "junit")
    os.makedirs(work, exist_ok=True)
    log_path = os.path.join(work, "run.log")
    try:
        for m in picked:
            with open(os.path.join(COPY, m.path), "w", encoding="utf-8") as f:
                f.write(m.new)
        env = dict(os.environ, FILTER="", KUNIT_JSON=os.path.join(work, "run.json"),
                   KUNIT_JUNIT=xml, KUNIT_ARGS=f"--timeout={CASE_TIMEOUT} "
                   "--filter=speed>slow --filter_action=skip")
        with open(log_path, "w", encoding="utf-8") as log:
            subprocess.run(["sh", os.path.join(COPY, "ci", "drvmem.sh"), "kunit"],
                           stdout=log, stderr=subprocess.STDOUT, env=env,
                           timeout=WALL_SECONDS, check=False)
    finally:
        subprocess.run(["sh", os.path.join(REPO, "ci", "drvmem.sh"), "stage"],
                       check=False)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        said = [l for l in f.read().splitlines() if l.startswith("drvmem: ")]
    print("\n".join(said))
    if not os.path.isfile(xml):
        print(f"not ok - no JUnit XML written ({log_path})")
        return 1
    return subprocess.run([sys.executable, os.path.join(REPO, "ci", "kunit_junit.py"),
                           "--check", xml], check=False).returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="list the mutants, run none")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", default="drvmem")
    ap.add_argument("--only", default="", help="operators, comma-separated")
    ap.add_argument("--match", action="append", default=[],
                    help="only mutants whose key has TEXT (repeatable: any of them)")
    ap.add_argument("--report", default=os.path.join(CACHE, "mutants", "report.txt"))
    ap.add_argument("--junit-demo", metavar="XML",
                    help="one run with a crash, a failure and a skip; check its JUnit XML")
    args = ap.parse_args()

    mutants = all_mutants()
    eq = equivalents()
    for m in mutants:
        m.equivalent = eq.get(m.key)
    unknown = set(eq) - {m.key for m in mutants}
    if args.junit_demo:
        return junit_demo(mutants, args.junit_demo)
    if args.only:
        mutants = [m for m in mutants if m.op in args.only.split(",")]
    if args.match:
        mutants = [m for m in mutants if any(t in m.key for t in args.match)]
    if args.sample:
        mutants = sample(mutants, args.sample, args.seed)
    if args.list:
        for m in mutants:
            print(f"{m.ident():34} {m.what}" + (f" [equivalent: {m.equivalent}]"
                                                 if m.equivalent else ""))
        print(f"{len(mutants)} mutants")
        return 0

    work = os.path.join(CACHE, "mutants", "logs")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    stage_copy()
    lines = []
    try:
        for i, m in enumerate(mutants, 1):
            run_one(m, work)
            note = f" [listed equivalent: {m.equivalent}]" if m.equivalent else ""
            line = (f"mutant {i}/{len(mutants)} {m.ident()}: {m.what}: "
                    f"{m.result} in {m.seconds:.0f} s"
                    + (f" ({m.detail})" if m.detail else "") + note)
            print(line, flush=True)
            lines.append(line)
    finally:
        # the checkout itself, staged again
        subprocess.run(["sh", os.path.join(REPO, "ci", "drvmem.sh"), "stage"],
                       check=False)
    bad = [m for m in mutants if m.result in ("survived", "hung", "stillborn")
           and not (m.result == "survived" and m.equivalent)]
    killed_eq = [m for m in mutants if m.equivalent and m.result == "killed"]
    hung_after = [m for m in mutants if m.hung_after]
    summary = (f"mutants: {len(mutants)} run, "
               f"{sum(m.result == 'killed' for m in mutants)} killed, "
               f"{sum(m.result == 'survived' and bool(m.equivalent) for m in mutants)} equivalent, "
               f"{len(bad)} not killed")
    if hung_after:
        summary += f" ({len(hung_after)} killed, then hung)"
    out = "\n".join(lines + ["", table(mutants), ""] +
                    [f"not killed: {m.ident()}: {m.what} ({m.result})" for m in bad] +
                    [f"killed, then hung: {m.ident()}: {m.what}" for m in hung_after] +
                    [f"listed equivalent but killed: {m.key}" for m in killed_eq] +
                    [f"listed equivalent, no such mutant now: {k}" for k in sorted(unknown)] +
                    [summary])
    os.makedirs(os.path.dirname(args.report), exist_ok=True)
    with open(args.report, "w", encoding="utf-8") as f:
        f.write(out + "\n")
    print()
    print(table(mutants))
    for m in bad:
        print(f"not killed: {m.ident()}: {m.what} ({m.result})")
    for m in hung_after:
        print(f"killed, then hung: {m.ident()}: {m.what}")
    for m in killed_eq:
        print(f"listed equivalent but killed: {m.key}")
    print(summary)
    print(f"report: {args.report}")
    return 1 if bad or killed_eq else 0


if __name__ == "__main__":
    sys.exit(main())
