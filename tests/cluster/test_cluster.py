"""A cluster of `dropslot serve` (issue 25, docs/deploy.md "Running a cluster"): three
processes on one PostgreSQL database (a fresh one on DROPSLOT_TEST_PG_URL's server) and
one object store (the first instance's embedded store, given to the other two with
--s3-endpoint), every request spread round-robin over them as a load balancer would.

- 60 upload-url calls at once, 20 an instance: 60 distinct keys, and every PUT lands.
- One login code raced on all three instances: spent exactly once.
- A logout through one instance: refused there at once, and by every other instance once
  the session cache's lifetime (--session-cache, the cross-instance bound) has passed
  since the logout answered.
- The upload-url rate limit is per instance: each instance has its own bucket of
  --upload-burst tokens, so a customer gets N x burst (and N x rate) from N instances.
- /healthz asks the database: 503 on every instance while it cannot be reached, 200 again
  once it can.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
from serve_harness import Client, Serve, first_jobs, request  # noqa: E402

SESSION_CACHE = 2  # seconds: --session-cache of every instance
BURST = 25         # --upload-burst: 60 calls over 3 instances are 20 each, under it
STORE_KEY_ID = "AKIDCLUSTERTEST00001"
STORE_SECRET = "cluster-test-secret-not-used-anywhere-else0"


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True,
                   timeout=60)


def instance(database, s3_endpoint=None):
    """One `dropslot serve` of the cluster: its own data folder and API port; the first one
    runs the shared store, the others are given it with --s3-endpoint and its key."""
    extra = ["--session-cache", str(SESSION_CACHE), "--upload-burst", str(BURST), "--no-access-log"]
    if s3_endpoint:
        env = dict(AWS_ACCESS_KEY_ID=STORE_KEY_ID, AWS_SECRET_ACCESS_KEY=STORE_SECRET, AWS_REGION="us-east-1")
    else:
        env = dict(DROPSLOT_S3_ACCESS_KEY_ID=STORE_KEY_ID, DROPSLOT_S3_SECRET_ACCESS_KEY=STORE_SECRET)
    return Serve(database=database, extra=extra, env=env, s3_endpoint=s3_endpoint, upload_rate="1")


def login(node, code):
    status, body, _ = request(node.api_port, "POST", "/api/login", {"Content-Type": "application/json"},
                              json.dumps({"code": code}).encode())
    return status, body


class Cluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = os.environ.get("DROPSLOT_TEST_PG_URL")
        if not server:
            raise unittest.SkipTest("DROPSLOT_TEST_PG_URL is not set (scripts/test starts PostgreSQL)")
        cls.server = server
        cls.dbname = "dropslot_cluster_%d" % os.getpid()
        psql(server, "CREATE DATABASE " + cls.dbname)
        u = urllib.parse.urlsplit(server)
        cls.database = urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + cls.dbname, u.query, u.fragment))
        cls.nodes = []
        try:
            # One after the other: the first migrates the database and seeds the demo
            # customer; the others find both done (docs/deploy.md: migrate, then start).
            cls.nodes.append(instance(cls.database))
            for _ in ("b", "c"):
                cls.nodes.append(instance(cls.database, s3_endpoint=cls.nodes[0].s3))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for n in getattr(cls, "nodes", []):
            n.close()
        try:
            psql(cls.server, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.dbname)
        except subprocess.CalledProcessError:
            pass

    def session(self, node):
        """A session through the login code `node` printed at start (each used once:
        a for the upload tests, b for the race, c for the logout)."""
        status, body = login(node, node.code)
        self.assertEqual(status, 200, body)
        return json.loads(body)["session_token"]

    def test_1_health_checks_the_shared_database(self):
        for n in self.nodes:
            status, body, _ = request(n.api_port, "GET", "/healthz")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["database"], "postgres")

    def test_2_login_code_raced_across_instances_is_spent_once(self):
        code = self.nodes[1].code  # instance b's code, unused so far
        barrier = threading.Barrier(9)

        def attempt(i):
            node = self.nodes[i % 3]
            barrier.wait()
            return login(node, code)[0]

        with concurrent.futures.ThreadPoolExecutor(9) as pool:
            statuses = list(pool.map(attempt, range(9)))
        self.assertEqual(statuses.count(200), 1, statuses)
        self.assertTrue(all(400 <= s < 500 for s in statuses if s != 200), statuses)

    def test_3_unique_keys_under_60_way_concurrency(self):
        token = Cluster.upload_token = self.session(self.nodes[0])
        job = first_jobs(Client(self.nodes[2], token))[0]
        barrier = threading.Barrier(60)
        body = b"\xff\xd8\xff\xe0cluster"

        def one(i):
            node = self.nodes[i % 3]
            c = Client(node, token)
            try:
                barrier.wait()
                status, grant = c.upload_url(job, len(body), filename="p%d.jpg" % i)
                if status != 200:
                    return node.api, status, grant, None
                put = c.put(grant, body)
                return node.api, status, grant, put[0]
            finally:
                c.close()

        with concurrent.futures.ThreadPoolExecutor(60) as pool:
            results = list(pool.map(one, range(60)))
        by_node = {}
        for api, status, grant, put in results:
            by_node[api] = by_node.get(api, 0) + 1
            self.assertEqual(status, 200, grant)
            self.assertEqual(put, 200, grant)
        self.assertEqual(sorted(by_node.values()), [20, 20, 20])  # spread over the three
        keys = {grant["key"] for _, _, grant, _ in results}
        self.assertEqual(len(keys), 60, sorted(keys))
        # 60 calls against a burst of 25 all passed: each instance counted only its own 20
        # (one limit shared by the cluster would have refused 35 of them).

    def test_4_rate_limit_is_per_instance(self):
        """Each instance spends its own bucket (--upload-burst, refilled at --upload-rate):
        after instance a refuses a customer (429), instance b still serves them."""
        token = getattr(Cluster, "upload_token", None) or self.session(self.nodes[0])
        a, b = self.nodes[0], self.nodes[1]
        ca, cb = Client(a, token), Client(b, token)
        try:
            job = first_jobs(ca)[0]
            refused = None
            # The bucket holds at most BURST tokens and refills at 1/s: far fewer calls
            # than this exhaust it unless each took over a second.
            for i in range(4 * BURST):
                status, _ = ca.upload_url(job, 10, filename="r%d.jpg" % i)
                if status == 429:
                    refused = i
                    break
                self.assertEqual(status, 200)
            self.assertIsNotNone(refused, "instance a never refused")
            status, grant = cb.upload_url(job, 10, filename="other.jpg")
            self.assertEqual(status, 200, grant)  # b's own bucket still has tokens
        finally:
            ca.close()
            cb.close()

    def test_5_logout_on_one_instance_is_refused_by_every_other(self):
        token = self.session(self.nodes[2])
        clients = [Client(n, token) for n in self.nodes]
        try:
            for c in clients:  # every instance now has the session in its cache
                self.assertEqual(c.call("GET", "/api/jobs")[0], 200)
            logout_by = clients[1]
            status, _ = logout_by.call("POST", "/api/logout")
            self.assertEqual(status, 204)
            answered = time.monotonic()
            # The instance that logged out forgets at once.
            self.assertEqual(logout_by.call("GET", "/api/jobs")[0], 401)
            # The others may answer from their cache until it expires; when each first
            # refuses is printed (a figure, not a check).
            first_refusal = {}
            while len(first_refusal) < 2 and time.monotonic() - answered < SESSION_CACHE + 0.25:
                for i in (0, 2):
                    if i not in first_refusal and clients[i].call("GET", "/api/jobs")[0] == 401:
                        first_refusal[i] = time.monotonic() - answered
                time.sleep(0.05)
            # The bound: once the session cache's lifetime has passed since the logout
            # answered, no instance can still hold the session. Every one refuses it.
            wait = SESSION_CACHE + 0.25 - (time.monotonic() - answered)
            if wait > 0:
                time.sleep(wait)
            for c in clients:
                self.assertEqual(c.call("GET", "/api/jobs")[0], 401, c.serve.api)
            print("logout seen by the other instances after %s s (bound: --session-cache %d s)" %
                  ({i: round(t, 3) for i, t in first_refusal.items()}, SESSION_CACHE), file=sys.stderr)
        finally:
            for c in clients:
                c.close()

    def test_6_health_check_fails_without_the_database_and_recovers(self):
        """/healthz really asks the database: with this cluster's database closed to new
        connections and its sessions ended, every instance answers 503; opened again, 200
        (each instance reconnects by itself, no restart)."""
        psql(self.server, "ALTER DATABASE %s ALLOW_CONNECTIONS false" % self.dbname)
        try:
            psql(self.server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
                 % self.dbname)
            for n in self.nodes:
                status, body, _ = request(n.api_port, "GET", "/healthz")
                self.assertEqual(status, 503, body)
                self.assertEqual(json.loads(body)["error"]["code"], "storage_unavailable")
        finally:
            psql(self.server, "ALTER DATABASE %s ALLOW_CONNECTIONS true" % self.dbname)
        for n in self.nodes:
            deadline = time.monotonic() + 60
            while True:
                status, body, _ = request(n.api_port, "GET", "/healthz")
                if status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main()
