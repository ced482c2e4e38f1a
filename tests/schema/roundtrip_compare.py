#!/usr/bin/env python3
"""Compare Route 53 records with the same records after a trip through another schema and back.

    tests/schema/roundtrip_compare.py ORIGINAL.jsonl BACK.jsonl [--ignore-case FIELD]...

BACK holds dnslens's route53 output of the records read back (each line the Route 53 record followed by
dnslens's fields). Line by line, every field of the original record must come back with the same value:
top-level fields, srcids and answers, in any key order. An empty srcids equals none, and a srcport logged
as a JSON number equals the same number as text (Route 53 writes text; OCSF keeps an integer). --ignore-case
names fields whose case may change on the way (OCSF keeps a firewall action as an enum, not as text).
Prints each difference (file:line: field: original, back) and a summary; exits 1 on any difference.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("original")
    ap.add_argument("back")
    ap.add_argument("--ignore-case", action="append", default=[])
    args = ap.parse_args()
    with open(args.original, encoding="utf-8") as f:
        originals = [json.loads(line) for line in f if line.strip()]
    def no_repeats(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"a key appears twice: {keys}")
        return dict(pairs)

    with open(args.back, encoding="utf-8") as f:
        backs = [json.loads(line, object_pairs_hook=no_repeats) for line in f if line.strip()]
    if len(originals) != len(backs):
        print(f"{len(originals)} records in, {len(backs)} back")
        sys.exit(1)
    differing = 0
    fields = 0
    for n, (o, b) in enumerate(zip(originals, backs), 1):
        for key, value in o.items():
            fields += 1
            got = b.get(key)
            if key == "srcids" and not value and not got:
                continue
            if key == "srcport" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if key in args.ignore_case and isinstance(value, str) and isinstance(got, str):
                value, got = value.upper(), got.upper()
            if got != value:
                differing += 1
                print(f"{args.back}:{n}: {key}: {json.dumps(value)}, back {json.dumps(got) if key in b else '(absent)'}")
    print(f"{len(originals)} records, {fields} fields, {differing} differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
