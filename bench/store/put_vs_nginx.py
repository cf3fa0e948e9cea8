#!/usr/bin/python3
"""1 GiB PUT into `dropslot s3` (a presigned URL, curl -T) against nginx's WebDAV PUT, in
the same run, then GETs of the same object from both (twice: the second from the page cache). Reports medians (MB/s) and the
store's peak RSS (VmHWM). Both servers write to the same disk; the store also verifies
the signature, computes MD5 (the ETag, checked against the file's), fsyncs and renames;
nginx does none of these. With --baseline-bin, a second store (an earlier build) takes
part in every round too, so a change is measured against its predecessor in the same run.

  /usr/bin/python3 bench/store/put_vs_nginx.py --bin build/release/src/cli/dropslot [--size-mib 1024] [--runs 5]
      [--baseline-bin /path/to/older/dropslot]
"""
import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from store_process import start_store, write_payload


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    """user + system CPU time of these processes (clock ticks → seconds)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def nginx_pids(master):
    pids = [master]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(d))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return pids


def children_cpu_seconds():
    """user + system CPU time of the waited-for children so far (curl, here)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def curl(args):
    out = subprocess.run(["curl", "-sS", "--fail", "-w", "%{http_code} %{time_total} %{size_upload} %{size_download}",
                          *args], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), int(float(out[2])), int(float(out[3]))


def md5_engine_speeds(a):
    """MB/s of store_bench's MD5 benchmarks (engines and chain floor), or None without it."""
    exe = a.store_bench or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(a.bin))), "store", "store_bench")
    if not os.path.exists(exe):
        return None
    out = subprocess.run([exe, "--benchmark_filter=BM_Md5", "--benchmark_format=json",
                          "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"],
                         capture_output=True, text=True, check=True).stdout
    return {b["run_name"].replace("BM_", ""): round(b["bytes_per_second"] / 1e6, 1)
            for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("DROPSLOT_BIN", "build/release/src/cli/dropslot"))
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline-bin", default=None, help="an earlier dropslot build, measured in the same rounds")
    ap.add_argument("--store-bench", default=None,
                    help="store_bench for the MD5 engines and the chain's floor (default: beside --bin's build)")
    ap.add_argument("--dir", default=None, help="work folder (default: a temp folder under the repo's build/)")
    a = ap.parse_args()

    base = a.dir or tempfile.mkdtemp(prefix="store-bench-", dir=os.path.abspath("build"))
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o755)  # mkdtemp's 0700 would lock nginx's workers out
    src = os.path.join(base, "payload.bin")
    size = a.size_mib * 1024 * 1024
    write_payload(src, a.size_mib)

    # --- dropslot s3 (and the baseline build)
    stores = {}
    for who, binary in (("store", a.bin), ("baseline", a.baseline_bin)):
        if not binary:
            continue
        proc, s3 = start_store(binary, os.path.join(base, who + "-data"))
        urls = [s3.generate_presigned_url(op, Params={"Bucket": "bench", "Key": "big.bin"}, ExpiresIn=3600)
                for op in ("put_object", "get_object")]
        stores[who] = (proc, s3, urls[0], urls[1])

    # --- nginx WebDAV (nginx-light has http_dav_module)
    ngx = os.path.join(base, "nginx")
    for d in ("root", "body", "logs"):
        os.makedirs(os.path.join(ngx, d), exist_ok=True)
        # nginx's workers drop to an unprivileged user when started as root.
        os.chmod(os.path.join(ngx, d), 0o777)
    port = free_port()
    conf = os.path.join(ngx, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes 2; daemon off; pid %(n)s/nginx.pid; error_log %(n)s/logs/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path %(n)s/body; client_max_body_size 0; sendfile on;
  server { listen 127.0.0.1:%(p)d; root %(n)s/root; location / { dav_methods PUT DELETE; create_full_put_path on; } } }
