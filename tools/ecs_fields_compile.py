#!/usr/bin/env python3
"""Compiles ECS's field definitions into the test data dnslens's ECS output is validated against.

Reads generated/ecs/ecs_flat.yml from an elastic/ecs checkout (or a git ref of one) and keeps the
field sets dnslens writes: each field's type, whether ECS makes it an array (normalize: array), its
allowed values (with, for event.category, the event.type values each category expects) and its expected
values.

  tools/ecs_fields_compile.py ECS_REPO --git v8.11.0 > tests/data/ecs/ecs-8.11.0.json
"""
import argparse
import json
import subprocess
import sys

import yaml

FIELD_SETS = ("@timestamp", "tags", "message", "labels", "ecs.", "event.", "dns.", "source.", "cloud.", "network.",
              "related.", "threat.", "error.")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo", help="an elastic/ecs checkout or git directory")
    ap.add_argument("--git", metavar="REF", help="read the file at this ref (a tag such as v8.11.0)")
    args = ap.parse_args()
    path = "generated/ecs/ecs_flat.yml"
    if args.git:
        text = subprocess.run(["git", "-C", args.repo, "show", f"{args.git}:{path}"], check=True,
                              capture_output=True, text=True).stdout
    else:
        with open(f"{args.repo}/{path}", encoding="utf-8") as f:
            text = f.read()
    flat = yaml.safe_load(text)
    version = flat["ecs.version"].get("example")
    fields = {}
    for name, spec in sorted(flat.items()):
        if not any(name == s or name.startswith(s) for s in FIELD_SETS):
            continue
        out = {"type": spec["type"]}
        if "array" in (spec.get("normalize") or []):
            out["array"] = True
        if spec.get("allowed_values"):
            out["allowed"] = [a["name"] for a in spec["allowed_values"]]
            expected_types = {a["name"]: a["expected_event_types"] for a in spec["allowed_values"]
                              if a.get("expected_event_types")}
            if expected_types:
                out["expected_event_types"] = expected_types
        if spec.get("expected_values"):
            out["expected"] = spec["expected_values"]
        fields[name] = out
    json.dump({"source": f"elastic/ecs {args.git or 'working tree'} {path}", "fields": fields}, sys.stdout,
              indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
