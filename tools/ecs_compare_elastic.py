#!/usr/bin/env python3
"""Compares dnslens's ECS output with the documents Elastic's AWS integration makes of the same logs.

Elastic's pipeline test for the aws.route53_resolver_logs data stream ships its expected documents
(packages/aws/data_stream/route53_resolver_logs/_dev/test/pipeline/test-route53.log-expected.json in
elastic/integrations); each keeps the Route 53 line it came from in event.original. This tool runs
those lines through `dnslens run --output-format ecs` and compares every field Elastic wrote with
dnslens's, after flattening both to dotted names.

  tools/ecs_compare_elastic.py EXPECTED.json --dnslens build/dnslens --psl public_suffix_list.dat

Not compared: what depends on the ingest setup (tags, event.original, the GeoIP fields source.geo.* and
source.as.*, which need MaxMind's databases). Listed but not counted as differences: fields dnslens adds
where Elastic writes none (dns.resolved_ip, threat.*, dnslens.*). Exit status 1 when a compared field
differs, 2 on usage errors.
"""
import argparse
import ipaddress
import json
import re
import subprocess
import sys

NOT_COMPARED = ("tags", "event.original", "source.geo.", "source.as.")
ADDED_BY_DNSLENS = ("dns.resolved_ip", "threat.", "dnslens.")


def flatten(value, prefix="", out=None):
    """Dotted names to values; a list of objects is flattened element by element with [i]."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(v, f"{prefix}{k}." if k else prefix, out)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            flatten(v, f"{prefix[:-1]}[{i}].", out)
    else:
        out[prefix[:-1]] = value
    return out


def same(name, theirs, mine):
    """Equal values; addresses (ECS type ip) by value: Elastic writes a reverse-DNS IPv6 address with
    leading zeros (0add), dnslens in RFC 5952 form (add), and Elasticsearch indexes both as one."""
    if name in ("related.ip", "source.ip", "dns.resolved_ip") and isinstance(theirs, list) and isinstance(mine, list):
        try:
            return [ipaddress.ip_address(v) for v in theirs] == [ipaddress.ip_address(v) for v in mine]
        except ValueError:
            return False
    return theirs == mine


def skipped(name, prefixes):
    return any(name == p or name.startswith(p) for p in prefixes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("expected", help="Elastic's expected-documents JSON ({\"expected\": [...]})")
    ap.add_argument("--dnslens", required=True)
    ap.add_argument("--psl", required=True)
    args = ap.parse_args()
    with open(args.expected, encoding="utf-8") as f:
        data = json.load(f)
    docs = data["expected"] if isinstance(data, dict) else data
    lines = [d["event"]["original"] for d in docs]
    run = subprocess.run([args.dnslens, "run", "-", "--output-format", "ecs", "--psl", args.psl, "-j", "1", "-q"],
                         input="\n".join(lines) + "\n", capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"dnslens failed ({run.returncode}): {run.stderr}")
    ours = [json.loads(line) for line in run.stdout.splitlines()]
    if len(ours) != len(docs):
        sys.exit(f"{len(docs)} documents in, {len(ours)} out")
    compared = differing = 0
    added = {}
    for n, (theirs, mine) in enumerate(zip(docs, ours), 1):
        t, m = flatten(theirs), flatten(mine)
        for name, value in sorted(t.items()):
            if skipped(name, NOT_COMPARED):
                continue
            compared += 1
            if not same(name, value, m.get(name)):
                differing += 1
                print(f"document {n} ({theirs['dns']['question']['name']}): {name}: Elastic {json.dumps(value)}, "
                      f"dnslens {json.dumps(m.get(name)) if name in m else '(absent)'}")
        for name in m:
            if name not in t:
                field = re.sub(r"\[\d+\]", "", name)
                added[field] = added.get(field, 0) + 1
    unexpected = sorted(k for k in added if not skipped(k, ADDED_BY_DNSLENS))
    for k in unexpected:
        differing += 1
        print(f"dnslens writes {k} where Elastic writes nothing ({added[k]} documents)")
    print(f"{len(docs)} documents, {compared} fields compared, {differing} differ; "
          f"dnslens adds {', '.join(sorted(k for k in added if skipped(k, ADDED_BY_DNSLENS))) or 'nothing'}")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
