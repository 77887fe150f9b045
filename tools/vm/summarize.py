#!/usr/bin/env python3
"""Summarize one test run of the VM: KUnit KTAP and selftest TAP.

    summarize.py RUNDIR --kunit-suite NAME... --selftest NAME...
                 [--selftest-in DIR NAME...]... [--repeat N]

RUNDIR holds what the guest wrote: kunit/<suite>.ktap (copied from debugfs),
selftests/<name>.tap and <name>.rc (and <name>.runK.tap/.rc for the runs
K = 2..N of --repeat N). --selftest-in names the programs of another boot
(make check's GPU boot), whose results are in DIR/selftests. Every KUnit case and every selftest result of
every run counts once; "# SKIP" results count as skipped. An expected suite or
selftest with no results, a plan that promised more results than were
printed, or a non-zero exit status with no failing result each count as one
failure, so a crash or a missing test can never look green.

Prints a line per suite and, last, "N passed, N failed, N skipped".
Exits 1 if anything failed.
"""
import argparse
import os
import re
import sys

KTAP_CASE = re.compile(r"^ {4}(ok|not ok) (\d+) (\S+)(.*)$")
TAP_RESULT = re.compile(r"^(ok|not ok) (\d+)\s*(.*?)\s*(#\s*(SKIP|XFAIL|TODO)\b.*)?$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)")
KTAP_PLAN = re.compile(r"^ {4}1\.\.(\d+)")


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, suite, name, verdict, why="", detail=()):
        if verdict == "pass":
            self.passed += 1
        elif verdict == "skip":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append((f"{suite}: {name}{' (' + why + ')' if why else ''}",
                                  list(detail)))


# What a failing selftest printed is shown with its name, so that a log
# that keeps only the end of the output (a CI's) still says why it failed.
DETAIL_LINES = 12
DETAIL_SKIP = re.compile(r"^#\s*(RUN|Starting|PASSED|FAILED|Totals)\b|^#\s*$")
DETAIL_WHY = re.compile(r"Expected|unexpected|[Ff]ail|[Ee]rror|status 0x|arrived|check:")


def failure_detail(lines):
    """At most DETAIL_LINES of @lines: the ones saying why first, in order."""
    why = {i for i, line in enumerate(lines) if DETAIL_WHY.search(line)}
    why = set(sorted(why)[:DETAIL_LINES])
    rest = [i for i in range(len(lines)) if i not in why]
    keep = why | set(rest[max(0, len(rest) - (DETAIL_LINES - len(why))):])
    return [lines[i] for i in sorted(keep)]


def parse_kunit(path, suite, tally):
    """Counts the cases of one suite's debugfs results (4-space indent)."""
    n_plan = None
    seen = 0
    p = s = f = 0
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            m = KTAP_PLAN.match(line)
            if m and n_plan is None:
                n_plan = int(m.group(1))
                continue
            m = KTAP_CASE.match(line)
            if not m:
                continue
            seen += 1
            ok, _, name, rest = m.groups()
            if "# SKIP" in rest:
                tally.add(suite, name, "skip"); s += 1
            elif ok == "ok":
                tally.add(suite, name, "pass"); p += 1
            else:
                tally.add(suite, name, "fail"); f += 1
    if n_plan is None or seen < n_plan:
        tally.add(suite, "plan", "fail",
                  f"{seen} of {n_plan if n_plan is not None else '?'} cases reported")
        f += 1
    return p, f, s


def parse_tap(path, rc_path, suite, tally):
    plan = None
    seen = 0
    p = s = f = 0
    said = []
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            m = TAP_PLAN.match(line)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = TAP_RESULT.match(line)
            if not m:
                if line.startswith("#") and not DETAIL_SKIP.match(line):
                    said.append(line)
                continue
            seen += 1
            ok, _, name, _, directive = m.groups()
            if directive == "SKIP":
                tally.add(suite, name, "skip"); s += 1
            elif ok == "ok" or directive in ("XFAIL", "TODO"):
                tally.add(suite, name, "pass"); p += 1
            else:
                tally.add(suite, name, "fail", detail=failure_detail(said)); f += 1
            said = []
    rc = None
    if os.path.exists(rc_path):
        rc = int(open(rc_path).read().strip() or "-1")
    # A program without a plan (upstream's test_core prints none) is judged
    # by its results and its exit status alone.
    if plan is not None and seen < plan:
        tally.add(suite, "plan", "fail", f"{seen} of {plan} results printed")
        f += 1
    elif seen == 0:
        tally.add(suite, "results", "fail", "no result printed")
        f += 1
    if rc is None:
        tally.add(suite, "exit", "fail", "no exit status"); f += 1
    elif rc != 0 and f == 0:
        tally.add(suite, "exit", "fail", f"exit status {rc} with no failing result"); f += 1
    return p, f, s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundir")
    ap.add_argument("--kunit-suite", nargs="*", default=[])
    ap.add_argument("--selftest", nargs="*", default=[])
    ap.add_argument("--selftest-in", nargs="+", action="append", default=[],
                    metavar=("DIR", "NAME"),
                    help="selftest programs whose results are in DIR/selftests")
    ap.add_argument("--repeat", type=int, default=1,
                    help="each selftest program ran this many times")
    ap.add_argument("--fail", action="append", default=[],
                    help="SUITE:WHY, one more failure found by the caller")
    args = ap.parse_args()

    tally = Tally()
    rows = []
    for suite in args.kunit_suite:
        path = os.path.join(args.rundir, "kunit", suite + ".ktap")
        if not os.path.exists(path):
            tally.add("kunit:" + suite, "suite", "fail", "suite did not run")
            rows.append(("kunit", suite, 0, 1, 0, "missing"))
            continue
        p, f, s = parse_kunit(path, "kunit:" + suite, tally)
        rows.append(("kunit", suite, p, f, s, ""))
    programs = [(args.rundir, name) for name in args.selftest]
    for group in args.selftest_in:
        programs += [(group[0], name) for name in group[1:]]
    for rundir, name in programs:
        for run in range(1, args.repeat + 1):
            base = name if run == 1 else f"{name}.run{run}"
            label = name if args.repeat == 1 else f"{name}#{run}"
            tap = os.path.join(rundir, "selftests", base + ".tap")
            rc = os.path.join(rundir, "selftests", base + ".rc")
            if not os.path.exists(tap):
                tally.add("selftest:" + label, "program", "fail", "did not run")
                rows.append(("selftest", label, 0, 1, 0, "missing"))
                continue
            p, f, s = parse_tap(tap, rc, "selftest:" + label, tally)
            rows.append(("selftest", label, p, f, s, ""))

    for extra in args.fail:
        suite, _, why = extra.partition(":")
        tally.add(suite, "run", "fail", why)
        rows.append(("run", suite, 0, 1, 0, why))

    print()
    print(f"{'kind':<9} {'suite':<32} {'pass':>5} {'fail':>5} {'skip':>5}")
    for kind, suite, p, f, s, note in rows:
        print(f"{kind:<9} {suite:<32} {p:>5} {f:>5} {s:>5} {note}")
    if tally.failures:
        print("\nfailures:")
        for line, detail in tally.failures:
            print("  " + line)
            for said in detail:
                print("      " + said)
    print()
    summary = f"{tally.passed} passed, {tally.failed} failed"
    if tally.skipped:
        summary += f", {tally.skipped} skipped"
    print(summary)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
