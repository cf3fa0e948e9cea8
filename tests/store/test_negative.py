"""What `dropslot s3` must refuse: tampered, expired and future-dated URLs, headers added
after signing, wrong keys, anonymous requests (403 before any existence or condition
check), traversal keys, digests that do not match, and dropped uploads."""
import datetime
import hashlib
import http.client
import os
import re
import socket
import sys
import time
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import DeclaredPayloadAuth, Store, error_code  # noqa: E402

import botocore.auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


def send(store, method, path_and_query, headers=None, body=b""):
    """Sends exactly these bytes: no client library rewriting the path or headers."""
    conn = http.client.HTTPConnection("127.0.0.1", store.port, timeout=30)
    conn.putrequest(method, path_and_query, skip_host=True, skip_accept_encoding=True)
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
    return r.status, dict(r.getheaders()), data


def signed_headers(store, method, path, headers=None, body=b"", secret=None, key_id=None, when=None, payload=None):
    """Header-auth SigV4 by botocore (a peer we did not write)."""
    creds = Credentials(key_id or store.key_id, secret or store.secret)
    req = AWSRequest(method=method, url=store.endpoint + path, data=body, headers=dict(headers or {}))
    auth = DeclaredPayloadAuth(creds, payload)
    if when:
        with mock.patch.object(botocore.auth, "datetime") as dt:
            dt.datetime.utcnow.return_value = when
            dt.datetime.now.return_value = when
            auth.add_auth(req)
    else:
        auth.add_auth(req)
    return dict(req.headers.items())


def presign(store, method, path, expires=300, when=None, headers=None):
    creds = Credentials(store.key_id, store.secret)
    req = AWSRequest(method=method, url=store.endpoint + path, headers=dict(headers or {}))
    auth = botocore.auth.S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=expires)
    if when:
        with mock.patch.object(botocore.auth, "datetime") as dt:
            dt.datetime.utcnow.return_value = when
            dt.datetime.now.return_value = when
            auth.add_auth(req)
    else:
        auth.add_auth(req)
    return req.url[len(store.endpoint):]


