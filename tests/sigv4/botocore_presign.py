#!/usr/bin/python3
"""Presigns every input line with Debian's botocore (the pure-Python SigV4 signer).

Usage: botocore_presign.py INPUT.jsonl OUTPUT.jsonl

Each input line: {method, bucket, key, region, style: auto|path|virtual|endpoint,
endpoint?, access_key, secret_key, token?, expires, time: "YYYYMMDDTHHMMSSZ",
content_type?, meta?: {name: value}, response_content_disposition?}.
Each output line: {"url": ...} or {"error": ...}, in the same order.
"""
import sys

# botocore switches to the CRT signer when awscrt is importable (same signature,
# different query order). Block it so the reference is botocore's own code.
sys.modules["awscrt"] = None

import datetime  # noqa: E402
import json  # noqa: E402
from unittest import mock  # noqa: E402

import botocore.auth  # noqa: E402
import botocore.compat  # noqa: E402
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402

if botocore.compat.HAS_CRT:
    sys.exit("botocore still uses the CRT signer")

_now = [datetime.datetime(2020, 1, 1)]


class _FixedClock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return _now[0]


METHODS = {"GET": "get_object", "PUT": "put_object", "HEAD": "head_object", "DELETE": "delete_object"}


def main(src, dst):
    session = botocore.session.get_session()
    clients = {}
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out, \
            mock.patch.object(botocore.auth.datetime, "datetime", _FixedClock):
        for line in f:
            item = json.loads(line)
            try:
                ident = (item["region"], item["style"], item.get("endpoint"), item["access_key"],
                         item["secret_key"], item.get("token"))
                client = clients.get(ident)
                if client is None:
                    s3 = {"addressing_style": {"auto": "auto", "path": "path", "virtual": "virtual",
                                               "endpoint": "path"}[item["style"]]}
                    client = session.create_client(
                        "s3", region_name=item["region"], endpoint_url=item.get("endpoint"),
                        aws_access_key_id=item["access_key"], aws_secret_access_key=item["secret_key"],
                        aws_session_token=item.get("token"),
                        config=Config(signature_version="s3v4", s3=s3))
                    clients[ident] = client
                params = {"Bucket": item["bucket"], "Key": item["key"]}
                if item.get("content_type"):
                    params["ContentType"] = item["content_type"]
                if item.get("meta"):
                    params["Metadata"] = item["meta"]
                if item.get("response_content_disposition"):
                    params["ResponseContentDisposition"] = item["response_content_disposition"]
                _now[0] = datetime.datetime.strptime(item["time"], "%Y%m%dT%H%M%SZ")
                url = client.generate_presigned_url(METHODS[item["method"]], Params=params,
                                                    ExpiresIn=item["expires"])
                out.write(json.dumps({"url": url}) + "\n")
            except Exception as e:  # one bad line must not hide the others
                out.write(json.dumps({"error": repr(e)}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
