#!/usr/bin/env python3
"""PUT and list rates of `dropslot s3` driven by boto3: the sanity check that moving the
key index out of the heap (issue 7, key_index) did not make commits or listings slower.
Run it once per binary, alternating, and compare medians:

  for i in 1 2 3; do for b in OLD NEW; do
    DROPSLOT_BIN=$b /usr/bin/python3 tests/soak/index_rate.py --puts 20000 --workers 4; done; done

Phases, timed apart: W client processes PUT --puts 2 KiB objects, each a new key
jobs/J<nn>/photo-<i>.jpg over 100 jobs (the dashboard's shape); then the whole bucket is
listed by pages of 1,000 (ListObjectsV2, continuation tokens); then listed with
Prefix=jobs/ and Delimiter=/ (100 common prefixes over every key), --lists times each.
Data lives in /dev/shm, so the disk's fsync does not hide the index's cost. Prints one
JSON line. Client-side rates: boto3's own overhead is part of every figure."""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "store"))
from store_harness import REGION, Store  # noqa: E402

BODY = os.urandom(2048)
BUCKET = "rate"
JOBS = 100


def client(endpoint, key_id, secret):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key_id,
                        aws_secret_access_key=secret,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def put_worker(endpoint_args, first, count, errors):
    s3 = client(*endpoint_args)
    failed = 0
    for i in range(first, first + count):
        try:
            s3.put_object(Bucket=BUCKET, Key="jobs/J%02d/photo-%06d.jpg" % (i % JOBS, i), Body=BODY)
        except Exception:  # noqa: BLE001 - counted, the run still reports its rate
            failed += 1
    with errors.get_lock():
        errors.value += failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--puts", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--lists", type=int, default=5)
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="dropslot-index-rate-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    store = Store(data_dir=os.path.join(data, "s3"))
    try:
        s3 = client(store.endpoint, store.key_id, store.secret)
        s3.create_bucket(Bucket=BUCKET)
        errors = mp.Value("q", 0)
        share = args.puts // args.workers
        procs = [mp.Process(target=put_worker, args=((store.endpoint, store.key_id, store.secret), w * share, share, errors))
                 for w in range(args.workers)]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        put_s = time.perf_counter() - t0
        puts = share * args.workers

        def list_all(**kw):
            n, token = 0, None
            while True:
                page = s3.list_objects_v2(Bucket=BUCKET, MaxKeys=1000, **kw, **({"ContinuationToken": token} if token else {}))
                n += len(page.get("Contents", [])) + len(page.get("CommonPrefixes", []))
                if not page.get("IsTruncated"):
                    return n
                token = page["NextContinuationToken"]

        full, folded = [], []
        for _ in range(args.lists):
            t = time.perf_counter()
            listed = list_all()
            full.append(time.perf_counter() - t)
            t = time.perf_counter()
            prefixes = list_all(Prefix="jobs/", Delimiter="/")
            folded.append(time.perf_counter() - t)
        med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
        print(json.dumps({
            "bin": os.environ.get("DROPSLOT_BIN"), "puts": puts, "put_errors": errors.value,
            "put_per_s": round(puts / put_s, 1), "listed": listed, "common_prefixes": prefixes,
            "full_listing_ms_median": round(med(full) * 1000, 1),
            "full_listing_keys_per_s": round(listed / med(full), 1),
            "delimiter_listing_ms_median": round(med(folded) * 1000, 2),
        }))
    finally:
        store.close()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
