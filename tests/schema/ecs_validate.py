#!/usr/bin/env python3
"""Validate ECS JSON documents against ECS's field definitions and dnslens's component template.

    tests/schema/ecs_validate.py tests/data/ecs/ecs-8.11.0.json data/ecs/dnslens-ecs-template.json FILE...

The first file is ECS compiled by tools/ecs_fields_compile.py; the second is the Elasticsearch component
template that maps the fields dnslens writes outside ECS (aws.*, dnslens.*). Every line must be one JSON
object whose every field is defined by one of them and holds a value of the field's type, as Elasticsearch
would index it without coercion: keyword text, long integers, float numbers, booleans, well-formed IP
addresses, RFC 3339 dates with a zone, objects where ECS has objects (arrays of them where it has arrays).
Also checked: ECS's array fields are arrays, allowed and expected values (event.kind, event.category,
event.type, event.outcome, threat indicator confidence and type), each event.type one its event.category
expects, @timestamp and ecs.version present, no empty strings or empty arrays (Elastic's pipeline drops
them). Prints one line per problem (file:line: field: problem) and exits 1 when there was any.

With --expect-invalid each line is {"why": TEXT, "doc": DOCUMENT}: the document must fail, and one of its
problems must contain TEXT (the tests of the validator itself).
"""

import argparse
import datetime
import ipaddress
import json
import re
import sys

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$")
TEXT_TYPES = {"keyword", "constant_keyword", "wildcard", "match_only_text", "text"}
OBJECT_TYPES = {"object", "nested", "flattened"}


def template_fields(properties, prefix, out):
    for name, spec in properties.items():
        full = prefix + name
        if "properties" in spec:
            out[full] = {"type": spec.get("type", "object")}
            template_fields(spec["properties"], full + ".", out)
        else:
            out[full] = {"type": spec["type"]}
    return out


class Validator:
    def __init__(self, fields):
        self.fields = fields
        self.problems = []

    def problem(self, path, text):
        self.problems.append(f"{path or '<document>'}: {text}")

    def scalar(self, path, spec, value):
        kind = spec["type"]
        if value == "":
            return self.problem(path, "empty string")
        if kind in TEXT_TYPES:
            if not isinstance(value, str):
                return self.problem(path, f"is {type(value).__name__}, ECS says {kind} (a string)")
        elif kind == "long":
            if isinstance(value, bool) or not isinstance(value, int):
                return self.problem(path, f"is {type(value).__name__}, ECS says long")
            if not -(2**63) <= value < 2**63:
                return self.problem(path, "is out of the long range")
        elif kind in ("float", "scaled_float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return self.problem(path, f"is {type(value).__name__}, ECS says {kind}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                return self.problem(path, f"is {type(value).__name__}, ECS says boolean")
        elif kind == "ip":
            try:
                ipaddress.ip_address(value)
            except (ValueError, TypeError):
                return self.problem(path, f"{json.dumps(value)} is not an IP address")
        elif kind == "date":
            if not isinstance(value, str) or not DATE.match(value):
                return self.problem(path, f"{json.dumps(value)} is not an RFC 3339 date with a zone")
            try:
                datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return self.problem(path, f"{json.dumps(value)} is not a real date")
        elif kind in OBJECT_TYPES:
            return self.problem(path, f"is {type(value).__name__}, ECS says {kind}")
        elif kind == "geo_point":
            pass
        else:
            return self.problem(path, f"type {kind} is not checked by this validator")
        if "allowed" in spec and value not in spec["allowed"]:
            self.problem(path, f"{json.dumps(value)} is not one of ECS's allowed values")
        if "expected" in spec and value not in spec["expected"]:
            self.problem(path, f"{json.dumps(value)} is not one of ECS's expected values")

    def walk(self, path, value):
        spec = self.fields.get(path) if path else {"type": "object"}
        if spec is None:
            return self.problem(path, "is not an ECS field nor one of the template's")
        if spec["type"] == "flattened":  # any JSON: Elasticsearch indexes its leaves as keywords
            if not isinstance(value, dict) or not value:
                self.problem(path, "a flattened field must be a non-empty object")
            return
        if isinstance(value, dict):
            if spec["type"] not in OBJECT_TYPES:
                return self.problem(path, f"is an object, ECS says {spec['type']}")
            if not value:
                return self.problem(path, "empty object")
            for key, item in value.items():
                self.walk(f"{path}.{key}" if path else key, item)
        elif isinstance(value, list):
            if not value:
                return self.problem(path, "empty array")
            for item in value:
                if isinstance(item, list):
                    self.problem(path, "array of arrays")
                elif isinstance(item, dict):
                    self.walk(path, item)
                else:
                    self.scalar(path, spec, item)
        else:
            if spec.get("array"):
                self.problem(path, "ECS makes this field an array")
            self.scalar(path, spec, value)

    def document(self, doc):
        self.problems = []
        if not isinstance(doc, dict):
            self.problem("", "is not a JSON object")
            return self.problems
        self.walk("", doc)
        if "@timestamp" not in doc:
            self.problem("@timestamp", "missing (ECS requires it)")
        if not isinstance(doc.get("ecs"), dict) or "version" not in doc["ecs"]:
            self.problem("ecs.version", "missing (ECS requires it)")
        event = doc.get("event") if isinstance(doc.get("event"), dict) else {}
        expects = self.fields.get("event.category", {}).get("expected_event_types", {})
        categories = event.get("category", [])
        for t in event.get("type", []) if isinstance(event.get("type"), list) else []:
            for c in categories if isinstance(categories, list) else []:
                if c in expects and t not in expects[c]:
                    self.problem("event.type", f"{json.dumps(t)} is not a type ECS expects for category {c}")
        return self.problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ecs")
    ap.add_argument("template")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--expect-invalid", action="store_true")
    args = ap.parse_args()
    with open(args.ecs, encoding="utf-8") as f:
        fields = dict(json.load(f)["fields"])
    with open(args.template, encoding="utf-8") as f:
        template_fields(json.load(f)["template"]["mappings"]["properties"], "", fields)
    for name in list(fields):  # the objects that hold the fields (dns.question holds dns.question.name)
        parts = name.split(".")
        for i in range(1, len(parts)):
            fields.setdefault(".".join(parts[:i]), {"type": "object"})
    validator = Validator(fields)
    lines = bad = 0
    for name in args.files:
        with open(name, encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                lines += 1
                where = f"{name}:{number}"
                try:
                    item = json.loads(text)
                except json.JSONDecodeError as e:
                    bad += 1
                    print(f"{where}: not JSON: {e}")
                    continue
                if args.expect_invalid:
                    problems = validator.document(item.get("doc"))
                    if not any(item["why"] in p for p in problems):
                        bad += 1
                        print(f"{where}: expected a problem containing {json.dumps(item['why'])}, got "
                              f"{problems or 'none'}")
                    continue
                problems = validator.document(item)
                if problems:
                    bad += 1
                    for p in problems:
                        print(f"{where}: {p}")
    print(f"{lines} lines, {bad} with problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
