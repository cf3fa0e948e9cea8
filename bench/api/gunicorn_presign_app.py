# Peer for the upload-url benchmark: a WSGI app under gunicorn with boto3 doing the
# same presign as dropslot (PUT, content-type and content-length signed, 900 s),
# with no auth and no database. Debian 12's botocore has no IfNoneMatch parameter
# on PutObject, so the if-none-match header is not part of its signature: it does
# slightly less work than the other two.
#   /usr/bin/python3 -m gunicorn -w 2 -b 127.0.0.1:PORT gunicorn_presign_app:app
import itertools
import json
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config

_s3 = boto3.session.Session(
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    region_name="us-east-1",
).client("s3", endpoint_url="http://127.0.0.1:9000",
         config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
_next = itertools.count(1)


def app(environ, start_response):
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        r = json.loads(environ["wsgi.input"].read(size))
        key = "jobs/%s/photo-%03d.jpg" % (r["job_id"], next(_next))
        url = _s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": "uploads", "Key": key, "ContentType": r["content_type"], "ContentLength": r["size"]},
            ExpiresIn=900,
        )
        out = json.dumps({
            "url": url, "method": "PUT", "key": key, "expires_in": 900,
            "expires_at": (datetime.now(timezone.utc) + timedelta(seconds=900)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "headers": {"Content-Type": r["content_type"], "Content-Length": str(r["size"]), "If-None-Match": "*"},
        }).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]
    except Exception as e:  # noqa: BLE001 - a benchmark peer answers 400 on any bad input
        out = json.dumps({"error": {"code": "bad_request", "message": str(e)}}).encode()
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [out]
