"""Pieces shared by cold_start_dynamodb.py and cold_start_tls.py: dynalite, the
emulator's start and stop, the bench customer's setup and login, and the
round-robin of cold runs."""
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

from cold_start import Emulator, cold_run

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


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


def start_emulator():
    """The Lambda runtime API emulator, serving in a thread; returns it and its host:port."""
    emu = Emulator()
    threading.Thread(target=emu.serve_forever, daemon=True).start()
    return emu, "127.0.0.1:%d" % emu.server_address[1]


def aws_env(dynamo_endpoint):
    return {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "AWS_ENDPOINT_URL_DYNAMODB": dynamo_endpoint}


def setup_and_login(dropslot, db, aws, emu, endpoint, work):
    """Migrates db, adds the bench customer and job, logs in through `dropslot lambda`;
    returns the function's environment, the session token and the job."""
    run = lambda *a: subprocess.check_output([dropslot, "admin"] + list(a) + ["--database", db], text=True,
                                             env=dict(os.environ, **aws)).strip()
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
    p = subprocess.Popen([dropslot, "lambda"], env=env, stdout=subprocess.DEVNULL)
    token = json.loads(json.loads(emu.wait(rid)[2])["body"])["session_token"]
    p.kill()
    p.wait()
    return env, token, job


def round_robin(targets, emu, runs):
    """Prints the machine, runs each target cold `runs` times in turn (the machine's load
    falls on all alike), prints and returns each target's result."""
    print(json.dumps({"machine": os.uname().release, "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
                      "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}), flush=True)
    for _ in range(runs):
        for t in targets:
            cold_run(t, emu, t.event)
    results = [t.result() for t in targets]
    for r in results:
        print(json.dumps(r), flush=True)
    return results


def stop(emu, dynalite, work):
    with emu.cv:
        emu.stopping = True
        emu.cv.notify_all()
    emu.shutdown()
    dynalite.kill()
    shutil.rmtree(work, ignore_errors=True)
