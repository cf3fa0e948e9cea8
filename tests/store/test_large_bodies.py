"""Bodies past 8 MiB take the store's block path (received in place into aligned blocks,
MD5 on a helper thread, O_DIRECT writes): every way a body can arrive must still store
the exact bytes with the right ETag, and every digest it declares must still be checked.
Sizes straddle the 2 MiB block and 4 KiB alignment edges; aws-chunked bodies (signed
chunks, unsigned chunks with a CRC32 trailer) are decoded in place, with odd chunk sizes."""
import base64
import hashlib
import hmac
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from store_harness import DeclaredPayloadAuth, Store, error_code, random_file  # noqa: E402

from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

MiB = 1024 * 1024


def send(store, method, path, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", store.port, timeout=120)
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def send_reading_early(store, path, headers, body):
    """PUTs `body` (bytes, or a file name) while reading the answer: a store that fails
    mid-body answers and closes without reading the rest, so the answer must be read while
    the body may still be going out."""
    s = socket.create_connection(("127.0.0.1", store.port), timeout=60)
    size = os.path.getsize(body) if isinstance(body, str) else len(body)
    head = "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (path, store.host_port, size)
    head += "".join("%s: %s\r\n" % kv for kv in headers.items() if kv[0].lower() not in ("host", "content-length"))

    def send_body():
        try:
            s.sendall(head.encode() + b"\r\n")
            if isinstance(body, bytes):
                s.sendall(body)
                return
            with open(body, "rb") as f:
                while chunk := f.read(MiB):
                    s.sendall(chunk)
        except OSError:
            pass  # the store closed: its answer is what counts

    sender = threading.Thread(target=send_body)
    sender.start()
    try:
        f = s.makefile("rb")
        status = int(f.readline().split()[1])
        length = 0
        while (line := f.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return status, f.read(length)
    finally:
        try:
            s.shutdown(socket.SHUT_RDWR)  # stops the sender
        except OSError:
            pass  # already reset by the store
        sender.join()
        s.close()


def signed(store, path, payload, headers):
    req = AWSRequest(method="PUT", url=store.endpoint + path, headers=dict(headers))
    DeclaredPayloadAuth(Credentials(store.key_id, store.secret), payload).add_auth(req)
    return dict(req.headers.items())


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_chunks(store, headers, data, chunk, tamper=False):
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD: each chunk signed, chained from the seed signature."""
    seed = re.search(r"Signature=([0-9a-f]+)", headers["Authorization"]).group(1)
    amz_date = headers["X-Amz-Date"]
    scope = "%s/us-east-1/s3/aws4_request" % amz_date[:8]
    key = hmac256(("AWS4" + store.secret).encode(), amz_date[:8])
    for part in ("us-east-1", "s3", "aws4_request"):
        key = hmac256(key, part)
    empty = hashlib.sha256(b"").hexdigest()
    out, prev = [], seed
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for n, piece in enumerate(pieces):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hashlib.sha256(piece).hexdigest()])
        prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        if tamper and n == len(pieces) // 2:
            piece = bytes([piece[0] ^ 1]) + piece[1:]
        out.append(b"%x;chunk-signature=%s\r\n%s\r\n" % (len(piece), prev.encode(), piece))
    return b"".join(out)


def unsigned_chunks(data, chunk, crc=None):
    crc = crc if crc is not None else zlib.crc32(data)
    out = [b"%x\r\n%s\r\n" % (len(data[i:i + chunk]), data[i:i + chunk]) for i in range(0, len(data), chunk)]
    trailer = base64.b64encode(crc.to_bytes(4, "big"))
    return b"".join(out) + b"0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % trailer


code = error_code


class LargeBodies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = Store()
        cls.s3 = cls.store.boto3()
        cls.s3.create_bucket(Bucket="large")

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def assertStored(self, key, data):
        obj = self.s3.get_object(Bucket="large", Key=key)
        self.assertEqual(obj["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        got = obj["Body"].read()
        self.assertEqual(len(got), len(data))
        self.assertTrue(got == data, "stored bytes differ")

    def assertAbsent(self, key):
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket="large", Key=key)

    def test_presigned_put_sizes(self):
        for size in (8 * MiB + 1, 16 * MiB, 16 * MiB + 4096, 21 * MiB + 4097):
            data = os.urandom(size)
            url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "large", "Key": "p%d" % size})
            path = url[len(self.store.endpoint):]
            status, h, body = send(self.store, "PUT", path, {}, data)
            self.assertEqual(status, 200, body)
            self.assertEqual(h["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
            self.assertStored("p%d" % size, data)

    def test_hashed_payload_and_content_md5(self):
        data = os.urandom(12 * MiB + 3)
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        self.s3.put_object(Bucket="large", Key="hashed", Body=data, ContentMD5=md5)
        self.assertStored("hashed", data)
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        with self.assertRaises(ClientError) as e:
            self.s3.put_object(Bucket="large", Key="hashed", Body=os.urandom(9 * MiB), ContentMD5=wrong)
        self.assertEqual(e.exception.response["Error"]["Code"], "BadDigest")
        self.assertStored("hashed", data)  # the old version stays
        hs = signed(self.store, "/large/sha-mismatch", hashlib.sha256(b"not the body").hexdigest(), {})
        status, _, body = send(self.store, "PUT", "/large/sha-mismatch", hs, os.urandom(10 * MiB))
        self.assertEqual((status, code(body)), (400, "XAmzContentSHA256Mismatch"))
        self.assertAbsent("sha-mismatch")

    def test_signed_chunks_decoded_in_place(self):
        data = os.urandom(11 * MiB + 777)
        for chunk in (64 * 1024, 1000_003, 3 * MiB):
            key = "signed-%d" % chunk
            # The signature covers the headers, so the encoded length is computed first.
            encoded_len = len(signed_chunks(self.store, {"Authorization": "Signature=0", "X-Amz-Date": "20250101T000000Z"},
                                            data, chunk))
            hs = signed(self.store, "/large/" + key, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", {
                "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
                "Content-Length": str(encoded_len)})
            body = signed_chunks(self.store, hs, data, chunk)
            status, h, resp = send(self.store, "PUT", "/large/" + key, hs, body)
            self.assertEqual(status, 200, resp)
            self.assertStored(key, data)
        hs = signed(self.store, "/large/tampered", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", {
            "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
            "Content-Length": str(encoded_len)})
        status, resp = send_reading_early(self.store, "/large/tampered", hs,
                                          signed_chunks(self.store, hs, data, 3 * MiB, tamper=True))
        self.assertEqual((status, code(resp)), (403, "SignatureDoesNotMatch"))
        self.assertAbsent("tampered")

    def test_unsigned_chunks_with_crc_trailer(self):
        data = os.urandom(9 * MiB + 12345)
        for key, crc, want in (("trailer-ok", None, 200), ("trailer-bad", 12345, 400)):
            body = unsigned_chunks(data, 65_537, crc)
            hs = signed(self.store, "/large/" + key, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", {
                "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
                "x-amz-trailer": "x-amz-checksum-crc32", "Content-Length": str(len(body))})
            status, _, resp = send(self.store, "PUT", "/large/" + key, hs, body)
            self.assertEqual(status, want, resp)
        self.assertStored("trailer-ok", data)
        self.assertAbsent("trailer-bad")

    def test_keep_alive_head_with_body_and_transfer_encoding(self):
        """Two large PUTs and a small one on one connection, the first sent in one piece with its head
        (so part of the body is read with the head), then a Transfer-Encoding: chunked PUT."""
        bodies = [os.urandom(10 * MiB + 5), os.urandom(9 * MiB), b"small"]
        with socket.create_connection(("127.0.0.1", self.store.port), timeout=60) as s:
            f = s.makefile("rb")
            for n, data in enumerate(bodies):
                url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "large", "Key": "ka%d" % n})
                path = url[len(self.store.endpoint):]
                head = ("PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n"
                        % (path, self.store.host_port, len(data))).encode()
                s.sendall(head + data)
                status = f.readline()
                self.assertIn(b" 200 ", status)
                length = 0
                while True:
                    line = f.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                f.read(length)
        for n, data in enumerate(bodies):
            self.assertStored("ka%d" % n, data)
        data = os.urandom(10 * MiB + 99)
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "large", "Key": "te"})
        conn = http.client.HTTPConnection("127.0.0.1", self.store.port, timeout=60)
        conn.request("PUT", url[len(self.store.endpoint):], body=iter([data[:3 * MiB], data[3 * MiB:]]),
                     encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 200, r.read())
        conn.close()
        self.assertStored("te", data)


class LargeBodiesDiskFull(unittest.TestCase):
    """A large body that does not fit fails cleanly on both write paths: O_DIRECT on ext4 (a loop
    mount) and tmpfs. Needs root to mount; skipped with the reason otherwise."""

    def mount(self, kind):
        if os.geteuid() != 0:
            self.skipTest("mounting needs root")
        mnt = tempfile.mkdtemp(prefix="dropslot-large-full-")
        self.addCleanup(os.rmdir, mnt)
        if kind == "tmpfs":
            cmd = ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt]
        else:
            image = os.path.join(tempfile.gettempdir(), "dropslot-large-full-%d.img" % os.getpid())
            with open(image, "wb") as f:
                f.truncate(32 * MiB)
            self.addCleanup(os.remove, image)
            r = subprocess.run(["mkfs.ext4", "-q", "-F", image], capture_output=True, text=True)
            if r.returncode != 0:
                self.skipTest("mkfs.ext4: " + r.stderr.strip())
            cmd = ["mount", "-o", "loop", image, mnt]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest("cannot mount %s here: %s" % (kind, r.stderr.strip()))
        self.addCleanup(self.unmount, mnt)
        return mnt

    @staticmethod
    def unmount(mnt):
        # A loop mount can stay busy for a moment after the store exits: detach it lazily
        # then, so the mount point can go.
        if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mnt], check=False)

    def check(self, kind):
        store = Store(data_dir=os.path.join(self.mount(kind), "data"))
        try:
            s3 = store.boto3()
            s3.create_bucket(Bucket="full")
            src = random_file(os.path.join(store.tmp, "big.bin"), 40 * MiB)
            url = s3.generate_presigned_url("put_object", Params={"Bucket": "full", "Key": "big"})
            status, body = send_reading_early(store, url[len(store.endpoint):], {}, src)
            self.assertEqual(status, 500, body)
            self.assertTrue(code(body))
            with self.assertRaises(ClientError):
                s3.head_object(Bucket="full", Key="big")
            self.assertEqual(os.listdir(os.path.join(store.data, ".tmp")), [])
            # The space is back: a body that fits goes through, same process.
            data = os.urandom(9 * MiB + 5)
            s3.put_object(Bucket="full", Key="fits", Body=data)
            self.assertEqual(s3.get_object(Bucket="full", Key="fits")["Body"].read(), data)
        finally:
            store.close()

    def test_ext4_direct(self):
        self.check("ext4")

    def test_tmpfs(self):
        self.check("tmpfs")


if __name__ == "__main__":
    unittest.main()
