"""Starts `dropslot s3` on a free loopback port with a fresh data dir, for the store's
integration tests. Every test drives the store only with real S3 clients."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import botocore.auth

BIN = os.environ.get("DROPSLOT_BIN") or os.path.join(os.environ.get("DROPSLOT_BINARY_DIR", "build/release"), "src/cli/dropslot")
REGION = "us-east-1"


class Store:
    """One `dropslot s3` process. `endpoint` is http://127.0.0.1:PORT."""

    def __init__(self, data_dir=None, env=None):
        self.tmp = tempfile.mkdtemp(prefix="dropslot-store-test-")
        # The server's stderr lives apart from `tmp`, whose contents tests inspect.
        self.log_dir = tempfile.mkdtemp(prefix="dropslot-store-log-")
        self.data = data_dir or os.path.join(self.tmp, "data")
        self.env = dict(os.environ)
        for k in ("DROPSLOT_S3_ACCESS_KEY_ID", "DROPSLOT_S3_SECRET_ACCESS_KEY", "DROPSLOT_DATA"):
            self.env.pop(k, None)
        self.env.update(env or {})
        self.proc = None
        self.start()

    def start(self):
        # stderr goes to a file (a pipe nobody reads could fill and stall the server);
        # stop() checks it for sanitizer reports.
        self.stderr_path = os.path.join(self.log_dir, "stderr-%d.log" % time.monotonic_ns())
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([BIN, "s3", "--data", self.data, "--listen", "127.0.0.1:0", "--threads", "2"],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=self.env)
        line = self.proc.stdout.readline()
        m = re.match(r"dropslot s3 listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("dropslot s3 did not start: %r %s" % (line, open(self.stderr_path).read()))
        self.endpoint = m.group(1)
        self.host_port = self.endpoint[len("http://"):]
        self.port = int(self.host_port.rsplit(":", 1)[1])
        if "DROPSLOT_S3_ACCESS_KEY_ID" in self.env:
            self.key_id = self.env["DROPSLOT_S3_ACCESS_KEY_ID"]
            self.secret = self.env["DROPSLOT_S3_SECRET_ACCESS_KEY"]
        else:
            with open(os.path.join(self.data, "credentials")) as f:
                creds = json.load(f)
            self.key_id, self.secret = creds["access_key_id"], creds["secret_access_key"]

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.stderr.close()
            with open(self.stderr_path) as f:
                err = f.read()
            if "Sanitizer" in err or "runtime error:" in err:
                raise AssertionError("dropslot s3 reported:\n" + err)

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def client_env(self, **extra):
        """Environment for a CLI client pointed at this store, with no user config leaking in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret, AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE=os.path.join(self.tmp, "aws-config"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.tmp, "aws-credentials"),
                   HOME=self.tmp)
        env.update(extra)
        return env

    def boto3(self, **config):
        import boto3
        from botocore.config import Config
        cfg = dict(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
        cfg.update(config)
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=self.key_id,
                            aws_secret_access_key=self.secret, config=Config(**cfg))


def random_file(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    return path


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def run(cmd, env, check=True, **kw):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


class DeclaredPayloadAuth(botocore.auth.S3SigV4Auth):
    """botocore's header signer, declaring a payload hash of our choosing (None: the true
    one, as botocore computes it)."""

    def __init__(self, creds, declared):
        super().__init__(creds, "s3", REGION)
        self.declared = declared

    def payload(self, request):
        return self.declared if self.declared is not None else super().payload(request)


def error_code(body):
    """The <Code> of an S3 XML error body, or None."""
    m = re.search(rb"<Code>([^<]*)</Code>", body)
    return m.group(1).decode() if m else None
