#!/usr/bin/python3
"""Lambda cold start to the first answer, `dropslot lambda` on DynamoDB (dynalite)
beside the same binary on SQLite, in one round-robin run (issue 13).

Cold start and the emulator are cold_start.py's (docs/benchmarks/lambda.md): from
just before the process is spawned to the emulator receiving the answer to the first
POST /upload-url. The CPU figure is the function process's own (rusage, user +
system, up to its first answer): dynalite runs in another process (node), so its
work and the round trips' waiting are not in it. That is the budget of issue 13:
dropslot's own CPU to the first answer <= 10 ms, excluding the database.

  bench/lambda/cold_start_dynamodb.py --dropslot build/release/src/cli/dropslot [--runs 30] [--before OLD]

--before OLD adds another binary (an older build) on both databases to the same
round-robin, so before and after share the machine's load.

Needs node and dynalite (tests/node_modules: `cd tests && npm ci`).
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from cold_start import Emulator, Target, cold_run, upload_url_event  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_dynalite():
    port = free_port()
    proc = subprocess.Popen(["node", os.path.join(ROOT, "tests/node_modules/dynalite/cli.js"), "--host", "127.0.0.1",
                             "--port", str(port), "--createTableMs", "0"], stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, "http://127.0.0.1:%d" % port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("dynalite did not start (cd tests && npm ci)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dropslot", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--before", help="an older dropslot, run beside --dropslot in the same round-robin")
    args = ap.parse_args()

    dynalite, dynamo_endpoint = start_dynalite()
    emu = Emulator()
    threading.Thread(target=emu.serve_forever, daemon=True).start()
    endpoint = "127.0.0.1:%d" % emu.server_address[1]
    work = tempfile.mkdtemp(prefix="dropslot-lambda-bench-")
    aws = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
           "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "AWS_ENDPOINT_URL_DYNAMODB": dynamo_endpoint}
    try:
        targets = []
        for name, db in (("sqlite", "sqlite://%s/dropslot.db" % work), ("dynamodb", "dynamodb://bench")):
            admin_env = dict(os.environ, **aws)
            run = lambda *a: subprocess.check_output([args.dropslot, "admin"] + list(a) + ["--database", db],
                                                     text=True, env=admin_env).strip()
            run("migrate")
            customer = run("customer", "add", "--name", "bench", "--email", "bench@example.com")
            job = run("job", "add", "--customer", customer, "--title", "bench")
            code = run("login-link", "--customer", customer).split("code=")[1]
            env = dict(aws, AWS_LAMBDA_RUNTIME_API=endpoint, LAMBDA_TASK_ROOT=work, _HANDLER="bootstrap",
                       DROPSLOT_BUCKET="uploads", DROPSLOT_DATABASE_URL=db, DROPSLOT_API_BASE="",
                       DROPSLOT_UPLOAD_RATE="1000000", DROPSLOT_UPLOAD_BURST="1000000",
                       DROPSLOT_MAX_PHOTOS="1000000", PATH="/usr/bin:/bin")
            login = json.dumps({"httpMethod": "POST", "path": "/login", "headers": {"Content-Type": "application/json"},
                                "body": json.dumps({"code": code})}).encode()
            emu.new_generation()
            rid = emu.invoke_async(login)
            p = subprocess.Popen([args.dropslot, "lambda"], env=env, stdout=subprocess.DEVNULL)
            token = json.loads(json.loads(emu.wait(rid)[2])["body"])["session_token"]
            p.kill()
            p.wait()
            for label, binary in [("", args.dropslot)] + ([("before: ", args.before)] if args.before else []):
                t = Target(label + "dropslot lambda on " + name, [binary, "lambda"], env)
                t.event = upload_url_event(token, job)
                targets.append(t)

        print(json.dumps({"machine": os.uname().release, "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
                          "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}), flush=True)
        for _ in range(args.runs):  # round-robin: the machine's load falls on both alike
            for t in targets:
                cold_run(t, emu, t.event)
        results = [t.result() for t in targets]
        for r in results:
            print(json.dumps(r), flush=True)
        n = len(results) // 2
        s, d = results[0], results[n]
        if args.before:
            bs, bd = results[1], results[n + 1]
            print("before: SQLite %.2f ms (CPU %.2f ms), DynamoDB %.2f ms (CPU %.2f ms)" % (
                bs["cold_median_ms"], bs["cold_cpu_median_ms"], bd["cold_median_ms"], bd["cold_cpu_median_ms"]))
        print("cold start to the first answer, median of %d: SQLite %.2f ms (CPU %.2f ms), DynamoDB on dynalite "
              "%.2f ms (CPU %.2f ms, dropslot's own)" % (args.runs, s["cold_median_ms"], s["cold_cpu_median_ms"],
                                                          d["cold_median_ms"], d["cold_cpu_median_ms"]))
    finally:
        with emu.cv:
            emu.stopping = True
            emu.cv.notify_all()
        emu.shutdown()
        dynalite.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
