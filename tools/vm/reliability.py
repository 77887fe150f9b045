#!/usr/bin/env python3
"""The reliability figures of a test run, and docs/reliability.md from them.

    reliability.py record RUNDIR LANE --summary LINE --splats N [--leaks N]
                          [--seconds S] [--out DIR]
    reliability.py report [--dir DIR] [--doc FILE]

`record` collects what the reliability programs (stress, faults, fuzz,
unplug, privilege) printed at their end, one TAP comment line each:

    # reliability: name=stress procs=16 seconds=60 ops=123 mismatches=0

and writes DIR/LANE.json (default build/reliability) with the lane's
summary line, the kernel reports found in its logs (splats), the kmemleak
result (debug lane), the run's duration and the date.

`report` rewrites the part of docs/reliability.md between the markers
<!-- figures:begin --> and <!-- figures:end --> from every LANE.json found,
so that the document always holds a run's own numbers.
"""
import argparse
import datetime
import glob
import json
import os
import re
import sys

LINE = re.compile(r"^# reliability: (.*)$")
BEGIN = "<!-- figures:begin -->"
END = "<!-- figures:end -->"
KEYS = ["procs", "seconds", "rounds", "ops", "faults", "inputs",
        "mismatches", "leaks", "errors"]
LANES = {"check": "test kernel (`make check`)",
         "check-debug": "debug kernel (`make check-debug`)"}


def parse_programs(rundir):
    """{name: {key: int}} from every selftest's TAP output."""
    programs = {}
    for tap in sorted(glob.glob(os.path.join(rundir, "selftests", "*.tap"))):
        with open(tap, errors="replace") as fh:
            for line in fh:
                m = LINE.match(line.rstrip("\n"))
                if not m:
                    continue
                fields = dict(kv.split("=", 1) for kv in m.group(1).split()
                              if "=" in kv)
                name = fields.pop("name", os.path.basename(tap)[:-4])
                programs[name] = {k: int(v) for k, v in fields.items()
                                  if re.fullmatch(r"-?\d+", v)}
    return programs


def record(args):
    release = "?"
    rel_file = os.path.join(args.obj, "include/config/kernel.release") if args.obj else None
    if rel_file and os.path.exists(rel_file):
        release = open(rel_file).read().strip()
    data = {
        "lane": args.lane,
        "date": datetime.date.today().isoformat(),
        "kernel": release,
        "summary": args.summary,
        "vm_seconds": args.seconds,
        "splats": args.splats,
        "leaks": args.leaks,
        "programs": parse_programs(args.rundir),
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, args.lane + ".json")
    with open(path, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"{args.lane}: reliability figures in {os.path.relpath(path)}")
    return 0


def cell(value):
    return "–" if value is None else f"{value:,}"


def render(runs):
    out = []
    for lane in sorted(runs, key=lambda n: list(LANES).index(n) if n in LANES else 9):
        run = runs[lane]
        leaks = run["leaks"]
        out.append(f"### {LANES.get(lane, lane)}, {run['date']}")
        out.append("")
        out.append(f"Kernel {run['kernel']}; result **{run['summary']}**; "
                   f"VM run {cell(run.get('vm_seconds'))} s; kernel reports (splats) "
                   f"**{run['splats']}**; kmemleak suspected leaks "
                   f"**{'not scanned in this lane' if leaks is None else leaks}**.")
        out.append("")
        out.append("| program | " + " | ".join(KEYS) + " |")
        out.append("|---|" + "---:|" * len(KEYS))
        for name in sorted(run["programs"]):
            fig = run["programs"][name]
            out.append(f"| {name} | " + " | ".join(cell(fig.get(k)) for k in KEYS) + " |")
        totals = {k: sum(f.get(k, 0) for f in run["programs"].values())
                  for k in ("ops", "faults", "inputs", "mismatches", "errors")}
        out.append("")
        out.append("Totals: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()) + ".")
        out.append("")
    return "\n".join(out)


def report(args):
    runs = {}
    for path in sorted(glob.glob(os.path.join(args.dir, "*.json"))):
        with open(path) as fh:
            run = json.load(fh)
        runs[run["lane"]] = run
    if not runs:
        print(f"reliability: no recorded run in {args.dir}: run make check first",
              file=sys.stderr)
        return 1
    doc = open(args.doc).read()
    if BEGIN not in doc or END not in doc:
        print(f"reliability: {args.doc} lacks the figure markers", file=sys.stderr)
        return 1
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(args.doc, "w") as fh:
        fh.write(head + BEGIN + "\n" + render(runs) + END + tail)
    print(f"reliability: {args.doc} updated from {', '.join(sorted(runs))}")
    return 0


def main():
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("rundir")
    rec.add_argument("lane")
    rec.add_argument("--summary", required=True)
    rec.add_argument("--splats", type=int, required=True)
    rec.add_argument("--leaks", type=int, default=None)
    rec.add_argument("--seconds", type=int, default=None)
    rec.add_argument("--obj", default=None)
    rec.add_argument("--out", default=os.path.join(top, "build/reliability"))
    rep = sub.add_parser("report")
    rep.add_argument("--dir", default=os.path.join(top, "build/reliability"))
    rep.add_argument("--doc", default=os.path.join(top, "docs/reliability.md"))
    args = ap.parse_args()
    return record(args) if args.cmd == "record" else report(args)


if __name__ == "__main__":
    sys.exit(main())
