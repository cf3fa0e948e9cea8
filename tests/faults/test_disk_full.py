"""Disk full (issue 7, faults): `dropslot s3` on an 8 MiB tmpfs (needs root to mount;
skipped with the reason otherwise). Uploads that do not fit fail with an S3 error
(5xx, an S3 error body), leave no partial object and no temporary file, objects
already stored stay whole, and once space returns the same upload succeeds without a
restart."""
import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "store"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import mount_tmpfs  # noqa: E402
from store_harness import Store  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

MiB = 1024 * 1024


class DiskFull(unittest.TestCase):
    def setUp(self):
        self.mnt = mount_tmpfs(self, "8m")
        self.store = Store(data_dir=os.path.join(self.mnt, "data"))
        self.s3 = self.store.boto3()

    def tearDown(self):
        self.store.close()

    def tmp_files(self):
        return os.listdir(os.path.join(self.store.data, ".tmp"))

    def test_uploads_fail_cleanly_and_recover(self):
        self.s3.create_bucket(Bucket="full")
        stored = {}
        failure = None
        for i in range(20):
            body = os.urandom(MiB)
            try:
                self.s3.put_object(Bucket="full", Key="obj-%02d" % i, Body=body)
                stored["obj-%02d" % i] = hashlib.sha256(body).hexdigest()
            except ClientError as e:
                failure = ("obj-%02d" % i, body, e.response)
                break
        self.assertIsNotNone(failure, "8 MiB held 20 MiB?")
        key, body, response = failure
        status = response["ResponseMetadata"]["HTTPStatusCode"]
        print("disk full answer: %d %s (%s) after %d objects" % (status, response["Error"].get("Code"),
              response["Error"].get("Message"), len(stored)), file=sys.stderr)
        self.assertIn(status, (500, 503, 507), response)
        self.assertTrue(response["Error"].get("Code"), "an S3 error body with a Code")
        # Nothing partial: the failed key is absent and no temporary is left.
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="full", Key=key)
        self.assertEqual(self.tmp_files(), [])
        # A multipart part that does not fit fails the same way.
        up = self.s3.create_multipart_upload(Bucket="full", Key="mp")["UploadId"]
        with self.assertRaises(ClientError):
            self.s3.upload_part(Bucket="full", Key="mp", UploadId=up, PartNumber=1, Body=os.urandom(6 * MiB))
        self.assertEqual(self.tmp_files(), [])
        self.assertEqual(self.s3.list_parts(Bucket="full", Key="mp", UploadId=up).get("Parts", []), [])
        self.s3.abort_multipart_upload(Bucket="full", Key="mp", UploadId=up)
        # What was stored before is whole.
        for k, digest in stored.items():
            self.assertEqual(hashlib.sha256(self.s3.get_object(Bucket="full", Key=k)["Body"].read()).hexdigest(), digest)
        # Space returns: the same upload now succeeds, with no restart.
        for k in list(stored)[:4]:
            self.s3.delete_object(Bucket="full", Key=k)
        self.s3.put_object(Bucket="full", Key=key, Body=body)
        self.assertEqual(self.s3.get_object(Bucket="full", Key=key)["Body"].read(), body)
        self.assertIsNone(self.store.proc.poll(), "the store is still the same process")


if __name__ == "__main__":
    unittest.main()
