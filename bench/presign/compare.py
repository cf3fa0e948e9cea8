#!/usr/bin/python3
"""Runs dropslot's presign micro-benchmarks and the boto3 and AWS SDK for JS v3 presign
loops on the same inputs in the same run, and prints medians and ratios.

Usage: bench/presign/compare.py [BUILD_DIR] [--quick]
BUILD_DIR defaults to build/release; it must hold src/sigv4/sigv4_bench.
Inputs (all peers): PUT uploads/jobs/J-1001/photo-001.jpg, Content-Type image/jpeg,
us-east-1, expires 900 s, static credentials, the same client/key reused.
"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
quick = "--quick" in sys.argv
build = args[0] if args else os.path.join(root, "build", "release")
bench = os.path.join(build, "src", "sigv4", "sigv4_bench")
if not os.path.exists(bench):
    sys.exit(f"no {bench}: build it first (cmake --build {build} --target sigv4_bench)")

reps = "3" if quick else "7"
ours = json.loads(subprocess.run(
    [bench, "--benchmark_filter=^(presign_object_url_same_as_peers|presign_object_url_same_as_peers_derived_key|"
     "presign_query_cached_key|presign_cached_key|presign_cached_key_with_token|presign_derived_key|"
     "crypto_floor|verify_presigned_put)$",
     f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true", "--benchmark_format=json",
     "--benchmark_min_time=0.2" if quick else "--benchmark_min_time=0.5"],
    check=True, capture_output=True, text=True).stdout)
medians = {b["run_name"]: b["cpu_time"] for b in ours["benchmarks"] if b.get("aggregate_name") == "median"}
wall = {b["run_name"]: b["real_time"] for b in ours["benchmarks"] if b.get("aggregate_name") == "median"}

iterations, batches = ("100", "5") if quick else ("500", "9")
peers = []
env = dict(os.environ, NODE_NO_WARNINGS="1")
for cmd in (["/usr/bin/python3", os.path.join(here, "boto3_presign.py"), iterations, batches],
            ["/usr/bin/python3", os.path.join(here, "boto3_presign.py"), "--pure", iterations, batches],
            ["node", os.path.join(here, "sdk_v3_presign.mjs"), iterations, batches]):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    peers.append(json.loads(out.strip().splitlines()[-1]))

unit = medians["presign_object_url_same_as_peers"]
print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
print("CPU time per presign (median of batches/repetitions); wall time in parentheses")
print(f"{'what':58} {'median CPU':>12}  {'ratio to dropslot URL, cached key':>34}")
for name in ("presign_object_url_same_as_peers", "presign_object_url_same_as_peers_derived_key",
             "presign_query_cached_key", "presign_cached_key", "presign_cached_key_with_token",
             "presign_derived_key", "crypto_floor", "verify_presigned_put"):
    print(f"dropslot {name:49} {medians[name]:>9.0f} ns  (wall {wall[name]:.0f} ns)")
for p in peers:
    print(f"{p['peer']:58} {p['median_ns']:>9.0f} ns  {p['median_ns'] / unit:>8.0f}x slower"
          f"  (wall {p['median_wall_ns']:.0f} ns, {p['median_wall_ns'] / wall['presign_object_url_same_as_peers']:.0f}x)")
