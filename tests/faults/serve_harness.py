"""Starts `dropslot serve` (API + embedded store + database) on free loopback ports, for
the fault and soak tests, and drives the upload flow the browser uses: login, then
POST /api/upload-url, then the PUT to the presigned URL with exactly the headers given."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

BIN = os.environ.get("DROPSLOT_BIN") or os.path.join(os.environ.get("DROPSLOT_BINARY_DIR", "build/release"),
                                                     "src/cli/dropslot")


class Serve:
    """One `dropslot serve`. `data` survives stop()/kill9() so start() can restart on it."""

    def __init__(self, data=None, database=None, extra=None, env=None, s3_endpoint=None, upload_rate="0"):
        """`env`: variables added to the (AWS_/DROPSLOT_-free) environment; `s3_endpoint`:
        use that store instead of the embedded one (tests/cluster)."""
        self.tmp = tempfile.mkdtemp(prefix="dropslot-faults-")
        self.data = data or os.path.join(self.tmp, "data")
        os.makedirs(self.data, exist_ok=True)
        self.database = database
        self.extra = list(extra or [])
        self.env = dict(env or {})
        self.s3_endpoint = s3_endpoint
        self.upload_rate = upload_rate
        self.proc = None
        self.output = []
        self.start()

    def start(self):
        store = ["--s3-endpoint", self.s3_endpoint] if self.s3_endpoint else ["--s3-listen", "127.0.0.1:0"]
        args = [BIN, "serve", "--data", self.data, "--listen", "127.0.0.1:0", "--upload-rate", self.upload_rate
                ] + store + self.extra
        if self.database:
            args += ["--database", self.database]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DROPSLOT_"))}
        env.update(self.env)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.api, self.s3, self.code = None, self.s3_endpoint, None
        deadline = time.time() + 60
        while time.time() < deadline and not (self.api and self.s3 and self.code):
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            m = re.search(r"dropslot api listening on (http://\S+)", line)
            self.api = self.api or (m and m.group(1))
            m = re.search(r"dropslot s3 listening on (http://\S+)", line)
            self.s3 = self.s3 or (m and m.group(1))
            m = re.search(r"[?&]code=([A-Za-z0-9_-]+)", line)
            self.code = self.code or (m and m.group(1))
        if not (self.api and self.s3):
            self.kill9()
            raise RuntimeError("serve did not start:\n" + "".join(self.output))
        # Keep draining stdout (the access log): a full pipe would stall the server.
        self.drain = threading.Thread(target=self._drain, args=(self.proc,), daemon=True)
        self.drain.start()
        self.api_port = int(self.api.rsplit(":", 1)[1])
        self.s3_port = int(self.s3.rsplit(":", 1)[1])

    def _drain(self, proc):
        for line in proc.stdout:
            if len(self.output) < 2000:
                self.output.append(line)

    @property
    def pid(self):
        return self.proc.pid

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def login(self):
        status, body, _ = request(self.api_port, "POST", "/api/login", {"Content-Type": "application/json"},
                                  json.dumps({"code": self.code}).encode())
        if status != 200:
            raise RuntimeError("login: %d %r" % (status, body))
        return json.loads(body)["session_token"]

    def admin(self, *args):
        cmd = [BIN, "admin"] + list(args) + ["--data", self.data]
        if self.database:
            cmd += ["--database", self.database]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def mount_tmpfs(test, size):
    """A fresh tmpfs of `size` ("8m") mounted for the unittest `test`, unmounted by its
    cleanup (after tearDown has stopped the servers on it). Skips the test without root,
    or when the mount fails, with the reason."""
    if os.geteuid() != 0:
        test.skipTest("mounting a tmpfs needs root")
    mnt = tempfile.mkdtemp(prefix="dropslot-tmpfs-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(mnt)
        test.skipTest("cannot mount a tmpfs here: " + r.stderr.strip())

    def unmount():
        subprocess.run(["umount", mnt], check=False)
        os.rmdir(mnt)

    test.addCleanup(unmount)
    return mnt


def request(port, method, target, headers=None, body=b"", timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read(), dict(r.getheaders())
    finally:
        conn.close()


class Client:
    """One logged-in customer, with a kept-alive connection to the API (and one to the
    store), as a browser tab would have."""

    def __init__(self, serve, token, timeout=30):
        self.serve, self.token, self.timeout = serve, token, timeout
        self.api = http.client.HTTPConnection("127.0.0.1", serve.api_port, timeout=timeout)
        self.store = None

    def close(self):
        self.api.close()
        if self.store:
            self.store.close()

    def call(self, method, target, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        data = b""
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.api.request(method, target, body=data, headers=headers)
            r = self.api.getresponse()
            return r.status, r.read()
        except (http.client.HTTPException, OSError):
            self.api.close()
            raise

    def upload_url(self, job_id, size, content_type="image/jpeg", filename="photo.jpg"):
        status, body = self.call("POST", "/api/upload-url",
                                 {"job_id": job_id, "filename": filename, "content_type": content_type, "size": size})
        return status, (json.loads(body) if status == 200 else body)

    def put(self, grant, data):
        u = urllib.parse.urlsplit(grant["url"])
        if self.store is None:
            self.store = http.client.HTTPConnection(u.hostname, u.port, timeout=self.timeout)
        try:
            self.store.request("PUT", u.path + "?" + u.query, body=data, headers=dict(grant["headers"]))
            r = self.store.getresponse()
            return r.status, r.read()
        except (http.client.HTTPException, OSError):
            self.store.close()
            self.store = None
            raise

    def get_url(self, url):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=self.timeout)
        try:
            conn.request("GET", u.path + "?" + u.query)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()


def first_jobs(client):
    status, body = client.call("GET", "/api/jobs")
    if status != 200:
        raise RuntimeError("jobs: %d %r" % (status, body))
    return [j["id"] for j in json.loads(body)["jobs"]]
