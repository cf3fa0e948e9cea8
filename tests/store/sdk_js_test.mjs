// npm's @aws-sdk/client-s3 (v3) with its defaults against `dropslot s3`: PutObject sends
// aws-chunked bodies with CRC32 trailers; Get/Head/List/Delete, multipart, a wrong
// checksum and presigned URLs. Exits non-zero on the first failed check.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { Readable } from "node:stream";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const endpoint = process.env.STORE_ENDPOINT;
const client = new S3Client({
  endpoint, region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId: process.env.STORE_KEY_ID, secretAccessKey: process.env.STORE_SECRET },
});

const bytes = async (body) => Buffer.from(await body.transformToByteArray());
const Bucket = "sdk-bucket";

await client.send(new CreateBucketCommand({ Bucket }));

// Defaults: a Buffer body goes out as aws-chunked with an x-amz-checksum-crc32 trailer.
const seenModes = new Set();
client.middlewareStack.add((next, context) => async (args) => {
  if (context.commandName === "PutObjectCommand") {
    const h = args.request.headers;
    seenModes.add(`${h["x-amz-content-sha256"]} ${h["content-encoding"] ?? ""} ${h["x-amz-trailer"] ?? ""}`);
  }
  return next(args);
}, { step: "finalizeRequest", name: "peek", priority: "low" });

for (const size of [0, 1, 65536, 3 * 1024 * 1024 + 7]) {
  const body = crypto.randomBytes(size);
  const Key = `sdk/obj-${size}.bin`;
  const put = await client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: "application/x-sdk",
                                                       Metadata: { size: String(size) } }));
  assert.ok(put.ETag, "ETag");
  const got = await client.send(new GetObjectCommand({ Bucket, Key }));
  assert.deepEqual(await bytes(got.Body), body, `round trip ${size}`);
  assert.equal(got.ContentType, "application/x-sdk");
  assert.equal(got.Metadata.size, String(size));
}
// A stream body goes out aws-chunked with an x-amz-checksum-crc32 trailer (the SDK's default).
for (const size of [0, 100, 1024 * 1024 + 3]) {
  const body = crypto.randomBytes(size);
  const Key = `sdk/stream-${size}.bin`;
  await client.send(new PutObjectCommand({ Bucket, Key, Body: Readable.from([body]), ContentLength: size }));
  const got = await client.send(new GetObjectCommand({ Bucket, Key }));
  assert.deepEqual(await bytes(got.Body), body, `stream round trip ${size}`);
}
console.log("PutObject sent:", [...seenModes].join(" | "));
// The point of this test: the SDK's default streaming mode with a CRC32 trailer.
assert.ok([...seenModes].some((m) => m.includes("STREAMING-UNSIGNED-PAYLOAD-TRAILER") && m.includes("x-amz-checksum-crc32")),
          [...seenModes].join(" | "));

// A stream body of unknown length also uses the chunked encoding.
const head = await client.send(new HeadObjectCommand({ Bucket, Key: "sdk/obj-65536.bin" }));
assert.equal(head.ContentLength, 65536);

// An explicit wrong CRC32 is refused with BadDigest (and nothing is stored).
await assert.rejects(
  client.send(new PutObjectCommand({ Bucket, Key: "sdk/bad", Body: Buffer.from("hello"), ChecksumCRC32: "AAAAAA==" })),
  (e) => e.name === "BadDigest" || e.Code === "BadDigest");
await assert.rejects(client.send(new HeadObjectCommand({ Bucket, Key: "sdk/bad" })), (e) => e.$metadata.httpStatusCode === 404);

// SHA-256 checksum, echoed back with ChecksumMode.
const shaBody = crypto.randomBytes(1000);
await client.send(new PutObjectCommand({ Bucket, Key: "sdk/sha", Body: shaBody, ChecksumAlgorithm: "SHA256" }));
const sha = await client.send(new GetObjectCommand({ Bucket, Key: "sdk/sha", ChecksumMode: "ENABLED" }));
assert.equal(sha.ChecksumSHA256, crypto.createHash("sha256").update(shaBody).digest("base64"));
await bytes(sha.Body);

// Multipart through the SDK (each part aws-chunked with its own trailer).
const parts = [crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(1000)];
const mp = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: "sdk/mp" }));
const done = [];
for (let i = 0; i < parts.length; i++) {
  const r = await client.send(new UploadPartCommand({ Bucket, Key: "sdk/mp", UploadId: mp.UploadId, PartNumber: i + 1, Body: parts[i] }));
  done.push({ PartNumber: i + 1, ETag: r.ETag });
}
await client.send(new CompleteMultipartUploadCommand({ Bucket, Key: "sdk/mp", UploadId: mp.UploadId, MultipartUpload: { Parts: done } }));
const mpGot = await client.send(new GetObjectCommand({ Bucket, Key: "sdk/mp" }));
assert.deepEqual(await bytes(mpGot.Body), Buffer.concat(parts));

const list = await client.send(new ListObjectsV2Command({ Bucket, Prefix: "sdk/" }));
assert.ok(list.Contents.some((o) => o.Key === "sdk/mp"));
assert.ok(!list.Contents.some((o) => o.Key === "sdk/bad"));

// Presigned PUT and GET (the presigner adds x-amz-checksum-crc32 of an empty body unless told).
const presignClient = new S3Client({
  endpoint, region: "us-east-1", forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED",
  credentials: { accessKeyId: process.env.STORE_KEY_ID, secretAccessKey: process.env.STORE_SECRET },
});
const pBody = crypto.randomBytes(4321);
const putUrl = await getSignedUrl(presignClient, new PutObjectCommand({ Bucket, Key: "sdk/presigned", ContentType: "image/jpeg" }), { expiresIn: 300 });
let r = await fetch(putUrl, { method: "PUT", body: pBody, headers: { "Content-Type": "image/jpeg" } });
assert.equal(r.status, 200, await r.text());
const getUrl = await getSignedUrl(presignClient, new GetObjectCommand({ Bucket, Key: "sdk/presigned" }), { expiresIn: 300 });
r = await fetch(getUrl);
assert.equal(r.status, 200);
assert.deepEqual(Buffer.from(await r.arrayBuffer()), pBody);

await client.send(new DeleteObjectCommand({ Bucket, Key: "sdk/presigned" }));
await assert.rejects(client.send(new HeadObjectCommand({ Bucket, Key: "sdk/presigned" })));
console.log("sdk-js: ok");
