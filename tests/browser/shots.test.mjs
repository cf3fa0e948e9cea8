// The drawer's shot list and receipts (issue 22) and the first look on a weak
// signal (issue 25, part 2), in a real Chromium against a real `dropslot serve`:
//
// - a picked photo shows at once as a local preview marked as sending, and
//   becomes the bucket's copy once it has landed;
// - each requested shot has its own "Take photo", a tick once the server has
//   received a photo of it, and "still needed" goes once every required shot is
//   covered; "Add from library" asks which shot;
// - "Received" comes from the server only: a photo whose tab closed right after
//   its PUT (no `complete` ever sent) is still received, through the store's
//   in-process event; bytes that are not the signed photo are rejected and shown
//   as such.
//
//   DROPSLOT_BIN=build/x/src/cli/dropslot node --test tests/browser/shots.test.mjs
//
// Nothing here asserts a timing: the preview is checked while the upload is held
// back by a throttled link, not against a clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start_serve } from './serve.mjs';
import { api, launch_chromium, listing, page_problems, sign_in_demo, watch } from './page_tools.mjs';
import { photo } from './photos.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = ['roof.jpg', 'boiler.jpg', 'meter.jpg', 'roof.jpg'].map((f) => join(here, 'fixtures', f));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
let serve;
let context;
let jobs = [];

async function open_job(p, id) {
  await p.goto(`${serve.api}/#/jobs/${id}`);
  await p.locator('#drawer-content').waitFor();
  await p.locator('#photo-grid[aria-busy="false"]').waitFor({ state: 'attached' });
}

async function job_of(p, job_id) {
  const { status, body } = await api(p, 'GET', `/jobs/${job_id}`);
  assert.equal(status, 200);
  return body.job || body;
}

// Picks `file` through the page's own file chooser, opened by clicking `button`.
async function pick_with(p, button, file) {
  const [chooser] = await Promise.all([p.waitForEvent('filechooser'), button.click()]);
  await chooser.setFiles(file);
}

before(async () => {
  [browser, serve] = await Promise.all([launch_chromium(), start_serve(), photo(1)]);
  ({ context, jobs } = await sign_in_demo(browser, serve));
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  assert.deepEqual(page_problems, [], 'no CSP violation or uncaught error in any page');
});

test('a picked photo shows at once as a local preview marked as sending, then as the bucket\'s copy, received', async () => {
  const job = jobs[0].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  const before = await p.locator('#photo-grid li').count();
  // A link so slow that the 12-MP photo cannot have landed while we look.
  const cdp = await context.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 200_000, uploadThroughput: 20_000 });

  await p.setInputFiles('#add-photos', await photo(1));
  const tile = p.locator('#sending-grid li.photo-sending');
  await p.waitForFunction(() => {
    const img = document.querySelector('#sending-grid li img');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 30_000 });
  assert.match(await tile.locator('.photo-receipt').textContent(), /^Sending/);
  assert.match(await tile.locator('img').getAttribute('src'), /^blob:/, 'the preview is the local file');
  assert.equal(await p.locator('#upload-list li.upload-done').count(), 0, 'the preview came before the upload finished');
  assert.equal(await p.locator('#photo-grid li').count(), before, 'nothing listed yet');

  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await p.waitForFunction((n) => document.querySelectorAll('#photo-grid li').length === n, before + 1, { timeout: 120_000 });
  await p.locator('#sending-grid li').waitFor({ state: 'detached', timeout: 30_000 });
  const [stored] = (await listing(p, job)).slice(-1);
  const last = p.locator('#photo-grid li').last();
  if ('state' in stored) {
    assert.equal(stored.state, 'received', 'the server confirmed the photo');
    assert.equal(await last.getAttribute('data-state'), 'received');
    assert.match(await last.locator('.photo-receipt').textContent(), /Received/);
    assert.equal(await p.locator('#upload-list li.upload-done .upload-state').textContent(), 'Received');
  } else {
    // A server without receipts: never "Received" on the PUT's word alone.
    assert.equal(await p.locator('#upload-list li.upload-done .upload-state').textContent(), 'Sent');
    assert.equal(await last.locator('.photo-receipt').count(), 0);
  }
  await p.close();
});

