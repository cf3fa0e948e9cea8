// Peer for the upload-url benchmark: Node's http module and the AWS SDK for JS v3
// presigner doing the same presign as dropslot (PUT, content-type, content-length,
// if-none-match signed, 900 s), with no auth and no database.
// Usage: node node_presign_server.mjs PORT   (prints "listening PORT")
import http from 'node:http';
import { createRequire } from 'node:module';

// The SDK is installed once for the tests (tests/node_modules, locked there).
const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');

const port = Number(process.argv[2] || 0);
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9000',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
let next = 0;

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    try {
      const r = JSON.parse(body);
      next += 1;
      const key = `jobs/${r.job_id}/photo-${String(next).padStart(3, '0')}.jpg`;
      const cmd = new PutObjectCommand({ Bucket: 'uploads', Key: key, ContentType: r.content_type, ContentLength: r.size, IfNoneMatch: '*' });
      const url = await getSignedUrl(s3, cmd, {
        expiresIn: 900,
        signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']),
      });
      const out = JSON.stringify({
        url, method: 'PUT', key, expires_in: 900,
        expires_at: new Date(Date.now() + 900_000).toISOString(),
        headers: { 'Content-Type': r.content_type, 'Content-Length': String(r.size), 'If-None-Match': '*' },
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(out);
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'bad_request', message: String(e) } }));
    }
  });
});
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
