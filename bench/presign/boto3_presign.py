#!/usr/bin/python3
"""boto3's presign loop on the shared inputs (bench/presign/README in docs/benchmarks/presign.md).

Usage: boto3_presign.py [--pure] ITERATIONS BATCHES
--pure blocks awscrt so botocore uses its pure-Python signer (without it, Debian's
botocore uses the CRT signer when python3-awscrt is installed, as a user would get).
Prints one JSON line: {"peer": ..., "median_ns": ..., "batches_ns": [...], "url": ...}.
"""
import sys

pure = "--pure" in sys.argv
if pure:
    sys.modules["awscrt"] = None
    sys.argv.remove("--pure")

import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import boto3  # noqa: E402
import botocore.compat  # noqa: E402
from botocore.config import Config  # noqa: E402

iterations, batches = int(sys.argv[1]), int(sys.argv[2])
client = boto3.client(
    "s3", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    config=Config(signature_version="s3v4"))
params = {"Bucket": "uploads", "Key": "jobs/J-1001/photo-001.jpg", "ContentType": "image/jpeg"}
url = client.generate_presigned_url("put_object", Params=params, ExpiresIn=900)  # warm-up
# CPU time is what compares fairly on a shared machine (wall time also counts the
# time the process waited for a core); both are reported.
per_op, per_op_wall = [], []
for _ in range(batches):
    t0, w0 = time.process_time_ns(), time.perf_counter_ns()
    for _ in range(iterations):
        client.generate_presigned_url("put_object", Params=params, ExpiresIn=900)
    per_op.append((time.process_time_ns() - t0) / iterations)
    per_op_wall.append((time.perf_counter_ns() - w0) / iterations)
name = "boto3 (pure-Python signer)" if pure else ("boto3 (CRT signer)" if botocore.compat.HAS_CRT else "boto3")
print(json.dumps({"peer": name, "median_ns": statistics.median(per_op), "median_wall_ns": statistics.median(per_op_wall),
                  "batches_ns": per_op, "url": url}))
