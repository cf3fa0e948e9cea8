#!/usr/bin/python3
"""The peer for the cold-start benchmark: a Python custom runtime doing the same
presign work as `dropslot lambda`'s POST /upload-url, with boto3 (Debian's,
hence /usr/bin/python3). It speaks the Runtime API directly (http.client, one
kept-alive connection), as a `provided` runtime would, so the comparison is
process start -> first answer for both. It does no session or database work, so
it does less than dropslot does."""
import http.client
import json
import os

import boto3
from botocore.config import Config

# Init, once per sandbox (as dropslot's make_api): the client and its signer.
region = os.environ.get("AWS_REGION", "us-east-1")
bucket = os.environ.get("DROPSLOT_BUCKET", "uploads")
endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or None
s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint,
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path" if endpoint else "auto"}))
runtime = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
counters = {}


def handle(event):
    body = json.loads(event.get("body") or "{}")
    job = body["job_id"]
    counters[job] = counters.get(job, 0) + 1
    key = "jobs/%s/photo-%03d.jpg" % (job, counters[job])
    # Debian's botocore 1.29 cannot sign If-None-Match (newer ones can); dropslot signs it.
    headers = {"content-type": body["content_type"], "content-length": str(body["size"])}
    url = s3.generate_presigned_url("put_object", ExpiresIn=900, Params={
        "Bucket": bucket, "Key": key, "ContentType": body["content_type"], "ContentLength": body["size"]})
    out = {"url": url, "method": "PUT", "headers": headers, "key": key, "expires_in": 900}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Content-Type": ["application/json"]},
            "body": json.dumps(out), "isBase64Encoded": False}


while True:
    runtime.request("GET", "/2018-06-01/runtime/invocation/next")
    res = runtime.getresponse()
    event = res.read()
    request_id = res.getheader("Lambda-Runtime-Aws-Request-Id")
    answer = json.dumps(handle(json.loads(event))).encode()
    runtime.request("POST", "/2018-06-01/runtime/invocation/%s/response" % request_id, body=answer,
                    headers={"Content-Type": "application/json"})
    runtime.getresponse().read()
