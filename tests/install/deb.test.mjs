// The packaged `dropslot serve` (extracted from the .deb by test_deb.sh, started from
// an unrelated working folder) serves its own dashboard, found through its install
// prefix, and a photo uploaded in Chromium lands in the bucket byte for byte as the
// page sent it (issue 26).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch_chromium } from '../browser/page_tools.mjs';
import { start_serve } from '../browser/serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const photo = join(here, '..', 'browser', 'fixtures', 'roof.jpg');
let browser;
let serve;

before(async () => {
  browser = await launch_chromium();
  serve = await start_serve();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
});

test('the installed serve finds its dashboard through its prefix and an upload works', async () => {
  assert.ok(serve.output().includes(`dashboard files: ${process.env.DROPSLOT_EXPECT_WEB}\n`), serve.output());
  const problems = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(String(e)));
  const index = await page.goto(serve.login_link);
  assert.equal(index.status(), 200);
  await page.locator('#jobs-view').waitFor();
  const first = page.locator('#job-list a.job').first();
  await first.waitFor();
  const job = await first.getAttribute('data-id');
  await first.click();
  await page.locator('#drawer-content').waitFor();

  const put = page.waitForResponse((r) => r.request().method() === 'PUT' && !r.url().includes('/thumbs/'));
  await page.setInputFiles('#add-photos', photo);
  const answer = await put;
  assert.equal(answer.status(), 200);
  const etag = await answer.headerValue('etag');
  await page.locator('#overall-text', { hasText: '1 of 1 uploaded' }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('#photo-grid img')];
    return imgs.length === 1 && imgs[0].complete && imgs[0].naturalWidth > 0;
  }, null, { timeout: 30_000 });

  // The bytes in the bucket, fetched from Node through the API's listing.
  const listed = await page.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).json(),
    `/api/jobs/${encodeURIComponent(job)}/photos`);
  assert.equal(listed.photos.length, 1);
  const stored = Buffer.from(await (await fetch(listed.photos[0].url)).arrayBuffer());
  assert.ok(stored.length > 0 && stored[0] === 0xff && stored[1] === 0xd8, 'a JPEG');
  assert.equal(`"${createHash('md5').update(stored).digest('hex')}"`, etag, 'the stored bytes are those the PUT sent');
  assert.deepEqual(problems, []);
  await context.close();
});
