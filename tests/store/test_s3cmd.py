"""s3cmd (ListObjects v1, its own signing) against `dropslot s3`: put, get, ls, del."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import Store, random_file, same_file, run  # noqa: E402


class S3cmd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = Store()
        cls.cfg = os.path.join(cls.store.tmp, "s3cfg")
        with open(cls.cfg, "w") as f:
            f.write("[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\nhost_bucket = %s\n"
                    "use_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n"
                    "check_ssl_certificate = False\n" % (cls.store.key_id, cls.store.secret, cls.store.host_port,
                                                         cls.store.host_port))
        cls.env = cls.store.client_env()

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def s3cmd(self, *args):
        return run(["s3cmd", "-c", self.cfg, *args], self.env)

    def test_put_get_ls_del(self):
        d = self.store.tmp
        self.s3cmd("mb", "s3://cmd-bucket")
        small = random_file(os.path.join(d, "one.bin"), 12_345)
        big = random_file(os.path.join(d, "two.bin"), 20 * 1024 * 1024)  # s3cmd multipart: 15 MiB chunks
        self.s3cmd("put", small, "s3://cmd-bucket/x/one.bin")
        self.s3cmd("put", big, "s3://cmd-bucket/x/two.bin")
        ls = self.s3cmd("ls", "s3://cmd-bucket/x/").stdout
        self.assertIn("s3://cmd-bucket/x/one.bin", ls)
        self.assertIn("s3://cmd-bucket/x/two.bin", ls)
        self.assertIn("DIR", self.s3cmd("ls", "s3://cmd-bucket/").stdout)
        for name, src in (("one.bin", small), ("two.bin", big)):
            out = os.path.join(d, "got-" + name)
            self.s3cmd("get", "--force", "s3://cmd-bucket/x/" + name, out)
            self.assertTrue(same_file(src, out), name)
        self.s3cmd("del", "s3://cmd-bucket/x/one.bin")
        ls = self.s3cmd("ls", "s3://cmd-bucket/x/").stdout
        self.assertNotIn("one.bin", ls)
        self.assertIn("two.bin", ls)


if __name__ == "__main__":
    unittest.main()
