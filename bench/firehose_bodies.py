#!/usr/bin/env python3
# The Firehose request bodies the serve benchmarks POST, and the POSTing.
#   firehose_bodies.py make LINES_FILE OUT_DIR [records per request, default 2000]
#     direct delivery: 500 query-log lines per Firehose record, base64; one body per request
#   firehose_bodies.py post PORT DIR [at most this many requests] [connections, default 1]
#     POSTs the bodies in name order to 127.0.0.1:PORT/firehose, over that many connections at once
#     (a Firehose stream delivers to an endpoint concurrently); fails on a non-200
import base64, http.client, json, os, sys, threading

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

def post(port, body_dir, limit=None, connections=1):
    names = sorted(os.listdir(body_dir))[:limit]
    bodies = [open(os.path.join(body_dir, name), "rb").read() for name in names]
    next_index, failures, lock = [0], [], threading.Lock()

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(bodies) or failures:
                return
            conn.request("POST", "/firehose", bodies[i], {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                failures.append("request %s: %d" % (names[i], r.status))

    threads = [threading.Thread(target=sender) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(failures[0])

if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:5]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "post":
        post(int(sys.argv[2]), sys.argv[3], *(int(a) for a in sys.argv[4:6]))
    else:
        sys.exit(__doc__ or "usage: firehose_bodies.py make LINES OUT [per_request] | post PORT DIR [limit] [connections]")
