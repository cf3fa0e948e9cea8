"""Known-attack regressions (issue 7), from public vulnerabilities in S3-compatible
servers, against a real `dropslot s3` on loopback. Each test pairs the attack with the
same request done right (which must succeed), so it fails if the protection is removed
and cannot pass because the request was malformed for some other reason. Requests are
signed by botocore (a peer we did not write) and sent byte for byte with http.client."""
import base64
import hashlib
import http.client
import os
import re
import sys
import unittest
import uuid
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "store"))
from store_harness import Store  # noqa: E402

import botocore.auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


def send(store, method, target, headers=None, body=b""):
    """Sends exactly these bytes (no client library normalising the path or headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", store.port, timeout=30)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    hs = {"Host": store.host_port}
    hs.update(headers or {})
    for k, v in hs.items():
        conn.putheader(k, v)
    if body or method in ("PUT", "POST"):
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def code(body):
    m = re.search(rb"<Code>([^<]*)</Code>", body)
    return m.group(1).decode() if m else None


class _Auth(botocore.auth.S3SigV4Auth):
    """botocore's header signer with a declared x-amz-content-sha256 of our choosing."""

    def __init__(self, creds, payload):
        super().__init__(creds, "s3", "us-east-1")
        self.declared = payload

    def payload(self, request):
        return self.declared if self.declared is not None else super().payload(request)


def sign(store, method, target, headers=None, body=b"", payload=None, secret=None):
    req = AWSRequest(method=method, url=store.endpoint + target, data=body, headers=dict(headers or {}))
    _Auth(Credentials(store.key_id, secret or store.secret), payload).add_auth(req)
    return dict(req.headers.items())


def presign(store, method, target, headers=None, expires=300, extra_query=None):
    url = store.endpoint + target
    if extra_query:
        url += ("&" if "?" in url else "?") + extra_query
    req = AWSRequest(method=method, url=url, headers=dict(headers or {}))
    botocore.auth.S3SigV4QueryAuth(Credentials(store.key_id, store.secret), "s3", "us-east-1",
                                   expires=expires).add_auth(req)
    return req.url[len(store.endpoint):]


def chunked_unsigned_trailer(data):
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(data), data, crc.encode())
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
               "x-amz-trailer": "x-amz-checksum-crc32"}
    return headers, body


def form_body(fields, filename, content, file_type="image/jpeg"):
    boundary = "----dropslot" + uuid.uuid4().hex
    out = b""
    for k, v in fields:
        out += b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
            boundary.encode(), k.encode(), v.encode())
    out += (b"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
            % (boundary.encode(), filename.encode(), file_type.encode()))
    out += content + b"\r\n--%s--\r\n" % boundary.encode()
    return "multipart/form-data; boundary=" + boundary, out


class Attacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = Store()
        cls.s3 = cls.store.boto3()
        for b in ("victim", "attacker"):
            cls.s3.create_bucket(Bucket=b)
        cls.s3.put_object(Bucket="victim", Key="exists.txt", Body=b"private bytes")

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def absent(self, bucket, key):
        with self.assertRaises(ClientError) as e:
            self.s3.head_object(Bucket=bucket, Key=key)
        self.assertIn(e.exception.response["Error"]["Code"], ("404", "NoSuchKey"))

    def alive(self):
        self.assertEqual(self.s3.get_object(Bucket="victim", Key="exists.txt")["Body"].read(), b"private bytes")

    # 1. Unsigned trailer payloads --------------------------------------------------------
    def test_unsigned_trailer_needs_a_valid_seed_signature(self):
        data = b"trailer payload"
        extra, body = chunked_unsigned_trailer(data)
        good = sign(self.store, "PUT", "/victim/trailer-ok", extra, body, payload="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        status, resp = send(self.store, "PUT", "/victim/trailer-ok", good, body)
        self.assertEqual(status, 200, resp)
        self.assertEqual(self.s3.get_object(Bucket="victim", Key="trailer-ok")["Body"].read(), data)

        bad = dict(sign(self.store, "PUT", "/victim/trailer-bad", extra, body,
                        payload="STREAMING-UNSIGNED-PAYLOAD-TRAILER"))
        bad["Authorization"] = re.sub(r"Signature=[0-9a-f]{64}", "Signature=" + "0" * 64, bad["Authorization"])
        status, resp = send(self.store, "PUT", "/victim/trailer-bad", bad, body)
        self.assertEqual(status, 403, resp)
        # A signature made with another secret (the real access key id): also refused.
        other = sign(self.store, "PUT", "/victim/trailer-bad", extra, body,
                     payload="STREAMING-UNSIGNED-PAYLOAD-TRAILER", secret="x" * 40)
        status, resp = send(self.store, "PUT", "/victim/trailer-bad", other, body)
        self.assertEqual(status, 403, resp)
        self.absent("victim", "trailer-bad")

    # 2. Auth placement -------------------------------------------------------------------
    def test_query_credentials_with_a_streaming_trailer(self):
        data = b"query + trailer"
        extra, body = chunked_unsigned_trailer(data)
        # The streaming mode as an unsigned header beside query auth.
        url = presign(self.store, "PUT", "/victim/q-stream")
        hs = dict(extra)
        hs["x-amz-content-sha256"] = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        status, resp = send(self.store, "PUT", url, hs, body)
        self.assertIn(status, (400, 403), resp)
        # The streaming mode signed into the query itself.
        url = presign(self.store, "PUT", "/victim/q-stream",
                      extra_query="X-Amz-Content-Sha256=STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        status, resp = send(self.store, "PUT", url, extra, body)
        self.assertIn(status, (400, 403), resp)
        self.absent("victim", "q-stream")
        # Control: the same presigned PUT with a plain body works.
        url = presign(self.store, "PUT", "/victim/q-plain")
        self.assertEqual(send(self.store, "PUT", url, {}, data)[0], 200)

    def test_header_and_query_auth_together(self):
        url = presign(self.store, "GET", "/victim/exists.txt")
        self.assertEqual(send(self.store, "GET", url)[0], 200)
        hs = sign(self.store, "GET", "/victim/exists.txt")
        self.assertEqual(send(self.store, "GET", "/victim/exists.txt", hs)[0], 200)
        status, resp = send(self.store, "GET", url, hs)
        self.assertIn(status, (400, 403), resp)
        self.assertNotIn(b"private bytes", resp)

    # 3. Payload modes --------------------------------------------------------------------
    def test_unknown_payload_modes_are_denied(self):
        body = b"abc"
        for mode in ("STREAMING-UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
                     "streaming-unsigned-payload-trailer", "unsigned-payload", hashlib.sha256(body).hexdigest().upper(),
                     hashlib.sha256(body).hexdigest()[:63], "", " UNSIGNED-PAYLOAD"):
            hs = sign(self.store, "PUT", "/victim/mode", body=body, payload=mode)
            status, resp = send(self.store, "PUT", "/victim/mode", hs, body)
            self.assertIn(status, (400, 403), (mode, resp))
        self.absent("victim", "mode")
        hs = sign(self.store, "PUT", "/victim/mode-ok", body=body, payload="UNSIGNED-PAYLOAD")
        self.assertEqual(send(self.store, "PUT", "/victim/mode-ok", hs, body)[0], 200)

    # 4. Headers added after signing ------------------------------------------------------
    def test_amz_headers_added_after_signing(self):
        body = b"data"
        for added in ({"x-amz-meta-evil": "1"}, {"x-amz-acl": "public-read"}, {"X-Amz-Storage-Class": "GLACIER"},
                      {"x-amz-server-side-encryption": "AES256"}, {"x-amz-checksum-crc32": "AAAAAA=="}):
            hs = sign(self.store, "PUT", "/victim/added", body=body)
            hs.update(added)
            status, resp = send(self.store, "PUT", "/victim/added", hs, body)
            self.assertEqual(status, 403, (added, resp))
            url = presign(self.store, "PUT", "/victim/added")
            status, resp = send(self.store, "PUT", url, added, body)
            self.assertEqual(status, 403, (added, resp))
        self.absent("victim", "added")
        hs = sign(self.store, "PUT", "/victim/added", {"x-amz-meta-ok": "1"}, body)
        self.assertEqual(send(self.store, "PUT", "/victim/added", hs, body)[0], 200)

    # 5. POST form fields -----------------------------------------------------------------
    def post(self, url_bucket, fields, filename="a.jpg", content=b"\xff\xd8 jpeg", file_type="image/jpeg"):
        ctype, body = form_body(fields, filename, content, file_type)
        return send(self.store, "POST", "/" + url_bucket, {"Content-Type": ctype}, body)

    def presigned_post(self, bucket, key, conditions=None, fields=None):
        p = self.s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=300)
        return list(p["fields"].items())

    def test_post_bucket_field_cannot_redirect_the_write(self):
        fields = self.presigned_post("attacker", "post/a.jpg")
        status, resp = self.post("attacker", fields)
        self.assertIn(status, (200, 201, 204), resp)
        self.s3.head_object(Bucket="attacker", Key="post/a.jpg")
        # A policy for "attacker", posted to the victim's URL, with or without bucket=victim.
        status, resp = self.post("victim", fields)
        self.assertEqual(status, 403, resp)
        status, resp = self.post("victim", fields + [("bucket", "victim")])
        self.assertEqual(status, 403, resp)
        # The attacker's URL with a bucket field naming the victim.
        status, resp = self.post("attacker", [("bucket", "victim")] + fields)
        self.assertIn(status, (400, 403), resp)
        self.absent("victim", "post/a.jpg")

    def test_post_needs_the_same_authorization_as_put(self):
        fields = self.presigned_post("victim", "post/b.jpg")
        no_sig = [(k, v) for k, v in fields if k != "x-amz-signature"]
        self.assertEqual(self.post("victim", no_sig)[0], 403)
        anonymous = [("key", "post/b.jpg")]
        self.assertEqual(self.post("victim", anonymous)[0], 403)
        bad_sig = [(k, "0" * 64 if k == "x-amz-signature" else v) for k, v in fields]
        self.assertEqual(self.post("victim", bad_sig)[0], 403)
        other_key = [(k, "post/other.jpg" if k == "key" else v) for k, v in fields]
        self.assertEqual(self.post("victim", other_key)[0], 403)
        smuggled = fields + [("x-amz-acl", "public-read")]
        self.assertEqual(self.post("victim", smuggled)[0], 403)
        for k in ("post/b.jpg", "post/other.jpg"):
            self.absent("victim", k)

    def test_post_repeated_field_cannot_add_an_unsigned_value(self):
        # Found while fuzzing the policy evaluator: conditions were checked against the
        # first field of a name, while every x-amz-meta-* field was stored, so a second
        # field smuggled a value the policy never signed ("ok, evil").
        fields = self.presigned_post("attacker", "post/meta.jpg", conditions=[{"x-amz-meta-tag": "ok"}],
                                     fields={"x-amz-meta-tag": "ok"})
        status, resp = self.post("attacker", fields + [("x-amz-meta-tag", "evil")])
        if status in (200, 201, 204):
            meta = self.s3.head_object(Bucket="attacker", Key="post/meta.jpg")["Metadata"]
            self.assertEqual(meta.get("tag"), "ok", meta)
        else:
            self.assertIn(status, (400, 403), resp)
            self.absent("attacker", "post/meta.jpg")
        status, resp = self.post("attacker", fields)
        self.assertIn(status, (200, 201, 204), resp)
        self.assertEqual(self.s3.head_object(Bucket="attacker", Key="post/meta.jpg")["Metadata"], {"tag": "ok"})

    # 6. Key traversal --------------------------------------------------------------------
    def test_traversal_keys_stay_inside_the_root(self):
        with open(os.path.join(self.store.tmp, "outside.txt"), "wb") as f:
            f.write(b"outside the root")
        raw_keys = ["..%2f..%2foutside.txt", "%2e%2e/%2e%2e/%2e%2e/outside.txt", "../../outside.txt",
                    "..%5c..%5coutside.txt", "a%00b", "/%2foutside.txt", "%2e%2e", "credentials", "..%2fcredentials",
                    "..%2f..%2fdata%2fcredentials"]
        for raw in raw_keys:
            target = "/victim/" + raw
            hs = sign(self.store, "GET", target)
            status, resp = send(self.store, "GET", target, hs)
            self.assertIn(status, (400, 403, 404), (raw, resp))
            self.assertNotIn(b"outside the root", resp)
            self.assertNotIn(self.store.secret.encode(), resp)
            hs = sign(self.store, "PUT", target, body=b"planted")
            status, resp = send(self.store, "PUT", target, hs, b"planted")
            self.assertIn(status, (200, 400, 403), (raw, resp))
        long_key = "/victim/" + "k" * 1025
        hs = sign(self.store, "PUT", long_key, body=b"x")
        status, resp = send(self.store, "PUT", long_key, hs, b"x")
        self.assertEqual((status, code(resp)), (400, "KeyTooLongError"), resp)
        with open(os.path.join(self.store.tmp, "outside.txt"), "rb") as f:
            self.assertEqual(f.read(), b"outside the root")
        # Nothing beside the data dir; object files only under hashed names.
        self.assertEqual(sorted(os.listdir(self.store.tmp)), ["data", "outside.txt"])
        for dirpath, _, files in os.walk(os.path.join(self.store.data, "buckets")):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), os.path.join(self.store.data, "buckets"))
                self.assertRegex(rel, r"^[a-z0-9.-]+/(bucket\.json|cors\.xml|objects/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}"
                                      r"|uploads/[0-9a-f]{32}/.+)$")
        for name in os.listdir(self.store.data):
            self.assertIn(name, (".tmp", "buckets", "credentials"), name)

    def test_non_utf8_bytes_in_keys_and_headers_never_orphan_an_object(self):
        # Found by fuzzing the key-to-path mapper's metadata round trip: a key or a stored
        # header value that is not UTF-8 (obs-text is legal in HTTP) was accepted with 200,
        # then the object's metadata could not be read back: GET answered 500 and the
        # object vanished from listings after a restart while its file stayed on disk.
        import socket
        cases = [("/victim/bytes-%FF%FE", {}), ("/victim/ctype", {"Content-Type": "im\xb2ge/jpeg"}),
                 ("/victim/disp", {"Content-Disposition": "attachment; filename=\xe9t\xe9.jpg"})]
        stored = []
        for target, raw in cases:
            hs = sign(self.store, "PUT", target, {}, b"data")
            hs.update(raw)
            s = socket.create_connection(("127.0.0.1", self.store.port), timeout=30)
            head = "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 4\r\nConnection: close\r\n" % (
                target, self.store.host_port)
            head += "".join("%s: %s\r\n" % kv for kv in hs.items()) + "\r\n"
            s.sendall(head.encode("latin-1") + b"data")
            reply = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            s.close()
            status = int(reply.split(b" ", 2)[1])
            self.assertIn(status, (200, 400), reply[:300])
            if status == 200:
                stored.append(target)
        for restarted in (False, True):
            for target in stored:
                hs = sign(self.store, "GET", target)
                status, resp = send(self.store, "GET", target, hs)
                self.assertEqual((status, resp), (200, b"data"), (target, restarted))
            if not restarted:
                self.store.stop()
                self.store.start()
                type(self).s3 = self.store.boto3()

    # 7. Existence leaks ------------------------------------------------------------------
    def test_anonymous_conditional_requests_do_not_leak_existence(self):
        answers = {}
        for key in ("exists.txt", "does-not-exist.txt"):
            for method in ("GET", "HEAD"):
                for cond in ({}, {"If-None-Match": "*"}, {"If-Match": '"x"'}, {"If-Match": "*"},
                             {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},
                             {"If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"}, {"Range": "bytes=0-0"}):
                    status, resp = send(self.store, method, "/victim/" + key, cond)
                    self.assertEqual(status, 403, (key, method, cond, resp))
                    answers.setdefault((method, tuple(cond.items())), set()).add(resp if method == "GET" else b"")
        for variants in answers.values():
            self.assertEqual(len({code(v) for v in variants}), 1, variants)
        # Control: signed, the same conditions do tell (so the test can see a leak).
        hs = sign(self.store, "GET", "/victim/exists.txt", {"If-None-Match": "*"})
        self.assertEqual(send(self.store, "GET", "/victim/exists.txt", hs)[0], 304)

    # 8. Multipart ------------------------------------------------------------------------
    def test_complete_with_a_part_that_does_not_exist(self):
        up = self.s3.create_multipart_upload(Bucket="victim", Key="mp")["UploadId"]
        etag = self.s3.upload_part(Bucket="victim", Key="mp", UploadId=up, PartNumber=1, Body=b"part one")["ETag"]
        # (A missing part after a small one may be EntityTooSmall first, as MinIO answers;
        # these cases have no other fault.)
        for parts in ([{"PartNumber": 2, "ETag": etag}], [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}],
                      [{"PartNumber": 9999, "ETag": etag}]):
            with self.assertRaises(ClientError) as e:
                self.s3.complete_multipart_upload(Bucket="victim", Key="mp", UploadId=up,
                                                  MultipartUpload={"Parts": parts})
            self.assertEqual(e.exception.response["Error"]["Code"], "InvalidPart", parts)
            self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # Raw XML with hostile numbers and shapes: 400, never a crash.
        for xml in (b"<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
                    b"<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber><ETag>x</ETag></Part>"
                    b"</CompleteMultipartUpload>",
                    b"<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
                    b"<CompleteMultipartUpload>" + b"<Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>" * 20000
                    + b"</CompleteMultipartUpload>",
                    b"<CompleteMultipartUpload><Part>" * 5000, b"\x00\xff<"):
            target = "/victim/mp?uploadId=" + up
            hs = sign(self.store, "POST", target, body=xml)
            status, resp = send(self.store, "POST", target, hs, xml)
            self.assertIn(status, (400, 413), resp[:200])
        self.absent("victim", "mp")
        self.alive()
        done = self.s3.complete_multipart_upload(Bucket="victim", Key="mp", UploadId=up,
                                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        self.assertTrue(done["ETag"])
        self.assertEqual(self.s3.get_object(Bucket="victim", Key="mp")["Body"].read(), b"part one")

    # 9. Policy JSON injection ------------------------------------------------------------
    def test_policy_json_injection_through_filename_and_fields(self):
        fields = self.presigned_post("attacker", "inj/${filename}", conditions=[{"Content-Type": "image/jpeg"}],
                                     fields={"Content-Type": "image/jpeg"})
        # Browsers send a quote in a filename as %22 (WHATWG form encoding); the rest as is.
        evil_name = 'x.jpg%22}, {%22bucket%22: %22victim%22}, \\u0022key\\u0022: ${filename}\'; name=key'
        status, resp = self.post("attacker", fields, filename=evil_name)
        self.assertIn(status, (200, 201, 204), resp)
        # A quoted filename that starts with ';' (finding F4: it was read as '"').
        status, resp = self.post("attacker", fields, filename=';name=evil.jpg')
        self.assertIn(status, (200, 201, 204), resp)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket="attacker", Prefix="inj/").get("Contents", [])]
        self.assertEqual(sorted(keys), sorted(["inj/" + evil_name, "inj/;name=evil.jpg"]))
        self.absent("victim", "stolen")
        # A field value that tries to close the condition and open another one.
        for value in ('image/jpeg"}, ["starts-with", "$key", "', 'image/jpeg\\", "x": "', "image/jpeg\x00"):
            injected = [(k, value if k == "Content-Type" else v) for k, v in fields]
            status, resp = self.post("attacker", injected, filename="y.jpg")
            self.assertEqual(status, 403, (value, resp))
        self.absent("attacker", "inj/y.jpg")
        # The key field itself carrying JSON: it must still start with the signed prefix.
        injected = [(k, 'other/", "x": "' if k == "key" else v) for k, v in fields]
        self.assertEqual(self.post("attacker", injected)[0], 403)


if __name__ == "__main__":
    unittest.main()
