#!/usr/bin/env python3
# The Firehose request bodies the serve benchmarks POST, and the POSTing.
#   firehose_bodies.py make LINES_FILE OUT_DIR [records per request, default 2000]
#     direct delivery: 500 query-log lines per Firehose record, base64; one body per request
#   firehose_bodies.py post PORT DIR [at most this many requests]
#     POSTs the bodies in name order to 127.0.0.1:PORT/firehose on one connection; fails on a non-200
import base64, http.client, json, os, sys

def make(lines_file, out_dir, per_request=2000):
    lines = open(lines_file, 'rb').read().splitlines(keepends=True)
    os.makedirs(out_dir)
    per_record = 500
    for n, start in enumerate(range(0, len(lines), per_request)):
        chunk = lines[start:start + per_request]
        records = [{"data": base64.b64encode(b"".join(chunk[i:i + per_record])).decode()}
                   for i in range(0, len(chunk), per_record)]
        with open(os.path.join(out_dir, "%06d.json" % n), "w") as f:
            json.dump({"requestId": "bench-%06d" % n, "timestamp": 1763683200000, "records": records}, f)

def post(port, body_dir, limit=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for name in sorted(os.listdir(body_dir))[:limit]:
        body = open(os.path.join(body_dir, name), "rb").read()
        conn.request("POST", "/firehose", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("request %s: %d" % (name, r.status))

if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:5]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "post":
        post(int(sys.argv[2]), sys.argv[3], *(int(a) for a in sys.argv[4:5]))
    else:
        sys.exit(__doc__ or "usage: firehose_bodies.py make LINES OUT [per_request] | post PORT DIR [limit]")
