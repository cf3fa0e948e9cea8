// The AWS SDK for JavaScript v3's presign loop on the shared inputs.
// Usage: node sdk_v3_presign.mjs ITERATIONS BATCHES   (run from anywhere; resolves
// the SDK from tests/node_modules). Prints one JSON line like boto3_presign.py.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tests", "package.json"));
const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const { getSignedUrl } = require("@aws-sdk/s3-request-presigner");

const [iterations, batches] = process.argv.slice(2).map(Number);
const client = new S3Client({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  // Otherwise the presigner adds an x-amz-checksum-crc32 of an empty body (DESIGN.md).
  requestChecksumCalculation: "WHEN_REQUIRED",
});
const input = { Bucket: "uploads", Key: "jobs/J-1001/photo-001.jpg", ContentType: "image/jpeg" };
const url = await getSignedUrl(client, new PutObjectCommand(input), { expiresIn: 900 });  // warm-up
// CPU time (user + system) compares fairly on a shared machine; wall time is reported too.
const perOp = [];
const perOpWall = [];
for (let b = 0; b < batches; b++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    await getSignedUrl(client, new PutObjectCommand(input), { expiresIn: 900 });
  }
  const c = process.cpuUsage(c0);
  perOp.push(((c.user + c.system) * 1000) / iterations);
  perOpWall.push(Number(process.hrtime.bigint() - t0) / iterations);
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(JSON.stringify({ peer: "AWS SDK for JS v3", median_ns: median(perOp), median_wall_ns: median(perOpWall), batches_ns: perOp, url }));
