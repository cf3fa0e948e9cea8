// "Download all" on the staff page (issue 21): how soon the ZIP of a 50-photo job
// starts saving, streamed by the page's service worker against the Blob fallback
// (the same page in a context that blocks service workers), in one run.
//
//   node bench/staff/download_all.mjs --bin build/release/src/cli/dropslot \
//     [--photos 50] [--photo-kb 880] [--runs 3] [--profile desktop|phone]
//
// The job: N photos of the dashboard's stored size (880 KB, what a 12-MP photo
// becomes after the in-browser shrink, docs/benchmarks/dashboard.md), put into the
// bucket through the API's presigned PUTs, unthrottled. Then staff open the job and
// click "Download all" on a throttled link. The link is emulated by a forwarding HTTP
// proxy in this script (Chromium's --proxy-server, loopback included): one shared
// downstream rate for every connection and a round trip added before each answer. It
// stands in for the network, not for any part of AWS; DevTools' own throttling does
// not reach a service worker's fetches, so it cannot be used here. Profiles:
//   desktop: 20 Mbit/s down, 40 ms round trip;  phone: 1.6 Mbit/s down, 150 ms.
// Measured from the click, medians over the runs:
//   started:    Playwright's `download` event (the browser has begun the save);
//   first byte: the first byte of the ZIP in the downloads folder;
//   done:       the page says "Downloaded." (the last byte is out).
// Node needs playwright-core: run from the checkout (tests/node_modules).
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(join(root, 'tests', 'package.json'));
const { chromium } = require('playwright-core');
const { start_serve } = await import(join(root, 'tests', 'browser', 'serve.mjs'));

const { values: opt } = parseArgs({
  options: {
    bin: { type: 'string' },
    photos: { type: 'string', default: '50' },
    'photo-kb': { type: 'string', default: '880' },
    runs: { type: 'string', default: '3' },
    profile: { type: 'string', default: 'desktop' },
  },
});
const profiles = {
  desktop: { down_bps: 20e6, rtt_ms: 40, viewport: { width: 1280, height: 860 } },
  phone: { down_bps: 1.6e6, rtt_ms: 150, viewport: { width: 390, height: 844 } },
};
const link = profiles[opt.profile];
if (!opt.bin || !link) throw new Error('usage: --bin DROPSLOT [--profile desktop|phone]');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The emulated link: every answer waits one round trip, then its body is paced
// through one downstream budget shared by all connections (16 KB slices).
function start_link_proxy() {
  let next_free = 0;  // when the shared downstream link is next idle (ms)
  const pace = async (bytes) => {
    const now = Date.now();
    next_free = Math.max(next_free, now) + (bytes * 8 * 1000) / link.down_bps;
    if (next_free > now) await sleep(next_free - now);
  };
  const server = http.createServer((req, res) => {
    const target = new URL(req.url);
    const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, async (up) => {
      await sleep(link.rtt_ms);
      res.writeHead(up.statusCode, up.headers);
      up.pause();
      for await (const chunk of up) {
        for (let i = 0; i < chunk.length; i += 16384) {
          const slice = chunk.subarray(i, i + 16384);
          await pace(slice.length);
          if (!res.write(slice)) await new Promise((r) => res.once('drain', r));
        }
      }
      res.end();
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

async function fill_job(serve, ctx, n, kb) {
  const p = await ctx.newPage();
  await p.goto(serve.login_link);
  await p.locator('#job-list a.job').first().waitFor();
  const job = await p.evaluate(async ({ n, kb }) => {
    const jobs = await (await fetch('/api/jobs', { credentials: 'same-origin' })).json();
    const id = (Array.isArray(jobs) ? jobs : jobs.jobs)[0].id;
    for (let i = 0; i < n; i++) {
      const body = new Uint8Array(kb * 1024);
      for (let o = 0; o < body.length; o += 65536) crypto.getRandomValues(body.subarray(o, o + 65536));
      body.set([0xff, 0xd8, 0xff, 0xe0]);
      const grant = await (await fetch('/api/upload-url', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ job_id: id, content_type: 'image/jpeg', size: body.length, filename: `IMG_${i}.jpg` }),
      })).json();
      const put = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body });
      if (!put.ok) throw new Error(`PUT ${put.status}`);
    }
    return id;
  }, { n, kb });
  await p.close();
  return job;
}

