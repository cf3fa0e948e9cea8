"""`dropslot serve --metrics-listen` scraped by a real Prometheus (Debian's) while
upload traffic runs (issue 24, docs/metrics.md):

- Prometheus's HTTP API answers histogram_quantile(0.99, ...) over upload-url's
  duration histogram with a finite number, so the histogram is one Prometheus can use
  (buckets with le="+Inf", _sum and _count; not a gauge);
- `promtool check metrics` accepts the exposition (format and naming lint);
- the store, upload funnel, database and process series are there;
- 10,000 requests to random paths leave the number of series unchanged: labels are
  route templates, never paths;
- /metrics is on its own listener, never on the API's port."""
import json
import math
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
from serve_harness import Client, Serve, first_jobs, request  # noqa: E402

import http.client  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    status, body, headers = request(port, "GET", "/metrics")
    assert status == 200, status
    return body.decode(), headers


def series(text):
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def value(text, name_and_labels):
    for line in series(text):
        key, _, v = line.rpartition(" ")
        if key == name_and_labels:
            return float(v)
    return None


class PrometheusScrape(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.serve = Serve(extra=["--metrics-listen", "127.0.0.1:0", "--no-access-log", "--max-photos", "100000"])
        url = None
        deadline = time.time() + 10
        while not url and time.time() < deadline:
            for line in cls.serve.output:
                if "dropslot metrics listening on " in line:
                    url = line.split("dropslot metrics listening on ", 1)[1].strip()
            time.sleep(0.05)
        assert url, "".join(cls.serve.output)
        cls.metrics_port = urllib.parse.urlsplit(url).port
        cls.tmp = tempfile.mkdtemp(prefix="dropslot-prom-")

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start_prometheus(self):
        config = os.path.join(self.tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: dropslot\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % self.metrics_port)
        port = free_port()
        log = open(os.path.join(self.tmp, "prometheus.log"), "w")
        proc = subprocess.Popen(["prometheus", "--config.file", config, "--storage.tsdb.path",
                                 os.path.join(self.tmp, "tsdb"), "--web.listen-address", "127.0.0.1:%d" % port],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(timeout=20), log.close()))
        return port

    def query(self, port, q):
        u = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
        with urllib.request.urlopen(u, timeout=10) as r:
            doc = json.load(r)
        self.assertEqual(doc["status"], "success", doc)
        return doc["data"]["result"]

    def test_prometheus_takes_the_p99_of_upload_url_while_traffic_runs(self):
        prom = self.start_prometheus()
        token = self.serve.login()
        c = Client(self.serve, token)
        job = first_jobs(c)[0]
        p99 = None
        deadline = time.time() + 60
        puts = 0
        q = ('histogram_quantile(0.99, sum by (le) (rate(dropslot_http_request_duration_seconds_bucket'
             '{route="/upload-url",method="POST"}[30s])))')
        while time.time() < deadline:
            for _ in range(50):
                status, grant = c.upload_url(job, 3)
                self.assertEqual(status, 200, grant)
            if puts < 3:
                self.assertEqual(c.put(grant, b"abc")[0], 200)
                puts += 1
            try:
                result = self.query(prom, q)
            except OSError:
                result = []  # Prometheus still starting
            if result:
                v = float(result[0]["value"][1])
                if math.isfinite(v):
                    p99 = v
                    break
            time.sleep(0.5)
        c.close()
        self.assertIsNotNone(p99, "Prometheus never gave a finite p99 for upload-url")
        self.assertGreater(p99, 0)
        # The target is up and the counter Prometheus stored matches the histogram's.
        up = self.query(prom, 'up{job="dropslot"}')
        self.assertEqual(up[0]["value"][1], "1")

        text, headers = scrape(self.metrics_port)
        self.assertTrue(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), headers)
        for name in ['dropslot_s3_requests_total{api="PutObject"}',
                     'dropslot_s3_traffic_received_bytes_total{api="PutObject"}',
                     'dropslot_uploads_issued_total',
                     'dropslot_db_request_duration_seconds_count{op="allocate_upload",backend="sqlite"}',
                     'dropslot_db_request_duration_seconds_count{op="lookup_session",backend="sqlite"}',
                     'process_resident_memory_bytes', 'process_open_fds', 'process_cpu_seconds_total']:
            v = value(text, name)
            self.assertIsNotNone(v, name + "\n" + text[:3000])
            self.assertGreater(v, 0, name)
        self.assertGreaterEqual(value(text, 'dropslot_s3_traffic_received_bytes_total{api="PutObject"}'), 3 * puts)
        issued = value(text, "dropslot_uploads_issued_total")
        count = value(text, 'dropslot_http_request_duration_seconds_count{route="/upload-url",method="POST",code="2xx"}')
        self.assertEqual(issued, count)
        self.assertEqual(
            value(text, 'dropslot_http_request_duration_seconds_bucket{route="/upload-url",method="POST",code="2xx",le="+Inf"}'),
            count)

    def test_promtool_accepts_the_exposition(self):
        request(self.serve.api_port, "GET", "/api/healthz")
        text, _ = scrape(self.metrics_port)
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual((r.stdout + r.stderr).strip(), "", "promtool lint findings")

    def test_random_paths_do_not_grow_the_series(self):
        rnd = random.Random(24)

        def path():
            seg = "".join(rnd.choice(string.ascii_letters + string.digits + "%-._~") for _ in range(rnd.randint(1, 24)))
            return rnd.choice(["/api/", "/api/jobs/", "/", "/api/jobs/x/photos/", "/static/"]) + seg

        methods = ["GET", "POST", "DELETE", "PATCH"]
        conn = http.client.HTTPConnection("127.0.0.1", self.serve.api_port, timeout=30)

        def send(method, target):
            nonlocal conn
            try:
                conn.request(method, target, body=b"", headers={"Content-Length": "0"})
                r = conn.getresponse()
                r.read()
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.serve.api_port, timeout=30)
                return r.status
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.serve.api_port, timeout=30)
                return None

        for _ in range(200):  # every (label, method, class) these paths can reach, once
            send(rnd.choice(methods), path())
        before = series(scrape(self.metrics_port)[0])
        for _ in range(10000):
            send(rnd.choice(methods), path())
        after_text = scrape(self.metrics_port)[0]
        after = series(after_text)
        conn.close()
        self.assertEqual(len(after), len(before))
        self.assertEqual([line.rpartition(" ")[0] for line in after if not line.startswith("process_")],
                         [line.rpartition(" ")[0] for line in before if not line.startswith("process_")])
        # No path reached a label.
        self.assertNotIn("/static/", after_text)
        self.assertNotIn('route="/api', after_text)

    def test_metrics_are_not_on_the_api_port(self):
        status, body, _ = request(self.serve.api_port, "GET", "/metrics")
        self.assertNotEqual(status, 200)
        self.assertNotIn(b"dropslot_http_requests_total", body)
        status, _, _ = request(self.metrics_port, "GET", "/api/healthz")
        self.assertEqual(status, 404)


