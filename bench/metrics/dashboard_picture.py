"""The picture in docs/metrics.md, from live data: `dropslot serve --metrics-listen`,
a real Prometheus (Debian's) scraping it every second, and upload traffic for SECONDS
(logins, upload-url, PUTs of the granted objects to the embedded store, GETs of their
listing, and refused calls: bad sessions, unknown routes, wrong content types); then
dashboard_shot.mjs draws docs/grafana-dashboard.json's panels from Prometheus's
query_range API in headless Chromium.
    /usr/bin/python3 bench/metrics/dashboard_picture.py [SECONDS] [OUT_PNG]
Needs DROPSLOT_BIN (or build/release), prometheus, node with tests/node_modules."""
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
sys.path.insert(0, os.path.join(root, "tests", "faults"))
from serve_harness import Client, Serve, first_jobs, request  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 180
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "docs", "images", "metrics-dashboard.png")
    tmp = tempfile.mkdtemp(prefix="dropslot-dashboard-")
    serve = Serve(extra=["--metrics-listen", "127.0.0.1:0", "--no-access-log", "--max-photos", "100000"])
    prom = None
    try:
        metrics = next(line.split()[-1] for line in serve.output if "dropslot metrics listening on" in line)
        target = metrics.split("//", 1)[1].split("/", 1)[0]
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: dropslot\n"
                    "    static_configs:\n      - targets: ['%s']\n" % target)
        port = free_port()
        prom = subprocess.Popen(["prometheus", "--config.file", os.path.join(tmp, "prometheus.yml"),
                                 "--storage.tsdb.path", os.path.join(tmp, "tsdb"),
                                 "--web.listen-address", "127.0.0.1:%d" % port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        token = serve.login()
        c = Client(serve, token)
        jobs = first_jobs(c)
        rnd = random.Random(24)
        end = time.time() + seconds
        while time.time() < end:
            # The load changes over the run, so the lines have a shape.
            phase = int((time.time() - (end - seconds)) / 20) % 3
            for _ in range(20 + 30 * phase):
                job = rnd.choice(jobs)
                size = rnd.choice([2048, 65536, 262144])
                status, grant = c.upload_url(job, size)
                if status == 200 and rnd.random() < 0.6:
                    # Most bodies start as a JPEG does and are received; one in
                    # twenty does not, and the receipt check rejects it (issue 22).
                    head = b"\xff\xd8\xff\xe0" if rnd.random() < 0.95 else b"\xff\xff\xff\xff"
                    c.put(grant, head + b"\xff" * (size - 4))
            c.call("GET", "/api/jobs/%s/photos" % rnd.choice(jobs))
            c.call("GET", "/api/jobs")
            request(serve.api_port, "POST", "/api/upload-url", {"Authorization": "Bearer nope"}, b"{}")
            request(serve.api_port, "GET", "/api/no/such/route")
            c.upload_url(jobs[0], 10, content_type="text/html")
            time.sleep(0.2)
        c.close()
        time.sleep(3)  # the last scrapes
        subprocess.run(["node", os.path.join(here, "dashboard_shot.mjs"), "http://127.0.0.1:%d" % port,
                        os.path.join(root, "docs", "grafana-dashboard.json"), out, str(seconds)], check=True)
    finally:
        if prom:
            prom.terminate()
            prom.wait()
        serve.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
