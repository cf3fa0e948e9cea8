// Upload receipts (issue 22) in a real Chromium against a real `dropslot serve`: a
// photo whose tab is closed right after its PUT is still `received`, through the
// embedded store's event alone (the page's own `complete`, if it sends one, is
// blocked here), and the listing says so.
//
//   DROPSLOT_BIN=build/x/src/cli/dropslot node --test tests/browser/receipts.test.mjs
//
// Nothing here asserts a timing: the listing is polled until it answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch_chromium } from './page_tools.mjs';
import { start_serve } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const small = join(here, 'fixtures', 'roof.jpg');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
let serve;

before(async () => {
  [browser, serve] = await Promise.all([
    launch_chromium(),
    start_serve(['--no-access-log']),
  ]);
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

// GET {base}<path> from Node with the page's session cookie.
async function get(cookie, path) {
  const res = await fetch(`${serve.api}/api${path}`, { headers: { Cookie: `dropslot_session=${cookie}` } });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

test('a photo whose tab closed right after its PUT is received through the store event', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const p = await context.newPage();
  await p.goto(serve.login_link);
  await p.locator('#job-list a.job').first().waitFor();
  const cookie = (await context.cookies()).find((c) => c.name === 'dropslot_session')?.value;
  assert.ok(cookie, 'signed in');
  const { jobs } = await get(cookie, '/jobs');
  const job = jobs[0].id;
  // Only the bucket's own event may confirm this photo.
  let completes = 0;
  await context.route('**/complete', (route) => {
    completes += 1;
    return route.abort();
  });
  await p.goto(`${serve.api}/#/jobs/${job}`);
  await p.locator('#drawer-content').waitFor();

  const put_done = p.waitForResponse(
    (r) => r.request().method() === 'PUT' && /\/jobs\/[^/]+\/photo-\d+\.\w+\?/.test(r.url()),
    { timeout: 60_000 });
  await p.setInputFiles('#add-photos', small);
  const put = await put_done;
  assert.equal(put.status(), 200, 'the photo reached the bucket');
  const key = decodeURIComponent(new URL(put.url()).pathname).replace(/^\/uploads\//, '');
  await p.close();  // the tab goes away at once

  let photo;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const { photos } = await get(cookie, `/jobs/${job}/photos`);
    photo = photos.find((ph) => ph.key === key);
    if (photo?.state === 'received') break;
  }
  assert.ok(photo, `${key} is listed`);
  assert.equal(photo.state, 'received');
  assert.match(photo.received_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // The page never confirmed it: any `complete` it tried was blocked.
  assert.ok(completes <= 1, `complete calls blocked: ${completes}`);
  await context.close();
});
