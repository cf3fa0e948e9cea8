"""rclone (provider Other) against `dropslot s3`: copy, sync, check."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import Store, random_file, same_file, run  # noqa: E402


class Rclone(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = Store()
        cls.conf = os.path.join(cls.store.tmp, "rclone.conf")
        with open(cls.conf, "w") as f:
            f.write("[ds]\ntype = s3\nprovider = Other\naccess_key_id = %s\nsecret_access_key = %s\n"
                    "endpoint = %s\nregion = us-east-1\nforce_path_style = true\n"
                    % (cls.store.key_id, cls.store.secret, cls.store.endpoint))
        cls.env = cls.store.client_env()
        cls.env.pop("AWS_CA_BUNDLE", None)  # breaks rclone (DESIGN.md, environment notes)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def rclone(self, *args):
        return run(["rclone", "--config", self.conf, "--retries", "1", "--low-level-retries", "1", *args], self.env)

    def test_copy_sync_check(self):
        d = self.store.tmp
        src = os.path.join(d, "src")
        os.makedirs(os.path.join(src, "nested"))
        files = {"a.bin": 1000, "nested/b.bin": 3 * 1024 * 1024, "nested/ü n i.txt": 17, "big.bin": 70 * 1024 * 1024}
        for rel, size in files.items():
            random_file(os.path.join(src, rel), size)
        self.rclone("mkdir", "ds:rc-bucket")
        self.rclone("copy", src, "ds:rc-bucket/copy")
        self.rclone("check", src, "ds:rc-bucket/copy")
        down = os.path.join(d, "down")
        self.rclone("copy", "ds:rc-bucket/copy", down)
        for rel in files:
            self.assertTrue(same_file(os.path.join(src, rel), os.path.join(down, rel)), rel)
        # sync removes what the source no longer has.
        os.remove(os.path.join(src, "a.bin"))
        self.rclone("sync", src, "ds:rc-bucket/copy")
        self.rclone("check", src, "ds:rc-bucket/copy")
        listing = self.rclone("lsf", "-R", "ds:rc-bucket/copy").stdout.split()
        self.assertNotIn("a.bin", listing)
        # check notices a difference.
        random_file(os.path.join(src, "nested/b.bin"), 3 * 1024 * 1024)
        r = run(["rclone", "--config", self.conf, "check", src, "ds:rc-bucket/copy"], self.env, check=False)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
