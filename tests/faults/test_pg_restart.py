"""PostgreSQL restart under load (issue 7, faults): `dropslot serve` on a private
PostgreSQL server (initdb + pg_ctl as the postgres user, a free port) serves upload-url
and job reads from 8 threads while the server is stopped and started again. While it is
down the API answers 503 (a JSON error, never a 500 or a dropped connection); once it is
back the same dropslot process (no restart) answers 200 again."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import Client, Serve, first_jobs  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PrivatePostgres:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise unittest.SkipTest("PostgreSQL is not installed")
        if os.geteuid() != 0:
            raise unittest.SkipTest("the private server runs as the postgres user (needs root)")
        self.bin = os.path.dirname(bins[-1])
        self.dir = tempfile.mkdtemp(prefix="dropslot-pg-faults-")
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.run("initdb", "-D", self.dir + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.ctl("start")
        self.url = "postgres://postgres@127.0.0.1:%d/postgres" % self.port

    def run(self, tool, *args):
        return subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(self.bin, tool)] + list(args),
                              capture_output=True, text=True, timeout=120, check=True)

    def ctl(self, action, *extra):
        opts = "-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off" % (self.port, self.dir)
        return self.run("pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/log", "-w", "-o", opts, *extra, action)

    def close(self):
        subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(self.bin, "pg_ctl"), "-D", self.dir + "/data",
                        "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class PgRestart(unittest.TestCase):
    def test_restart_under_load(self):
        pg = PrivatePostgres()
        serve = None
        try:
            serve = Serve(database=pg.url, extra=["--max-photos", "1000000"])
            pid = serve.pid
            token = serve.login()
            jobs = first_jobs(Client(serve, token))
            phase = {"name": "before"}
            seen = {}  # (phase, status) -> count
            problems = []
            lock = threading.Lock()
            stop = threading.Event()

            def load(i):
                c = Client(serve, token, timeout=30)
                while not stop.is_set():
                    try:
                        if i % 2:
                            status, body = c.upload_url(jobs[i % len(jobs)], 100)
                        else:
                            status, body = c.call("GET", "/api/jobs/" + jobs[i % len(jobs)])
                    except OSError as e:
                        with lock:
                            problems.append("connection error: %r" % e)
                        c = Client(serve, token, timeout=30)
                        continue
                    with lock:
                        key = (phase["name"], status)
                        seen[key] = seen.get(key, 0) + 1
                        if status not in (200, 503):
                            problems.append("%d %r" % (status, body))
                        elif status == 503 and b'"error"' not in (body if isinstance(body, bytes) else json.dumps(body).encode()):
                            problems.append("503 without a JSON error: %r" % body)
                c.close()

            threads = [threading.Thread(target=load, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            with lock:
                phase["name"] = "down"
            pg.ctl("stop", "-m", "fast")
            time.sleep(3.0)
            pg.ctl("start")
            with lock:
                phase["name"] = "recovering"
            time.sleep(3.0)
            with lock:
                phase["name"] = "after"
            time.sleep(2.0)
            stop.set()
            for t in threads:
                t.join(timeout=60)
            print("statuses by phase: %s" % sorted(seen.items()), file=sys.stderr)
            self.assertEqual(problems[:5], [])
            self.assertGreater(seen.get(("before", 200), 0), 0)
            self.assertGreater(seen.get(("down", 503), 0), 0, "no 503 while the database was down")
            self.assertGreater(seen.get(("after", 200), 0), 0)
            self.assertEqual(seen.get(("after", 503), 0), 0, "still failing 3 s after the database came back")
            self.assertEqual(serve.pid, pid)
            self.assertIsNone(serve.proc.poll())
        finally:
            if serve:
                serve.close()
            pg.close()


if __name__ == "__main__":
    unittest.main()
