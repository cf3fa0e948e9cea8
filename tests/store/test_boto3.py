"""Debian's boto3 (signature_version='s3v4') against `dropslot s3`: presigned PUT, GET and
POST, multipart (with InvalidPart/InvalidPartOrder), conditional GET, Range, CopyObject,
DeleteObjects, CORS (config + preflight + headers on responses)."""
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import Store, random_file, same_file  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

MiB = 1024 * 1024


def http(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def with_if_none_match(client):
    """Debian's botocore predates the IfNoneMatch parameter: add the header before signing."""
    def add(request, **kwargs):
        request.headers["If-None-Match"] = "*"
    client.meta.events.register_first("before-sign.s3.PutObject", add)
    return client


def code_of(e):
    return e.response["Error"]["Code"]


class Boto3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = Store()
        cls.s3 = cls.store.boto3()
        cls.s3.create_bucket(Bucket="boto")
        cls.d = cls.store.tmp

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def test_presigned_put_get(self):
        body = os.urandom(123_457)
        signer = with_if_none_match(self.store.boto3())
        url = signer.generate_presigned_url("put_object", Params={
            "Bucket": "boto", "Key": "jobs/J1/photo-001.jpg", "ContentType": "image/jpeg",
            "ContentLength": len(body)}, ExpiresIn=900)
        self.assertIn("if-none-match", url)
        headers = {"Content-Type": "image/jpeg", "If-None-Match": "*"}
        status, h, _ = http("PUT", url, body, headers)
        self.assertEqual(status, 200)
        etag = h["ETag"]
        # The same URL cannot overwrite: If-None-Match is signed in.
        status, _, err = http("PUT", url, body, headers)
        self.assertEqual(status, 412, err)
        self.assertIn(b"PreconditionFailed", err)
        # A different type than the signed one fails the signature.
        status, _, err = http("PUT", url, body, {"Content-Type": "image/png", "If-None-Match": "*"})
        self.assertEqual(status, 403)
        self.assertIn(b"SignatureDoesNotMatch", err)
        self.assertIn(b"<CanonicalRequest>", err)
        self.assertIn(b"<StringToSign>", err)
        # A different size than the signed one fails too.
        status, _, _ = http("PUT", url, body + b"x", headers)
        self.assertEqual(status, 403)

        get = self.s3.generate_presigned_url("get_object", Params={"Bucket": "boto", "Key": "jobs/J1/photo-001.jpg"})
        status, h, got = http("GET", get)
        self.assertEqual(status, 200)
        self.assertEqual(got, body)
        self.assertEqual(h["Content-Type"], "image/jpeg")
        self.assertEqual(h["ETag"], etag)

    def test_presigned_post(self):
        post = self.s3.generate_presigned_post(
            "boto", "uploads/${filename}",
            Fields={"Content-Type": "image/png", "x-amz-meta-job": "J7"},
            Conditions=[["starts-with", "$key", "uploads/"], {"Content-Type": "image/png"},
                        {"x-amz-meta-job": "J7"}, ["content-length-range", 1, 1000000]],
            ExpiresIn=600)
        src = random_file(os.path.join(self.d, "form.png"), 50_000)

        def submit(fields, path=src, url=post["url"]):
            args = ["curl", "-sS", "-o", "/dev/stderr", "-w", "%{http_code}", url]
            for k, v in fields.items():
                args += ["-F", "%s=%s" % (k, v)]
            args += ["-F", "file=@%s;filename=form.png" % path]
            r = subprocess.run(args, capture_output=True, text=True)
            return int(r.stdout), r.stderr

        status, _ = submit(post["fields"])
        self.assertEqual(status, 204)
        out = os.path.join(self.d, "form-back.png")
        self.s3.download_file("boto", "uploads/form.png", out)
        self.assertTrue(same_file(src, out))
        head = self.s3.head_object(Bucket="boto", Key="uploads/form.png")
        self.assertEqual(head["ContentType"], "image/png")
        self.assertEqual(head["Metadata"], {"job": "J7"})
        # A field the policy pins, changed: refused.
        bad = dict(post["fields"], **{"x-amz-meta-job": "J8"})
        status, body = submit(bad)
        self.assertEqual(status, 403, body)
        # A key outside the allowed prefix: refused.
        bad = dict(post["fields"], key="other/${filename}")
        status, body = submit(bad)
        self.assertEqual(status, 403, body)
        # Too large for content-length-range.
        large = random_file(os.path.join(self.d, "large.png"), 1_100_000)
        status, body = submit(post["fields"], large)
        self.assertEqual(status, 400, body)
        self.assertIn("EntityTooLarge", body)
        # A tampered signature.
        bad = dict(post["fields"], **{"x-amz-signature": "0" * 64})
        status, body = submit(bad)
        self.assertEqual(status, 403, body)
        # A Content-Type other than the policy's.
        bad = dict(post["fields"], **{"Content-Type": "image/jpeg"})
        status, body = submit(bad)
        self.assertEqual(status, 403, body)
        # An expired policy (signed "two hours ago" with a one-hour expiry).
        import datetime
        from unittest import mock
        import botocore.signers
        past = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
        with mock.patch.object(botocore.signers, "datetime") as dt:
            dt.datetime.utcnow.return_value = past
            dt.timedelta = datetime.timedelta
            old = self.s3.generate_presigned_post("boto", "uploads/${filename}", ExpiresIn=3600)
        status, body = submit(old["fields"], url=old["url"])
        self.assertEqual(status, 403, body)
        self.assertIn("expired", body)
        # The bucket comes from the URL: a form naming another bucket is refused.
        bad = dict(post["fields"], bucket="elsewhere")
        status, body = submit(bad)
        self.assertEqual(status, 403, body)

    def test_multipart(self):
        parts_data = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1234)]
        up = self.s3.create_multipart_upload(Bucket="boto", Key="mp/obj.bin", ContentType="application/x-test")
        uid = up["UploadId"]
        etags = []
        for i, data in enumerate(parts_data, 1):
            etags.append(self.s3.upload_part(Bucket="boto", Key="mp/obj.bin", UploadId=uid, PartNumber=i, Body=data)["ETag"])
        listed = self.s3.list_parts(Bucket="boto", Key="mp/obj.bin", UploadId=uid)
        self.assertEqual([p["PartNumber"] for p in listed["Parts"]], [1, 2, 3])
        uploads = self.s3.list_multipart_uploads(Bucket="boto")
        self.assertIn(uid, [u["UploadId"] for u in uploads.get("Uploads", [])])
        with self.assertRaises(ClientError) as e:
            self.s3.complete_multipart_upload(Bucket="boto", Key="mp/obj.bin", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 2, "ETag": etags[1]}, {"PartNumber": 1, "ETag": etags[0]}]})
        self.assertEqual(code_of(e.exception), "InvalidPartOrder")
        with self.assertRaises(ClientError) as e:
            self.s3.complete_multipart_upload(Bucket="boto", Key="mp/obj.bin", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": etags[1]}, {"PartNumber": 2, "ETag": etags[1]}]})
        self.assertEqual(code_of(e.exception), "InvalidPart")
        self.s3.complete_multipart_upload(Bucket="boto", Key="mp/obj.bin", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": i, "ETag": t} for i, t in enumerate(etags, 1)]})
        got = self.s3.get_object(Bucket="boto", Key="mp/obj.bin")
        self.assertEqual(got["Body"].read(), b"".join(parts_data))
        self.assertEqual(got["ContentType"], "application/x-test")
        with self.assertRaises(ClientError) as e:
            self.s3.list_parts(Bucket="boto", Key="mp/obj.bin", UploadId=uid)
        self.assertEqual(code_of(e.exception), "NoSuchUpload")
        # A client whose first answer was lost completes again, by hand: 200, the same ETag.
        done = self.s3.complete_multipart_upload(Bucket="boto", Key="mp/obj.bin", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": i, "ETag": t} for i, t in enumerate(etags, 1)]})
        self.assertEqual(done["ETag"], got["ETag"])
        # GetObject/HeadObject with PartNumber: one part's bytes, the count, the range.
        for i, data in enumerate(parts_data, 1):
            part = self.s3.get_object(Bucket="boto", Key="mp/obj.bin", PartNumber=i)
            self.assertEqual(part["Body"].read(), data)
            self.assertEqual(part["PartsCount"], 3)
            self.assertEqual(part["ResponseMetadata"]["HTTPStatusCode"], 206)
            first = sum(len(d) for d in parts_data[:i - 1])
            self.assertEqual(part["ContentRange"], "bytes %d-%d/%d" % (first, first + len(data) - 1,
                                                                      sum(map(len, parts_data))))
        head = self.s3.head_object(Bucket="boto", Key="mp/obj.bin", PartNumber=3)
        self.assertEqual(head["ContentLength"], 1234)
        self.assertEqual(head["PartsCount"], 3)
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="boto", Key="mp/obj.bin", PartNumber=4)
        self.assertEqual(code_of(e.exception), "InvalidPartNumber")
        self.s3.put_object(Bucket="boto", Key="mp/whole", Body=b"whole")
        whole = self.s3.get_object(Bucket="boto", Key="mp/whole", PartNumber=1)
        self.assertEqual(whole["Body"].read(), b"whole")
        self.assertNotIn("PartsCount", whole)
        # Abort removes the upload.
        up = self.s3.create_multipart_upload(Bucket="boto", Key="mp/aborted")
        self.s3.upload_part(Bucket="boto", Key="mp/aborted", UploadId=up["UploadId"], PartNumber=1, Body=b"x")
        self.s3.abort_multipart_upload(Bucket="boto", Key="mp/aborted", UploadId=up["UploadId"])
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="boto", Key="mp/aborted")
        # boto3's managed transfer (threads, 5 MiB parts) round-trips.
        src = random_file(os.path.join(self.d, "managed.bin"), 17 * MiB)
        from boto3.s3.transfer import TransferConfig
        cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
        self.s3.upload_file(src, "boto", "mp/managed.bin", Config=cfg)
        out = os.path.join(self.d, "managed-back.bin")
        self.s3.download_file("boto", "mp/managed.bin", out, Config=cfg)
        self.assertTrue(same_file(src, out))

    def test_conditional_and_range(self):
        body = bytes(range(256)) * 40
        put = self.s3.put_object(Bucket="boto", Key="cond.bin", Body=body)
        etag = put["ETag"]
        head = self.s3.head_object(Bucket="boto", Key="cond.bin")
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="boto", Key="cond.bin", IfNoneMatch=etag)
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="boto", Key="cond.bin", IfMatch='"0000"')
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 412)
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="cond.bin", IfMatch=etag)["Body"].read(), body)
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="boto", Key="cond.bin", IfModifiedSince=head["LastModified"])
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        r = self.s3.get_object(Bucket="boto", Key="cond.bin", Range="bytes=10-19")
        self.assertEqual(r["Body"].read(), body[10:20])
        self.assertEqual(r["ContentRange"], "bytes 10-19/%d" % len(body))
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="cond.bin", Range="bytes=-5")["Body"].read(), body[-5:])
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="boto", Key="cond.bin", Range="bytes=999999-")
        self.assertEqual(code_of(e.exception), "InvalidRange")
        # Conditional PUT.
        with self.assertRaises(ClientError) as e:
            with_if_none_match(self.store.boto3()).put_object(Bucket="boto", Key="cond.bin", Body=b"new")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 412)
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="cond.bin")["Body"].read(), body)

    def test_copy_delete_listing(self):
        self.s3.put_object(Bucket="boto", Key="copy/src", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"})
        self.s3.copy_object(Bucket="boto", Key="copy/dst", CopySource={"Bucket": "boto", "Key": "copy/src"})
        got = self.s3.get_object(Bucket="boto", Key="copy/dst")
        self.assertEqual(got["Body"].read(), b"copy me")
        self.assertEqual(got["Metadata"], {"a": "1"})
        self.s3.copy_object(Bucket="boto", Key="copy/dst2", CopySource="boto/copy/src", MetadataDirective="REPLACE",
                            ContentType="text/x-new", Metadata={"b": "2"})
        got = self.s3.head_object(Bucket="boto", Key="copy/dst2")
        self.assertEqual((got["ContentType"], got["Metadata"]), ("text/x-new", {"b": "2"}))
        r = self.s3.delete_objects(Bucket="boto", Delete={"Objects": [{"Key": "copy/dst"}, {"Key": "copy/dst2"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["copy/dst", "copy/dst2"])
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="boto", Prefix="copy/")["Contents"]]
        self.assertEqual(keys, ["copy/src"])
        # v1 listing with a marker.
        for k in ("v1/a", "v1/b", "v1/c"):
            self.s3.put_object(Bucket="boto", Key=k, Body=b"")
        r = self.s3.list_objects(Bucket="boto", Prefix="v1/", Marker="v1/a")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["v1/b", "v1/c"])
        # v2 paging with start-after and continuation tokens.
        r = self.s3.list_objects_v2(Bucket="boto", Prefix="v1/", MaxKeys=1, StartAfter="v1/a", FetchOwner=True)
        self.assertEqual([o["Key"] for o in r["Contents"]], ["v1/b"])
        self.assertIn("Owner", r["Contents"][0])
        r = self.s3.list_objects_v2(Bucket="boto", Prefix="v1/", MaxKeys=1, ContinuationToken=r["NextContinuationToken"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["v1/c"])
        self.assertFalse(r["IsTruncated"])

    def test_cors(self):
        self.s3.create_bucket(Bucket="corsb")
        self.s3.put_bucket_cors(Bucket="corsb", CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": ["http://dash.example"], "AllowedMethods": ["PUT", "GET"],
            "AllowedHeaders": ["content-type", "if-none-match"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
        rules = self.s3.get_bucket_cors(Bucket="corsb")["CORSRules"]
        self.assertEqual(rules[0]["AllowedOrigins"], ["http://dash.example"])
        status, h, _ = http("OPTIONS", self.store.endpoint + "/corsb/k", headers={
            "Origin": "http://dash.example", "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,if-none-match"})
        self.assertEqual(status, 200)
        self.assertEqual(h["Access-Control-Allow-Origin"], "http://dash.example")
        self.assertIn("PUT", h["Access-Control-Allow-Methods"])
        self.assertIn("ETag", h["Access-Control-Expose-Headers"])
        status, _, _ = http("OPTIONS", self.store.endpoint + "/corsb/k", headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"})
        self.assertEqual(status, 403)
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "corsb", "Key": "k"})
        status, h, _ = http("PUT", url, b"hello", {"Origin": "http://dash.example"})
        self.assertEqual(status, 200)
        self.assertEqual(h["Access-Control-Allow-Origin"], "http://dash.example")
        self.assertIn("ETag", h["Access-Control-Expose-Headers"])
        self.s3.delete_bucket_cors(Bucket="corsb")
        with self.assertRaises(ClientError) as e:
            self.s3.get_bucket_cors(Bucket="corsb")
        self.assertEqual(code_of(e.exception), "NoSuchCORSConfiguration")

    def test_concurrent_writers_and_readers(self):
        """Writers race on one key; every read returns one whole version, and the key ends
        as one of the versions written (the last complete writer wins)."""
        import hashlib
        import threading
        versions = [bytes([i]) * (512 * 1024 + i) for i in range(6)]
        by_md5 = {hashlib.md5(v).hexdigest(): v for v in versions}
        self.s3.put_object(Bucket="boto", Key="race", Body=versions[0])
        errors = []

        def writer(i):
            try:
                c = self.store.boto3()
                for _ in range(4):
                    c.put_object(Bucket="boto", Key="race", Body=versions[i])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        def reader():
            try:
                c = self.store.boto3()
                for _ in range(12):
                    r = c.get_object(Bucket="boto", Key="race")
                    body = r["Body"].read()
                    md5 = hashlib.md5(body).hexdigest()
                    if md5 not in by_md5 or r["ETag"].strip('"') != md5:
                        errors.append(AssertionError("torn read: %d bytes, ETag %s" % (len(body), r["ETag"])))
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(1, 6)]
        threads += [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        final = self.s3.get_object(Bucket="boto", Key="race")["Body"].read()
        self.assertIn(final, versions[1:])
        self.assertEqual(os.listdir(os.path.join(self.store.data, ".tmp")), [])

    def test_buckets(self):
        self.s3.create_bucket(Bucket="tmp-bucket")
        self.s3.head_bucket(Bucket="tmp-bucket")
        self.s3.put_object(Bucket="tmp-bucket", Key="x", Body=b"1")
        with self.assertRaises(ClientError) as e:
            self.s3.delete_bucket(Bucket="tmp-bucket")
        self.assertEqual(code_of(e.exception), "BucketNotEmpty")
        self.s3.delete_object(Bucket="tmp-bucket", Key="x")
        self.s3.delete_bucket(Bucket="tmp-bucket")
        with self.assertRaises(ClientError) as e:
            self.s3.head_bucket(Bucket="tmp-bucket")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="no-such-bucket", Key="k")
        self.assertEqual(code_of(e.exception), "NoSuchBucket")
        with self.assertRaises(ClientError) as e:
            self.s3.get_object(Bucket="boto", Key="missing")
        self.assertEqual(code_of(e.exception), "NoSuchKey")

    def test_virtual_hosted(self):
        # bucket.localhost addressing; the Host header is what matters, so connect to 127.0.0.1.
        s3 = self.store.boto3(s3={"addressing_style": "virtual"})
        import botocore
        s3 = __import__("boto3").client(
            "s3", endpoint_url="http://localhost:%d" % self.store.port, region_name="us-east-1",
            aws_access_key_id=self.store.key_id, aws_secret_access_key=self.store.secret,
            config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
        # Resolve boto.localhost to loopback without touching /etc/hosts.
        import socket
        real = socket.getaddrinfo

        def fake(host, *a, **kw):
            if host.endswith(".localhost"):
                host = "127.0.0.1"
            return real(host, *a, **kw)
        socket.getaddrinfo = fake
        try:
            s3.put_object(Bucket="boto", Key="vh/key.txt", Body=b"virtual")
            self.assertEqual(s3.get_object(Bucket="boto", Key="vh/key.txt")["Body"].read(), b"virtual")
        finally:
            socket.getaddrinfo = real
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="vh/key.txt")["Body"].read(), b"virtual")


if __name__ == "__main__":
    unittest.main()
