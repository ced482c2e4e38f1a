#!/usr/bin/env python3
"""Turn rows read from OCSF Parquet (dnslens sql --format json, one {"j": "<row as JSON>"} per line) back
into OCSF events: a NULL column or struct member is an absent attribute, a Parquet timestamp (time_dt,
"2026-11-21 10:00:00.123") is written as OCSF's RFC 3339 datetime. Reads stdin, writes stdout."""
import json
import re
import sys

STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$")


def drop_nulls(value):
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value if v is not None]
    return value


for line in sys.stdin:
    row = json.loads(json.loads(line)["j"])
    event = drop_nulls(row)
    m = STAMP.match(event.get("time_dt", ""))
    if m:
        event["time_dt"] = f"{m.group(1)}T{m.group(2)}{(m.group(3) or '.000')[:4].ljust(4, '0')}Z"
    print(json.dumps(event, separators=(",", ":")))
