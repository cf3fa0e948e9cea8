"""Slow clients (issue 7, faults): 300 slowloris connections (a request head sent one
byte at a time) on the API and on the store, and 20 uploads trickling their bodies, must
not starve other clients: while they hang on, a normal client's 200 requests (health,
job reads, upload-url and the PUT itself) all succeed. The server then closes the
slowloris connections itself (its header timeout holds)."""
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import Client, Serve, first_jobs, request  # noqa: E402

SLOWLORIS = 300
TRICKLES = 20


class SlowClients(unittest.TestCase):
    def test_slow_clients_do_not_starve_others(self):
        serve = Serve(extra=["--max-photos", "1000000"])
        socks = []
        stop = threading.Event()
        try:
            token = serve.login()
            c = Client(serve, token)
            jobs = first_jobs(c)

            # Slowloris: many connections, each with an unfinished request head.
            for i in range(SLOWLORIS):
                port = serve.api_port if i % 2 else serve.s3_port
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                socks.append(s)
            # Slow uploads: a presigned PUT whose body arrives a byte at a time.
            trickles = []
            for i in range(TRICKLES):
                status, grant = c.upload_url(jobs[0], 1000)
                self.assertEqual(status, 200, grant)
                host_port = grant["url"].split("/")[2]
                s = socket.create_connection(("127.0.0.1", int(host_port.split(":")[1])), timeout=5)
                target = grant["url"].split(host_port, 1)[1]
                head = "PUT %s HTTP/1.1\r\nHost: %s\r\n" % (target, host_port)
                head += "".join("%s: %s\r\n" % kv for kv in grant["headers"].items()) + "\r\n"
                s.sendall(head.encode() + b"x")
                trickles.append(s)

            def drip():
                while not stop.wait(1.0):
                    for s in socks + trickles:
                        try:
                            s.send(b"a")
                        except OSError:
                            pass

            dripper = threading.Thread(target=drip, daemon=True)
            dripper.start()

            # A normal client is served the whole time.
            failures = []
            for i in range(200):
                try:
                    if i % 4 == 0:
                        status, body, _ = request(serve.api_port, "GET", "/healthz", timeout=10)
                    elif i % 4 == 1:
                        status, body = c.call("GET", "/api/jobs")
                    else:
                        status, grant = c.upload_url(jobs[i % len(jobs)], 3)
                        if status == 200:
                            status, body = c.put(grant, b"abc")
                        else:
                            body = grant
                    if status != 200:
                        failures.append((i, status, body))
                except OSError as e:
                    failures.append((i, "error", repr(e)))
            c.close()
            self.assertEqual(failures, [])

            # The server closes the slowloris connections (header timeout, 15 s by default).
            stop.set()
            deadline = time.time() + 90
            open_socks = list(socks)
            while open_socks and time.time() < deadline:
                still = []
                for s in open_socks:
                    s.settimeout(0.05)
                    try:
                        data = s.recv(4096)
                        if data:
                            still.append(s)  # an answer (e.g. 408) is fine; wait for the close
                    except socket.timeout:
                        still.append(s)
                    except OSError:
                        pass
                open_socks = still
                if open_socks:
                    time.sleep(1)
            self.assertEqual(len(open_socks), 0, "%d slowloris connections still open" % len(open_socks))
            self.assertIsNone(serve.proc.poll())
        finally:
            stop.set()
            for s in socks:
                s.close()
            serve.close()


if __name__ == "__main__":
    unittest.main()
