// The dashboard on a throttled phone (issue 15), before and after, in one run.
//
//   node bench/dashboard/phone.mjs --after-bin build/release/src/cli/dropslot \
//     [--before-bin /tmp/base/build/release/src/cli/dropslot --before-web /tmp/base/web] \
//     [--before-env NAME=VALUE]... [--after-env NAME=VALUE]... \
//     [--runs 3] [--photos 20] [--before-photos 20] [--before-runs 1]
//
// The phone: Chromium at 390×844, the link throttled through the DevTools
// protocol (Network.emulateNetworkConditions) to 1.6 Mbit/s down, 0.75 Mbit/s
// up and 150 ms round trip, for every request of the page, the bucket's
// included. Each variant gets its own `dropslot serve` (embedded store, fresh
// data dir) serving its own web/ folder. Measured, medians over the runs:
//
//  1. drawer: a job of N photos opened (cold browser cache) until every <img>
//     in the grid has loaded and decoded;
//  2. the bytes that drawer moved (encodedDataLength of every response after
//     the click: the API's listing and every image);
//  3. one 12-MP photo from setInputFiles to its local preview showing in the
//     grid (a dashboard without previews: none);
//  4. from setInputFiles to the first "Received" on screen: the server's
//     answer to `complete` (issue 22) shown on the photo's tile (a server
//     without receipts: none);
//  5. from setInputFiles to the bucket's copy in the grid, loaded, decoded and,
//     when the server keeps receipts, marked `received` by it;
//  6. the bytes uploaded for that photo (the stored object plus its thumbnail).
//
// The job's photos are put there through the same dashboard, unthrottled.
// Photos: tests/browser/photos.mjs (12 MP, 3.4 MB, orientation 6, GPS).
// Node needs playwright-core: run from the checkout (tests/node_modules).
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(join(root, 'tests', 'package.json'));
const { chromium } = require('playwright-core');
const { start_serve } = await import(join(root, 'tests', 'browser', 'serve.mjs'));
const { copies, photo } = await import(join(root, 'tests', 'browser', 'photos.mjs'));

const { values: opt } = parseArgs({
  options: {
    'after-bin': { type: 'string' },
    'after-web': { type: 'string', default: join(root, 'web') },
    'before-bin': { type: 'string' },
    'before-web': { type: 'string' },
    runs: { type: 'string', default: '3' },
    'before-runs': { type: 'string' },
    photos: { type: 'string', default: '20' },
    'before-photos': { type: 'string' },
    'before-env': { type: 'string', multiple: true, default: [] },
    'after-env': { type: 'string', multiple: true, default: [] },
  },
});
const env_of = (pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));

export const link = { down_bps: 1.6e6, up_bps: 0.75e6, rtt_ms: 150 };
const phone = { viewport: { width: 390, height: 844 }, timezoneId: 'UTC' };
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: link.rtt_ms,
    downloadThroughput: link.down_bps / 8,
    uploadThroughput: link.up_bps / 8,
  });
  // Bytes received, counted per finished request from now on.
  const bytes = { received: 0, requests: 0, complete: { requests: 0, up: 0, down: 0 } };
  // The receipt's own cost (issue 22): POST .../complete, its request headers
  // (it has no body) up and its whole answer down.
  const completes = new Set();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.method === 'POST' && /\/photos\/[^/]+\/complete$/.test(new URL(e.request.url).pathname)) completes.add(e.requestId);
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
    if (!completes.has(e.requestId)) return;
    bytes.complete.requests++;
    bytes.complete.up += Object.entries(e.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0) + 60;
  });
  cdp.on('Network.loadingFinished', (e) => {
    bytes.received += e.encodedDataLength;
    bytes.requests++;
    if (completes.has(e.requestId)) bytes.complete.down += e.encodedDataLength;
  });
  return { cdp, bytes };
}

// Every grid image loaded and decoded.
async function grid_ready(p, n, timeout) {
  await p.waitForFunction((count) => {
    const imgs = [...document.querySelectorAll('#photo-grid img')];
    return imgs.length === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, n, { timeout, polling: 50 });
  await p.evaluate(() => Promise.all([...document.querySelectorAll('#photo-grid img')].map((i) => i.decode().catch(() => {}))));
}

async function api_json(p, path) {
  return p.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).json(), `/api${path}`);
}

