"""What the store benchmarks share (put_vs_nginx.py, overwrite_stall.py): the payload file,
and a `dropslot s3` process on a free loopback port with a boto3 client and a `bench`
bucket. Debian's /usr/bin/python3, for boto3.
"""
import os
import re
import subprocess

import boto3
from botocore.config import Config

KEY_ID, SECRET = "BENCHKEY", "benchsecret" * 4


def write_payload(path, mib):
    """`mib` MiB of random bytes (one random MiB repeated: the bytes are not what is measured)."""
    with open(path, "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(mib):
            f.write(block)


def start_store(binary, data_dir):
    """(process, boto3 client) for `dropslot s3` with 2 io threads on `data_dir`, bucket `bench` created."""
    env = dict(os.environ, DROPSLOT_S3_ACCESS_KEY_ID=KEY_ID, DROPSLOT_S3_SECRET_ACCESS_KEY=SECRET)
    proc = subprocess.Popen([binary, "s3", "--data", data_dir, "--listen", "127.0.0.1:0", "--threads", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        endpoint = re.search(r"(http://\S+)", proc.stdout.readline()).group(1)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                          aws_secret_access_key=SECRET,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="bench")
    except BaseException:
        proc.terminate()
        proc.wait()
        raise
    return proc, s3
