// Field capture in a real Chromium against a real `dropslot serve` (issue 15):
// photos shrunk and made upright on the phone with no GPS left, the capture time
// kept and shown, real thumbnails, an upload queue in IndexedDB that survives a
// closed tab and a dead signal without ever making a second photo, and delete.
//
//   DROPSLOT_BIN=build/x/src/cli/dropslot node --test tests/browser/capture.test.mjs
//
// The photos are 12-megapixel JPEGs with EXIF orientation 6 and GPS, made once
// per machine (photos.mjs). Nothing here asserts a timing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start_serve, temp_dir } from './serve.mjs';
import { api, launch_chromium, listing, page_problems, phone, sign_in_demo, watch } from './page_tools.mjs';
import { copies, exif_of, photo, taken } from './photos.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const small = join(here, 'fixtures', 'roof.jpg');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
let serve;
let context;
let jobs = [];
let work;

async function open_job(p, id) {
  await p.goto(`${serve.api}/#/jobs/${id}`);
  await p.locator('#drawer-content').waitFor();
}

// Bytes and headers of a presigned GET, fetched from Node (no CORS involved).
async function download(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url.split('?')[0]}`);
  return { bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

// Waits until `n` rows of the upload list are done.
async function uploads_done(p, n, timeout = 60_000) {
  await p.waitForFunction((count) => document.querySelectorAll('#upload-list li.upload-done').length === count, n, { timeout });
}

async function thumbnails_loaded(p, count) {
  await p.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll('#photo-grid img')];
      return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    count,
    { timeout: 30_000 });
}

// The photos waiting in the page's IndexedDB queue.
const queued_records = (p) => p.evaluate(async () => (await import('/js/queue_store.js')).all_records().then((r) => r.length));

before(async () => {
  work = temp_dir('dropslot-capture-');
  // The big photo first (made once per machine), while the browser starts.
  [browser, serve] = await Promise.all([launch_chromium(), start_serve(), photo(1)]);
  ({ context, jobs } = await sign_in_demo(browser, serve));
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

test('a 12-MP photo is stored upright, within the limit, without GPS, with its capture time, and a small thumbnail', async () => {
  const p = watch(await context.newPage());
  const job = jobs[0].id;
  await open_job(p, job);
  const settings = await api(p, 'GET', '/settings');
  assert.equal(settings.status, 200);
  const max_edge = settings.body.photos.max_edge;
  assert.ok(max_edge > 0 && max_edge < taken.sensor.width, `the server shrinks (max_edge ${max_edge})`);

  const picked = await photo(1);
  await p.setInputFiles('#add-photos', picked);
  await uploads_done(p, 1);
  await thumbnails_loaded(p, 1);

  const [stored] = await listing(p, job);
  assert.match(stored.key, new RegExp(`^jobs/${job}/photo-\\d{3}\\.jpg$`));
  const original = await download(stored.url);
  const exif = await exif_of(original.bytes, work);
  // Upright: the sensor's 4000×3000 turned by orientation 6 is portrait.
  assert.equal(Math.max(exif['File:ImageWidth'], exif['File:ImageHeight']), max_edge, 'long edge at the limit');
  assert.ok(exif['File:ImageHeight'] > exif['File:ImageWidth'], `portrait (${exif['File:ImageWidth']}x${exif['File:ImageHeight']})`);
  assert.ok(!exif['EXIF:Orientation'] || exif['EXIF:Orientation'] === 1, 'no rotation left for a viewer to apply');
  const gps = Object.keys(exif).filter((k) => /GPS/i.test(k));
  assert.deepEqual(gps, [], 'no GPS in the stored photo');
  assert.ok(original.bytes.length < 3_000_000, `smaller than the 3.4 MB picked: ${original.bytes.length}`);
  assert.equal(original.headers.get('x-amz-meta-captured-at'), taken.utc, 'capture time kept as metadata');

  assert.ok(stored.thumb_url, 'the listing has a thumbnail');
  const thumb = await download(stored.thumb_url);
  const thumb_exif = await exif_of(thumb.bytes, work);
  assert.equal(thumb_exif['File:MIMEType'], 'image/jpeg');
  assert.ok(Math.max(thumb_exif['File:ImageWidth'], thumb_exif['File:ImageHeight']) <= 320, 'about 320 px');
  assert.ok(thumb.bytes.length < 40_000, `thumbnail is small: ${thumb.bytes.length} bytes`);
  assert.deepEqual(Object.keys(thumb_exif).filter((k) => /GPS/i.test(k)), [], 'no GPS in the thumbnail');

  // The drawer shows the thumbnail (not the original), with the capture time.
  const src = await p.locator('#photo-grid img').getAttribute('src');
  assert.match(src, /^blob:/, 'the grid shows the fetched thumbnail');
  assert.equal(await p.locator('#photo-grid a').getAttribute('href'), stored.url, 'a tap opens the original');
  const time = p.locator('#photo-grid time');
  assert.equal(await time.getAttribute('datetime'), taken.utc);
  assert.equal(await time.getAttribute('data-source'), 'captured');
  assert.equal(await time.textContent(), 'Taken 6 Dec 2026, 13:03');
  assert.equal(await queued_records(p), 0, 'nothing left in the queue');
  await p.screenshot({ path: join(process.env.DROPSLOT_ARTIFACTS || work, 'capture-drawer-phone.png') });
  await p.close();
});

test('a 48-MP photo is shrunk without ever drawing more than the shrunk size to a canvas (iOS caps a canvas at 16,777,216 pixels)', async () => {
  const p = watch(await context.newPage());
  await p.goto(`${serve.api}/`);
  const seen = await p.evaluate(async () => {
    // An 8000×6000 JPEG made here (Chromium has no canvas cap); then every canvas
    // prepare_photo makes is recorded.
    const big = new OffscreenCanvas(8000, 6000);
    const g = big.getContext('2d');
    g.fillStyle = '#3a6'; g.fillRect(0, 0, 8000, 6000);
    g.fillStyle = '#c42'; g.fillRect(1000, 1000, 3000, 2000);
    const file = new File([await big.convertToBlob({ type: 'image/jpeg', quality: 0.8 })], 'big.jpg', { type: 'image/jpeg' });
    const sizes = [];
    const Real = OffscreenCanvas;
    globalThis.OffscreenCanvas = class extends Real {
      constructor(w, h) { super(w, h); sizes.push(w * h); }
    };
    const real_create = document.createElement.bind(document);
    document.createElement = (tag, ...rest) => {
      if (String(tag).toLowerCase() === 'canvas') sizes.push(-1); // not expected: OffscreenCanvas exists
      return real_create(tag, ...rest);
    };
    const { prepare_photo } = await import('/js/photo_prep.js');
    const out = await prepare_photo(file, { max_edge: 2560, quality: 0.85, thumb_edge: 320, thumb_quality: 0.7 });
    return { sizes, width: out.width, height: out.height, shrunk: out.shrunk, thumb: out.thumb.size };
  });
  assert.equal(seen.shrunk, true);
  assert.deepEqual([seen.width, seen.height], [2560, 1920]);
  assert.ok(seen.sizes.length >= 2 && seen.sizes.every((n) => n > 0 && n <= 2560 * 1920), `canvas pixels: ${seen.sizes}`);
  await p.close();
});

test('a reopened drawer gets the same thumbnail URLs and the browser cache answers them (no request reaches the bucket)', async () => {
  const job = jobs[0].id;
  const ctx = await browser.newContext(phone); // a cold cache
  const p = watch(await ctx.newPage());
  const demo = (await serve.admin('customer', 'list')).split('\n')[0].split('\t')[0];
  await p.goto(`${serve.api}/?code=${encodeURIComponent(serve.code_of(await serve.admin('login-link', '--customer', demo)))}`);
  await p.locator('#jobs-view').waitFor();
  const cdp = await ctx.newCDPSession(p);
  await cdp.send('Network.enable');
  const from_bucket = [];
  const from_cache = [];
  cdp.on('Network.responseReceived', (e) => {
    if (!e.response.url.startsWith(serve.s3)) return;
    (e.response.fromDiskCache || e.response.fromMemoryCache ? from_cache : from_bucket).push(e.response.url);
  });
  // The DevTools events reach this process after the page has its images: wait for
  // them rather than assume they came first (a race under load).
  const responses_seen = async (n) => {
    for (let i = 0; i < 100 && from_bucket.length + from_cache.length < n; i++) await new Promise((r) => setTimeout(r, 100));
  };
  await open_job(p, job);
  const listed = await listing(p, job);
  await thumbnails_loaded(p, listed.length);
  await responses_seen(listed.length);
  assert.equal(from_bucket.length, listed.length, 'each thumbnail fetched once');
  const cache_control = (await fetch(listed[0].thumb_url)).headers.get('cache-control') || '';
  assert.match(cache_control, /private/);
  assert.doesNotMatch(cache_control, /public/);

  // Reopen. Should the URL window (expiry/3, 300 s here) roll over in between, the
  // reopen fetched the new URLs; reopening once more is then the cached case.
  let url = listed[0].thumb_url;
  for (let round = 0; round < 2; round++) {
    from_bucket.length = 0;
    from_cache.length = 0;
    await p.keyboard.press('Escape');
    await p.locator('#drawer').waitFor({ state: 'hidden' });
    await p.locator(`#job-list a[data-id="${job}"]`).click();
    await thumbnails_loaded(p, listed.length);
    await responses_seen(listed.length);
    const now = (await listing(p, job))[0].thumb_url;
    if (now === url) break;
    url = now;
  }
  assert.equal(from_bucket.length, 0, 'nothing new from the bucket');
  assert.equal(from_cache.length, listed.length, 'every thumbnail from the cache');
  await ctx.close();
});