def presign_bytes(store, method, path, signed):
    """Query-auth SigV4 over header values as bytes (botocore signs text, so it cannot sign
    obs-text as sent). `signed`: [(lower-case name, value bytes)], besides host."""
    import hmac
    from urllib.parse import quote
    amz = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    scope = "%s/us-east-1/s3/aws4_request" % amz[:8]
    headers = sorted([(b"host", store.host_port.encode())] + list(signed))
    names = ";".join(n.decode() for n, _ in headers)
    q = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": "%s/%s" % (store.key_id, scope),
         "X-Amz-Date": amz, "X-Amz-Expires": "300", "X-Amz-SignedHeaders": names}
    cq = "&".join("%s=%s" % (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in sorted(q.items()))
    creq = b"\n".join([method.encode(), path.encode(), cq.encode(),
                       b"".join(n + b":" + v.strip() + b"\n" for n, v in headers), names.encode(),
                       b"UNSIGNED-PAYLOAD"])
    sts = ("AWS4-HMAC-SHA256\n%s\n%s\n" % (amz, scope)).encode() + hashlib.sha256(creq).hexdigest().encode()
    key = ("AWS4" + store.secret).encode()
    for part in (amz[:8], "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return path + "?" + cq + "&X-Amz-Signature=" + hmac.new(key, sts, hashlib.sha256).hexdigest()


code = error_code


class Negative(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The data dir sits two levels down, so an escaping "../../x" would land in tmp/.
        cls.root = None
        cls.store = Store()
        cls.s3 = cls.store.boto3()
        cls.s3.create_bucket(Bucket="neg")
        cls.s3.put_object(Bucket="neg", Key="secret.txt", Body=b"top secret")

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def test_tampered_urls(self):
        url = presign(self.store, "GET", "/neg/secret.txt")
        self.assertEqual(send(self.store, "GET", url)[0], 200)
        sig = re.search(r"X-Amz-Signature=([0-9a-f]+)", url).group(1)
        flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        for bad in (url.replace(sig, flipped),
                    url.replace("secret.txt", "secret.tx"),
                    url.replace("X-Amz-Expires=300", "X-Amz-Expires=600"),
                    url + "&extra=1"):
            status, _, body = send(self.store, "GET", bad)
            self.assertEqual(status, 403, bad)
            self.assertEqual(code(body), "SignatureDoesNotMatch", body)
        status, _, body = send(self.store, "GET", url.replace(sig, flipped))
        self.assertIn(b"<StringToSign>AWS4-HMAC-SHA256\n", body)
        self.assertIn(b"<CanonicalRequest>GET\n/neg/secret.txt\n", body)

    def test_expired_and_future_urls(self):
        now = datetime.datetime.utcnow()
        expired = presign(self.store, "GET", "/neg/secret.txt", expires=60, when=now - datetime.timedelta(hours=1))
        status, _, body = send(self.store, "GET", expired)
        self.assertEqual((status, code(body)), (403, "AccessDenied"), body)
        self.assertIn(b"expired", body)
        future = presign(self.store, "GET", "/neg/secret.txt", expires=60, when=now + datetime.timedelta(hours=1))
        status, _, body = send(self.store, "GET", future)
        self.assertEqual((status, code(body)), (403, "AccessDenied"), body)
        # Header auth with a stale date: RequestTimeTooSkewed.
        hs = signed_headers(self.store, "GET", "/neg/secret.txt", when=now - datetime.timedelta(hours=1))
        status, _, body = send(self.store, "GET", "/neg/secret.txt", hs)
        self.assertEqual((status, code(body)), (403, "RequestTimeTooSkewed"), body)

    def test_header_added_after_signing(self):
        url = presign(self.store, "PUT", "/neg/new.txt")
        status, _, body = send(self.store, "PUT", url, {"x-amz-meta-evil": "1"}, b"data")
        self.assertEqual(status, 403, body)
        hs = signed_headers(self.store, "PUT", "/neg/new2.txt", body=b"data")
        hs["x-amz-meta-evil"] = "1"
        status, _, body = send(self.store, "PUT", "/neg/new2.txt", hs, b"data")
        self.assertEqual(status, 403, body)
        # A signed header changed after signing.
        hs = signed_headers(self.store, "PUT", "/neg/new3.txt", {"Content-Type": "text/plain"}, body=b"data")
        hs["Content-Type"] = "text/html"
        status, _, body = send(self.store, "PUT", "/neg/new3.txt", hs, b"data")
        self.assertEqual((status, code(body)), (403, "SignatureDoesNotMatch"), body)
        for k in ("new.txt", "new2.txt", "new3.txt"):
            with self.assertRaises(ClientError):
                self.s3.head_object(Bucket="neg", Key=k)

    def test_wrong_key(self):
        import boto3
        from botocore.config import Config
        cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
        wrong_secret = boto3.client("s3", endpoint_url=self.store.endpoint, region_name="us-east-1",
                                    aws_access_key_id=self.store.key_id, aws_secret_access_key="x" * 40, config=cfg)
        with self.assertRaises(ClientError) as e:
            wrong_secret.get_object(Bucket="neg", Key="secret.txt")
        self.assertEqual(e.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        wrong_id = boto3.client("s3", endpoint_url=self.store.endpoint, region_name="us-east-1",
                                aws_access_key_id="AKIDWRONG", aws_secret_access_key=self.store.secret, config=cfg)
        with self.assertRaises(ClientError) as e:
            wrong_id.list_buckets()
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidAccessKeyId")
        wrong_region = boto3.client("s3", endpoint_url=self.store.endpoint, region_name="eu-west-1",
                                    aws_access_key_id=self.store.key_id, aws_secret_access_key=self.store.secret,
                                    config=cfg)
        with self.assertRaises(ClientError):
            wrong_region.get_object(Bucket="neg", Key="secret.txt")

    def test_anonymous_denied_before_existence_and_conditions(self):
        for method, path, hs in (("GET", "/neg/secret.txt", {}), ("GET", "/neg/missing", {}),
                                 ("GET", "/nobucket/x", {}), ("GET", "/", {}), ("HEAD", "/neg/secret.txt", {}),
                                 ("GET", "/neg/secret.txt", {"If-None-Match": "*"}),
                                 ("GET", "/neg/secret.txt", {"If-Match": '"nope"'}),
                                 ("PUT", "/neg/anon.txt", {}), ("DELETE", "/neg/secret.txt", {}),
                                 ("GET", "/neg?list-type=2", {})):
            status, _, body = send(self.store, method, path, hs, b"x" if method == "PUT" else b"")
            self.assertEqual(status, 403, (method, path, hs, body))
            if method != "HEAD":
                self.assertEqual(code(body), "AccessDenied", body)
        # A bad signature is 403 whether or not the key exists.
        for key in ("secret.txt", "missing"):
            hs = signed_headers(self.store, "GET", "/neg/" + key, secret="y" * 40)
            self.assertEqual(send(self.store, "GET", "/neg/" + key, hs)[0], 403)
        self.assertEqual(self.s3.get_object(Bucket="neg", Key="secret.txt")["Body"].read(), b"top secret")

    def test_unknown_payload_mode(self):
        hs = signed_headers(self.store, "PUT", "/neg/mode", body=b"abc", payload="STREAMING-SOMETHING-NEW")
        status, _, body = send(self.store, "PUT", "/neg/mode", hs, b"abc")
        self.assertEqual(status, 400, body)

    def test_digests(self):
        body = b"the real body"
        hs = signed_headers(self.store, "PUT", "/neg/md5", {"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, body)
        status, _, resp = send(self.store, "PUT", "/neg/md5", hs, body)
        self.assertEqual((status, code(resp)), (400, "BadDigest"), resp)
        wrong = hashlib.sha256(b"another body").hexdigest()
        hs = signed_headers(self.store, "PUT", "/neg/sha", body=body, payload=wrong)
        status, _, resp = send(self.store, "PUT", "/neg/sha", hs, body)
        self.assertEqual((status, code(resp)), (400, "XAmzContentSHA256Mismatch"), resp)
        hs = signed_headers(self.store, "PUT", "/neg/crc", {"x-amz-checksum-crc32": "AAAAAA=="}, body)
        status, _, resp = send(self.store, "PUT", "/neg/crc", hs, body)
        self.assertEqual((status, code(resp)), (400, "BadDigest"), resp)
        for k in ("md5", "sha", "crc"):
            with self.assertRaises(ClientError):
                self.s3.head_object(Bucket="neg", Key=k)
        self.assertEqual(os.listdir(os.path.join(self.store.data, ".tmp")), [])

    def test_traversal_keys(self):
        keys = ["../../escape.txt", "a/../../../escape2.txt", "..\\..\\escape3.txt", "%2e%2e/%2e%2e/escape4",
                "..", ".", "./x", "nul\x00inside", "k" * 1024, "ünï/cødé/🎉.txt", "/leading", "a//b", "\\", "?x=1#y"]
        for k in keys:
            data = k.encode("utf-8", "surrogatepass")[:50] + b"!"
            self.s3.put_object(Bucket="neg", Key=k, Body=data)
            self.assertEqual(self.s3.get_object(Bucket="neg", Key=k)["Body"].read(), data, repr(k))
        listed = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="neg"):
            listed.update(o["Key"] for o in page.get("Contents", []))
        for k in keys:
            self.assertIn(k, listed)
        with self.assertRaises(ClientError) as e:
            self.s3.put_object(Bucket="neg", Key="k" * 1025, Body=b"x")
        self.assertEqual(e.exception.response["Error"]["Code"], "KeyTooLongError")
        # Raw paths that a normalizing client would never send.
        for raw in ("/neg/../../../etc/passwd", "/neg/%2e%2e/%2e%2e/etc/passwd", "/neg/..%2f..%2fetc%2fpasswd"):
            hs = signed_headers(self.store, "GET", raw)
            status, _, body = send(self.store, "GET", raw, hs)
            self.assertIn(status, (403, 404), (raw, body))
            self.assertNotIn(b"root:", body)
        # Nothing was written outside the data dir, and every object file is named by a hash.
        self.assertEqual(sorted(os.listdir(self.store.tmp)), ["data"])
        objects = os.path.join(self.store.data, "buckets", "neg", "objects")
        for dirpath, _, files in os.walk(objects):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), objects)
                self.assertRegex(rel, r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$")

    def test_slow_client_cannot_hold_the_server(self):
        # Many connections that never finish their request head.
        slow = []
        for _ in range(20):
            c = socket.create_connection(("127.0.0.1", self.store.port))
            c.sendall(b"GET /neg/secret.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(c)
        # Meanwhile others are served.
        self.assertEqual(self.s3.get_object(Bucket="neg", Key="secret.txt")["Body"].read(), b"top secret")
        # And the slow ones are cut by the header timeout (15 s), not left open.
        for c in slow:
            c.settimeout(60)
            try:
                self.assertEqual(c.recv(1), b"")
            except ConnectionResetError:
                pass
            c.close()

    def test_oversized_header_is_refused(self):
        s = socket.create_connection(("127.0.0.1", self.store.port))
        s.settimeout(30)
        s.sendall(b"GET /neg/x HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        data = s.recv(100)
        s.close()
        self.assertTrue(data == b"" or data.startswith(b"HTTP/1.1 431"), data)

    def raw(self, head):
        """Sends a request head as raw bytes; returns the status and the body."""
        s = socket.create_connection(("127.0.0.1", self.store.port))
        s.settimeout(30)
        s.sendall(head)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head_end = data.index(b"\r\n\r\n") + 4
                m = re.search(rb"Content-Length: (\d+)", data[:head_end])
                if m and len(data) >= head_end + int(m.group(1)):
                    break
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 "), data)
        return int(data[9:12]), data[data.index(b"\r\n\r\n") + 4:]

    def test_malformed_requests_get_an_s3_error(self):
        """An unreadable Content-Length, a foreign Expect, a PUT without a length, an empty
        Authorization: S3's XML error and a status, never a dropped connection."""
        host = ("Host: %s\r\n" % self.store.host_port).encode()
        for length in (b"", b"-1", b"12x"):
            status, body = self.raw(b"PUT /neg/x HTTP/1.1\r\n" + host + b"Content-Length: " + length + b"\r\n\r\n")
            self.assertEqual((status, code(body)), (400, "BadRequest"), length)
        url = presign(self.store, "PUT", "/neg/x")
        status, body = self.raw(b"PUT " + url.encode() + b" HTTP/1.1\r\n" + host +
                                b"Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx")
        self.assertEqual((status, code(body)), (417, "ExpectationFailed"))
        status, body = self.raw(b"PUT " + url.encode() + b" HTTP/1.1\r\n" + host + b"\r\n")
        self.assertEqual((status, code(body)), (411, "MissingContentLength"))
        status, body = self.raw(b"GET /neg/secret.txt HTTP/1.1\r\n" + host + b"Authorization: \r\n\r\n")
        self.assertEqual((status, code(body)), (400, "AuthorizationHeaderMalformed"))
        # A key that is not UTF-8: 400, and the error body is still well-formed UTF-8 XML.
        bad = presign(self.store, "GET", "/neg/%FF%FE")
        status, body = self.raw(b"GET " + bad.encode() + b" HTTP/1.1\r\n" + host + b"\r\n")
        self.assertEqual((status, code(body)), (400, "InvalidArgument"))
        body.decode("utf-8")

    def raw_get(self, path):
        get = presign(self.store, "GET", path)
        s = socket.create_connection(("127.0.0.1", self.store.port))
        s.settimeout(30)
        s.sendall(b"GET " + get.encode() + b" HTTP/1.1\r\nHost: " + self.store.host_port.encode() +
                  b"\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return data

    def test_user_metadata_and_content_encoding_come_back_as_s3_sends_them(self):
        """x-amz-meta-* values as S3 documents them (docs/s3-conformance.md): decoded to
        Unicode when stored (a raw 0xE9 is ISO-8859-1 "\u00e9"), sent back as one RFC 2047
        encoded-word when not plain ASCII, so the response head stays ASCII; Content-Encoding
        exactly as sent but for the aws-chunked token; an empty Expect is no expectation."""
        host = b"Host: " + self.store.host_port.encode() + b"\r\n"
        cases = [(b"caf\xe9", b"=?UTF-8?Q?caf=C3=A9?="),                    # the Latin-1 byte
                 ("\u00e9t\u00e9 \u2713".encode(), b"=?UTF-8?Q?=C3=A9t=C3=A9_=E2=9C=93?="),  # UTF-8
                 (b"plain ascii", b"plain ascii")]
        for i, (value, sent_back) in enumerate(cases):
            path = "/neg/meta%d.bin" % i
            url = presign_bytes(self.store, "PUT", path, [(b"x-amz-meta-note", value)])
            status, body = self.raw(b"PUT " + url.encode() + b" HTTP/1.1\r\n" + host +
                                    b"x-amz-meta-note: " + value + b"\r\nContent-Encoding: aws-chunked,gzip\r\n"
                                    b"Expect:\r\nContent-Length: 2\r\n\r\nhi")
            self.assertEqual(status, 200, body)
            data = self.raw_get(path)
            head = data[:data.index(b"\r\n\r\n")]
            self.assertIn(b"\r\nx-amz-meta-note: " + sent_back + b"\r\n", head, value)
            self.assertTrue(all(c < 0x80 for c in head), head)
            self.assertIn(b"\r\nContent-Encoding: gzip\r\n", head)
        url = presign(self.store, "PUT", "/neg/enc.bin")
        status, body = self.raw(b"PUT " + url.encode() + b" HTTP/1.1\r\n" + host +
                                b"Content-Encoding: deflate, gzip\r\nContent-Length: 2\r\n\r\nhi")
        self.assertEqual(status, 200, body)
        self.assertIn(b"\r\nContent-Encoding: deflate, gzip\r\n", self.raw_get("/neg/enc.bin"))

    def test_dropped_upload_leaves_nothing(self):
        url = presign(self.store, "PUT", "/neg/dropped.bin")
        s = socket.create_connection(("127.0.0.1", self.store.port))
        s.sendall(("PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 10000000\r\n\r\n" % (url, self.store.host_port)).encode())
        s.sendall(os.urandom(3_000_000))
        time.sleep(0.3)
        s.close()
        deadline = time.time() + 10
        while time.time() < deadline and os.listdir(os.path.join(self.store.data, ".tmp")):
            time.sleep(0.1)
        self.assertEqual(os.listdir(os.path.join(self.store.data, ".tmp")), [])
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="neg", Key="dropped.bin")

    def test_a_reader_that_hangs_up_mid_get_does_not_stop_the_store(self):
        """A GET body goes out with sendfile, which raises SIGPIPE on a peer that is
        gone: a phone that drops off mid-download must cost its connection only."""
        body = os.urandom(32 << 20)
        self.s3.put_object(Bucket="neg", Key="big-read.bin", Body=body)
        url = presign(self.store, "GET", "/neg/big-read.bin")
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", self.store.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (url, self.store.host_port)).encode())
            self.assertTrue(s.recv(1024).startswith(b"HTTP/1.1 200"))
            time.sleep(0.2)  # the store is now blocked in sendfile on a full socket
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # RST: the store's next write meets EPIPE/ECONNRESET
        # A reader that hangs up (FIN) as soon as its request is out: the store's socket
        # is in CLOSE_WAIT when it answers, the peer's RST turns the next write into
        # EPIPE, the error on which a write raises SIGPIPE.
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", self.store.port))
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (url, self.store.host_port)).encode())
            s.close()
        time.sleep(0.5)
        self.assertIsNone(self.store.proc.poll(), "the store process ended")
        got = self.s3.get_object(Bucket="neg", Key="big-read.bin")["Body"].read()
        self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(body).digest())


if __name__ == "__main__":
    unittest.main()