// The new photo's tile from the bucket: loaded, decoded, and marked received
// when the server says so (a listing without `state` has no receipts).
async function received(p, n, timeout) {
  await p.waitForFunction((count) => {
    const tiles = [...document.querySelectorAll('#photo-grid li')];
    if (tiles.length !== count) return false;
    const last = tiles.at(-1);
    const img = last.querySelector('img');
    return img && img.complete && img.naturalWidth > 0 && (!last.dataset.state || last.dataset.state === 'received');
  }, n, { timeout, polling: 50 });
}

async function measure_variant(name, bin, web, runs, n_photos, browser, picks, env) {
  const serve = await start_serve(['--web', web], { bin, env });
  const out = { name, env, drawer_s: [], drawer_bytes: [], preview_s: [], receipt_s: [], pick_s: [], upload_bytes: [] };
  try {
    const ctx = await browser.newContext(phone);
    const p = await ctx.newPage();
    await p.goto(serve.login_link);
    await p.locator('#job-list a.job').first().waitFor();
    const jobs = await api_json(p, '/jobs');
    const list = Array.isArray(jobs) ? jobs : jobs.jobs;
    const [drawer_job, pick_job] = [list[0].id, list[1].id];

    // The drawer's photos, through this variant's own dashboard (unthrottled).
    await p.goto(`${serve.api}/#/jobs/${drawer_job}`);
    await p.locator('#drawer-content').waitFor();
    await p.setInputFiles('#add-photos', picks.slice(0, n_photos));
    await p.waitForFunction((n) => document.querySelectorAll('#upload-list li.upload-done').length === n, n_photos, { timeout: 600_000 });
    await grid_ready(p, n_photos, 600_000);
    const cookies = await ctx.cookies();
    await ctx.close();

    for (let run = 0; run < runs; run++) {
      // 1 and 2: a cold phone opens the drawer.
      const c = await browser.newContext(phone);
      await c.addCookies(cookies);
      let q = await c.newPage();
      await q.goto(`${serve.api}/#/`);
      await q.locator(`#job-list a.job[data-id="${drawer_job}"]`).waitFor();
      const { bytes } = await throttle(q);
      const t0 = Date.now();
      await q.locator(`#job-list a.job[data-id="${drawer_job}"]`).click();
      await grid_ready(q, n_photos, 900_000);
      out.drawer_s.push((Date.now() - t0) / 1000);
      out.drawer_bytes.push(bytes.received);

      // 3 and 4: one photo picked in another job, until its thumbnail shows.
      // A fresh tab (same phone, same link), on the job's drawer once listed.
      await q.close();
      q = await c.newPage();
      const pick_link = await throttle(q);
      await q.goto(`${serve.api}/#/jobs/${pick_job}`);
      await q.locator('#drawer-content').waitFor();
      await q.waitForFunction(() => document.getElementById('photos-status').textContent !== '');
      const before = await q.locator('#photo-grid img').count();
      await grid_ready(q, before, 900_000);
      const has_preview = await q.locator('#sending-grid').count();
      // The first moment the new photo's tile says "received" (the server's word):
      // its local tile, or its listed tile once it has one.
      await q.evaluate((listed) => {
        window.bench_receipt_at = 0;
        const timer = setInterval(() => {
          const tiles = document.querySelectorAll('#photo-grid li');
          if (document.querySelector('#sending-grid li[data-state="received"]') ||
              (tiles.length > listed && tiles[tiles.length - 1].dataset.state === 'received')) {
            window.bench_receipt_at = Date.now();
            clearInterval(timer);
          }
        }, 10);
      }, before);
      const t1 = Date.now();
      await q.setInputFiles('#add-photos', picks[0]);
      if (has_preview) {
        await q.waitForFunction(() => [...document.querySelectorAll('#sending-grid img')].some((i) => i.complete && i.naturalWidth > 0), null, { timeout: 900_000, polling: 20 });
        out.preview_s.push((Date.now() - t1) / 1000);
      }
      await received(q, before + 1, 900_000);
      await grid_ready(q, before + 1, 900_000);
      out.pick_s.push((Date.now() - t1) / 1000);
      const receipt_at = await q.evaluate(() => window.bench_receipt_at);
      if (receipt_at) out.receipt_s.push((receipt_at - t1) / 1000);
      out.complete = pick_link.bytes.complete; // requests and bytes of the confirmation
      const listing = await api_json(q, `/jobs/${pick_job}/photos`);
      const newest = (listing.photos || []).at(-1);
      if (!newest) throw new Error(`no photo listed: ${JSON.stringify(listing)}`);
      let uploaded = newest.size;
      if (newest.thumb_url) uploaded += (await (await fetch(newest.thumb_url)).arrayBuffer()).byteLength;
      out.upload_bytes.push(uploaded);
      await c.close();
      console.error(`${name} run ${run + 1}: drawer ${out.drawer_s.at(-1)} s, ${out.drawer_bytes.at(-1)} B; preview ${out.preview_s.at(-1) ?? '-'} s; receipt ${out.receipt_s.at(-1) ?? '-'} s; bucket copy ${out.pick_s.at(-1)} s, ${uploaded} B up`);
    }
  } finally {
    await serve.stop();
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
});
const work = mkdtempSync(join(tmpdir(), 'dropslot-phone-bench-'));
try {
  const n = Number(opt.photos);
  const picks = [];
  for (let seed = 1; seed <= 4; seed++) picks.push(...(await copies(work, Math.ceil(n / 4), seed)));
  await photo(1);
  const variants = [];
  if (opt['before-bin']) {
    const before_web = opt['before-web'] || join(dirname(dirname(dirname(dirname(resolve(opt['before-bin']))))), 'web');
    variants.push(await measure_variant('before', opt['before-bin'], before_web, Number(opt['before-runs'] || opt.runs), Number(opt['before-photos'] || n), browser, picks, env_of(opt['before-env'])));
  }
  if (opt['after-bin']) variants.push(await measure_variant('after', opt['after-bin'], opt['after-web'], Number(opt.runs), n, browser, picks, env_of(opt['after-env'])));

  const kb = (b) => (b / 1024).toFixed(0);
  console.log(`link: ${link.down_bps / 1e6} Mbit/s down, ${link.up_bps / 1e6} Mbit/s up, ${link.rtt_ms} ms RTT; viewport 390x844`);
  console.log('| variant | photos in drawer | runs | drawer (s) | drawer KB | pick to local preview (s) | pick to "Received" (s) | pick to the bucket\'s copy shown (s) | KB uploaded per photo |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const v of variants) {
    const preview = v.preview_s.length ? median(v.preview_s).toFixed(2) : 'none';
    const receipt = v.receipt_s.length ? median(v.receipt_s).toFixed(1) : 'none';
    console.log(`| ${v.name} | ${v.name === 'before' ? opt['before-photos'] || n : n} | ${v.drawer_s.length} | ${median(v.drawer_s).toFixed(1)} | ${kb(median(v.drawer_bytes))} | ${preview} | ${receipt} | ${median(v.pick_s).toFixed(1)} | ${kb(median(v.upload_bytes))} |`);
    console.log(`  raw ${v.name}: ${JSON.stringify(v)}`);
  }
  for (const v of variants) {
    if (v.complete && v.complete.requests) console.log(`confirmation ${v.name}: ${v.complete.requests} request(s) per photo, ~${v.complete.up} B up (headers, no body), ${v.complete.down} B down (headers and JSON)`);
  }
  // The link's floor for each figure: bytes over bandwidth, plus one round trip.
  for (const v of variants) {
    const down_floor = (median(v.drawer_bytes) * 8) / link.down_bps + link.rtt_ms / 1000;
    const up_floor = (median(v.upload_bytes) * 8) / link.up_bps + link.rtt_ms / 1000;
    console.log(`floor ${v.name}: drawer >= ${down_floor.toFixed(1)} s (its bytes at 1.6 Mbit/s); photo upload >= ${up_floor.toFixed(1)} s (its bytes at 0.75 Mbit/s)`);
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
