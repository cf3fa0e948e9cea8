"""Debian's /usr/bin/aws against `dropslot s3`: cp up and down (incl. a 40 MiB multipart),
ls, rm, sync, s3api put/get/head/list-objects-v2, presign. Every download byte-compared."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import Store, random_file, same_file, run  # noqa: E402

AWS = "/usr/bin/aws"


class AwsCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = Store()
        cls.env = cls.store.client_env()
        cls.d = cls.store.tmp

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def aws(self, *args, check=True):
        return run([AWS, "--endpoint-url", self.store.endpoint, *args], self.env, check=check)

    def test_all(self):
        self.aws("s3", "mb", "s3://cli-bucket")
        self.assertIn("cli-bucket", self.aws("s3", "ls").stdout)

        small = random_file(os.path.join(self.d, "small.bin"), 300_000)
        big = random_file(os.path.join(self.d, "big.bin"), 40 * 1024 * 1024)
        self.aws("s3", "cp", small, "s3://cli-bucket/dir/small.bin")
        self.aws("s3", "cp", big, "s3://cli-bucket/dir/big.bin")  # 8 MiB parts: multipart
        head = json.loads(self.aws("s3api", "head-object", "--bucket", "cli-bucket", "--key", "dir/big.bin").stdout)
        self.assertEqual(head["ContentLength"], 40 * 1024 * 1024)
        self.assertTrue(head["ETag"].endswith('-5"'), head["ETag"])
        for name, src in (("small.bin", small), ("big.bin", big)):
            out = os.path.join(self.d, "down-" + name)
            self.aws("s3", "cp", "s3://cli-bucket/dir/" + name, out)
            self.assertTrue(same_file(src, out), name)

        listing = self.aws("s3", "ls", "s3://cli-bucket/dir/").stdout
        self.assertIn("small.bin", listing)
        self.assertIn("big.bin", listing)

        # sync up, remove one remote file, sync down, then sync --delete.
        tree = os.path.join(self.d, "tree")
        os.makedirs(os.path.join(tree, "sub"))
        files = {"a.txt": 10, "sub/b.bin": 70_000, "sub/c d+e.txt": 5}
        for rel, size in files.items():
            random_file(os.path.join(tree, rel), size)
        self.aws("s3", "sync", tree, "s3://cli-bucket/tree/")
        rec = self.aws("s3", "ls", "--recursive", "s3://cli-bucket/tree/").stdout
        for rel in files:
            self.assertIn("tree/" + rel, rec)
        self.aws("s3", "rm", "s3://cli-bucket/tree/a.txt")
        back = os.path.join(self.d, "back")
        self.aws("s3", "sync", "s3://cli-bucket/tree/", back)
        self.assertFalse(os.path.exists(os.path.join(back, "a.txt")))
        for rel in ("sub/b.bin", "sub/c d+e.txt"):
            self.assertTrue(same_file(os.path.join(tree, rel), os.path.join(back, rel)), rel)

        # s3api put/get/head/list-objects-v2 with metadata and content headers.
        self.aws("s3api", "put-object", "--bucket", "cli-bucket", "--key", "api/obj.txt", "--body", small,
                 "--content-type", "text/plain", "--content-disposition", "attachment; filename=\"x.txt\"",
                 "--cache-control", "max-age=60", "--metadata", "owner=alice,job=J1")
        head = json.loads(self.aws("s3api", "head-object", "--bucket", "cli-bucket", "--key", "api/obj.txt").stdout)
        self.assertEqual(head["ContentType"], "text/plain")
        self.assertEqual(head["ContentDisposition"], "attachment; filename=\"x.txt\"")
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["Metadata"], {"owner": "alice", "job": "J1"})
        out = os.path.join(self.d, "api-get.bin")
        self.aws("s3api", "get-object", "--bucket", "cli-bucket", "--key", "api/obj.txt", out)
        self.assertTrue(same_file(small, out))
        lst = json.loads(self.aws("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "dir/",
                                  "--max-items", "1").stdout)
        self.assertEqual(len(lst["Contents"]), 1)
        lst = json.loads(self.aws("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--delimiter", "/").stdout)
        self.assertEqual(sorted(p["Prefix"] for p in lst["CommonPrefixes"]), ["api/", "dir/", "tree/"])
        # Paging with a page size of 1 must return every key exactly once.
        lst = json.loads(self.aws("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--page-size", "1").stdout)
        keys = [o["Key"] for o in lst["Contents"]]
        self.assertEqual(keys, sorted(set(keys)))
        self.assertEqual(len(keys), 5)

        # presign: a GET that curl can fetch; after tampering with the key it is refused.
        url = self.aws("s3", "presign", "s3://cli-bucket/dir/small.bin", "--expires-in", "300").stdout.strip()
        out = os.path.join(self.d, "presigned.bin")
        r = subprocess.run(["curl", "-sS", "-o", out, "-w", "%{http_code}", url], capture_output=True, text=True)
        self.assertEqual(r.stdout, "200")
        self.assertTrue(same_file(small, out))
        bad = url.replace("small.bin", "big.bin")
        r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", bad], capture_output=True, text=True)
        self.assertEqual(r.stdout, "403")

        # rm --recursive then rb.
        self.aws("s3", "rm", "--recursive", "s3://cli-bucket/")
        self.assertEqual(self.aws("s3", "ls", "--recursive", "s3://cli-bucket/").stdout.strip(), "")
        self.aws("s3", "rb", "s3://cli-bucket")
        self.assertNotIn("cli-bucket", self.aws("s3", "ls").stdout)


if __name__ == "__main__":
    unittest.main()
