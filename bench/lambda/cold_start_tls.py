#!/usr/bin/python3
"""Lambda cold start to the first answer, `dropslot lambda` on DynamoDB (dynalite)
reached over HTTPS, with the full system CA bundle and with the 5 Amazon Trust
Services roots that deploy/package puts in the zip, beside plain HTTP, in one
round-robin run (issue 13; docs/benchmarks/lambda.md).

HTTPS: a TLS proxy (this script, Python's ssl, in its own process) in front of
dynalite, with a self-signed P-256 certificate for localhost that is appended to
each CA file so that both verify. The CPU figure is the function process's own
(rusage, up to its first answer), as in cold_start_dynamodb.py: the proxy's and
dynalite's work are not in it.

  bench/lambda/cold_start_tls.py --dropslot build/release/src/cli/dropslot [--runs 30]

Needs node and dynalite (tests/node_modules: `cd tests && npm ci`), openssl and
Debian's ca-certificates.
"""
import argparse
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cold_start import Emulator, Target, cold_run, upload_url_event  # noqa: E402
from cold_start_dynamodb import start_dynalite  # noqa: E402

MOZILLA = "/usr/share/ca-certificates/mozilla/"
AWS_ROOTS = ["Amazon_Root_CA_1", "Amazon_Root_CA_2", "Amazon_Root_CA_3", "Amazon_Root_CA_4",
             "Starfield_Services_Root_Certificate_Authority_-_G2"]


def tls_proxy(cert, key, backend_port):
    """Terminates TLS on a free loopback port and forwards the bytes to dynalite."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle(conn):
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        back = socket.create_connection(("127.0.0.1", backend_port))
        threading.Thread(target=pump, args=(back, tls), daemon=True).start()
        pump(tls, back)

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dropslot", required=True)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    dynalite, dynamo_endpoint = start_dynalite()
    emu = Emulator()
    threading.Thread(target=emu.serve_forever, daemon=True).start()
    endpoint = "127.0.0.1:%d" % emu.server_address[1]
    work = tempfile.mkdtemp(prefix="dropslot-lambda-tls-bench-")
    try:
        cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        subprocess.check_call(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                               "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
                               "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert],
                              stderr=subprocess.DEVNULL)
        own = open(cert).read()
        bundles = {"full system bundle": open("/etc/ssl/certs/ca-certificates.crt").read(),
                   "5 AWS roots": "".join(open(MOZILLA + n + ".crt").read() for n in AWS_ROOTS)}
        files = {}
        for name, text in bundles.items():
            files[name] = os.path.join(work, name.replace(" ", "-") + ".pem")
            with open(files[name], "w") as f:
                f.write(text + own)
        tls_port = tls_proxy(cert, key, int(dynamo_endpoint.rsplit(":", 1)[1]))

        aws = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
               "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
               "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "AWS_ENDPOINT_URL_DYNAMODB": dynamo_endpoint}
        db = "dynamodb://tlsbench"
        run = lambda *a: subprocess.check_output([args.dropslot, "admin"] + list(a) + ["--database", db], text=True,
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
        p = subprocess.Popen([args.dropslot, "lambda"], env=env, stdout=subprocess.DEVNULL)
        token = json.loads(json.loads(emu.wait(rid)[2])["body"])["session_token"]
        p.kill()
        p.wait()

        targets = [Target("DynamoDB over HTTP", [args.dropslot, "lambda"], env)]
        for name, path in files.items():
            targets.append(Target("DynamoDB over HTTPS, " + name, [args.dropslot, "lambda"],
                                  dict(env, AWS_ENDPOINT_URL_DYNAMODB="https://localhost:%d" % tls_port,
                                       AWS_CA_BUNDLE=path)))
        for t in targets:
            t.event = upload_url_event(token, job)

        print(json.dumps({"machine": os.uname().release, "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
                          "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}), flush=True)
        for _ in range(args.runs):  # round-robin: the machine's load falls on all alike
            for t in targets:
                cold_run(t, emu, t.event)
        results = [t.result() for t in targets]
        for r in results:
            print(json.dumps(r), flush=True)
        print("cold start to the first answer, median of %d runs: %s" % (args.runs, "; ".join(
            "%s %.2f ms (CPU %.2f ms)" % (r["name"], r["cold_median_ms"], r["cold_cpu_median_ms"] or 0)
            for r in results)))
    finally:
        with emu.cv:
            emu.stopping = True
            emu.cv.notify_all()
        emu.shutdown()
        dynalite.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
