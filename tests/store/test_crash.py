"""kill -9 during a 200 MiB upload, then restart on the same data dir: no partial object
and no temporary file may remain; a finished part of a multipart upload survives, and
an upload older than the stale age is removed on start."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import Store, random_file  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

MiB = 1024 * 1024


def tmp_files(store):
    return os.listdir(os.path.join(store.data, ".tmp"))


def wait_for_tmp_bytes(store, at_least, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        sizes = [os.path.getsize(os.path.join(store.data, ".tmp", f)) for f in tmp_files(store)]
        if sizes and max(sizes) >= at_least:
            return max(sizes)
        time.sleep(0.02)
    raise AssertionError("upload did not reach %d bytes" % at_least)


class Crash(unittest.TestCase):
    def test_kill9_mid_upload(self):
        store = Store()
        try:
            s3 = store.boto3()
            s3.create_bucket(Bucket="crash")
            s3.put_object(Bucket="crash", Key="big.bin", Body=b"old version")
            src = random_file(os.path.join(store.tmp, "big.bin"), 200 * MiB)
            url = s3.generate_presigned_url("put_object", Params={"Bucket": "crash", "Key": "big.bin"})
            # Rate-limited so the kill surely lands mid-body.
            curl = subprocess.Popen(["curl", "-sS", "-T", src, "--limit-rate", "40M", "-o", "/dev/null", url],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # A multipart upload with one finished part and one part in flight.
            up = s3.create_multipart_upload(Bucket="crash", Key="mp.bin")
            part1 = os.urandom(5 * MiB)
            s3.upload_part(Bucket="crash", Key="mp.bin", UploadId=up["UploadId"], PartNumber=1, Body=part1)
            written = wait_for_tmp_bytes(store, 30 * MiB)
            self.assertLess(written, 200 * MiB)
            store.kill9()
            curl.wait(timeout=30)
            self.assertTrue(tmp_files(store), "the killed upload left its temporary (the test needs it to)")

            # An upload from "yesterday": its initiation time is moved back beyond the stale age.
            uploads_dir = os.path.join(store.data, "buckets", "crash", "uploads")
            old_id = "0" * 32
            os.makedirs(os.path.join(uploads_dir, old_id))
            with open(os.path.join(uploads_dir, up["UploadId"], "upload.json")) as f:
                meta = json.load(f)
            meta["last_modified"] -= 3 * 24 * 3600
            meta["key"] = "stale.bin"
            with open(os.path.join(uploads_dir, old_id, "upload.json"), "w") as f:
                json.dump(meta, f)

            store.start()
            s3 = store.boto3()
            self.assertEqual(tmp_files(store), [])
            # The old object is still there, whole; the new one never became visible.
            self.assertEqual(s3.get_object(Bucket="crash", Key="big.bin")["Body"].read(), b"old version")
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="crash").get("Contents", [])]
            self.assertEqual(keys, ["big.bin"])
            parts = s3.list_parts(Bucket="crash", Key="mp.bin", UploadId=up["UploadId"])["Parts"]
            self.assertEqual([p["PartNumber"] for p in parts], [1])
            ids = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="crash").get("Uploads", [])]
            self.assertNotIn(old_id, ids)
            self.assertFalse(os.path.exists(os.path.join(uploads_dir, old_id)))
            with self.assertRaises(ClientError):
                s3.head_object(Bucket="crash", Key="mp.bin")
        finally:
            store.close()


if __name__ == "__main__":
    unittest.main()
