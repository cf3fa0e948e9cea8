// The staff page (issue 21) in a real Chromium against a real `dropslot serve`:
// staff create a customer and a job and get a login link; the customer, in a second
// context, uploads two photos and asks for a quote; staff see them on the board,
// view them with the keyboard, download the ZIP (checked entry by entry against the
// bucket), answer the quote (the customer's session sees the answer), share the
// gallery, open the link logged out, revoke it and see it die. axe-core on every
// staff view: 0 violations.
//
//   DROPSLOT_BIN=build/x/src/cli/dropslot node --test tests/browser/staff.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, launch_chromium } from './page_tools.mjs';
import { start_serve, temp_dir } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.DROPSLOT_ARTIFACTS || join(tmpdir(), 'dropslot-artifacts');
mkdirSync(artifacts, { recursive: true });
const axe_source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const fixtures = ['roof.jpg', 'boiler.jpg'].map((name) => join(here, 'fixtures', name));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

let browser;
let serve;
const problems = [];

function watch(p) {
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Uncaught/i.test(m.text())) problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(String(e)));
  return p;
}

async function new_page(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true, ...options });
  return watch(await context.newPage());
}

// axe-core in the page through DevTools (the page's CSP allows no injected script,
// and this does not weaken it): every violation fails, with its rule and nodes.
async function expect_accessible(p, what) {
  await p.evaluate(`${axe_source}\n;0`);
  const result = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, [], `axe-core on ${what}`);
}

// Clicks "Download all" and returns the download's URL and its ZIP's entries (name →
// sha256 of the bytes), read by Python's zipfile.
async function download_zip(p) {
  const download_event = p.waitForEvent('download');
  const zip_responses = [];
  const seen = (r) => { if (r.url().includes('/staff/zip/')) zip_responses.push(r); };
  p.on('response', seen);
  await p.click('#download-all');
  await p.waitForFunction(() => /Downloaded|failed/.test(document.getElementById('download-status').textContent));
  assert.equal(await p.locator('#download-status').textContent(), 'Downloaded.');
  const download = await download_event;
  const zip_path = join(temp_dir('dropslot-zip-'), 'photos.zip');
  await download.saveAs(zip_path);
  const entries = JSON.parse(execFileSync('/usr/bin/python3', ['-c',
    'import sys, zipfile, hashlib, json; z = zipfile.ZipFile(sys.argv[1]); ' +
    'print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))', zip_path]).toString());
  p.off('response', seen);
  const bytes = readFileSync(zip_path).length;
  const response = zip_responses.find((r) => r.url() === download.url());
  const content_length = response ? Number(await response.headerValue('content-length')) : null;
  return { url: download.url(), entries, bytes, content_length };
}

async function expect_bucket_bytes(entries, listing) {
  assert.equal(Object.keys(entries).length, listing.length);
  for (const p of listing) {
    const bytes = Buffer.from(await (await fetch(p.url)).arrayBuffer());
    assert.equal(entries[p.key.split('/').pop()], sha256(bytes), `${p.key} in the ZIP`);
  }
}

