#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target into corpus/<target>/ (run once; the
files are committed). The targets read their input through FuzzedDataProvider:
strings from the front (ConsumeRandomLengthString ends a string at a backslash
followed by another character), integers and booleans from the back. A seed is
therefore "<string>\\\\x<string>\\\\x...<document>" plus a few trailing bytes that pick
the mode. Real documents (XML bodies, policy JSON, API Gateway events, Range and
date headers) give the fuzzer a head start; it mutates from there."""
import base64, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
SEP = b"\\x"  # ends a ConsumeRandomLengthString


def write(target, name, data):
    d = os.path.join(here, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def s(*parts):
    return SEP.join(p if isinstance(p, bytes) else p.encode() for p in parts)


# 1-3, 6: sigv4 (mode bytes at the end; the rest feeds the generator or the raw parser)
auth = ("AWS4-HMAC-SHA256 Credential=AKIDFUZZEXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024")
write("sigv4_authorization", "raw_header", s("GET", "/test.txt", "", auth, "Host", "examplebucket.s3.amazonaws.com",
                                             "x-amz-date", "20130524T000000Z", "x-amz-content-sha256",
                                             "UNSIGNED-PAYLOAD", "Range", "bytes=0-9") + b"\x00\x00")
write("sigv4_authorization", "round_trip", s("my key/with ünïcode", "a b", "c=d", "X-Amz-Meta-A", "  two  spaces ") + b"\x01\x02\x03\x04\x05\x01")
write("sigv4_authorization", "streaming", s("GET", "/b/k", "", auth.replace("aws4_request", "aws4_request "),
                                            "x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER") + b"\x00")
q = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDFUZZEXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
     "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
     "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
write("sigv4_presign", "raw_query", q.encode() + b"\x00\x00")
write("sigv4_presign", "round_trip", s("photo 001.jpg", "response-content-type", "image/jpeg") + b"\x07\x00\x01\x02\x01")
write("sigv4_presign", "expires_edge", s("k", "X-Amz-Expires", "604801") + b"\xff\xff\xff\x01")
write("sigv4_canonical", "encodings", s("/a b/%2e%2e/../~%zz%41+", "q", "a b&c", "name", "", "X-Amz-Meta-A", "\tv  v ") + b"\x03\x02\x01")
write("sigv4_canonical", "unicode", s("/ünï/co de/%E2%82%AC", "€", "=&", "x", "y") + b"\x05\x04\x03\x02\x01")
policy = {"expiration": "2030-01-01T12:00:00.000Z",
          "conditions": [{"bucket": "uploads"}, ["starts-with", "$key", "user/"], {"acl": "private"},
                         ["content-length-range", 1, "1048576"], ["eq", "$Content-Type", "image/jpeg"],
                         {"x-amz-algorithm": "AWS4-HMAC-SHA256"}]}
write("post_policy", "policy", s("uploads", "key", "user/a.jpg", "Content-Type", "image/jpeg", "acl", "private") + SEP +
      json.dumps(policy).encode() + b"\x00\x00\x03\x00")
write("post_policy", "inject", s('up"loads', 'a"},{"key":"x', 'x-amz-meta-"', '"]}', "\\u0000") + b"\x01\x00\x02\x01")

# 4: aws-chunked
signed = (b"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" + b"a" * 1024 +
          b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
write("aws_chunked", "signed", s(signed) + b"\x00\x01\x00")
trailer = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"
write("aws_chunked", "unsigned_trailer", s(trailer) + b"\x01\x00\x00")
write("aws_chunked", "overflow", s(b"fffffffffffffffff;chunk-signature=x\r\n") + b"\x00\x00\x00")
write("aws_chunked", "round", s("0123456789abcdef" * 8) + b"\x10\x20\x01\x01\x01")

# 5: multipart/form-data
form = (b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuser/${filename}\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\neyJ9\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        b"\xff\xd8\xff\r\n--X\r\n--XyZ--\r\n")
write("form_data", "browser_form", s("multipart/form-data; boundary=XyZ") + SEP + form + b"\x00")
write("form_data", "round", s("bound", "key", "v", "Content-Type", "text/plain", "a.txt", "image/png", "bytes") + b"\x02\x01\x01")

# 7: key to path
for i, key in enumerate(["../../etc/passwd", "..\\..\\x", "%2e%2e/%2e%2e/x", "a\x00b", "/leading", "k" * 1030,
                         "jobs/J1/photo-001.jpg"]):
    write("key_path", f"key{i}", s(key, "image/jpeg", "tag", "value", "body") + b"\x00")

# 8: XML bodies (which: 0 complete, 1 delete, 2 cors; the last byte picks)
complete = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>"
delete = b"<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>../b</Key></Object></Delete>"
cors = (b"<CORSConfiguration><CORSRule><AllowedOrigin>http://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>"
        b"<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>")
write("s3_xml", "complete", s("", "", "") + SEP + complete + b"\x00")
write("s3_xml", "delete", s("", "", "") + SEP + delete + b"\x01")
write("s3_xml", "cors", s("http://a.example.com", "PUT", "content-type, x-amz-date") + SEP + cors + b"\x02")

# 9: Range and conditions
for i, rng in enumerate(["0-9", "-5", "100-", "5-1", "0-18446744073709551615", "-0", "1-2,3-4"]):
    write("http_conditions", f"range{i}", s(rng, '"abc"', "*", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                            '"abc"') + b"Sun Nov  6 08:49:37 1994" + b"\x01\x01\x01\x01\x01\x00\x10\x01\x00")

# 10: Host and path
for i, (host, path) in enumerate([("bucket.localhost:9000", "/key/with%2Fslash"), ("127.0.0.1:9000", "/bucket/a/../b"),
                                  ("BUCKET.S3.EXAMPLE.COM", "/%2e%2e/%2e%2e/etc"), ("[::1]:9000", "/b/" + "k" * 1100),
                                  ("127.0.0.1:9000", "/bucket/a%2541%252F%zz")]):
    write("addressing", f"target{i}", s(host) + path.encode() + b"\x00\x00")

# 11: API routes. Four control bytes first (api_json_fuzz.cpp: job, route, auth, flags),
# then the body: one seed per route, for the customer's own job and, on every job route,
# another customer's (the ownership property), each valid so that it gets past
# authentication, CSRF and the JSON parse. Routes: 0 login, 1 logout, 2 jobs, 3 job,
# 4 PATCH job, 5 photos, 6 upload-url, 7 POST quotes, 8 GET quotes, 9 healthz,
# 10 DELETE job, 11 settings, 12 DELETE photo. Auth: 0 Bearer, 2 cookie + X-Requested-With,
# 4 none. Flags: 1 JSON content type, 2 splice the job id into the body.
OWN, OTHER, GIVEN = 0, 1, 2
upload = {"filename": "a.jpg", "content_type": "image/jpeg", "size": 1000}
capture = {"content_type": "image/jpeg", "size": 1000, "client_id": "c-1", "captured_at": "2026-01-01T00:00:00Z",
           "thumbnail": {"content_type": "image/jpeg", "size": 100}}
api_seeds = {
    "login": (OWN, 0, 4, 1, {"code": "x" * 43}),
    "logout": (OWN, 1, 0, 0, None),
    "jobs": (OWN, 2, 0, 0, None),
    "job_own": (OWN, 3, 0, 0, None),
    "job_other": (OTHER, 3, 0, 0, None),
    "patch_own": (OWN, 4, 2, 1, {"notes": "n", "access_instructions": "gate code 1234"}),
    "patch_other": (OTHER, 4, 0, 1, {"notes": "n"}),
    "photos_own": (OWN, 5, 0, 0, None),
    "photos_other": (OTHER, 5, 0, 0, None),
    "upload_own": (OWN, 6, 0, 3, upload),
    "upload_other": (OTHER, 6, 0, 3, upload),
    "upload_capture_own": (OWN, 6, 2, 3, capture),
    "upload_capture_other": (OTHER, 6, 0, 3, capture),
    "upload_checksum_other": (OTHER, 6, 0, 3, dict(upload, checksum_sha256="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")),
    "quote_own": (OWN, 7, 2, 3, {"description": "fix", "preferred_date": "2026-02-01"}),
    "quote_other": (OTHER, 7, 0, 3, {"description": "fix"}),
    "quotes": (OWN, 8, 0, 0, None),
    "healthz": (OWN, 9, 4, 0, None),
    "delete_job_other": (OTHER, 10, 0, 0, None),
    "settings": (OWN, 11, 4, 0, None),
    "delete_photo_own": (OWN, 12, 2, 0, None),
    "delete_photo_other": (OTHER, 12, 0, 0, None),
}
for name, (job, route, auth_mode, flags, body) in api_seeds.items():
    write("api_json", name, bytes([job, route, auth_mode, flags]) + (json.dumps(body).encode() if body else b""))
traversal = b"../../x"
write("api_json", "upload_traversal", bytes([GIVEN, 6, 0, 3, len(traversal)]) + traversal +
      json.dumps({"filename": "\u0000", "content_type": "text/html", "size": -1}).encode())
write("api_json", "job_traversal", bytes([GIVEN, 3, 0, 0, 9]) + b"%2e%2e%2fx")

# 12: API Gateway events
v1 = {"resource": "/{proxy+}", "path": "/upload-url", "httpMethod": "POST",
      "multiValueHeaders": {"Content-Type": ["application/json"], "Cookie": ["a=1", "b=2"]},
      "headers": {"Content-Type": "application/json"}, "queryStringParameters": {"a": "1"},
      "multiValueQueryStringParameters": {"a": ["1", "2"]}, "requestContext": {"stage": "prod"},
      "body": base64.b64encode(b'{"job_id":"J1"}').decode(), "isBase64Encoded": True}
v2 = {"version": "2.0", "routeKey": "$default", "rawPath": "/prod/jobs/J1", "rawQueryString": "a=1&b=%20",
      "cookies": ["s=1"], "headers": {"content-type": "application/json"},
      "requestContext": {"http": {"method": "GET", "path": "/prod/jobs/J1"}, "stage": "prod"},
      "body": "{}", "isBase64Encoded": False}
write("lambda_event", "rest_v1.json", json.dumps(v1))
write("lambda_event", "http_v2.json", json.dumps(v2))
write("lambda_event", "bad_base64.json", json.dumps(dict(v1, body="!!!")))
write("lambda_event", "not_an_event.json", '{"Records": []}')

# 13: user metadata values (raw header bytes): obs-text, encoded-words of each charset and
# both encodings, junk that only looks like one, and a value whose decoded text is itself
# an encoded-word (sent back as it is, it would read back as other text)
meta_seeds = [b"caf\xe9 \xff", "\u00e9t\u00e9 \u2713".encode(), b"\x04mymeta", b"a=b?c_d e",
              b"=?UTF-8?B?w6l0w6k=?=", b"=?iso-8859-1?q?caf=E9?= =?UTF-8?Q?_ok?=", b"=?us-ascii?Q?plain_text?=",
              b"=?UTF-8?Q?=ZZ?=", b"=?koi8-r?B?8tXT08vJyg==?=", b"=?UTF-8?Q?=3D=3FUTF-8=3FQ=3Fa=3F=3D?=",
              b"=?UTF-8?Q?=0D=0Ax-injected:_1?="]
for i, v in enumerate(meta_seeds):
    write("meta_encoding", f"value{i}", v)
