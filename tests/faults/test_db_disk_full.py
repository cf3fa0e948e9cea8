"""The database's disk fills up under concurrent POST /api/upload-url (group commit).

`dropslot serve` runs with its data folder on a 16 MiB tmpfs (mounting one needs root;
skipped with the reason otherwise). Once a filler file has taken the free space, the
allocation batches cannot grow SQLite's WAL: each request then gets 503
storage_unavailable as a JSON error, or 200 if its batch still fits. No failed batch
takes a key number: when space returns, the numbering goes on, and the keys handed
out before, during and after are exactly photo-001..photo-N, with no gap and no key
issued twice. The server is the same process throughout."""
import concurrent.futures
import errno
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import Client, Serve, first_jobs, mount_tmpfs  # noqa: E402

KEY = re.compile(r"^jobs/[A-Za-z0-9_-]+/photo-(\d{3,})\.jpg$")


class DatabaseDiskFull(unittest.TestCase):
    def setUp(self):
        self.mnt = mount_tmpfs(self, "16m")
        self.serve = Serve(data=os.path.join(self.mnt, "data"))

    def tearDown(self):
        self.serve.close()

    def fill(self, path):
        """Writes `path` until the file system is full."""
        chunk = b"\0" * 65536
        with open(path, "wb", buffering=0) as f:
            while True:
                try:
                    f.write(chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
        # Whatever is left is smaller than one chunk: take it too, in small writes.
        with open(path, "ab", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 512)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise

    def burst(self, token, job, workers=8, each=25):
        """`workers` kept-alive clients, `each` upload-url requests apiece, all at once."""
        def run(_):
            c = Client(self.serve, token)
            try:
                return [c.upload_url(job, 1234) for _ in range(each)]
            finally:
                c.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            return [a for answers in pool.map(run, range(workers)) for a in answers]

    def test_full_disk_fails_whole_batches_and_loses_no_number(self):
        token = self.serve.login()
        c = Client(self.serve, token)
        job = first_jobs(c)[0]
        c.close()
        numbers = []

        def take(answers, allowed):
            refused = 0
            for status, body in answers:
                self.assertIn(status, allowed, body)
                if status == 200:
                    m = KEY.match(body["key"])
                    self.assertIsNotNone(m, body["key"])
                    numbers.append(int(m.group(1)))
                else:
                    self.assertIn(b'"code":"storage_unavailable"', body)
                    refused += 1
            return refused

        # Room on the disk: every request gets its key.
        self.assertEqual(take(self.burst(token, job), (200,)), 0)

        filler = os.path.join(self.mnt, "filler")
        self.fill(filler)
        refused = take(self.burst(token, job), (200, 503))
        self.assertGreater(refused, 0, "a full disk refused nothing")
        self.assertIsNone(self.serve.proc.poll(), "serve is still running")

        # Space returns: the same server takes up again, with no restart.
        os.remove(filler)
        self.assertEqual(take(self.burst(token, job), (200,)), 0)
        self.assertIsNone(self.serve.proc.poll(), "serve is still running")

        # No number was lost to a failed batch, and none was handed out twice.
        self.assertEqual(sorted(numbers), list(range(1, len(numbers) + 1)))
        print("disk full: %d requests refused with 503, %d keys issued, photo-001..photo-%03d" %
              (refused, len(numbers), len(numbers)), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