test('the shot list: a capture per shot, a tick per received shot, "still needed" gone once every required shot is in; the library asks which shot', async () => {
  const job = jobs[1].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  const { shots, missing_shots: missing } = await job_of(p, job);
  assert.ok(Array.isArray(shots) && shots.length >= 2, 'the job has a shot list (GET /jobs/{id} → shots)');
  const required = shots.filter((s) => s.required);
  assert.ok(required.length >= 1 && Array.isArray(missing));
  assert.equal(await p.locator('#shots li').count(), shots.length, 'one row per shot');
  for (const s of shots) {
    const row = p.locator(`#shots li[data-shot="${s.id}"]`);
    assert.equal(await row.locator('.shot-label').textContent(), s.label + (s.required ? '' : ' (optional)'));
    if (s.hint) assert.equal(await row.locator('.shot-hint').textContent(), s.hint);
  }
  assert.equal(await p.locator('#take-photo-button').isVisible(), false, 'the capture buttons are per shot');
  const needed = p.locator('#shots-needed');
  for (const s of required) assert.ok((await needed.textContent()).includes(s.label), `"still needed" names ${s.label}`);

  // Each required shot through its own button (the camera's file chooser).
  for (const [i, s] of required.entries()) {
    assert.ok(await needed.isVisible(), 'still needed while a required shot is missing');
    const row = p.locator(`#shots li[data-shot="${s.id}"]`);
    assert.equal(await row.getAttribute('class'), 'shot', `${s.id} has no tick yet`);
    await pick_with(p, row.locator('button.shot-take'), fixtures[i]);
    await p.locator(`#shots li.shot-covered[data-shot="${s.id}"]`).waitFor({ timeout: 60_000 });
    assert.match(await row.locator('.shot-tick').textContent(), /✓/);
    assert.equal(await p.evaluate(() => document.activeElement?.closest('#shots li')?.dataset.shot), s.id,
      'the list re-rendered under the thumb, the focus stayed on that shot\'s button');
  }
  await needed.waitFor({ state: 'hidden' });
  await p.locator('#shots-done').waitFor();

  // The library asks which shot; the answer travels with upload-url.
  const optional = shots.find((s) => !s.required) || shots[0];
  await p.locator('#add-photos-button').click();
  await p.locator('#library-chooser').waitFor();
  await p.locator(`#library-shots input[value="${optional.id}"]`).check();
  const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.locator('#library-chooser button[type="submit"]').click()]);
  await chooser.setFiles(fixtures[3]);
  await p.waitForFunction((n) => document.querySelectorAll('#upload-list li.upload-done').length === n, 1, { timeout: 60_000 });

  const photos = await listing(p, job);
  const by_shot = (id) => photos.filter((ph) => ph.shot === id && ph.state === 'received').length;
  for (const s of required) assert.equal(by_shot(s.id), 1, `one received photo of ${s.id}`);
  assert.ok(by_shot(optional.id) >= 1, 'the library photo went to the chosen shot');
  assert.deepEqual((await job_of(p, job)).missing_shots, [], 'the server agrees nothing is missing');

  // The owner moves the first required shot's photo to "No shot": its tick goes.
  const first = photos.find((ph) => ph.shot === required[0].id);
  await p.locator(`#photo-grid li[data-key="${first.key}"] select.photo-shot-select`).selectOption('');
  await p.locator(`#shots li[data-shot="${required[0].id}"]:not(.shot-covered)`).waitFor();
  await needed.waitFor();
  assert.equal((await listing(p, job)).find((ph) => ph.key === first.key).shot, null, 'PATCHed on the server');
  await p.locator(`#photo-grid li[data-key="${first.key}"] select.photo-shot-select`).selectOption(required[0].id);
  await needed.waitFor({ state: 'hidden' });
  // A reopened drawer shows the same ticks, from the server.
  await open_job(p, job);
  await p.locator('#shots-done').waitFor();
  assert.equal(await p.locator('#shots li.shot-covered').count(), new Set([...required.map((s) => s.id), optional.id]).size);
  // With DROPSLOT_UPDATE_DOCS_IMAGES=1: the README's picture of the shot list on a phone.
  if (process.env.DROPSLOT_UPDATE_DOCS_IMAGES === '1') {
    await p.waitForFunction(() => [...document.querySelectorAll('#photo-grid img')].every((i) => i.complete && i.naturalWidth > 0));
    await p.locator('#photos-title').evaluate((h) => h.scrollIntoView());
    const file = join(here, '..', '..', 'docs', 'images', 'dashboard-shots.png');
    await p.screenshot({ path: `${file}.tmp.png` });
    copyFileSync(`${file}.tmp.png`, file);
    (await import('node:fs')).rmSync(`${file}.tmp.png`);
  }
  await p.close();
});

