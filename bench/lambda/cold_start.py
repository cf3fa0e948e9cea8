#!/usr/bin/python3
"""Lambda cold start and warm invocations, `dropslot lambda` against a Python
boto3 custom runtime doing the same presign work (boto3_function.py).

Cold start = from just before the process is spawned to the moment the Runtime
API emulator (this script) receives the answer to the first API Gateway event
(POST /upload-url, REST payload 1.0). Each run is a fresh process, as a fresh
sandbox would be; the page cache is warm (Lambda's is not: unzip and first page
faults are not measured here). Warm = sequential invocations per second on one
process through the same emulator (Python http.server, keep-alive), so that
figure is bounded by the emulator; see docs/benchmarks/lambda.md.

  bench/lambda/cold_start.py --dropslot build/release/src/cli/dropslot [--zip-root DIR]
                             [--runs 30] [--warm 2000] [--database URL]
                             [--baseline OTHER_DROPSLOT]

--database: the function's database (default: a new SQLite file). A postgres:// URL
measures the PostgreSQL configuration, which is what AWS uses; the bench adds its
own customer and job there.
--baseline: another dropslot binary (an older build), run in the same round-robin,
for a before/after comparison under the same load.
"""
import argparse
import http.server
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Emulator(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a killed runtime resets its connection; that is the point of a cold run

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.cv = threading.Condition()
        self.queue = []
        self.answers = {}
        self.counter = 0
        self.stopping = False
        # A killed runtime leaves its `next` waiting here; a new generation sends
        # such leftovers away, so they cannot take the next process's event.
        self.generation = 0

    def new_generation(self):
        with self.cv:
            self.generation += 1
            self.cv.notify_all()

    def invoke_async(self, event):
        with self.cv:
            self.counter += 1
            rid = "req-%d" % self.counter
            self.queue.append((rid, event))
            self.cv.notify_all()
            return rid

    def wait(self, rid, timeout=60):
        with self.cv:
            if not self.cv.wait_for(lambda: rid in self.answers, timeout):
                raise RuntimeError("no answer for %s" % rid)
            return self.answers.pop(rid)

    def drop_pending(self):
        with self.cv:
            self.queue.clear()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # The generation is the connection's, taken at accept: a request a killed
        # runtime sent before it died may still be parsed after the next bump.
        self.gen = self.server.generation
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        # Head and body in one write: two small writes meet Nagle and delayed ACK
        # (~40 ms per response), which would swamp what is measured.
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def do_GET(self):
        srv = self.server
        if self.path != "/2018-06-01/runtime/invocation/next":
            return self.reply(404)
        with srv.cv:
            gen = self.gen
            srv.cv.wait_for(lambda: srv.queue or srv.stopping or srv.generation != gen)
            if srv.stopping or srv.generation != gen:
                return self.reply(500)
            rid, event = srv.queue.pop(0)
        deadline = str(int(time.time() * 1000) + 30000)
        self.reply(200, event, [("Lambda-Runtime-Aws-Request-Id", rid), ("Lambda-Runtime-Deadline-Ms", deadline),
                                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:1:function:f"),
                                ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1")])

    def do_POST(self):
        now = time.perf_counter_ns()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        m = re.match(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$", self.path)
        if not m:
            return self.reply(202 if self.path.endswith("/init/error") else 404, b'{"status":"OK"}')
        srv = self.server
        with srv.cv:
            srv.answers[m.group(1)] = (now, m.group(2), body)
            srv.cv.notify_all()
        self.reply(202, b'{"status":"OK"}')


def upload_url_event(token, job):
    return json.dumps({
        "resource": "/upload-url", "path": "/upload-url", "httpMethod": "POST",
        "headers": {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
        "multiValueHeaders": {"Authorization": ["Bearer " + token], "Content-Type": ["application/json"]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
        "requestContext": {"requestId": "bench", "stage": "api", "identity": {"sourceIp": "203.0.113.7"}},
        "body": json.dumps({"job_id": job, "filename": "a.jpg", "content_type": "image/jpeg", "size": 1024}),
        "isBase64Encoded": False}).encode()


class Target:
    """One way of starting the function, and what was measured of it."""

    def __init__(self, name, argv, env):
        self.name, self.argv, self.env = name, argv, env
        self.colds, self.cpus, self.statuses, self.warm_rate = [], [], {}, None

    def count(self, body, kind):
        code = json.loads(body).get("statusCode", kind)
        self.statuses[code] = self.statuses.get(code, 0) + 1

    def result(self):
        colds = sorted(self.colds)
        return {"name": self.name, "runs": len(colds), "cold_median_ms": statistics.median(colds),
                "cold_min_ms": colds[0], "cold_p90_ms": colds[int(0.9 * (len(colds) - 1))],
                "cold_cpu_median_ms": statistics.median(self.cpus) if self.cpus else None,
                "warm_invocations_per_s": self.warm_rate, "statuses": self.statuses}


def cold_run(target, emu, event, warm=0):
    """A fresh process answers one event (then, with `warm`, that many more)."""
    log_path = os.path.join(tempfile.gettempdir(), "dropslot-lambda-bench-%d.stderr" % os.getpid())
    emu.new_generation()
    rid = emu.invoke_async(event)
    t0 = time.perf_counter_ns()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(target.argv, env=target.env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        t1, kind, body = emu.wait(rid)
    except RuntimeError:
        proc.kill()
        sys.exit("%s gave no answer; its stderr:\n%s" % (target.name, open(log_path, errors="replace").read()[-3000:]))
    target.colds.append((t1 - t0) / 1e6)
    target.count(body, kind)
    if warm:
        # Warm: the same process keeps serving, one invocation after another.
        t_start = time.perf_counter()
        for _ in range(warm):
            t, kind, body = emu.wait(emu.invoke_async(event))
            target.count(body, kind)
        target.warm_rate = warm / (time.perf_counter() - t_start)
    proc.send_signal(signal.SIGKILL)
    # rusage of the killed process: the CPU it spent up to its first answer (it
    # was blocked in `next` after that). Load inflates it less than wall time.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    if not warm:
        target.cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
    os.unlink(log_path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dropslot", required=True)
    ap.add_argument("--zip-root", help="an unpacked dropslot-lambda.zip (runs bootstrap through the bundled loader)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warm", type=int, default=2000)
    ap.add_argument("--database", help="database URL (default: a new SQLite file)")
    ap.add_argument("--baseline", help="another dropslot binary to run beside --dropslot")
    args = ap.parse_args()

    emu = Emulator()
    threading.Thread(target=emu.serve_forever, daemon=True).start()
    endpoint = "127.0.0.1:%d" % emu.server_address[1]
    work = tempfile.mkdtemp(prefix="dropslot-lambda-bench-")
    try:
        db = args.database or "sqlite://%s/dropslot.db" % work
        admin = [args.dropslot, "admin"]
        run = lambda *a: subprocess.check_output(admin + list(a) + ["--database", db], text=True).strip()
        # A new address each run: a PostgreSQL database outlives the bench.
        customer = run("customer", "add", "--name", "bench", "--email", "bench-%d@example.com" % os.getpid())
        job = run("job", "add", "--customer", customer, "--title", "bench")
        code = run("login-link", "--customer", customer).split("code=")[1]

        base_env = {"AWS_LAMBDA_RUNTIME_API": endpoint, "LAMBDA_TASK_ROOT": work, "_HANDLER": "bootstrap",
                    "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "DROPSLOT_BUCKET": "uploads",
                    "DROPSLOT_DATABASE_URL": db, "DROPSLOT_API_BASE": "",
                    # Enough grants for every run: no 429 or 409 in the figures.
                    "DROPSLOT_UPLOAD_RATE": "1000000", "DROPSLOT_UPLOAD_BURST": "1000000",
                    "DROPSLOT_MAX_PHOTOS": "1000000", "PATH": "/usr/bin:/bin"}
        # One login through the function gives the session the benchmark event carries.
        login = json.dumps({"httpMethod": "POST", "path": "/login", "headers": {"Content-Type": "application/json"},
                            "body": json.dumps({"code": code})}).encode()
        emu.new_generation()
        rid = emu.invoke_async(login)
        p = subprocess.Popen([args.dropslot, "lambda"], env=base_env, stdout=subprocess.DEVNULL)
        token = json.loads(json.loads(emu.wait(rid)[2])["body"])["session_token"]
        p.kill()
        p.wait()
        event = upload_url_event(token, job)

        print(json.dumps({"machine": os.uname().release, "cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "loadavg": os.getloadavg(), "database": db.split(":", 1)[0],
                          "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}))
        # The floor on this machine right now: spawning /bin/true and reaping it.
        floor_wall, floor_cpu = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter_ns()
            p = subprocess.Popen(["/bin/true"], env=base_env)
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = status
            floor_wall.append((time.perf_counter_ns() - t0) / 1e6)
            floor_cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
        print(json.dumps({"name": "/bin/true (spawn + exit)", "wall_median_ms": statistics.median(floor_wall),
                          "cpu_median_ms": statistics.median(floor_cpu)}), flush=True)
        targets = [Target("dropslot lambda (binary)", [args.dropslot, "lambda"], base_env)]
        if args.baseline:
            targets.append(Target("baseline dropslot lambda (binary)", [args.baseline, "lambda"], base_env))
        if args.zip_root:
            targets.append(Target("dropslot lambda (unpacked zip, bundled loader)",
                                  [os.path.join(args.zip_root, "bootstrap")],
                                  dict(base_env, LAMBDA_TASK_ROOT=args.zip_root)))
        targets.append(Target("python3 + boto3 presign",
                              ["/usr/bin/python3", os.path.join(HERE, "boto3_function.py")], base_env))
        # Round-robin, so the machine's changing load falls on every target alike.
        for _ in range(args.runs):
            for t in targets:
                cold_run(t, emu, event)
        for t in targets:
            cold_run(t, emu, event, warm=args.warm)
        print(json.dumps({"loadavg_after_runs": os.getloadavg()}), flush=True)
        results = [t.result() for t in targets]
        for r in results:
            print(json.dumps(r), flush=True)
        base = results[-1]
        for r in results[:-1]:
            print("%s: cold %.2f ms median (boto3 %.1f ms, %.0fx faster), CPU %.1f ms (boto3 %.1f ms); "
                  "warm %.0f/s (boto3 %.0f/s)" % (
                      r["name"], r["cold_median_ms"], base["cold_median_ms"],
                      base["cold_median_ms"] / r["cold_median_ms"], r["cold_cpu_median_ms"] or 0,
                      base["cold_cpu_median_ms"] or 0, r["warm_invocations_per_s"] or 0,
                      base["warm_invocations_per_s"] or 0))
    finally:
        with emu.cv:
            emu.stopping = True
            emu.cv.notify_all()
        emu.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
