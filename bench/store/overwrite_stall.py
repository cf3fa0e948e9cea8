#!/usr/bin/python3
"""How long one large overwrite holds up the rest of its bucket.

Starts `dropslot s3` (and, with --baseline-bin, an earlier build the same way, one after
the other), PUTs a large object with `curl -T` to a presigned URL, then overwrites it
several times. During every PUT a second client lists the bucket in a loop
(ListObjectsV2, which reads the bucket's key index under its lock). Reports per round
the PUT's time and the LIST latencies: median and slowest.

What it shows: replacing (or deleting) an object frees its blocks, and on ext4 freeing
1 GiB takes ~0.25 s inside the syscall that drops the file's last reference. Done under
the bucket lock, that stalls every listing and every commit into the bucket.

    /usr/bin/python3 bench/store/overwrite_stall.py --bin build/release/src/cli/dropslot \
        [--baseline-bin OLD] [--size-mib 1024] [--rounds 4]

Debian's /usr/bin/python3 (boto3). Uses a folder under build/ (same disk as the other
store benchmarks) and removes it afterwards.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from store_process import start_store, write_payload


def measure(binary, base, src, rounds):
    proc, s3 = start_store(binary, os.path.join(base, "data"))
    try:
        for i in range(20):
            s3.put_object(Bucket="bench", Key="small/%02d" % i, Body=b"x")
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "big.bin"}, ExpiresIn=3600)
        out = []
        for rnd in range(rounds):
            subprocess.run(["sync"])
            time.sleep(1)
            latencies, stop = [], threading.Event()

            def lister():
                while not stop.is_set():
                    t0 = time.perf_counter()
                    s3.list_objects_v2(Bucket="bench", Prefix="small/", MaxKeys=5)
                    latencies.append(time.perf_counter() - t0)

            t = threading.Thread(target=lister)
            t.start()
            try:
                put = subprocess.run(["curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{time_total}", "-T", src, url],
                                     capture_output=True, text=True, check=True).stdout
            finally:
                stop.set()
                t.join()
            out.append({"round": rnd, "overwrite": rnd > 0, "put_s": round(float(put), 3), "lists": len(latencies),
                        "list_median_ms": round(statistics.median(latencies) * 1e3, 1),
                        "list_max_ms": round(max(latencies) * 1e3, 1)})
        return out
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("DROPSLOT_BIN", "build/release/src/cli/dropslot"))
    ap.add_argument("--baseline-bin", default=None, help="an earlier dropslot build, measured the same way")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=4, help="the first PUT creates the key, the others overwrite it")
    a = ap.parse_args()
    base = tempfile.mkdtemp(prefix="store-stall-", dir=os.path.abspath("build"))
    try:
        src = os.path.join(base, "payload.bin")
        write_payload(src, a.size_mib)
        report = {}
        for who, binary in (("store", a.bin), ("baseline", a.baseline_bin)):
            if binary:
                os.makedirs(os.path.join(base, who))
                report[who] = measure(binary, os.path.join(base, who), src, a.rounds)
        report["load_average"] = open("/proc/loadavg").read().split()[:3]
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
