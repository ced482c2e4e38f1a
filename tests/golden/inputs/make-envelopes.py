#!/usr/bin/env python3
"""Writes the envelope inputs of the golden cases from logs.jsonl.gz (run once; the outputs are
committed): CloudWatch Logs subscription payloads back to back, as Firehose writes them to S3, and
Firehose HTTP endpoint request bodies, each with the damage real deliveries can carry."""
import base64, gzip, io, json

lines = gzip.open("logs.jsonl.gz", "rt").read().splitlines()[:400]

def cw(messages, kind="DATA_MESSAGE", stream="vpc-0a1b_i-1"):
    return json.dumps({"messageType": kind, "owner": "111122223333", "logGroup": "/aws/route53resolver",
                       "logStream": stream, "subscriptionFilters": ["dnslens"],
                       "logEvents": [{"id": str(36000000000000000000000000000000000000000000000000000000 + i),
                                      "timestamp": 1763683200000 + i, "message": m}
                                     for i, m in enumerate(messages)]}, separators=(",", ":"))

def gz(b):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(b)
    return out.getvalue()

# CloudWatch: four good payloads, a control message, an unknown type, a log event whose message is
# not a query-log record, and last a payload cut short (inside a string: nothing after it could be
# told apart from the string).
parts = [cw(lines[0:50]), cw(["CWL CONTROL MESSAGE: Checking health of destination Firehose."], "CONTROL_MESSAGE"),
         cw(lines[50:100]), cw(lines[150:200], "DATA_MESSAGE_V2"),
         cw(lines[200:240] + ["{\"query_name\": 7}"] + lines[240:250]), cw(lines[250:300]), cw(lines[100:150])[:-40]]
with gzip.GzipFile("cloudwatch.json.gz", "wb", mtime=0) as f:
    f.write("".join(parts).encode())

# Firehose request bodies: CloudWatch payloads gzip-compressed per record, direct delivery (lines),
# a record that is not base64, a record without data, and a record whose gzip is cut short.
records = [{"data": base64.b64encode(gz(cw(lines[300:330]).encode())).decode()},
           {"data": base64.b64encode(("\n".join(lines[330:350]) + "\n").encode()).decode()},
           {"data": "not base64!"},
           {"nodata": True},
           {"data": base64.b64encode(gz(cw(lines[350:370]).encode())[:-30]).decode()},
           {"data": base64.b64encode(gz(cw(lines[370:400]).encode())).decode()}]
body = {"requestId": "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", "timestamp": 1763683200000, "records": records}
with open("firehose.json", "w") as f:
    f.write(json.dumps(body, separators=(",", ":")) + "\n")
