// What the dashboard's browser tests share: Debian's Chromium launched the way
// DESIGN.md says, the phone they emulate, a watch for CSP violations and
// uncaught errors, JSON calls to the API from inside a page (cookie and CSRF
// header as the dashboard sends them), and the demo customer signed in.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

/// A phone: the viewport of the issue, and a fixed time zone and locale so times read the same everywhere.
export const phone = { viewport: { width: 390, height: 844 }, timezoneId: 'UTC', locale: 'en-GB' };

export function launch_chromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
  });
}

/// Console errors (CSP violations among them) and uncaught exceptions of every
/// watched page; a test file asserts at its end that there were none.
export const page_problems = [];
export function watch(p) {
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Uncaught/i.test(m.text())) page_problems.push(m.text());
  });
  p.on('pageerror', (e) => page_problems.push(String(e)));
  return p;
}

/// `{status, body}` of one API call made by the page (`path` under /api).
export async function api(p, method, path, body) {
  return p.evaluate(async ({ method, url, body }) => {
    const headers = { 'X-Requested-With': 'dropslot' };
    if (body) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
  }, { method, url: `/api${path}`, body });
}

/// The photos the API lists for a job.
export async function listing(p, job_id) {
  const { status, body } = await api(p, 'GET', `/jobs/${job_id}/photos`);
  assert.equal(status, 200, `listing photos of ${job_id}`);
  return body.photos;
}

/// Signs the demo customer in through `serve`'s login link in a new phone
/// context; resolves with `{context, jobs}` (at least three jobs).
export async function sign_in_demo(browser, serve) {
  const context = await browser.newContext(phone);
  const p = watch(await context.newPage());
  await p.goto(serve.login_link);
  await p.locator('#job-list a.job').first().waitFor();
  const answer = await api(p, 'GET', '/jobs');
  const jobs = Array.isArray(answer.body) ? answer.body : answer.body.jobs;
  assert.ok(jobs.length >= 3, 'the demo customer has three jobs');
  await p.close();
  return { context, jobs };
}
