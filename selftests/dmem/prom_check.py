#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Parse a Prometheus text file with prometheus_client's own parser (the
python3-prometheus-client package, run from the host's root by
test_prometheus) and print its samples one a line, sorted:

    NAME TYPE CGROUP REGION VALUE

CGROUP is "-" for a sample without that label, VALUE an integer or "+Inf".
Exits 1 if the file does not parse, a family lacks HELP, a name breaks the
naming rules the project follows (gauges end in _bytes, counters in
_total), or a sample has labels other than cgroup and region.
"""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def value(v):
    if math.isinf(v) and v > 0:
        return "+Inf"
    if v != int(v):
        raise ValueError("not an integer: %r" % v)
    return "%d" % int(v)


def main():
    text = open(sys.argv[1]).read()
    out = []
    for fam in text_string_to_metric_families(text):
        if not fam.documentation:
            raise ValueError("%s: no HELP" % fam.name)
        if fam.type == "gauge" and not fam.name.endswith("_bytes"):
            raise ValueError("%s: a gauge not in _bytes" % fam.name)
        if fam.type not in ("gauge", "counter"):
            raise ValueError("%s: type %s" % (fam.name, fam.type))
        for s in fam.samples:
            if fam.type == "counter" and not s.name.endswith("_total"):
                raise ValueError("%s: a counter without _total" % s.name)
            if set(s.labels) - {"cgroup", "region"}:
                raise ValueError("%s: labels %s" % (s.name, s.labels))
            out.append("%s %s %s %s %s" % (
                s.name, fam.type, s.labels.get("cgroup", "-"),
                s.labels.get("region", "-"), value(s.value)))
    for line in sorted(out):
        print(line)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # pylint: disable=broad-except
        print("prom_check: %s" % e, file=sys.stderr)
        sys.exit(1)