""" % {"n": ngx, "p": port})
    nginx = subprocess.Popen(["nginx", "-c", conf, "-p", ngx, "-e", os.path.join(ngx, "logs/error.log")],
                             stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    nginx_url = "http://127.0.0.1:%d/big.bin" % port

    servers = list(stores) + ["nginx"]
    results = {k: [] for who in servers for k in (who + "_put", who + "_get", who + "_get_again")}
    results["dd_fdatasync"] = []
    cpu = {who + kind: [] for who in servers for kind in ("_put", "_get", "_get_again")}  # server CPU s per GiB: robust to a busy machine
    client_cpu = {who + "_put": [] for who in servers}  # curl's CPU seconds per GiB (the other side of the 2 cores)
    npids = nginx_pids(nginx.pid)
    # The ETag's MD5 is one sequential chain: its speed on one core (OpenSSL, which
    # hashlib and the store both use) bounds any server that answers with it.
    md5 = hashlib.md5()
    md5_seconds = 0.0
    with open(src, "rb") as f:
        while chunk := f.read(1 << 20):
            t0 = time.perf_counter()
            md5.update(chunk)
            md5_seconds += time.perf_counter() - t0
    md5_engines = md5_engine_speeds(a)
    hwm = {}
    try:
        for run in range(a.runs):
            # Rotate who goes first so page-cache and disk state favour none.
            order = servers[run % len(servers):] + servers[:run % len(servers)]
            for who in order:
                subprocess.run(["sync"])
                pids = npids if who == "nginx" else [stores[who][0].pid]
                url = nginx_url if who == "nginx" else stores[who][2]
                before = cpu_seconds(pids)
                client_before = children_cpu_seconds()
                code, t, up, _ = curl(["-T", src, "-o", "/dev/null", url])
                client_cpu[who + "_put"].append((children_cpu_seconds() - client_before) / (size / 2**30))
                assert code in (200, 201, 204), (who, code)
                assert up == size
                results[who + "_put"].append(size / t / 1e6)
                cpu[who + "_put"].append((cpu_seconds(pids) - before) / (size / 2**30))
            # The disk's own durable write speed, same file, same run: the ceiling for any
            # server that fsyncs before answering (nginx's WebDAV PUT does not).
            subprocess.run(["sync"])
            t0 = time.monotonic()
            subprocess.run(["dd", "if=" + src, "of=" + os.path.join(base, "dd.bin"), "bs=1M", "conv=fdatasync"],
                           check=True, capture_output=True)
            results["dd_fdatasync"].append(size / (time.monotonic() - t0) / 1e6)
            os.remove(os.path.join(base, "dd.bin"))
            # The first GET after the PUT: the store's object was written with O_DIRECT and
            # comes from the disk, nginx's is still in the page cache its PUT filled. The
            # second GET is from the page cache for every server.
            for kind in ("_get", "_get_again"):
                for who in servers:
                    pids = npids if who == "nginx" else [stores[who][0].pid]
                    before = cpu_seconds(pids)
                    code, t, _, down = curl(["-o", "/dev/null", nginx_url if who == "nginx" else stores[who][3]])
                    assert code == 200 and down == size, (who, code, down)
                    results[who + kind].append(size / t / 1e6)
                    cpu[who + kind].append((cpu_seconds(pids) - before) / (size / 2**30))
        for who, (proc, s3, _, _) in stores.items():
            with open("/proc/%d/status" % proc.pid) as f:
                hwm[who] = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
            head = s3.head_object(Bucket="bench", Key="big.bin")
            assert head["ContentLength"] == size
            assert head["ETag"] == '"%s"' % md5.hexdigest(), (who, head["ETag"])
    finally:
        for proc, _, _, _ in stores.values():
            proc.terminate()
        nginx.terminate()
        for proc, _, _, _ in stores.values():
            proc.wait()
        nginx.wait()

    med = {k: statistics.median(v) for k, v in results.items()}
    report = {
        "size_mib": a.size_mib, "runs": a.runs,
        "median_MBps": {k: round(v, 1) for k, v in med.items()},
        "all_MBps": {k: [round(x, 1) for x in v] for k, v in results.items()},
        "put_ratio_store_over_nginx": round(med["store_put"] / med["nginx_put"], 3),
        "put_ratio_store_over_dd_fdatasync": round(med["store_put"] / med["dd_fdatasync"], 3),
        "get_ratio_store_over_nginx": round(med["store_get"] / med["nginx_get"], 3),
        "get_again_ratio_store_over_nginx": round(med["store_get_again"] / med["nginx_get_again"], 3),
        "server_cpu_s_per_GiB_put": {k: round(statistics.median(v), 2) for k, v in cpu.items() if k.endswith("_put")},
        # The same for GETs: what serving a GiB costs the server (pread+write vs sendfile).
        "server_cpu_s_per_GiB_get": {k: round(statistics.median(v), 3) for k, v in cpu.items() if not k.endswith("_put")},
        "curl_cpu_s_per_GiB_put": {k: round(statistics.median(v), 2) for k, v in client_cpu.items()},
        # What the machine's cores allow if server and curl kept every core busy:
        # cores / (server + curl CPU seconds per GiB). A server whose CPU per GiB is
        # higher than another's cannot pass it once the cores are the limit.
        "cpu_bound_ceiling_MBps": {
            k: round(os.cpu_count() * 2**30 / 1e6 / (statistics.median(cpu[k]) + statistics.median(client_cpu[k])), 1)
            for k in cpu if k.endswith("_put")},
        "md5_one_core_MBps": round(size / md5_seconds / 1e6, 1),
        # store_bench, same machine, same run: each MD5 engine over 2 MiB blocks, and the
        # floor of one MD5 chain (64 steps of four dependent one-cycle operations a block).
        "md5_store_bench_MBps": md5_engines,
        "load_average": open("/proc/loadavg").read().split()[:3],
        "store_peak_rss_mib": round(hwm["store"] / 1024, 1),
    }
    if "baseline" in stores:
        report["put_ratio_store_over_baseline"] = round(med["store_put"] / med["baseline_put"], 3)
        report["put_ratio_baseline_over_nginx"] = round(med["baseline_put"] / med["nginx_put"], 3)
        report["baseline_peak_rss_mib"] = round(hwm["baseline"] / 1024, 1)
    print(json.dumps(report, indent=2))
    if not a.dir:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
