// The staff page's service worker (issue 21): "Download all" as a download that starts
// at once. The page hands it a job's photos (name, presigned GET, date) over a
// MessageChannel, then navigates to /staff/zip/<id>/<job>.zip; this worker answers
// that request with client-zip's streamed ZIP, so the browser's save begins before the
// first photo is fetched, and each photo flows from its GET into the file as it
// arrives: one photo's response at a time, never the whole job in memory, and never a
// byte through the API. Loaded as a module worker (Chromium); a browser that cannot
// register it gets the page's fallback (the ZIP assembled as a Blob, then saved).
import { downloadZip, predictLength } from '../vendor/client-zip/index.js';

const pending = new Map();  // id → { name, files, port, created }
const stale_ms = 60_000;     // a download not started within a minute is dropped
const zip_path = /^\/staff\/zip\/([0-9a-f]{32})\/[^/]+$/;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

// A safe file name for the ZIP and its entries: no path, no control characters, no quotes.
function safe_name(s, fallback) {
  const name = String(s ?? '').split(/[\\/]/).pop().replace(/[\u0000-\u001f\u007f"]/g, '_').trim();
  return name && name !== '.' && name !== '..' ? name.slice(0, 200) : fallback;
}

function valid_files(files) {
  if (!Array.isArray(files) || files.length === 0 || files.length > 10_000) return null;
  const out = [];
  for (const [i, f] of files.entries()) {
    let url;
    try {
      url = new URL(f.url);
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    const when = new Date(f.last_modified);
    const size = Number.isSafeInteger(f.size) && f.size >= 0 ? f.size : null;
    out.push({ name: safe_name(f.name, `photo-${i + 1}`), url: url.href, size, last_modified: Number.isNaN(when.getTime()) ? new Date() : when });
  }
  return out;
}

self.addEventListener('message', (e) => {
  const msg = e.data || {};
  const port = e.ports[0];
  if (msg.type !== 'zip' || !port) return;  // 'keepalive' needs no answer: receiving it keeps this worker running
  const files = valid_files(msg.files);
  if (typeof msg.id !== 'string' || !/^[0-9a-f]{32}$/.test(msg.id) || !files) {
    port.postMessage({ type: 'error', message: 'Bad download request.' });
    return;
  }
  const now = Date.now();
  for (const [id, p] of pending) if (now - p.created > stale_ms) pending.delete(id);
  pending.set(msg.id, { name: safe_name(msg.name, 'photos.zip'), files, port, created: now });
  port.postMessage({ type: 'ready' });
});

// The photos, fetched one after another as client-zip asks for the next entry; the
// page hears each one and the end.
async function* entries(job) {
  let done = 0;
  for (const f of job.files) {
    // no-store: the gallery's <img> may have cached this URL's answer without CORS
    // headers (the store sends them only to a request with an Origin).
    const res = await fetch(f.url, { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${f.name}`);
    yield { name: f.name, lastModified: f.last_modified, input: res };
    job.port.postMessage({ type: 'progress', done: ++done, total: job.files.length });
  }
}

function zip_response(job) {
  const zip = downloadZip(entries(job)).body;
  // Passes the bytes through unchanged, and tells the page once the last one is out.
  const tell = new TransformStream({
    flush() {
      job.port.postMessage({ type: 'done' });
    },
  });
  zip.pipeTo(tell.writable).catch((err) => job.port.postMessage({ type: 'error', message: String(err?.message || err) }));
  const headers = {
    'Content-Type': 'application/zip',
    'Content-Disposition': `attachment; filename="${job.name}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  // With every photo's size listed, the ZIP's exact length is known before its first
  // byte, and the browser shows the download's progress and time left.
  if (job.files.every((f) => f.size !== null))
    headers['Content-Length'] = String(predictLength(job.files.map((f) => ({ name: f.name, size: f.size }))));
  return new Response(tell.readable, { headers });
}

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (url.origin !== self.location.origin) return;
  const m = zip_path.exec(url.pathname);
  if (!m) return;  // everything else goes to the network as without this worker
  const job = pending.get(m[1]);
  pending.delete(m[1]);
  if (!job) {
    e.respondWith(new Response('This download has expired: start it again with "Download all" on the job page.\n',
      { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }));
    return;
  }
  e.respondWith(zip_response(job));
});