test('a photo the browser cannot decode (HEIC in Chromium) goes up as it is, with no thumbnail, and still shows', async () => {
  const job = jobs[1].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  const before = (await listing(p, job)).length;
  // The start of a HEIF file ('ftypheic'), then bytes no decoder here understands.
  const heic = Buffer.concat([Buffer.from('0000001866747970686569630000000068656963', 'hex'), Buffer.alloc(4000, 7)]);
  await p.setInputFiles('#add-photos', { name: 'IMG_0042.HEIC', mimeType: 'image/heic', buffer: heic });
  await uploads_done(p, 1);
  const photos = await listing(p, job);
  assert.equal(photos.length, before + 1);
  const stored = photos.find((ph) => ph.key.endsWith('.heic'));
  assert.ok(stored, 'stored under its own type');
  assert.equal(stored.thumb_url, undefined, 'no thumbnail');
  assert.ok((await download(stored.url)).bytes.equals(heic), 'the very bytes picked');
  // The grid lists it (from the original, which this browser cannot show).
  await p.waitForFunction((n) => document.querySelectorAll('#photo-grid li').length === n, before + 1);
  await p.close();
});

test('upload-url with the same client id returns the same slot and key, with fresh URLs', async () => {
  const p = watch(await context.newPage());
  await open_job(p, jobs[1].id);
  const ask = (client_id) => api(p, 'POST', '/upload-url', {
    job_id: jobs[1].id, filename: 'a.jpg', content_type: 'image/jpeg', size: 1000,
    client_id, captured_at: taken.utc, thumbnail: { size: 100, content_type: 'image/jpeg' },
  });
  const first = await ask('retrytest0001');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  await sleep(1100); // a fresh signing second, so the URLs differ
  const again = await ask('retrytest0001');
  const other = await ask('retrytest0002');
  assert.equal(again.status, 200);
  assert.equal(again.body.key, first.body.key, 'same key');
  assert.equal(again.body.reused, true);
  assert.equal(first.body.reused, false);
  assert.notEqual(again.body.url, first.body.url, 'fresh URL');
  assert.equal(again.body.thumb.key, first.body.thumb.key, 'same thumbnail key');
  assert.notEqual(other.body.key, first.body.key, 'another id, another slot');
  assert.match(first.body.thumb.key, new RegExp(`^jobs/${jobs[1].id}/thumbs/`));
  const signed = Object.fromEntries(Object.entries(first.body.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.equal(signed['x-amz-meta-captured-at'], taken.utc);
  assert.equal(signed['if-none-match'], '*');
  await p.close();
});

test('offline: three photos queued and the tab closed; back online the reopened dashboard sends all three, once each', async () => {
  const job = jobs[2].id;
  let p = watch(await context.newPage());
  await open_job(p, job);
  const before = (await listing(p, job)).length;
  await context.setOffline(true);
  await p.locator('#offline-banner').waitFor();
  await p.setInputFiles('#add-photos', await copies(work, 3));
  await p.waitForFunction(() => [...document.querySelectorAll('#upload-list .upload-state')]
    .filter((s) => s.textContent === 'Waiting for connection').length === 3, null, { timeout: 60_000 });
  assert.equal(await queued_records(p), 3, 'all three on disk before anything was sent');
  await p.close(); // the tab is closed while offline

  await context.setOffline(false);
  p = watch(await context.newPage());
  await open_job(p, job);
  await uploads_done(p, 3);
  await thumbnails_loaded(p, before + 3);
  const photos = await listing(p, job);
  assert.equal(photos.length, before + 3, 'each photo arrived exactly once');
  assert.ok(photos.every((ph) => ph.thumb_url), 'each with its thumbnail');
  assert.equal(await queued_records(p), 0);
  await p.close();
});

test('on a shared phone, a photo queued by one customer waits through another customer\'s session and goes with its owner\'s', async () => {
  const ctx = await browser.newContext(phone);
  try {
    const login = async (p, customer, hash = '') => {
      const code = serve.code_of(await serve.admin('login-link', '--customer', customer));
      await p.goto(`${serve.api}/?code=${encodeURIComponent(code)}${hash}`);
      await p.locator('#jobs-view').waitFor();
    };
    const demo = (await serve.admin('customer', 'list')).split('\n')[0].split('\t')[0];
    const other = await serve.admin('customer', 'add', '--name', 'Neighbour', '--email', 'neighbour@example.com');
    const job = jobs[2].id;
    let p = watch(await ctx.newPage());
    await login(p, demo, `#/jobs/${job}`);
    await p.locator('#drawer-content').waitFor();
    const before = (await listing(p, job)).length;
    await ctx.setOffline(true);
    await p.setInputFiles('#add-photos', small);
    await p.locator('#upload-list .upload-state', { hasText: 'Waiting for connection' }).waitFor();
    await p.close();
    await ctx.setOffline(false);

    p = watch(await ctx.newPage());
    await login(p, other);
    await sleep(1000); // time to (wrongly) send or drop it
    assert.equal(await queued_records(p), 1, 'still waiting for its owner');
    await login(p, demo, `#/jobs/${job}`);
    await uploads_done(p, 1);
    assert.equal((await listing(p, job)).length, before + 1);
    assert.equal(await queued_records(p), 0);
  } finally {
    await ctx.close();
  }
});

test('a tab closed mid-upload and reopened: the photo arrives once (the PUT that already landed answers 412)', async () => {
  const job = jobs[1].id;
  let p = watch(await context.newPage());
  await open_job(p, job);
  const listed_before = await listing(p, job);
  const before = listed_before.length;
  // The thumbnail's PUT (sent first, issue 25) lands in the bucket; the photo's
  // never does (the link is cut each time), and the tab is closed meanwhile:
  // this page never finishes.
  let closing_now;
  const closing = new Promise((resolve) => { closing_now = resolve; });
  await p.route(`${serve.s3}/**`, (route) => {
    if (route.request().method() === 'PUT' && !route.request().url().includes('/thumbs/')) {
      closing_now();
      return route.abort('connectionaborted');
    }
    return route.fallback();
  });
  await p.setInputFiles('#add-photos', small);
  await closing;
  assert.equal(await queued_records(p), 1, 'still queued when the tab closes');
  await p.close();

  p = watch(await context.newPage());
  const statuses = [];
  p.on('response', (r) => { if (r.request().method() === 'PUT') statuses.push(r.status()); });
  await open_job(p, job);
  await uploads_done(p, 1);
  assert.deepEqual(statuses.sort(), [200, 412], 'the thumbnail answered 412 (already there), the photo 200');
  assert.equal(await p.locator('#upload-list .upload-message:not(:empty)').count(), 0, 'no error shown');
  const photos = await listing(p, job);
  assert.equal(photos.length, before + 1, 'the photo arrived once');
  const added = photos.filter((ph) => !listed_before.some((b) => b.key === ph.key));
  assert.equal(added.length, 1);
  assert.ok(added[0].thumb_url, 'with its thumbnail');
  assert.equal(await queued_records(p), 0);
  await p.close();
});

test('a PUT cut mid-way is retried by itself after a short backoff', async () => {
  const job = jobs[0].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  const before = (await listing(p, job)).length;
  let cut = 0;
  await p.route(`${serve.s3}/**`, (route) => {
    if (route.request().method() === 'PUT' && !route.request().url().includes('/thumbs/') && cut++ === 0) {
      return route.abort('connectionreset');
    }
    return route.fallback();
  });
  await p.setInputFiles('#add-photos', small);
  await uploads_done(p, 1); // no Retry clicked
  assert.equal(cut, 2, 'one cut PUT, one retry');
  assert.equal((await listing(p, job)).length, before + 1);
  await p.close();
});

// Under load the backoff timer runs late, and any other pump() in between (the
// restore after page load, another photo finishing) cancels it: the queue must
// still send a failed photo whose backoff is over, not leave it "Trying again
// shortly" for good (the test above hung that way on a busy machine).
test('a failed photo whose backoff ran out before the queue looked again is sent at once', async () => {
  const p = watch(await context.newPage());
  await p.goto(`${serve.api}/`);
  const states = await p.evaluate(async () => {
    const { upload_queue } = await import('/js/uploads.js');
    const q = new upload_queue();
    // A job that does not exist: the attempt ends in a 404 that stops it.
    const record = { client_id: 'backoffover0001', job_id: 'no-such-job', name: 'a.jpg', photo: new Blob(['x'], { type: 'image/jpeg' }), content_type: 'image/jpeg', thumb: null, bytes: 1 };
    const item = { id: record.client_id, client_id: record.client_id, job_id: record.job_id, name: record.name, state: 'error', loaded: 0, total: 1, error: new Error('cut'), key: '', attempts: 1, retry_at: Date.now() - 1, record, persisted: false };
    q.items().push(item);
    const before = item.state;
    q.pump(); // as a late restore() or another photo's end does: its timer is gone now
    return [before, item.state];
  });
  assert.deepEqual(states, ['error', 'uploading']);
  await p.close();
});

test('a PUT that stalls (no progress, no answer) is given up and sent again', async () => {
  const job = jobs[0].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  const before = (await listing(p, job)).length;
  await p.evaluate(async () => { (await import('/js/api.js')).stall.ms = 1500; }); // 60 s in the field
  // A dead link: the first photo PUT gets nothing back for as long as the test runs.
  let release;
  const dead = new Promise((resolve) => { release = resolve; setTimeout(resolve, 120_000).unref(); });
  let photo_puts = 0;
  await p.route(`${serve.s3}/**`, async (route) => {
    if (route.request().method() !== 'PUT' || route.request().url().includes('/thumbs/') || photo_puts++ > 0) {
      return route.fallback();
    }
    await dead;
    return route.abort('timedout').catch(() => {});
  });
  try {
    await p.setInputFiles('#add-photos', small);
    await uploads_done(p, 1, 30_000);
    assert.equal(photo_puts, 2, 'the stalled PUT, then a fresh one');
    assert.equal((await listing(p, job)).length, before + 1, 'once');
  } finally {
    release();
    await p.unrouteAll({ behavior: 'ignoreErrors' });
    await p.close();
  }
});

test('a phone whose storage is full says so, and keeps nothing', async () => {
  const ctx = await browser.newContext(phone);
  try {
    // The browser reports almost no room left for this site.
    await ctx.addInitScript(() => {
      navigator.storage.estimate = async () => ({ usage: 1_000_000, quota: 1_000_100 });
    });
    const p = watch(await ctx.newPage());
    const demo = (await serve.admin('customer', 'list')).split('\n')[0].split('\t')[0];
    const code = serve.code_of(await serve.admin('login-link', '--customer', demo));
    await p.goto(`${serve.api}/?code=${encodeURIComponent(code)}#/jobs/${jobs[0].id}`);
    await p.locator('#drawer-content').waitFor();
    await p.setInputFiles('#add-photos', small);
    const row = p.locator('#upload-list li.upload-error');
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.locator('.upload-message').textContent(), /out of space/);
    assert.equal(await row.locator('.retry').isVisible(), false);
    assert.equal(await queued_records(p), 0);
  } finally {
    await ctx.close();
  }
});

test('the owner deletes a photo (and its thumbnail); anyone else gets 404', async () => {
  const job = jobs[0].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  const photos = await listing(p, job);
  assert.ok(photos.length >= 2, 'photos from the tests above');
  await thumbnails_loaded(p, photos.length);

  // Another customer, signed in elsewhere, cannot delete it: 404 as for a missing one.
  const other = await serve.admin('customer', 'add', '--name', 'Other', '--email', 'other-capture@example.com');
  const other_ctx = await browser.newContext();
  const q = watch(await other_ctx.newPage());
  await q.goto(`${serve.api}/?code=${encodeURIComponent(serve.code_of(await serve.admin('login-link', '--customer', other)))}`);
  await q.locator('#jobs-view').waitFor();
  const name = photos[0].key.split('/').pop();
  assert.equal((await api(q, 'DELETE', `/jobs/${job}/photos/${name}`)).status, 404, 'another customer: 404');
  await other_ctx.close();
  assert.equal((await listing(p, job)).length, photos.length, 'still there');

  // The owner: Delete, confirm, and the grid shows one fewer.
  p.once('dialog', (d) => d.accept());
  await p.locator('#photo-grid .photo-delete').first().click();
  await p.waitForFunction((n) => document.querySelectorAll('#photo-grid img').length === n, photos.length - 1);
  const left = await listing(p, job);
  assert.equal(left.length, photos.length - 1);
  assert.ok(!left.some((ph) => ph.key === photos[0].key), 'that photo is gone');
  assert.equal((await fetch(photos[0].url)).status, 404, 'the object is gone from the bucket');
  if (photos[0].thumb_url) assert.equal((await fetch(photos[0].thumb_url)).status, 404, 'and its thumbnail');
  assert.equal((await api(p, 'DELETE', `/jobs/${job}/photos/${name}`)).status, 404, 'deleting again: 404');

  // A dismissed confirmation deletes nothing.
  p.once('dialog', (d) => d.dismiss());
  await p.locator('#photo-grid .photo-delete').first().click();
  await sleep(300);
  assert.equal((await listing(p, job)).length, photos.length - 1);
  await p.close();
});

test('the pages ran without CSP violations or uncaught errors', () => {
  assert.deepEqual(page_problems, []);
});