async function measure(browser, proxy_url, serve, staff_link, job, downloads, variant) {
  const ctx = await browser.newContext({
    viewport: link.viewport, acceptDownloads: true,
    serviceWorkers: variant === 'streamed' ? 'allow' : 'block',
  });
  const p = await ctx.newPage();
  await p.goto(staff_link);
  await p.locator('#board-view').waitFor();
  await p.goto(`${serve.api}/staff/#/jobs/${job}`);
  await p.locator('#download-all:not([disabled])').waitFor();
  await sleep(500);  // the worker registered and active (the page waits up to 3 s for it)
  const before = new Set(readdirSync(downloads));
  const t0 = Date.now();
  const started = p.waitForEvent('download', { timeout: 900_000 }).then(() => Date.now() - t0);
  await p.click('#download-all');
  let first_byte = null;
  while (first_byte === null) {
    for (const f of readdirSync(downloads)) {
      if (before.has(f)) continue;
      try {
        if (statSync(join(downloads, f)).size > 0) first_byte = Date.now() - t0;
      } catch { /* renamed meanwhile */ }
    }
    if (first_byte === null) await sleep(10);
    if (Date.now() - t0 > 900_000) throw new Error('no download in 15 min');
  }
  await p.waitForFunction(() => /Downloaded|failed/.test(document.getElementById('download-status').textContent), null, { timeout: 900_000, polling: 50 });
  const done = Date.now() - t0;
  const status = await p.locator('#download-status').textContent();
  if (status !== 'Downloaded.') throw new Error(`${variant}: ${status}`);
  const out = { started: (await started) / 1000, first_byte: first_byte / 1000, done: done / 1000 };
  await ctx.close();
  return out;
}

const proxy = await start_link_proxy();
const proxy_url = `http://127.0.0.1:${proxy.address().port}`;
const downloads = mkdtempSync(join(tmpdir(), 'dropslot-zip-bench-'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  downloadsPath: downloads,
  proxy: { server: proxy_url, bypass: '<-loopback>' },
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
});
const serve = await start_serve([], { bin: resolve(opt.bin) });
try {
  const n = Number(opt.photos);
  const setup = await browser.newContext();
  const job = await fill_job(serve, setup, n, Number(opt['photo-kb']));
  await setup.close();
  const staff_id = await serve.admin('staff', 'add', '--name', 'Bench Staff', '--email', `bench-${randomBytes(4).toString('hex')}@example.com`);
  const results = { streamed: [], blob: [] };
  for (let run = 0; run < Number(opt.runs); run++) {
    for (const variant of ['streamed', 'blob']) {
      // A login link serves once: a fresh one for each context.
      const staff_link = await serve.admin('login-link', '--staff', staff_id, '--base-url', serve.api);
      const r = await measure(browser, proxy_url, serve, staff_link, job, downloads, variant);
      results[variant].push(r);
      console.error(`run ${run + 1} ${variant}: started ${r.started} s, first byte ${r.first_byte} s, done ${r.done} s`);
    }
  }
  const mb = (n * Number(opt['photo-kb'])) / 1024;
  console.log(`profile ${opt.profile}: ${link.down_bps / 1e6} Mbit/s down, ${link.rtt_ms} ms RTT; ${n} photos of ${opt['photo-kb']} KB (${mb.toFixed(1)} MB); ${opt.runs} runs`);
  console.log('| variant | save started (s) | first byte on disk (s) | last byte (s) |');
  console.log('|---|---|---|---|');
  for (const [v, rs] of Object.entries(results)) {
    console.log(`| ${v} | ${median(rs.map((r) => r.started)).toFixed(2)} | ${median(rs.map((r) => r.first_byte)).toFixed(2)} | ${median(rs.map((r) => r.done)).toFixed(1)} |`);
  }
  console.log(`floor of the last byte: ${((mb * 1024 * 1024 * 8) / link.down_bps).toFixed(1)} s (the bytes at the link's rate)`);
  console.log(`raw: ${JSON.stringify(results)}`);
} finally {
  await browser.close();
  await serve.stop();
  proxy.close();
  rmSync(downloads, { recursive: true, force: true });
}
