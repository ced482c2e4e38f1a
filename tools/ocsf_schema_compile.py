#!/usr/bin/env python3
"""Compile the OCSF classes dnslens writes into one flat JSON file, the test data its OCSF validator reads.

The OCSF schema repository (github.com/ocsf/ocsf-schema) spreads a class over many files: the class extends a
parent class, includes attribute groups and profiles, and takes every attribute's type and enum from the
dictionary; objects extend objects the same way. This tool resolves all of that, as the OCSF server does, for
the classes named on the command line and every object they reach, and writes for each attribute its base type
(or object name), whether it is an array, its requirement, its enum values and captions, its sibling, its
profile and its range. Nothing here is hand-written schema: regenerate it when dnslens moves to a new version.

    git clone https://github.com/ocsf/ocsf-schema /tmp/ocsf-schema
    git -C /tmp/ocsf-schema checkout v1.1.0      # 1.5.0: the v1.5.0 branch (the 1.5.0 tag says 1.6.0-dev)
    tools/ocsf_schema_compile.py /tmp/ocsf-schema dns_activity detection_finding > tests/data/ocsf/ocsf-1.1.0.json

`--git REF` reads the files at REF of a (bare) clone instead of a work tree.
"""

import argparse
import json
import os
import subprocess
import sys

BASE_TYPES = {"string_t", "integer_t", "long_t", "float_t", "boolean_t", "json_t", "object_t"}


class SchemaFiles:
    """Reads schema files from a work tree or from one git revision of a clone."""

    def __init__(self, root, ref):
        self.root = root
        self.ref = ref
        if ref:
            out = subprocess.run(["git", "--git-dir", self._git_dir(), "ls-tree", "-r", "--name-only", ref],
                                 check=True, capture_output=True, text=True).stdout
            self.paths = out.split()
        else:
            self.paths = []
            for dirpath, _, names in os.walk(root):
                for name in names:
                    self.paths.append(os.path.relpath(os.path.join(dirpath, name), root))

    def _git_dir(self):
        dot_git = os.path.join(self.root, ".git")
        return dot_git if os.path.isdir(dot_git) else self.root

    def read(self, path):
        if self.ref:
            text = subprocess.run(["git", "--git-dir", self._git_dir(), "show", f"{self.ref}:{path}"],
                                  check=True, capture_output=True, text=True).stdout
        else:
            with open(os.path.join(self.root, path), encoding="utf-8") as f:
                text = f.read()
        return json.loads(text)

    def json_files(self, folder):
        return sorted(p for p in self.paths if p.startswith(folder + "/") and p.endswith(".json"))


