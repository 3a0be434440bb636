#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a Prometheus text-format (0.0.4) exposition read from stdin.

A strict parser of its own (names, labels, escapes, values, HELP/TYPE once
per family and before its samples, no duplicate series, counters not
negative), then the official python client's parser when it is installed.
Prints "name value" for every sample; exit status 1 with a reason on error.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(" + NAME + r")(\{(.*)\})? (\S+)( -?[0-9]+)?$")
LABEL_PAIR = re.compile(r'\s*(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def family_of(name, types):
    for suffix in ("_total", "_created", "_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in types:
            return name[: -len(suffix)]
    return name


def parse(text):
    if not text.endswith("\n"):
        raise ValueError("exposition must end with a newline")
    helps, types, seen, sampled, out = set(), {}, set(), set(), []
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (n, line)
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                if not re.fullmatch(NAME, parts[2]):
                    raise ValueError("bad metric name in " + where)
                if parts[1] == "HELP":
                    if parts[2] in helps:
                        raise ValueError("second HELP in " + where)
                    helps.add(parts[2])
                    if re.search(r"\\[^\\n]", parts[3] if len(parts) > 3 else ""):
                        raise ValueError("bad escape in HELP, " + where)
                else:
                    if parts[2] in types or len(parts) != 4 or parts[3] not in TYPES:
                        raise ValueError("bad or second TYPE in " + where)
                    if parts[2] in sampled:
                        raise ValueError("TYPE after samples in " + where)
                    types[parts[2]] = parts[3]
            continue
        if not line.strip():
            raise ValueError("blank line in " + where)
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample: " + where)
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        pairs, rest = [], labels
        while rest:
            lm = LABEL_PAIR.match(rest)
            if not lm:
                raise ValueError("bad labels in " + where)
            pairs.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("repeated label in " + where)
        if value in ("+Inf", "-Inf", "NaN"):
            v = float(value.replace("Inf", "inf").replace("NaN", "nan"))
        else:
            v = float(value)
        fam = family_of(name, types)
        sampled.add(fam)
        if types.get(fam) == "counter" and (v < 0 or math.isnan(v)):
            raise ValueError("negative counter in " + where)
        if types.get(fam) == "counter" and not name.endswith("_total"):
            raise ValueError("counter sample without _total in " + where)
        key = (name, tuple(sorted(pairs)))
        if key in seen:
            raise ValueError("duplicate series in " + where)
        seen.add(key)
        out.append((name, dict(pairs), v))
    return out


def main():
    text = sys.stdin.read()
    try:
        samples = parse(text)
    except ValueError as e:
        print("promparse: " + str(e), file=sys.stderr)
        return 1
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None
    if text_string_to_metric_families:
        try:
            n = sum(len(f.samples) for f in text_string_to_metric_families(text))
        except Exception as e:  # the client raises ValueError and others
            print("prometheus_client: " + str(e), file=sys.stderr)
            return 1
        if n != len(samples):
            print("prometheus_client saw %d samples, we saw %d" % (n, len(samples)), file=sys.stderr)
            return 1
    for name, labels, v in samples:
        lab = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
        print("%s%s %r" % (name, "{" + lab + "}" if lab else "", v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