before(async () => {
  browser = await launch_chromium();
  serve = await start_serve();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

test('staff onboard a customer, see their photos, download, answer, share and revoke', async () => {
  const staff_id = await serve.admin('staff', 'add', '--name', 'Sam Staff', '--email', 'sam@haulers.example');
  const staff_link = await serve.admin('login-link', '--staff', staff_id, '--base-url', serve.api);
  assert.match(staff_link, /\/staff\/\?code=[0-9a-f]{64}$/);

  // Staff sign in; the code leaves the address bar.
  const staff = await new_page();
  await staff.goto(staff_link);
  await staff.locator('#board-view').waitFor();
  assert.equal(new URL(staff.url()).search, '');
  await expect_accessible(staff, 'the board');

  // Onboarding without a shell: a customer, a job, a login link.
  await staff.fill('#customer-name', 'Ola Nordmann');
  await staff.fill('#customer-email', 'ola@example.com');
  await staff.click('#new-customer button[type=submit]');
  await staff.locator('#new-customer-status', { hasText: 'created' }).waitFor();
  await staff.fill('#job-title', 'Basement clear-out');
  await staff.click('#new-job button[type=submit]');
  await staff.locator('#new-job-status', { hasText: 'created' }).waitFor();
  const job_id = await staff.locator('#new-job-status').getAttribute('data-job');
  await staff.click('#login-link button[type=submit]');
  await staff.waitForFunction(() => /[?&]code=[0-9a-f]{64}$/.test(document.getElementById('link-url').value));
  const customer_link = await staff.inputValue('#link-url');

  // The customer, in a second context: two photos and a quote request.
  const customer = await new_page({ viewport: { width: 390, height: 844 } });
  await customer.goto(customer_link);
  await customer.locator(`#job-list a[data-id="${job_id}"]`).click();
  await customer.locator('#drawer-content').waitFor();
  await customer.setInputFiles('#add-photos', fixtures);
  await customer.locator('#overall-text', { hasText: '2 of 2 uploaded' }).waitFor({ timeout: 60_000 });
  await customer.keyboard.press('Escape');
  await customer.selectOption('#quote-job', job_id);
  await customer.fill('#quote-description', 'How much for the whole basement?');
  await customer.click('#quote-form button[type=submit]');
  await customer.locator('#quote-status', { hasText: 'Thanks' }).waitFor();

  // The board: the newest first, two photos, a quote waiting.
  await staff.click('#board-filter button[type=submit]');
  const row = staff.locator(`#board-rows tr[data-job="${job_id}"]`);
  await row.locator('td.num', { hasText: '2' }).waitFor();
  assert.equal(await staff.locator('#board-rows tr').first().getAttribute('data-job'), job_id);
  assert.match(await row.textContent(), /Waiting/);
  // Scanned at a glance: the newest photo's thumbnail is on the row.
  await staff.waitForFunction((id) => {
    const img = document.querySelector(`#board-rows tr[data-job="${id}"] img.board-thumb`);
    return img && img.complete && img.naturalWidth > 0;
  }, job_id);
  await staff.check('#board-needs-quote');
  await staff.click('#board-filter button[type=submit]');
  await staff.waitForFunction(() => document.querySelectorAll('#board-rows tr').length === 1);

  // The job: the gallery, the keyboard viewer.
  await row.locator('a').click();
  await staff.locator('#job-view').waitFor();
  await staff.waitForFunction(() => [...document.querySelectorAll('#gallery img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2);
  await expect_accessible(staff, 'the job view');
  // Grouped by the job's shot list (issue 22): every shot of the default list has its
  // heading, in the list's order, and the two photos are shown once each.
  const headings = await staff.locator('#gallery section.shot-group h3').allTextContents();
  assert.deepEqual(headings.slice(0, 4).map((h) => h.replace(/ · .*$/, '')),
    ['Everything, from a distance', 'Close-ups of large or heavy items', 'The way in: stairs, doors, parking', 'Anything else']);
  assert.equal(await staff.locator('#gallery button.thumb').count(), 2);
  await staff.locator('#gallery button.thumb').first().click();
  await staff.locator('#viewer[open]').waitFor();
  await staff.keyboard.press('ArrowRight');
  await staff.locator('#viewer-count', { hasText: '2 / 2' }).waitFor();
  await staff.keyboard.press('ArrowLeft');
  await staff.locator('#viewer-count', { hasText: '1 / 2' }).waitFor();
  await expect_accessible(staff, 'the viewer');
  await staff.keyboard.press('Escape');
  await staff.locator('#viewer:not([open])').waitFor({ state: 'attached' });

  // Download all: the ZIP's entries are the bucket's bytes. Streamed by the staff
  // page's service worker (the save starts before any photo is fetched: the download
  // comes from the worker's /staff/zip/ URL, not from a finished Blob)...
  const listing = (await api(staff, 'GET', `/staff/jobs/${job_id}/photos`)).body.photos;
  const streamed = await download_zip(staff);
  assert.match(streamed.url, /\/staff\/zip\/[0-9a-f]{32}\/[^/]+\.zip$/, 'the ZIP comes from the service worker');
  // Its length was announced before the first byte (the browser shows progress).
  assert.equal(streamed.content_length, streamed.bytes);
  await expect_bucket_bytes(streamed.entries, listing);
  // ...a worker's download URL serves once: opened again, it is a clear 404.
  const again = await staff.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, text: await r.text() }; }, streamed.url);
  assert.equal(again.status, 404);
  assert.match(again.text, /expired/);
  // ...and a browser without service workers gets the same ZIP through the fallback.
  const plain = await new_page({ serviceWorkers: 'block' });
  await plain.context().addCookies(await staff.context().cookies());
  await plain.goto(`${serve.api}/staff/#/jobs/${job_id}`);
  await plain.waitForFunction(() => document.querySelectorAll('#gallery img').length === 2);
  const blobbed = await download_zip(plain);
  assert.match(blobbed.url, /^blob:/);
  await expect_bucket_bytes(blobbed.entries, listing);
  await plain.context().close();

  // The answer, seen by the customer's session.
  const form = staff.locator('#quotes form.reply').first();
  await form.locator('input[name=low]').fill('25000');
  await form.locator('input[name=high]').fill('32000');
  await form.locator('textarea[name=message]').fill('One truck, half a day.');
  await form.locator('button[type=submit]').click();
  await form.locator('.reply-status', { hasText: 'Answered' }).waitFor();
  const quotes = (await api(customer, 'GET', '/quotes')).body.quotes;
  assert.equal(quotes[0].reply.price_high_cents, 32000);
  // ...and in the customer's job drawer.
  await customer.locator(`#job-list a[data-id="${job_id}"]`).click();
  await customer.locator('#drawer-quotes .quote-answer', { hasText: '250.00 USD–320.00 USD · One truck, half a day.' }).waitFor();

  // Share, open logged out, revoke, and the link dies.
  await staff.click('#share-form button[type=submit]');
  const share_url = await staff.locator('#shares .share-url').first().inputValue();
  assert.match(share_url, /\/staff\/shared\.html#[0-9a-f]{64}$/);
  const outsider = await new_page();
  await outsider.goto(share_url);
  await outsider.locator('#shared-title', { hasText: 'Basement clear-out' }).waitFor();
  await outsider.waitForFunction(() => [...document.querySelectorAll('#shared-gallery img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2);
  await expect_accessible(outsider, 'the shared gallery');
  await staff.locator('#shares button', { hasText: 'Revoke' }).click();
  await staff.locator('#shares .revoked').waitFor();
  await outsider.reload();
  await outsider.locator('#shared-title', { hasText: 'Link not available' }).waitFor();
  await staff.screenshot({ path: join(artifacts, 'staff-job.png') });

  assert.deepEqual(problems, []);
});
