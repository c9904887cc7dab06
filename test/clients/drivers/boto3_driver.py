"""Drives boto3 for test/clients/boto3.test.ts (through test/clients/boto3.ts): one JSON command per stdin line, one JSON answer per line.

A command is {"call": name, "args": {...}}. Values {"$bytes": n, "fill": c} become n bytes of c; {"$key": hex}
becomes the raw key bytes (boto3 base64-encodes SSE-C keys and computes their MD5 itself). "upload_fileobj" and
"copy" are s3transfer's managed transfers, with a 5 MiB multipart threshold. Answers carry no key material.
"""
import io
import json
import sys

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

MiB = 1024 * 1024


def decode(v):
    if isinstance(v, dict):
        if "$bytes" in v:
            return bytes([v.get("fill", 0)]) * v["$bytes"]
        if "$key" in v:
            return bytes.fromhex(v["$key"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def main():
    endpoint, ca = sys.argv[1], sys.argv[2]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        verify=ca,
        region_name="cn-north-4",
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    transfer = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2)
    print(json.dumps({"ready": boto3.__version__}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        call, args = cmd["call"], decode(cmd.get("args", {}))
        try:
            if call == "upload_fileobj":
                body = args.pop("Body")
                s3.upload_fileobj(io.BytesIO(body), args.pop("Bucket"), args.pop("Key"), ExtraArgs=args, Config=transfer)
                out = {}
            elif call == "copy":
                s3.copy(args.pop("CopySource"), args.pop("Bucket"), args.pop("Key"), ExtraArgs=args, Config=transfer)
                out = {}
            else:
                r = getattr(s3, call)(**args)
                out = {k: r[k] for k in ("UploadId", "ETag") if k in r}
                if "CopyPartResult" in r:
                    out["ETag"] = r["CopyPartResult"]["ETag"]
                if "Body" in r:
                    out["Body"] = r["Body"].read().decode("latin-1")
            print(json.dumps({"ok": True, **out}), flush=True)
        except Exception as e:  # every failure is an answer: the test decides whether it was expected
            print(json.dumps({"ok": False, "error": type(e).__name__, "message": str(e)[:300]}), flush=True)


main()
