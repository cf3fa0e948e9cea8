// The staff page (issue 21): the board, a job's photos for quoting (full-size viewer,
// "Download all" as a ZIP built in the browser from presigned GETs with the vendored
// client-zip, never through the API), quote replies, share links, and onboarding
// (customer, job, login link). Every API call goes through the dashboard's api.js.
import { api_call, api_error, set_unauthorized_handler } from '../js/api.js';
import { downloadZip } from '../vendor/client-zip/index.js';

const $ = (id) => document.getElementById(id);
const views = ['login-view', 'board-view', 'job-view'];
let cursor = null;
let photos = [];
let viewing = -1;

function show(view) {
  for (const v of views) $(v).hidden = v !== view;
  $('logout').hidden = view === 'login-view';
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const money = (cents, currency) => `${(cents / 100).toFixed(2)} ${currency}`;

// ------------------------------------------------------------------ login
async function sign_in_from_link() {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return;
  history.replaceState(null, '', location.pathname + location.hash);  // the code leaves the address bar first
  try {
    const answer = await api_call('POST', '/login', { code });
    if (!answer || answer.role !== 'staff') {
      $('login-message').textContent = 'That link is a customer login; this page is for staff.';
      await api_call('POST', '/logout', {});
    }
  } catch (e) {
    $('login-message').textContent = e instanceof api_error ? e.message : 'Sign-in failed.';
  }
}

// ------------------------------------------------------------------ board
function board_query() {
  const q = new URLSearchParams();
  if ($('board-q').value.trim()) q.set('q', $('board-q').value.trim());
  if ($('board-needs-quote').checked) q.set('needs_quote', '1');
  return q;
}

async function load_board(more = false) {
  const q = board_query();
  if (more && cursor) q.set('cursor', cursor);
  const page = await api_call('GET', `/staff/jobs?${q}`);
  const rows = $('board-rows');
  if (!more) rows.replaceChildren();
  for (const j of page.jobs) {
    const link = el('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, j.title);
    // The newest photo's thumbnail (decorative: the title says which job it is); one
    // that does not load (a photo sent without a thumbnail) is removed.
    const thumb = j.thumb_url ? el('img', { src: j.thumb_url, alt: '', loading: 'lazy', className: 'board-thumb' }) : '';
    if (thumb) thumb.addEventListener('error', () => thumb.remove());
    rows.append(el('tr', { dataset: { job: j.id } },
      el('td', { className: 'thumb-cell' }, thumb),
      el('td', {}, link, el('div', { className: 'muted' }, j.id)),
      el('td', {}, j.customer.name, el('div', { className: 'muted' }, j.customer.email)),
      el('td', { className: 'num' }, String(j.photo_count)),
      el('td', {}, when(j.last_upload_at)),
      el('td', {}, j.quote_waiting ? el('strong', { className: 'waiting' }, 'Waiting') : '—')));
  }
  cursor = page.next_cursor;
  $('board-more').hidden = !cursor;
}

// ------------------------------------------------------------------ onboarding
async function create_customer(e) {
  e.preventDefault();
  const status = $('new-customer-status');
  try {
    const r = await api_call('POST', '/staff/customers', { name: $('customer-name').value.trim(), email: $('customer-email').value.trim() });
    status.textContent = `Customer ${r.customer.id} created.`;
    $('job-customer').value = $('link-customer').value = String(r.customer.id);
    $('new-customer').reset();
  } catch (err) {
    status.textContent = err.message;
  }
}

async function create_job(e) {
  e.preventDefault();
  const status = $('new-job-status');
  try {
    const r = await api_call('POST', '/staff/jobs', { customer_id: Number($('job-customer').value), title: $('job-title').value.trim() });
    status.textContent = `Job ${r.job.id} created.`;
    status.dataset.job = r.job.id;
    $('job-title').value = '';
    await load_board();
  } catch (err) {
    status.textContent = err.message;
  }
}

async function login_link(e) {
  e.preventDefault();
  try {
    const r = await api_call('POST', `/staff/customers/${encodeURIComponent($('link-customer').value)}/login-link`, {});
    $('link-url').value = r.url;
    $('link-url').select();
  } catch (err) {
    $('link-url').value = err.message;
  }
}

// ------------------------------------------------------------------ a job
async function open_job(id) {
  show('job-view');
  const [detail, listing] = await Promise.all([
    api_call('GET', `/staff/jobs/${encodeURIComponent(id)}`),
    api_call('GET', `/staff/jobs/${encodeURIComponent(id)}/photos`),
  ]);
  $('job-view').dataset.job = id;
  $('job-title-h').textContent = detail.job.title;
  $('job-customer-line').textContent = detail.customer ? `${detail.customer.name} · ${detail.customer.email} · ${detail.job.status}` : detail.job.status;
  $('job-notes').textContent = detail.notes ? `Notes: ${detail.notes}` : '';
  render_gallery(detail.job.shots || [], listing.photos);
  $('download-all').disabled = photos.length === 0;
  render_quotes(detail.quotes);
  $('shares').replaceChildren();
}

// The gallery grouped by the job's shot list (issue 22), in the list's order, each
// shot with its label and how many photos it has (an empty required shot says so);
// photos of no shot (or of a shot since taken off the list) come last. `photos` is
// kept in the order shown, so the viewer's arrows follow the groups.
function render_gallery(shots, listed) {
  const known = new Set(shots.map((s) => s.id));
  const groups = shots.map((s) => ({ shot: s, items: listed.filter((p) => p.shot === s.id) }));
  const loose = listed.filter((p) => !p.shot || !known.has(p.shot));
  if (loose.length) groups.push({ shot: { id: '', label: shots.length ? 'Not assigned to a shot' : 'Photos' }, items: loose });
  photos = groups.flatMap((g) => g.items);
  let index = 0;
  $('gallery').replaceChildren(...groups.map((g) => {
    const head = el('h3', { id: `shot-${g.shot.id || 'none'}` }, g.shot.label,
      el('span', { className: 'muted' }, ` · ${g.items.length} photo${g.items.length === 1 ? '' : 's'}`));
    if (!g.items.length)
      return el('section', { className: 'shot-group' }, head,
        el('p', { className: g.shot.required ? 'shot-missing' : 'muted' }, g.shot.required ? 'Required, no photo yet' : 'No photo'));
    return el('section', { className: 'shot-group', dataset: { shot: g.shot.id } }, head,
      el('ul', { className: 'gallery', 'aria-labelledby': head.id }, ...g.items.map((p) => {
        const i = index++;
        return el('li', {},
          el('button', { type: 'button', className: 'thumb', dataset: { index: String(i) }, 'aria-label': `Photo ${i + 1}: ${p.key.split('/').pop()}` },
            el('img', { src: p.thumb_url || p.url, alt: '', loading: 'lazy' })),
          p.caption ? el('span', { className: 'caption' }, p.caption) : '',
          el('span', { className: 'muted' }, when(p.received_at || p.last_modified)));
      })));
  }));
}

function render_quotes(quotes) {
  $('quotes').replaceChildren(...quotes.map((q) => {
    const id = `reply-${q.id}`;
    const form = el('form', { className: 'reply', dataset: { quote: String(q.id) } },
      el('label', { htmlFor: `${id}-low` }, 'From (cents)'), el('input', { id: `${id}-low`, name: 'low', type: 'number', min: '0', required: true }),
      el('label', { htmlFor: `${id}-high` }, 'To (cents)'), el('input', { id: `${id}-high`, name: 'high', type: 'number', min: '0', required: true }),
      el('label', { htmlFor: `${id}-currency` }, 'Currency'), el('input', { id: `${id}-currency`, name: 'currency', value: 'USD', maxLength: 3, required: true }),
      el('label', { htmlFor: `${id}-message` }, 'Message'), el('textarea', { id: `${id}-message`, name: 'message', rows: 2, maxLength: 4000 }),
      el('button', { type: 'submit' }, q.reply ? 'Update answer' : 'Send answer'),
      el('p', { role: 'status', className: 'reply-status' }, q.reply ? `Answered: ${money(q.reply.price_low_cents, q.reply.currency)}–${money(q.reply.price_high_cents, q.reply.currency)}` : ''));
    form.addEventListener('submit', send_reply);
    return el('li', {}, el('p', {}, q.description, el('span', { className: 'muted' }, ` · ${when(q.created_at)}`)), form);
  }));
}

async function send_reply(e) {
  e.preventDefault();
  const f = e.currentTarget;
  const status = f.querySelector('.reply-status');
  try {
    const r = await api_call('POST', `/staff/quotes/${f.dataset.quote}/reply`, {
      price_low_cents: Number(f.elements.low.value), price_high_cents: Number(f.elements.high.value),
      currency: f.elements.currency.value.trim().toUpperCase(), message: f.elements.message.value,
    });
    status.textContent = `Answered: ${money(r.reply.price_low_cents, r.reply.currency)}–${money(r.reply.price_high_cents, r.reply.currency)}`;
  } catch (err) {
    status.textContent = err.message;
  }
}

async function share(e) {
  e.preventDefault();
  const job = $('job-view').dataset.job;
  const days = Math.max(1, Math.min(30, Number($('share-days').value) || 7));
  const r = await api_call('POST', `/staff/jobs/${encodeURIComponent(job)}/share`, { expires_in: days * 86400 });
  const revoke = el('button', { type: 'button', dataset: { share: r.share_id } }, 'Revoke');
  const item = el('li', {}, el('input', { readOnly: true, value: r.url, 'aria-label': 'Share link', className: 'share-url' }),
    el('span', { className: 'muted' }, ` until ${when(r.expires_at)} `), revoke);
  revoke.addEventListener('click', async () => {
    await api_call('DELETE', `/staff/shares/${encodeURIComponent(r.share_id)}`);
    revoke.replaceWith(el('span', { className: 'revoked' }, 'Revoked'));
  });
  $('shares').append(item);
}

// "Download all": the ZIP is streamed together in the browser from the presigned
// GETs (client-zip), so the API never carries a byte. With the service worker
// (zip-sw.js) the browser's save starts at once and each photo goes from its GET into
// the file as it arrives, one at a time; without it (a browser that cannot register a
// module worker) the ZIP is assembled as a Blob first, then saved.
async function register_zip_worker() {
  const reg = await navigator.serviceWorker.register('/staff/zip-sw.js', { type: 'module', scope: '/staff/' });
  if (!reg) return null;  // a registration refused without an error (a blocking extension)
  if (reg.active) return reg.active;
  const next = reg.installing || reg.waiting;
  if (!next) return null;
  return new Promise((resolve) => {
    next.addEventListener('statechange', () => {
      if (next.state === 'activated') resolve(next);
      else if (next.state === 'redundant') resolve(null);
    });
  });
}
const zip_worker = 'serviceWorker' in navigator ? register_zip_worker().catch(() => null) : Promise.resolve(null);

const zip_name = () => `${$('job-view').dataset.job.replace(/[^A-Za-z0-9._-]/g, '_')}.zip`;
const entry_name = (p) => p.key.split('/').pop();

function random_id() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

async function download_streamed(worker, status) {
  const id = random_id();
  const channel = new MessageChannel();
  const answered = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
  worker.postMessage({
    type: 'zip', id, name: zip_name(),
    files: photos.map((p) => ({ name: entry_name(p), url: p.url, size: p.size, last_modified: p.last_modified })),
  }, [channel.port2]);
  const first = await answered;
  if (first.type !== 'ready') throw new Error(first.message || 'the download could not start');
  const finished = new Promise((resolve, reject) => {
    channel.port1.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'progress') status.textContent = `Downloading… ${m.done} of ${m.total} photos`;
      else if (m.type === 'done') resolve();
      else if (m.type === 'error') reject(new Error(m.message));
    };
  });
  // A navigation the worker answers with the ZIP as an attachment: the page stays.
  const a = el('a', { href: `/staff/zip/${id}/${encodeURIComponent(zip_name())}`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // Messages keep the worker alive while the ZIP is still being written.
  const keepalive = setInterval(() => worker.postMessage({ type: 'keepalive' }), 10_000);
  try {
    await finished;
  } finally {
    clearInterval(keepalive);
    channel.port1.close();
  }
}

async function download_blob(status) {
  const files = (async function* () {
    let done = 0;
    for (const p of photos) {
      // no-store: the viewer's <img> may have cached this URL's answer without CORS
      // headers (the store sends them only to a request with an Origin), and a CORS
      // fetch may not reuse it.
      const res = await fetch(p.url, { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${p.key}`);
      yield { name: entry_name(p), lastModified: new Date(p.last_modified), input: res };
      status.textContent = `Preparing… ${++done} of ${photos.length} photos`;
    }
  })();
  const blob = await downloadZip(files).blob();
  const a = el('a', { href: URL.createObjectURL(blob), download: zip_name() });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

async function download_all() {
  const status = $('download-status');
  const button = $('download-all');
  button.disabled = true;
  status.textContent = `Starting the download of ${photos.length} photos…`;
  try {
    // A worker not active within 3 s (still installing) is not waited for.
    const worker = await Promise.race([zip_worker, new Promise((resolve) => setTimeout(resolve, 3000, null))]);
    if (worker) await download_streamed(worker, status);
    else await download_blob(status);
    status.textContent = 'Downloaded.';
  } catch (err) {
    status.textContent = `Download failed: ${err.message}`;
  } finally {
    button.disabled = photos.length === 0;
  }
}

// ------------------------------------------------------------------ viewer
function view(i) {
  if (i < 0 || i >= photos.length) return;
  viewing = i;
  $('viewer-img').src = photos[i].url;
  $('viewer-img').alt = `Photo ${i + 1} of ${photos.length}`;
  $('viewer-count').textContent = `${i + 1} / ${photos.length}`;
  if (!$('viewer').open) $('viewer').showModal();
}

function viewer_keys(e) {
  if (e.key === 'ArrowRight') view(viewing + 1);
  else if (e.key === 'ArrowLeft') view(viewing - 1);
  // Esc: the dialog closes itself.
}

// ------------------------------------------------------------------ routing
async function route() {
  const m = /^#\/jobs\/(.+)$/.exec(location.hash);
  try {
    if (m) await open_job(decodeURIComponent(m[1]));
    else {
      show('board-view');
      await load_board();
    }
  } catch (e) {
    if (!(e instanceof api_error && e.status === 401)) throw e;
  }
}

async function start() {
  set_unauthorized_handler(() => show('login-view'));
  await sign_in_from_link();
  $('board-filter').addEventListener('submit', (e) => { e.preventDefault(); load_board(); });
  $('board-more').addEventListener('click', () => load_board(true));
  $('new-customer').addEventListener('submit', create_customer);
  $('new-job').addEventListener('submit', create_job);
  $('login-link').addEventListener('submit', login_link);
  $('share-form').addEventListener('submit', share);
  $('download-all').addEventListener('click', download_all);
  $('gallery').addEventListener('click', (e) => {
    const b = e.target.closest('button.thumb');
    if (b) view(Number(b.dataset.index));
  });
  $('viewer').addEventListener('keydown', viewer_keys);
  $('viewer-prev').addEventListener('click', () => view(viewing - 1));
  $('viewer-next').addEventListener('click', () => view(viewing + 1));
  $('viewer-close').addEventListener('click', () => $('viewer').close());
  $('logout').addEventListener('click', async () => {
    await api_call('POST', '/logout', {});
    show('login-view');
  });
  window.addEventListener('hashchange', route);
  await route();
}

start();
