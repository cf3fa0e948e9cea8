#!/usr/bin/env python3
"""Soak run of `dropslot serve` (issue 7): N mixed requests as the dashboard makes them -
POST /api/upload-url, the PUT of the photo to the presigned URL, a GET of the object
through its presigned URL, and every tenth cycle GET /api/jobs/{id}/photos - from W
client processes with kept-alive connections, while the server's RSS and open file
descriptors are sampled. Writes <out>/soak.csv (one row per interval), <out>/summary.json
and, with --plot, <out>/soak.png (gnuplot).

  /usr/bin/python3 tests/soak/soak.py --requests 1000000 --workers 4 --out /tmp/soak --plot

--check turns the run into a test: exit 1 unless every request succeeded and the fd
count after warm-up did not grow (the CTest version runs 20,000 requests)."""
import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
from serve_harness import Client, Serve, first_jobs  # noqa: E402

PHOTO = b"\xff\xd8\xff\xe0" + os.urandom(2044)  # a 2 KiB "JPEG"


def proc_stats(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    fds = len(os.listdir("/proc/%d/fd" % pid))
    return rss, fds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--data", default=None, help="data dir (default: a folder under /dev/shm)")
    ap.add_argument("--plot", action="store_true")
    # More server threads than client processes: a photos listing blocks its worker
    # thread on the embedded store (tests/faults/test_photos_concurrency.py), so with
    # fewer threads than concurrent listings the process stalls until the S3 timeout.
    ap.add_argument("--serve-threads", type=int, default=8)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="dropslot-soak-")
    os.makedirs(out, exist_ok=True)
    data = args.data or tempfile.mkdtemp(prefix="dropslot-soak-data-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)

    serve = Serve(data=data, extra=["--max-photos", "1000000", "--no-access-log",
                                          "--threads", str(args.serve_threads)])
    try:
        token = serve.login()
        c = Client(serve, token)
        jobs = first_jobs(c)
        # The listing job: a few photos, never added to during the run, so its listing
        # costs the same at the end as at the start.
        listing_job = jobs[-1]
        for _ in range(10):
            status, grant = c.upload_url(listing_job, len(PHOTO))
            assert status == 200, grant
            assert c.put(grant, PHOTO)[0] == 200
        status, body = c.call("GET", "/api/jobs/%s/photos" % listing_job)
        assert status == 200, body
        get_urls = [p["url"] for p in json.loads(body)["photos"]]
        c.close()
        upload_jobs = jobs[:-1]

        budget = mp.Value("q", args.requests)
        queue = mp.Queue()
        procs = [mp.Process(target=worker_main, args=((serve.api_port, serve.s3_port), token, upload_jobs,
                                                       listing_job, get_urls, budget, queue, i))
                 for i in range(args.workers)]
        t0 = time.time()
        for p in procs:
            p.start()
        rows, alive = [], args.workers
        win = {"done": 0, "errors": 0, "lat": []}
        total = {"done": 0, "errors": 0}
        all_lat_sample = []
        next_sample = t0 + args.interval
        while alive:
            try:
                wid, t, done, errors, lat = queue.get(timeout=0.5)
                if t is None:
                    alive -= 1
                    continue
                win["done"] += done
                win["errors"] += errors
                win["lat"].extend(lat)
                total["done"] += done
                total["errors"] += errors
            except Exception:
                pass
            now = time.time()
            if now >= next_sample or not alive:
                rss, fds = proc_stats(serve.pid)
                lat = sorted(win["lat"])
                p50 = lat[len(lat) // 2] * 1000 if lat else 0
                p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
                rows.append((now - t0, win["done"] / max(1e-9, now - (next_sample - args.interval)), p50, p99,
                             rss / 1048576, fds, total["done"], total["errors"]))
                all_lat_sample.extend(lat[:: max(1, len(lat) // 2000)])
                print("t=%6.0fs  %8d req  %7.0f req/s  p50 %.2f ms  p99 %.2f ms  rss %.1f MiB  fds %d  errors %d"
                      % (rows[-1][0], total["done"], rows[-1][1], p50, p99, rows[-1][4], fds, total["errors"]),
                      file=sys.stderr)
                win = {"done": 0, "errors": 0, "lat": []}
                next_sample = now + args.interval
        for p in procs:
            p.join()
        elapsed = time.time() - t0
        final_rss, final_fds = proc_stats(serve.pid)
        # Restart on the same data: a process that has served nothing yet but rebuilt the
        # key index from every object file (DESIGN: derived data, rebuilt on open). Its
        # RSS against the end of the run tells what serving added; the start time is
        # mostly that rebuild.
        objects = sum(len(files) for _, _, files in os.walk(os.path.join(data, "s3", "buckets")))
        serve.stop()
        t_restart = time.time()
        serve.start()
        restart_seconds = time.time() - t_restart
        time.sleep(2)
        restart_rss, _ = proc_stats(serve.pid)
    finally:
        serve.close()
        if not args.data:
            subprocess.run(["rm", "-rf", data])

    with open(os.path.join(out, "soak.csv"), "w") as f:
        f.write("# seconds req_per_s p50_ms p99_ms rss_mib fds total_requests total_errors\n")
        for r in rows:
            f.write("%.1f %.1f %.3f %.3f %.2f %d %d %d\n" % r)
    lat = sorted(all_lat_sample)
    warm = [r for r in rows if r[0] >= rows[-1][0] * 0.1] or rows
    summary = {
        "requests": total["done"], "errors": total["errors"], "seconds": round(elapsed, 1),
        "req_per_s": round(total["done"] / elapsed, 1),
        "p99_ms_median_of_intervals": round(sorted(r[3] for r in rows)[len(rows) // 2], 3),
        "p50_ms_median_of_intervals": round(sorted(r[2] for r in rows)[len(rows) // 2], 3),
        "rss_mib_after_warmup_min": round(min(r[4] for r in warm), 1),
        "rss_mib_after_warmup_max": round(max(r[4] for r in warm), 1),
        "rss_mib_end": round(final_rss / 1048576, 1),
        # RSS when 10 %, 50 % and 100 % of the requests were done: flat after warm-up?
        "rss_mib_at_10_50_100_percent": [round(next((r[4] for r in rows if r[6] >= total["done"] * f), rows[-1][4]), 1)
                                         for f in (0.1, 0.5, 1.0)],
        "fds_after_warmup_min": min(r[5] for r in warm), "fds_after_warmup_max": max(r[5] for r in warm),
        "fds_end": final_fds, "workers": args.workers, "serve_threads": args.serve_threads,
        "files_in_store": objects,
        "rss_mib_fresh_restart_on_same_data": round(restart_rss / 1048576, 1),
        "restart_seconds": round(restart_seconds, 1),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary, indent=2))
    if args.plot:
        plot(out)
    if args.check:
        ok = summary["errors"] == 0 and summary["requests"] >= args.requests - 3 * args.workers
        # Descriptors: after warm-up the count may wiggle with connections in flight, not grow.
        ok = ok and summary["fds_after_warmup_max"] <= summary["fds_after_warmup_min"] + 2 * args.workers + 4
        if not ok:
            print("soak check failed", file=sys.stderr)
            sys.exit(1)


def worker_main(ports, token, jobs, listing_job, get_urls, budget, queue, worker_id):
    class S:
        api_port, s3_port = ports
    c = Client(S, token, timeout=30)
    get_conn = Client(S, token, timeout=30)
    done = errors = 0
    lat = []
    last = time.time()
    cycle = 0

    def timed(fn, *a):
        nonlocal done, errors
        t = time.perf_counter()
        try:
            status, body = fn(*a)
        except OSError as e:
            status, body = "conn", repr(e).encode()
        lat.append(time.perf_counter() - t)
        done += 1
        if status != 200:
            errors += 1
            if errors <= 5:
                print("worker %d: %s %r" % (worker_id, status, body[:200]), file=sys.stderr)
        return status, body

    while True:
        with budget.get_lock():
            if budget.value <= 0:
                break
            budget.value -= 3  # upload-url, PUT, GET
        status, grant = timed(c.upload_url, jobs[cycle % len(jobs)], len(PHOTO))
        if status == 200:
            timed(c.put, grant, PHOTO)
        # A thumbnail read through a presigned GET URL from the photos listing (kept alive).
        timed(get_object, get_conn, get_urls[cycle % len(get_urls)])
        if cycle % 10 == 0:
            with budget.get_lock():
                budget.value -= 1
            timed(c.call, "GET", "/api/jobs/%s/photos" % listing_job)
        cycle += 1
        now = time.time()
        if now - last >= 1.0:
            queue.put((worker_id, now, done, errors, lat))
            done = errors = 0
            lat = []
            last = now
    queue.put((worker_id, time.time(), done, errors, lat))
    queue.put((worker_id, None, 0, 0, []))
    c.close()
    get_conn.close()


def get_object(client, url):
    import http.client
    import urllib.parse
    u = urllib.parse.urlsplit(url)
    if client.store is None:
        client.store = http.client.HTTPConnection(u.hostname, u.port, timeout=client.timeout)
    try:
        client.store.request("GET", u.path + "?" + u.query)
        r = client.store.getresponse()
        body = r.read()
        return r.status, body if r.status != 200 or body == PHOTO else b"wrong bytes"
    except (http.client.HTTPException, OSError):
        client.store.close()
        client.store = None
        raise


def plot(out):
    script = """
set terminal pngcairo size 900,600 font ',9' noenhanced
set output '{out}/soak.png'
set multiplot layout 3,1 title 'dropslot serve soak: mixed upload-url / PUT / GET / photos'
set grid
set xlabel 'seconds'
set ylabel 'req/s'
plot '{out}/soak.csv' using 1:2 with lines lw 1.5 title 'request rate'
set ylabel 'ms'
plot '{out}/soak.csv' using 1:4 with lines lw 1.5 title 'p99 latency (client)', '' using 1:3 with lines title 'p50'
set ylabel 'MiB / count'
plot '{out}/soak.csv' using 1:5 with lines lw 1.5 title 'server RSS (MiB)', '' using 1:6 with lines lw 1.5 title 'open fds'
unset multiplot
""".format(out=out)
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        # pngcairo may be missing from gnuplot-nox; the plain png terminal is always there.
        r = subprocess.run(["gnuplot"], input=script.replace("pngcairo size 900,600 font ',9'", "png size 900,600"),
                           text=True, capture_output=True)
    if r.returncode != 0:
        print("gnuplot failed: " + r.stderr, file=sys.stderr)


if __name__ == "__main__":
    main()