class StoreOnly(unittest.TestCase):
    def test_s3_serves_its_metrics_on_its_own_listener(self):
        data = tempfile.mkdtemp(prefix="dropslot-s3-metrics-")
        proc = subprocess.Popen([os.environ.get("DROPSLOT_BIN", "dropslot"), "s3", "--data", data, "--listen",
                                 "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            store = metrics = None
            for line in proc.stdout:
                if "dropslot s3 listening on " in line:
                    store = urllib.parse.urlsplit(line.split()[-1]).port
                if "metrics: http://" in line:
                    metrics = urllib.parse.urlsplit(line.split()[-1]).port
                    break
            self.assertTrue(store and metrics)
            # Anonymous: refused before any operation runs, still counted as GetObject's 4xx.
            self.assertEqual(request(store, "GET", "/bucket/some/key")[0], 403)
            self.assertNotEqual(request(store, "GET", "/metrics")[0], 200)
            # Recorded once the answer's last byte is sent, which the client may see first.
            deadline = time.time() + 10
            while True:
                text, _ = scrape(metrics)
                if value(text, 'dropslot_s3_requests_total{api="GetObject"}') or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(value(text, 'dropslot_s3_requests_4xx_errors_total{api="GetObject"}'), 1, text[:2000])
            self.assertEqual(value(text, 'dropslot_s3_requests_inflight{api="GetObject"}'), 0)
            r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
