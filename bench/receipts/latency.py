#!/usr/bin/python3
"""Upload receipts (issue 22): the time from the end of a photo's PUT to `received`.

Two paths, measured in one run on the same machine:
  - in-process: `dropslot serve` with its embedded store; nobody calls complete, the
    store's event does the check; the time until GET {base}/jobs/{id}/photos first
    says `received` (polled every 5 ms, so up to ~5 ms of it is the polling);
  - complete: `dropslot serve --s3-endpoint` in front of a separate `dropslot s3`
    (no in-process event), the time until POST .../complete answers 200.
Prints the median and p95 of each in ms. Usage:
  bench/receipts/latency.py [--photos N] [--bin build/release/src/cli/dropslot]
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(method, url, headers=None, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(proc, pattern):
    out = ""
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out += line
        m = re.search(pattern, out)
        if m:
            return m
    sys.exit("did not start:\n" + out)


def run_path(dropslot, photos, via_complete):
    work = tempfile.mkdtemp(prefix="dropslot-receipts-")
    procs = []
    env = dict(os.environ)
    try:
        args = [dropslot, "serve", "--data", work, "--listen", "127.0.0.1:%d" % free_port(), "--no-access-log"]
        if via_complete:
            s3_port = free_port()
            env.update(DROPSLOT_S3_ACCESS_KEY_ID="AKIDBENCHRECEIPTS", DROPSLOT_S3_SECRET_ACCESS_KEY="bench-secret-receipts",
                       AWS_ACCESS_KEY_ID="AKIDBENCHRECEIPTS", AWS_SECRET_ACCESS_KEY="bench-secret-receipts")
            s3 = subprocess.Popen([dropslot, "s3", "--data", os.path.join(work, "store"), "--listen", "127.0.0.1:%d" % s3_port],
                                  stdout=subprocess.PIPE, text=True, env=env)
            procs.append(s3)
            wait_for(s3, r"listening on")
            args += ["--s3-endpoint", "http://127.0.0.1:%d" % s3_port]
        else:
            args += ["--s3-listen", "127.0.0.1:%d" % free_port()]
        serve = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
        procs.append(serve)
        m = wait_for(serve, r"login link[^\n]*: (http://[^/]+)/\?code=(\w+)")
        api, code = m.group(1), m.group(2)
        status, body = call("POST", api + "/api/login", {"Content-Type": "application/json"},
                            json.dumps({"code": code}).encode())
        token = json.loads(body)["session_token"]
        auth = {"Authorization": "Bearer " + token}
        status, body = call("GET", api + "/api/jobs", auth)
        job = json.loads(body)["jobs"][0]["id"]
        jpeg = open(os.path.join(ROOT, "tests/browser/fixtures/roof.jpg"), "rb").read()
        times = []
        answer_bytes = []
        for _ in range(photos):
            status, body = call("POST", api + "/api/upload-url", dict(auth, **{"Content-Type": "application/json"}),
                                json.dumps({"job_id": job, "content_type": "image/jpeg", "size": len(jpeg)}).encode())
            grant = json.loads(body)
            status, _ = call("PUT", grant["url"], grant["headers"], jpeg)
            assert status == 200, status
            put_end = time.perf_counter()
            name = grant["key"].rsplit("/", 1)[1]
            if via_complete:
                status, body = call("POST", "%s/api/jobs/%s/photos/%s/complete" % (api, job, name), auth)
                assert status == 200, body
                answer_bytes.append(len(body))
            else:
                while True:
                    status, body = call("GET", "%s/api/jobs/%s/photos" % (api, job), auth)
                    states = {p["key"]: p["state"] for p in json.loads(body)["photos"]}
                    if states.get(grant["key"]) == "received":
                        break
                    assert time.perf_counter() - put_end < 30, "never received"
                    time.sleep(0.005)
            times.append((time.perf_counter() - put_end) * 1000)
        return times, answer_bytes
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=50)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/release/src/cli/dropslot"))
    a = ap.parse_args()
    for label, via_complete in (("in-process event", False), ("complete", True)):
        times, answer_bytes = run_path(a.bin, a.photos, via_complete)
        t = sorted(times)
        p95 = t[min(len(t) - 1, int(round(0.95 * len(t))) - 1)]
        extra = ("  complete's JSON answer %d bytes" % statistics.median(answer_bytes)) if answer_bytes else ""
        print("%-17s photos %d  median %.1f ms  p95 %.1f ms  max %.1f ms%s" % (label, len(t), statistics.median(t), p95, t[-1], extra))


if __name__ == "__main__":
    main()
