#!/usr/bin/env python3
"""Compare the enrichments[] of two sets of OCSF DNS Activity events of the same records: EXPECTED (as
`dnslens run --output-format ocsf-1.1` wrote them) and ACTUAL (read back from another path, such as the
Security Lake export). Events are matched by time, source address and port, query name and type; the
enrichments of each pair must be equal.

Prints how many events were compared and how many carry each enrichment type; exit 1 on any difference.
Usage: ocsf_enrichments_compare.py EXPECTED.jsonl ACTUAL.jsonl"""
import collections
import json
import sys


def key(event):
    src = event.get("src_endpoint", {})
    query = event.get("query", {})
    return (event.get("time"), src.get("ip"), src.get("port"), query.get("hostname"), query.get("type"))


def normalised(enrichments):
    out = []
    for e in enrichments:
        e = json.loads(json.dumps(e))
        if isinstance(e.get("data"), str):
            e["data"] = json.loads(e["data"])
        out.append(e)
    return json.dumps(out, sort_keys=True)


def load(path):
    events = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            events[key(event)].append(normalised(event.get("enrichments", [])))
    return events


def main():
    expected, actual = load(sys.argv[1]), load(sys.argv[2])
    problems = 0
    compared = 0
    kinds = collections.Counter()
    for k in sorted(set(expected) | set(actual), key=repr):
        a, b = sorted(expected.get(k, [])), sorted(actual.get(k, []))
        if a != b:
            problems += 1
            if problems <= 5:
                print(f"differs: {k}\n  expected {a}\n  actual   {b}")
            continue
        compared += len(a)
        for enrichments in a:
            for e in json.loads(enrichments):
                kinds[e["type"]] += 1
    print(f"{compared} events with equal enrichments, {problems} differing")
    for kind, n in sorted(kinds.items()):
        print(f"  {kind}: {n}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
