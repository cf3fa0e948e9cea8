"""`dropslot admin backup` while uploads run, then `admin restore` into a new folder
(issue 26).

Six clients upload a few hundred photos into a running `serve`. Part-way, the test
notes every upload acknowledged so far (200 from the store) and runs `admin backup`
while the uploads go on. Restored into a new data folder:
  - every upload acknowledged before the backup began is there, byte for byte, with
    the ETag the store answered its PUT with;
  - nothing else is, but uploads that were acknowledged at some point (no partial one);
  - the database passes PRAGMA integrity_check;
  - `serve` on the restored folder lists those photos through the API.
Also: restore refuses a backup without its manifest and a data folder in use; backup
refuses a folder that is not empty."""
import hashlib
import http.client
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "faults"))
from serve_harness import BIN, Client, Serve, first_jobs  # noqa: E402

THREADS = 6
PER_THREAD = 60  # 360 uploads in all
BACKUP_AFTER = 120  # acknowledged uploads before the backup starts
JPEG_SOI = b"\xff\xd8\xff\xe0"  # the first bytes of a JPEG (JFIF)


def put_with_etag(grant, data, timeout=30):
    """The presigned PUT, exactly as granted; returns (status, ETag)."""
    u = urllib.parse.urlsplit(grant["url"])
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("PUT", u.path + "?" + u.query, body=data, headers=dict(grant["headers"]))
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("ETag")
    finally:
        conn.close()


def get(url, timeout=30):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", u.path + "?" + u.query)
        r = conn.getresponse()
        return r.status, r.read(), r.getheader("ETag")
    finally:
        conn.close()


def listing(client, job):
    status, body = client.call("GET", "/api/jobs/%s/photos" % job)
    if status != 200:
        raise RuntimeError("photos of %s: %d %r" % (job, status, body))
    return {p["key"]: p for p in json.loads(body)["photos"]}


def admin(*args):
    return subprocess.run([BIN, "admin"] + list(args), capture_output=True, text=True, timeout=120)


class BackupRestore(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dropslot-backup-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_backup_under_load_restores_every_acknowledged_upload(self):
        serve = Serve()
        self.addCleanup(serve.close)
        token = serve.login()
        c = Client(serve, token)
        jobs = first_jobs(c)
        c.close()
        self.assertTrue(jobs)

        acked = {}  # key -> (etag, bytes)
        lock = threading.Lock()
        enough = threading.Event()
        errors = []

        def uploader(n):
            rnd = random.Random(n)
            cl = Client(serve, token)
            try:
                for i in range(PER_THREAD):
                    # A JPEG's first bytes: the receipt check (issue 22) rejects and
                    # deletes a body under image/jpeg without them.
                    data = JPEG_SOI + rnd.randbytes(rnd.randint(1, 24 * 1024))
                    status, grant = cl.upload_url(jobs[(n + i) % len(jobs)], len(data))
                    if status != 200:
                        errors.append("upload-url: %d %r" % (status, grant))
                        return
                    status, etag = put_with_etag(grant, data)
                    if status != 200:
                        errors.append("PUT %s: %d" % (grant["key"], status))
                        return
                    with lock:
                        acked[grant["key"]] = (etag, data)
                        if len(acked) >= BACKUP_AFTER:
                            enough.set()
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(repr(e))
                enough.set()
            finally:
                cl.close()

        threads = [threading.Thread(target=uploader, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        self.assertTrue(enough.wait(120), "no %d uploads in 120 s" % BACKUP_AFTER)
        with lock:
            before = dict(acked)  # acknowledged before the backup began
        backup = os.path.join(self.tmp, "backup")
        r = admin("backup", "--data", serve.data, "--to", backup)
        with lock:
            during = len(acked) - len(before)
            before_copy = dict(acked)  # and before the second backup, which copies bytes
        copied = os.path.join(self.tmp, "copied")
        r_copy = admin("backup", "--copy", "--data", serve.data, "--to", copied)
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r_copy.returncode, 0, r_copy.stderr)
        print("backup: %s; %d acknowledged before it, %d while it ran, %d in all"
              % (r.stdout.strip(), len(before), during, len(acked)))
        print("backup --copy: %s; %d acknowledged before it" % (r_copy.stdout.strip(), len(before_copy)))
        for folder, links in ((backup, True), (copied, False)):
            with open(os.path.join(folder, "backup.json")) as f:
                manifest = json.load(f)
            self.assertEqual(manifest["database"], "sqlite")
            self.assertEqual(manifest["hard_links"] > 0, links, manifest)

        # A backup folder is never overwritten, nor taken into the data folder.
        r = admin("backup", "--data", serve.data, "--to", os.path.join(serve.data, "s3", "backup"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("inside the data folder", r.stderr)
        r = admin("backup", "--data", serve.data, "--to", backup)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not empty", r.stderr)
        serve.stop()

        # Restore refuses an incomplete backup and a folder that holds data.
        incomplete = os.path.join(self.tmp, "incomplete")
        shutil.copytree(backup, incomplete, copy_function=shutil.copy)
        os.unlink(os.path.join(incomplete, "backup.json"))
        r = admin("restore", "--from", incomplete, "--data", os.path.join(self.tmp, "never"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a complete dropslot backup", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "never")))
        r = admin("restore", "--from", backup, "--data", serve.data)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not empty", r.stderr)

        self.check_restore(backup, os.path.join(self.tmp, "restored"), [], jobs, before, acked)
        # The copied backup, restored with hard links from it.
        self.check_restore(copied, os.path.join(self.tmp, "restored-linked"), ["--link"], jobs, before_copy, acked)

    def check_restore(self, backup, restored, flags, jobs, before, acked):
        """Restores `backup` into the new folder `restored`: every upload of `before` is
        there byte for byte with its ETag, nothing outside `acked`, the database is sound,
        and serve on it lists them."""
        r = admin("restore", "--from", backup, "--data", restored, *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        db = sqlite3.connect(os.path.join(restored, "dropslot.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        db.close()
        # Copied by default: the restored files are its own; --link shares the backup's.
        objects = [os.path.join(d, f) for d, _, files in os.walk(os.path.join(restored, "s3", "buckets"))
                   if os.sep + "objects" in d for f in files]
        self.assertTrue(objects)
        self.assertEqual({os.stat(p).st_nlink > 1 for p in objects}, {"--link" in flags})

        again = Serve(data=restored)
        self.addCleanup(again.close)
        cl = Client(again, again.login())
        self.addCleanup(cl.close)
        listed = {}
        for job in jobs:
            listed.update(listing(cl, job))
        missing = sorted(set(before) - set(listed))
        self.assertEqual(missing, [], "acknowledged before the backup, not restored")
        unknown = sorted(set(listed) - set(acked))
        self.assertEqual(unknown, [], "restored, never acknowledged")
        for key in before:
            status, body, etag = get(listed[key]["url"])
            self.assertEqual(status, 200, key)
            self.assertEqual(body, before[key][1], key)
            self.assertEqual(etag, before[key][0], key)
            self.assertEqual(etag, '"%s"' % hashlib.md5(body).hexdigest(), key)
        again.stop()

if __name__ == "__main__":
    unittest.main()
