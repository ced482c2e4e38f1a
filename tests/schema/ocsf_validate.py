#!/usr/bin/env python3
"""Validate OCSF JSON lines against a compiled OCSF schema (tools/ocsf_schema_compile.py output).

    tests/schema/ocsf_validate.py tests/data/ocsf/ocsf-1.1.0.json FILE...

Every line must be one event whose class the schema holds, and the event must keep to that class: only its
attributes, of their types (strings, integers, longs, booleans, objects and arrays as declared; ports in range;
IP addresses and RFC 3339 times well formed), every required attribute present, every enum value one the schema
lists, every sibling caption (`rcode` next to `rcode_id`) the schema's caption unless the id is 99 (Other),
type_uid = class_uid * 100 + activity_id, metadata.version the schema's version, and an attribute of a profile
only when metadata.profiles names that profile. Prints one line per problem (file:line: path: problem) and exits 1
when there was any; `--expect-invalid` inverts that, for the tests of the validator itself.
"""

import argparse
import datetime
import ipaddress
import json
import re
import sys

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


class Validator:
    def __init__(self, schema, strict=False):
        self.strict = strict
        self.schema = schema
        self.classes = {c["uid"]: (name, c) for name, c in schema["classes"].items()}
        self.problems = []
        self.profiles = set()

    def problem(self, path, text):
        self.problems.append(f"{path or '<event>'}: {text}")

    def check_value(self, path, spec, value):
        if spec.get("is_array"):
            if not isinstance(value, list):
                return self.problem(path, f"is {type(value).__name__}, the schema says an array")
            for i, item in enumerate(value):
                self.check_scalar_or_object(f"{path}[{i}]", spec, item)
        else:
            self.check_scalar_or_object(path, spec, value)

    def check_scalar_or_object(self, path, spec, value):
        if "object" in spec:
            if not isinstance(value, dict):
                return self.problem(path, f"is {type(value).__name__}, the schema says object {spec['object']}")
            return self.check_object(path, self.schema["objects"][spec["object"]], value)
        kind = spec["type"]
        if kind == "string_t":
            if not isinstance(value, str):
                return self.problem(path, f"is {json.dumps(value)}, the schema says a string")
            type_name = spec.get("type_name")
            if type_name == "ip_t":
                try:
                    ipaddress.ip_address(value)
                except ValueError:
                    self.problem(path, f"{value!r} is not an IP address")
            elif type_name == "datetime_t":
                if not DATETIME.match(value):
                    self.problem(path, f"{value!r} is not an RFC 3339 date-time (with Z or an offset)")
                else:
                    try:
                        datetime.datetime.fromisoformat(re.sub(r"(\.\d{1,6})\d*", r"\1", value.replace("Z", "+00:00")))
                    except ValueError:
                        self.problem(path, f"{value!r} is not a real date-time")
        elif kind in ("integer_t", "long_t"):
            if not isinstance(value, int) or isinstance(value, bool):
                return self.problem(path, f"is {json.dumps(value)}, the schema says an integer")
            low, high = spec.get("range") or (INT32 if kind == "integer_t" else INT64)
            if not low <= value <= high:
                self.problem(path, f"{value} is outside [{low}, {high}]")
        elif kind == "float_t":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.problem(path, f"is {json.dumps(value)}, the schema says a number")
        elif kind == "boolean_t":
            if not isinstance(value, bool):
                self.problem(path, f"is {json.dumps(value)}, the schema says a boolean")
        elif kind == "object_t":
            if not isinstance(value, dict):
                self.problem(path, f"is {type(value).__name__}, the schema says an object")
        elif kind != "json_t":
            self.problem(path, f"has unknown schema type {kind}")

    def check_object(self, path, definition, value):
        attributes = definition["attributes"]
        prefix = f"{path}." if path else ""
        for name, item in value.items():
            spec = attributes.get(name)
            if spec is None:
                self.problem(f"{prefix}{name}", "is not an attribute of this class or object")
                continue
            if spec.get("profile") and spec["profile"] not in self.profiles:
                self.problem(f"{prefix}{name}", f"belongs to profile '{spec['profile']}', absent from metadata.profiles")
            if item is None:
                self.problem(f"{prefix}{name}", "is null; leave an attribute out instead")
                continue
            self.check_value(f"{prefix}{name}", spec, item)
            if "enum" in spec and not spec.get("is_array") and isinstance(item, int):
                captions = spec["enum"]
                if str(item) not in captions:
                    self.problem(f"{prefix}{name}", f"{item} is not in the enum ({', '.join(captions)})")
                elif spec.get("sibling") and spec["sibling"] in value and item != 99:
                    if value[spec["sibling"]] != captions[str(item)]:
                        self.problem(f"{prefix}{spec['sibling']}",
                                     f"{value[spec['sibling']]!r} is not the caption of {name} {item} "
                                     f"({captions[str(item)]!r})")
                elif item == 99 and spec.get("sibling") and spec["sibling"] not in value:
                    self.problem(f"{prefix}{spec['sibling']}", f"is missing; {name} is 99 (Other)")
        # --strict: a caption without its id (OCSF's id is the value, the caption only names it; AWS's
        # own sample writes disposition alone, so this is dnslens's rule for its output, not the schema's).
        for name, spec in attributes.items():
            if (self.strict and spec.get("sibling") and spec["sibling"] in value and name not in value
                    and "enum" in spec):
                self.problem(f"{prefix}{spec['sibling']}", f"is written without {name}")
            if "enum" in spec and spec.get("is_array") and isinstance(item, list):
                for i, element in enumerate(item):
                    if str(element) not in spec["enum"]:
                        self.problem(f"{prefix}{name}[{i}]", f"{element} is not in the enum")
        for name, spec in attributes.items():
            if spec["requirement"] != "required" or name in value:
                continue
            if spec.get("profile") and spec["profile"] not in self.profiles:
                continue
            self.problem(f"{prefix}{name}", "is required and missing")
        for rule, names in definition.get("constraints", {}).items():
            present = [n for n in names if n in value]
            if rule == "at_least_one" and not present:
                self.problem(path, f"needs at least one of {', '.join(names)}")
            if rule == "just_one" and len(present) != 1:
                self.problem(path, f"needs exactly one of {', '.join(names)}")

    def check_event(self, event):
        self.problems = []
        if not isinstance(event, dict):
            self.problem("", "is not a JSON object")
            return self.problems
        found = self.classes.get(event.get("class_uid"))
        if not found:
            self.problem("class_uid", f"{event.get('class_uid')!r} is not a class in this schema")
            return self.problems
        _, definition = found
        metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
        profiles = metadata.get("profiles", [])
        self.profiles = set(profiles) if isinstance(profiles, list) else set()
        for profile in sorted(self.profiles - set(definition["profiles"])):
            self.problem("metadata.profiles", f"'{profile}' is not a profile of this class")
        if metadata.get("version") != self.schema["version"]:
            self.problem("metadata.version", f"{metadata.get('version')!r}, this schema is {self.schema['version']}")
        if event.get("category_uid") != definition["category_uid"]:
            self.problem("category_uid", f"{event.get('category_uid')!r}, the class says {definition['category_uid']}")
        activity = event.get("activity_id")
        if isinstance(activity, int) and event.get("type_uid") != definition["uid"] * 100 + activity:
            self.problem("type_uid", f"{event.get('type_uid')!r}, expected {definition['uid'] * 100 + activity}")
        activity_caption = definition["attributes"].get("activity_id", {}).get("enum", {}).get(str(activity))
        expected_type = f"{definition['caption']}: {activity_caption}"
        if activity_caption and event.get("type_name", expected_type) != expected_type:
            self.problem("type_name", f"{event.get('type_name')!r}, expected {expected_type!r}")
        if event.get("class_name", definition["caption"]) != definition["caption"]:
            self.problem("class_name", f"{event.get('class_name')!r}, the class is {definition['caption']!r}")
        if event.get("category_name", definition["category_name"]) != definition["category_name"]:
            self.problem("category_name", f"{event.get('category_name')!r}, expected {definition['category_name']!r}")
        # class_uid and category_uid are checked above against the class; their enums list only 0 here.
        checked = dict(event)
        checked.pop("class_uid", None)
        checked.pop("category_uid", None)
        attributes = dict(definition["attributes"])
        for name in ("class_uid", "category_uid", "class_name", "category_name"):
            attributes[name] = {**attributes[name], "requirement": "optional"}
            attributes[name].pop("enum", None)
        self.check_object("", {"attributes": attributes}, checked)
        return self.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("schema")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--expect-invalid", action="store_true",
                        help='each line is {"why": TEXT, "event": EVENT}: the event must have a problem '
                             "containing TEXT (the validator's own tests)")
    parser.add_argument("--strict", action="store_true",
                        help="also require the id of every enum caption written (dnslens's own output)")
    args = parser.parse_args()
    with open(args.schema, encoding="utf-8") as f:
        validator = Validator(json.load(f), strict=args.strict)
    bad_lines = 0
    lines = 0
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                lines += 1
                why = None
                try:
                    event = json.loads(line)
                    if args.expect_invalid:
                        why, event = event["why"], event["event"]
                except json.JSONDecodeError as e:
                    problems = [f"not JSON: {e}"]
                else:
                    problems = validator.check_event(event)
                if args.expect_invalid:
                    if not any(why in p for p in problems):
                        bad_lines += 1
                        print(f"{path}:{number}: expected a problem containing {why!r}, got {problems or 'none'}")
                    continue
                if problems:
                    bad_lines += 1
                if not args.expect_invalid:
                    for text in problems:
                        print(f"{path}:{number}: {text}")
    if lines == 0:
        print("no lines to validate")
        return 1
    if args.expect_invalid:
        print(f"{lines} broken events, {lines - bad_lines} rejected for the reason named")
        return 1 if bad_lines else 0
    print(f"{lines} lines, {bad_lines} with problems, OCSF {validator.schema['version']}")
    return 1 if bad_lines else 0


if __name__ == "__main__":
    sys.exit(main())
