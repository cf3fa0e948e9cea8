"""kill -9 of `dropslot serve` at random points during 100 concurrent uploads (issue 7,
faults), three rounds on one data dir. After each restart: every object is complete and
correct (its bytes are exactly what one client sent for that key) or absent, no
temporary file remains, and the API's database is consistent (integrity check, photo
numbers unique, never reused after the crash, photos listed = objects stored)."""
import concurrent.futures
import hashlib
import json
import os
import random
import sqlite3
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import Client, Serve, first_jobs  # noqa: E402

UPLOADS = 100


class Kill9(unittest.TestCase):
    def test_kill9_during_100_concurrent_uploads(self):
        rnd = random.Random(int(os.environ.get("DROPSLOT_FAULT_SEED", "0")) or None)
        serve = Serve()
        try:
            token = serve.login()
            jobs = first_jobs(Client(serve, token))
            sent = {}        # key -> sha256 of every body a client started to PUT for it
            allocated = []   # (job, number) from upload-url
            lock = threading.Lock()
            for round_no in range(3):
                done = {"ok": 0, "failed": 0}

                def upload(i):
                    c = Client(serve, token, timeout=20)
                    try:
                        size = rnd.randint(64 * 1024, 3 * 1024 * 1024)
                        status, grant = c.upload_url(jobs[i % len(jobs)], size)
                        if status != 200:
                            return
                        data = os.urandom(size)
                        with lock:
                            sent.setdefault(grant["key"], set()).add(hashlib.sha256(data).hexdigest())
                            allocated.append(grant["key"])
                        status, _ = c.put(grant, data)
                        with lock:
                            done["ok" if status == 200 else "failed"] += 1
                    except OSError:
                        with lock:
                            done["failed"] += 1
                    finally:
                        c.close()

                pool = concurrent.futures.ThreadPoolExecutor(max_workers=UPLOADS)
                futures = [pool.submit(upload, i) for i in range(UPLOADS)]
                time.sleep(rnd.uniform(0.2, 2.5))
                serve.kill9()
                for f in futures:
                    f.result(timeout=120)
                pool.shutdown()
                print("round %d: %d PUTs finished before the kill, %d cut" % (round_no, done["ok"], done["failed"]),
                      file=sys.stderr)

                serve.start()
                self.check(serve, token, jobs, sent, allocated)
            self.assertGreater(len(sent), 0)
        finally:
            serve.close()

    def check(self, serve, token, jobs, sent, allocated):
        c = Client(serve, token)
        try:
            # No temporaries once the store has started again.
            tmp = os.path.join(serve.data, "s3", ".tmp")
            if os.path.isdir(tmp):
                self.assertEqual(os.listdir(tmp), [])
            # Every photo listed is whole: its bytes are one body a client sent for that key.
            listed = set()
            for job in jobs:
                status, body = c.call("GET", "/api/jobs/%s/photos" % job)
                self.assertEqual(status, 200, body)
                for p in json.loads(body)["photos"]:
                    listed.add(p["key"])
                    self.assertIn(p["key"], sent, "an object nobody uploaded")
                    status, data = c.get_url(p["url"])
                    self.assertEqual(status, 200)
                    self.assertEqual(len(data), p["size"])
                    self.assertIn(hashlib.sha256(data).hexdigest(), sent[p["key"]], p["key"])
            # Numbers are never reused: a new URL after the crash gets a fresh key.
            for job in jobs:
                status, grant = c.upload_url(job, 10)
                self.assertEqual(status, 200, grant)
                self.assertNotIn(grant["key"], allocated)
                self.assertNotIn(grant["key"], listed)
        finally:
            c.close()
        # The database file itself is sound and its photo numbers unique per job.
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(serve.data, "dropslot.db"), uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            self.assertIn("uploads", tables)
            cols = [r[1] for r in db.execute("PRAGMA table_info(uploads)")]
            self.assertIn("key", cols)
            key_col = "key"
            if key_col:
                dup = db.execute("SELECT %s, COUNT(*) FROM uploads GROUP BY %s HAVING COUNT(*) > 1"
                                 % (key_col, key_col)).fetchall()
                self.assertEqual(dup, [])
                keys = {r[0] for r in db.execute("SELECT %s FROM uploads" % key_col)}
                for k in sent:
                    self.assertIn(k, keys, "an allocated key missing from the database")
        finally:
            db.close()


if __name__ == "__main__":
    unittest.main()