test('tab closed right after the PUT, before `complete`: the photo is still received, through the store\'s event', async () => {
  const job = jobs[2].id;
  let p = watch(await context.newPage());
  await open_job(p, job);
  const before = (await listing(p, job)).length;
  // The page's `complete` never reaches the server: the tab goes first.
  let completing;
  const seen = new Promise((resolve) => { completing = resolve; });
  await p.route('**/api/jobs/*/photos/*/complete', (route) => completing(route));
  await p.setInputFiles('#add-photos', fixtures[0]);
  await seen;
  await p.close();

  p = watch(await context.newPage());
  await p.goto(`${serve.api}/#/`);
  await p.locator('#job-list a.job').first().waitFor();
  let photos = [];
  for (let i = 0; i < 100; i++) {
    photos = await listing(p, job);
    if (photos.length > before && photos.at(-1).state === 'received') break;
    await sleep(100);
  }
  assert.equal(photos.length, before + 1, 'one photo, once');
  assert.equal(photos.at(-1).state, 'received', 'received without the page\'s `complete`');
  assert.ok(photos.at(-1).received_at, 'with the time');
  await p.close();
});

test('bytes that are not the signed photo: rejected by the server and shown as rejected, never as received', async () => {
  const job = jobs[2].id;
  const p = watch(await context.newPage());
  await open_job(p, job);
  // Garbage of the signed length in place of the photo (the thumbnail is left alone).
  await p.route(/\/jobs\/[^/]+\/photo-\d+\.jpg\?/, async (route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    const body = route.request().postDataBuffer();
    return route.continue({ postData: Buffer.alloc(body.length, 0x41) });
  });
  await p.setInputFiles('#add-photos', fixtures[1]);
  const row = p.locator('#upload-list li.upload-error');
  await row.waitFor({ timeout: 60_000 });
  assert.match(await row.locator('.upload-message').textContent(), /Rejected/);
  assert.equal(await row.locator('.retry').isVisible(), false, 'nothing to retry: the bytes are refused');
  const queued = await p.evaluate(async () => (await import('/js/queue_store.js')).all_records().then((r) => r.length));
  assert.equal(queued, 0, 'out of the queue: sending the same bytes again cannot help');
  const photos = await listing(p, job);
  assert.ok(!photos.some((ph) => ph.state === 'received' && ph.size === undefined), 'no received photo without bytes');
  const rejected = photos.filter((ph) => ph.state === 'rejected');
  for (const ph of rejected) {
    // A listed rejected photo is shown as rejected, with no image to fetch.
    const tile = p.locator(`#photo-grid li[data-key="${ph.key}"]`);
    await tile.waitFor();
    assert.match(await tile.locator('.photo-receipt').textContent(), /Rejected/);
    assert.equal(await tile.locator('img').count(), 0);
  }
  await p.close();
});