def deep_merge(base, over):
    """Returns base with over laid on top; nested dicts merge, everything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def enum_order(item):
    """Numeric enum keys in numeric order; a few enums (string values) sort after them by text."""
    key = item[0]
    return (0, int(key), "") if key.lstrip("-").isdigit() else (1, 0, key)


class Compiler:
    def __init__(self, files):
        self.files = files
        dictionary = files.read("dictionary.json")
        self.dictionary = dictionary["attributes"]
        self.types = dictionary["types"]["attributes"]
        self.version = files.read("version.json")["version"]
        self.classes = {}
        for path in files.json_files("events"):
            definition = files.read(path)
            self.classes[definition["name"]] = definition
        self.objects = {}
        for path in files.json_files("objects"):
            definition = files.read(path)
            self.objects[definition["name"]] = definition

    def _own_attributes(self, definition):
        """The attributes a definition writes itself, its includes merged in (its own entries win)."""
        merged = {}
        own = dict(definition.get("attributes", {}))
        includes = own.pop("$include", [])
        if isinstance(includes, str):
            includes = [includes]
        for path in includes:
            included = self.files.read(path)
            profile = included.get("name") if included.get("meta") == "profile" else None
            group = included.get("annotations", {})
            for name, attribute in included.get("attributes", {}).items():
                attribute = deep_merge(group, attribute)
                if profile:
                    attribute["profile"] = profile
                merged[name] = deep_merge(merged.get(name, {}), attribute)
        for name, attribute in own.items():
            merged[name] = deep_merge(merged.get(name, {}), attribute)
        return merged

    def _resolved(self, table, name, root):
        definition = table[name]
        parent = definition.get("extends")
        attributes = {}
        header = {}
        if parent and parent != root:
            header, attributes = self._resolved(table, parent, root)
        for name_, attribute in self._own_attributes(definition).items():
            attributes[name_] = deep_merge(attributes.get(name_, {}), attribute)
        profiles = sorted(set(header.get("profiles", [])) | set(definition.get("profiles", [])))
        header = deep_merge(header, {k: v for k, v in definition.items() if k not in ("attributes", "extends")})
        header["profiles"] = profiles
        return header, attributes

    def _base_type(self, type_name):
        seen = set()
        while type_name not in BASE_TYPES and type_name in self.types and type_name not in seen:
            seen.add(type_name)
            next_type = self.types[type_name].get("type")
            if not next_type:
                break
            type_name = next_type
        return type_name

    def _attribute(self, name, attribute):
        entry = deep_merge(self.dictionary.get(name, {}), attribute)
        if "type" not in entry:
            sys.exit(f"error: attribute '{name}' has no type in the dictionary")
        type_name = entry["type"]
        out = {"requirement": entry.get("requirement", "optional")}
        if type_name == "object":
            out["type"] = "object_t"
        elif type_name in self.objects:
            out["object"] = type_name
        else:
            out["type"] = self._base_type(type_name)
            if type_name != out["type"]:
                out["type_name"] = type_name
            type_range = entry.get("range") or self.types.get(type_name, {}).get("range")
            if type_range:
                out["range"] = type_range
        if entry.get("is_array"):
            out["is_array"] = True
        if "enum" in entry:
            out["enum"] = {k: v.get("caption", "") for k, v in sorted(entry["enum"].items(), key=enum_order)}
        if entry.get("sibling"):
            out["sibling"] = entry["sibling"]
        if entry.get("profile"):
            out["profile"] = entry["profile"]
        if "@deprecated" in entry:
            out["deprecated"] = True
        return out

    def _with_datetime(self, attributes):
        """The datetime profile adds an RFC 3339 twin `<name>_dt` next to every timestamp attribute."""
        for name, attribute in list(attributes.items()):
            if attribute.get("type_name") == "timestamp_t" and f"{name}_dt" not in attributes:
                attributes[f"{name}_dt"] = {"requirement": "optional", "type": "string_t", "type_name": "datetime_t",
                                            "profile": "datetime"}
        return attributes

    def compile_class(self, name):
        header, attributes = self._resolved(self.classes, name, None)
        compiled = {n: self._attribute(n, a) for n, a in sorted(attributes.items())}
        category_uid = None
        categories = self.files.read("categories.json")["attributes"]
        category = header.get("category")
        if category in categories:
            category_uid = categories[category]["uid"]
        class_uid = category_uid * 1000 + header["uid"]
        return {"uid": class_uid, "category_uid": category_uid, "caption": header["caption"],
                "category_name": categories[category]["caption"],
                "profiles": sorted(header.get("profiles", [])),
                "attributes": self._with_datetime(compiled)}

    def _observable_types(self):
        """observable.type_id's values beyond Unknown and Other: every type, dictionary attribute and object
        that declares an observable number (the OCSF server builds the enum the same way)."""
        found = {}
        for table in (self.types, self.dictionary, self.objects):
            for name, entry in table.items():
                if isinstance(entry, dict) and isinstance(entry.get("observable"), int):
                    found[str(entry["observable"])] = entry.get("caption", name)
        return found

    def compile_object(self, name):
        header, attributes = self._resolved(self.objects, name, "object")
        compiled = {n: self._attribute(n, a) for n, a in sorted(attributes.items())}
        if name == "observable":
            enum = dict(compiled["type_id"]["enum"])
            enum.update(self._observable_types())
            compiled["type_id"]["enum"] = dict(sorted(enum.items(), key=enum_order))
        out = {"caption": header.get("caption", name), "attributes": self._with_datetime(compiled)}
        if header.get("constraints"):
            out["constraints"] = header["constraints"]
        return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("schema", help="an ocsf-schema work tree, or a clone with --git")
    parser.add_argument("classes", nargs="+", help="class names, e.g. dns_activity detection_finding")
    parser.add_argument("--git", metavar="REF", help="read the files at this revision of the clone")
    args = parser.parse_args()

    compiler = Compiler(SchemaFiles(args.schema, args.git))
    classes = {}
    objects = {}
    pending = []
    for name in args.classes:
        if name not in compiler.classes:
            sys.exit(f"error: no class '{name}' in OCSF {compiler.version}")
        classes[name] = compiler.compile_class(name)
        pending += [a["object"] for a in classes[name]["attributes"].values() if "object" in a]
    while pending:
        name = pending.pop()
        if name in objects:
            continue
        objects[name] = compiler.compile_object(name)
        pending += [a["object"] for a in objects[name]["attributes"].values() if "object" in a]
    json.dump({"version": compiler.version, "classes": classes, "objects": dict(sorted(objects.items()))},
              sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
