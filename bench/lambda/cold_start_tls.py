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
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cold_start import Target, upload_url_event  # noqa: E402
from cold_start_common import aws_env, round_robin, setup_and_login, start_dynalite, start_emulator, stop  # noqa: E402

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
    emu, endpoint = start_emulator()
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

        aws = aws_env(dynamo_endpoint)
        env, token, job = setup_and_login(args.dropslot, "dynamodb://tlsbench", aws, emu, endpoint, work)

        targets = [Target("DynamoDB over HTTP", [args.dropslot, "lambda"], env)]
        for name, path in files.items():
            targets.append(Target("DynamoDB over HTTPS, " + name, [args.dropslot, "lambda"],
                                  dict(env, AWS_ENDPOINT_URL_DYNAMODB="https://localhost:%d" % tls_port,
                                       AWS_CA_BUNDLE=path)))
        for t in targets:
            t.event = upload_url_event(token, job)

        results = round_robin(targets, emu, args.runs)
        print("cold start to the first answer, median of %d runs: %s" % (args.runs, "; ".join(
            "%s %.2f ms (CPU %.2f ms)" % (r["name"], r["cold_median_ms"], r["cold_cpu_median_ms"] or 0)
            for r in results)))
    finally:
        stop(emu, dynalite, work)


if __name__ == "__main__":
    main()
