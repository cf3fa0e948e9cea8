// The dashboard's DOM: login, the job list, the job drawer (details, notes, photo
// grid, capture buttons, upload progress) and the quote form. Talking to the API
// is api.js's job; the upload queue is uploads.js's.
//
// Routes live in the hash so a job can be linked or typed: `#/` is the job list,
// `#/jobs/<id>` opens that job's drawer over it.
import * as api from './api.js';
import { render_job_quotes } from './quotes_view.js';
import { upload_queue } from './uploads.js';
import { default_settings } from './photo_prep.js';

const $ = (id) => document.getElementById(id);

const state = {
  signed_in: false,
  jobs: [],
  job_id: null,         // the job whose drawer is open
  opener: null,         // the element focus returns to when the drawer closes
  photos_busy: false,   // a photo listing is in flight
  photos_wanted: null,  // the job to list once it is done
  photos_listed_at: 0,
  photos_expires_in: 900,
  relists: 0,           // re-lists in a row caused by broken thumbnails
  focus_after_list: -1, // after a delete: the tile to focus once listed again
  shots: [],            // the open job's requested shots: [{id, label, hint?, required}]
  shot_counts: new Map(), // shot id -> photos of it the server has received
  listed_keys: new Set(), // keys in the open job's last listing
  capture_shot: null,   // the shot whose "Take photo" opened the camera
  library_shot: null,   // the shot chosen for "Add from library"
};

// ---------------------------------------------------------------- helpers

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function show(id, visible) {
  $(id).hidden = !visible;
}

// A job as the API sends it: {id, title, address, status, scheduled_date
// (YYYY-MM-DD or null), notes, access_instructions, photo_count, ...}.
const job_title = (j) => j.title || `Job ${j.id}`;

function format_date(value) {
  if (!value) return 'Not scheduled';
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  // A bare date is a calendar day, not midnight UTC: build it in local time.
  const date = day ? new Date(+day[1], +day[2] - 1, +day[3]) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const opts = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' };
  if (!day) Object.assign(opts, { hour: '2-digit', minute: '2-digit' });
  return date.toLocaleString(undefined, opts);
}

// A moment (RFC 3339) with date and time, in the viewer's time zone.
function format_moment(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function format_bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const status_label = (s) => String(s || 'unknown').replace(/[_-]+/g, ' ');
const status_class = (s) => `status status-${String(s || 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

// ---------------------------------------------------------------- login

function show_login(message = '') {
  state.signed_in = false;
  close_drawer({ restore_focus: false });
  show('boot', false);
  show('jobs-view', false);
  show('login-view', true);
  show('logout', false);
  $('who').textContent = '';
  $('login-error').textContent = message;
  $('login-title').focus();
}

// Accepts the whole link or only its code.
function code_from(input) {
  const text = input.trim();
  try {
    return new URL(text).searchParams.get('code') || '';
  } catch {
    return text;
  }
}

async function sign_in(code) {
  try {
    const customer = await api.login(code);
    if (customer && customer.name) $('who').textContent = customer.name;
    return true;
  } catch (err) {
    show_login(err.status === 0 ? err.message : 'This sign-in link has expired or was already used. Ask for a new one.');
    return false;
  }
}

// ---------------------------------------------------------------- job list

async function load_jobs() {
  try {
    state.jobs = await api.list_jobs();
  } catch (err) {
    if (err.status === 401) return false;
    show('boot', false);
    show('jobs-view', true);
    $('jobs-status').textContent = `Could not load your jobs: ${err.message}`;
    return true;
  }
  state.signed_in = true;
  show('boot', false);
  show('login-view', false);
  show('jobs-view', true);
  show('logout', true);
  render_jobs();
  return true;
}

function render_jobs() {
  const list = $('job-list');
  list.replaceChildren(
    ...state.jobs.map((job) =>
      el('li', {},
        el('a', { class: 'job', href: `#/jobs/${encodeURIComponent(job.id)}`, dataset: { id: job.id } },
          el('span', { class: 'job-title' }, job_title(job)),
          el('span', { class: status_class(job.status) }, status_label(job.status)),
          el('span', { class: 'job-date' }, format_date(job.scheduled_date)),
          job.address ? el('span', { class: 'job-address muted' }, job.address) : null))));
  $('jobs-status').textContent = state.jobs.length ? '' : 'You have no jobs yet.';

  const select = $('quote-job');
  select.replaceChildren(
    el('option', { value: '' }, 'Not about a listed job'),
    ...state.jobs.map((job) => el('option', { value: job.id }, job_title(job))));
}

// ---------------------------------------------------------------- drawer

function open_drawer(id) {
  const drawer = $('drawer');
  const already_open = drawer.classList.contains('open');
  if (!already_open && !state.opener) state.opener = document.activeElement;
  state.job_id = id;
  drawer.classList.add('open');
  $('backdrop').classList.add('open');
  document.body.classList.add('drawer-open');
  set_background_inert(true);
  $('drawer-title').textContent = 'Loading…';
  show('drawer-missing', false);
  show('drawer-content', false);
  $('drawer-error').textContent = '';
  $('photo-grid').replaceChildren();
  state.listed_keys = new Set();
  set_shots({});
  show('library-chooser', false);
  $('photos-status').textContent = '';
  $('job-form-status').textContent = '';
  render_uploads();
  // Focus moves into the dialog once it is visible (visibility changes with the class).
  requestAnimationFrame(() => $('drawer-title').focus());
  load_job(id);
}

async function load_job(id) {
  let job;
  try {
    job = await api.get_job(id);
  } catch (err) {
    if (id !== state.job_id) return;
    if (err.status === 404 || err.status === 400) {
      $('drawer-title').textContent = 'Not found';
      show('drawer-missing', true);
    } else if (err.status !== 401) {
      $('drawer-title').textContent = 'Job';
      $('drawer-error').textContent = `Could not load this job: ${err.message}`;
    }
    return;
  }
  if (id !== state.job_id) return;
  $('drawer-title').textContent = job_title(job);
  render_details(job);
  $('job-notes').value = job.notes || '';
  $('job-access').value = job.access_instructions || '';
  set_shots(job);
  show('drawer-content', true);
  load_photos(id);
  render_job_quotes(id, () => state.job_id === id);
}

function render_details(job) {
  const rows = [
    ['Status', el('span', { class: status_class(job.status) }, status_label(job.status))],
    ['Scheduled', format_date(job.scheduled_date)],
    ['Address', job.address || '—'],
    ['Reference', job.id],
  ];
  $('job-details').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

// ---------------------------------------------------------------- shot list

// The job's requested shots (issue 22): each with its own "Take photo", its
// label and hint, and a tick once the server has received a photo of it; a
// short "still needed" line names the required shots not covered yet. A job
// from a server without shot lists has none: the drawer keeps one "Take photo".
function set_shots(job) {
  state.shots = Array.isArray(job.shots) ? job.shots.filter((s) => s && typeof s.id === 'string') : [];
  state.shot_counts = new Map(state.shots.map((s) => [s.id, Number(s.count) || 0]));
  if (Array.isArray(job.missing_shots)) {
    // The server's word on what is missing wins over a count it may not send.
    for (const id of job.missing_shots) state.shot_counts.set(id, 0);
  }
  render_shots();
}

const shot_label = (id) => (state.shots.find((s) => s.id === id) || {}).label || '';

// From a listing with receipts: the received photos of each shot.
function count_shots(photos) {
  if (!state.shots.length || !photos.some((p) => 'state' in p)) return;
  const counts = new Map(state.shots.map((s) => [s.id, 0]));
  for (const p of photos) {
    if (p.state === 'received' && counts.has(p.shot)) counts.set(p.shot, counts.get(p.shot) + 1);
  }
  state.shot_counts = counts;
  render_shots();
}

function render_shots() {
  const shots = state.shots;
  show('shot-list', shots.length > 0);
  show('take-photo-button', shots.length === 0);
  const covered = (s) => (state.shot_counts.get(s.id) || 0) > 0;
  // A re-render (a listing came back) keeps the focus on the shot's button.
  const focused = document.activeElement?.closest?.('#shots li')?.dataset.shot;
  $('shots').replaceChildren(...shots.map((s) => {
    const count = state.shot_counts.get(s.id) || 0;
    const take = el('button', { type: 'button', class: 'shot-take small', 'aria-label': `Take photo: ${s.label}` }, 'Take photo');
    take.addEventListener('click', () => {
      state.capture_shot = s.id;
      $('take-photo').click();
    });
    return el('li', { class: `shot${covered(s) ? ' shot-covered' : ''}`, dataset: { shot: s.id } },
      el('span', { class: 'shot-tick', 'aria-hidden': 'true' }, covered(s) ? '✓' : ''),
      el('div', { class: 'shot-text' },
        el('span', { class: 'shot-label' }, s.label, s.required ? null : el('span', { class: 'muted' }, ' (optional)')),
        s.hint ? el('span', { class: 'shot-hint muted' }, s.hint) : null,
        el('span', { class: 'shot-count muted' },
          count ? `✓ ${count} received` : s.required ? 'Needed' : '')),
      take);
  }));
  if (focused) $('shots').querySelector(`li[data-shot="${CSS.escape(focused)}"] button`)?.focus();
  const needed = shots.filter((s) => s.required && !covered(s));
  show('shots-needed', needed.length > 0);
  $('shots-needed').textContent = needed.length ? `Still needed: ${needed.map((s) => s.label).join(' · ')}` : '';
  show('shots-done', shots.some((s) => s.required) && needed.length === 0);
  const chooser = $('library-shots');
  const chosen = chooser.querySelector('input:checked')?.value ?? null; // nothing is chosen for the user
  chooser.replaceChildren(...[...shots, { id: '', label: 'Not sure' }].map((s) =>
    el('label', { class: 'choice' },
      el('input', { type: 'radio', name: 'library-shot', value: s.id, checked: s.id === chosen, required: true }),
      ` ${s.label}`)));
}

// "Add from library" asks which shot the photos are for (when there is a list).
function add_from_library() {
  if (!state.shots.length) {
    state.library_shot = null;
    $('add-photos').click();
    return;
  }
  show('library-chooser', true);
  // Asked, not guessed: nothing is preselected, and the form needs an answer.
  ($('library-shots').querySelector('input:checked') || $('library-shots').querySelector('input')).focus();
}

function choose_library_photos(e) {
  e.preventDefault();
  const value = $('library-shots').querySelector('input:checked')?.value || '';
  state.library_shot = value || null;
  show('library-chooser', false);
  $('add-photos').click(); // still inside the click's user activation
}

function close_drawer({ restore_focus = true } = {}) {
  const drawer = $('drawer');
  if (!drawer.classList.contains('open')) return;
  drawer.classList.remove('open');
  $('backdrop').classList.remove('open');
  document.body.classList.remove('drawer-open');
  set_background_inert(false);
  state.job_id = null;
  // The blobs go; the browser's HTTP cache still holds the thumbnails for a reopen.
  forget_thumbnails(new Set());
  const opener = state.opener;
  state.opener = null;
  if (!restore_focus) return;
  // Return focus to the job link that opened the drawer, or to the list when the
  // drawer was opened from a typed URL.
  const target = opener && document.contains(opener) && opener !== document.body ? opener : $('jobs-title');
  target.focus();
}

// While the drawer is open the page behind it can be neither clicked, focused nor
// read by a screen reader: it is a modal dialog.
function set_background_inert(inert) {
  for (const node of document.querySelectorAll('.topbar, main')) node.inert = inert;
}

function leave_drawer() {
  if (location.hash.startsWith('#/jobs/')) location.hash = '#/';
  else close_drawer();
}

function focusables() {
  return [...$('drawer').querySelectorAll('a[href], button, textarea, input, select, [tabindex]')].filter(
    (n) => !n.disabled && n.tabIndex >= 0 && n.getClientRects().length > 0 && !n.closest('[hidden]'));
}

// Keeps Tab inside the open drawer and lets Escape close it.
function on_drawer_key(e) {
  if (!$('drawer').classList.contains('open')) return;
  if (e.key === 'Escape') {
    e.preventDefault();
    leave_drawer();
    return;
  }
  if (e.key !== 'Tab') return;
  const nodes = focusables();
  if (!nodes.length) return;
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  const inside = $('drawer').contains(document.activeElement);
  if (!inside || (e.shiftKey && document.activeElement === first) || (e.shiftKey && document.activeElement === $('drawer-title'))) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

async function save_job(e) {
  e.preventDefault();
  const id = state.job_id;
  const status = $('job-form-status');
  status.textContent = 'Saving…';
  try {
    const job = await api.update_job(id, { notes: $('job-notes').value, access_instructions: $('job-access').value });
    status.textContent = 'Saved.';
    const i = state.jobs.findIndex((j) => j.id === id);
    if (i >= 0 && job && job.id) state.jobs[i] = job;
  } catch (err) {
    if (err.status !== 401) status.textContent = `Not saved: ${err.message}`;
  }
}

// ---------------------------------------------------------------- photos

// One listing at a time per page: uploads finishing together ask for several, and
// the last one wins anyway. A request made while one runs is done right after it.
async function load_photos(id) {
  state.photos_wanted = id;
  if (state.photos_busy) return;
  state.photos_busy = true;
  $('photo-grid').setAttribute('aria-busy', 'true');
  try {
    while (state.photos_wanted) {
      const job_id = state.photos_wanted;
      state.photos_wanted = null;
      await list_photos_once(job_id);
    }
  } finally {
    state.photos_busy = false;
    $('photo-grid').setAttribute('aria-busy', 'false');
  }
}

async function list_photos_once(id) {
  let listing;
  try {
    listing = await api.list_photos(id);
  } catch (err) {
    if (id === state.job_id && err.status !== 401) $('photos-status').textContent = `Could not load photos: ${err.message}`;
    return;
  }
  if (id !== state.job_id) return;
  state.photos_listed_at = Date.now();
  state.photos_expires_in = listing.expires_in;
  const focus_index = state.focus_after_list;
  state.focus_after_list = -1;
  render_photos(id, listing.photos, focus_index);
}

// Thumbnails fetched for the grid, by URL: a promise of {blob_url, captured_at}.
// The API hands out the same URL for a while and the bucket says it may be
// cached, so a re-render (or a re-list) reuses what is here or in the HTTP cache.
const thumbs = new Map();

function thumbnail_of(url) {
  if (!thumbs.has(url)) {
    const p = api.fetch_image(url).then(({ blob, captured_at }) => ({ blob_url: URL.createObjectURL(blob), captured_at }));
    p.catch(() => thumbs.delete(url));
    thumbs.set(url, p);
  }
  return thumbs.get(url);
}

// Frees the thumbnails of URLs no longer listed.
function forget_thumbnails(keep) {
  for (const [url, p] of thumbs) {
    if (keep.has(url)) continue;
    thumbs.delete(url);
    p.then((t) => URL.revokeObjectURL(t.blob_url), () => {});
  }
}

function render_photos(job_id, photos, focus_index = -1) {
  $('photos-status').textContent = photos.length ? `${photos.length} photo${photos.length === 1 ? '' : 's'}` : 'No photos yet.';
  const listed = new Set();
  state.listed_keys = new Set(photos.map((p) => p.key));
  $('photo-grid').replaceChildren(...photos.map((p, i) => photo_tile(job_id, p, i, listed)));
  forget_thumbnails(listed);
  count_shots(photos);
  render_sending(); // the listed ones leave the "sending" tiles
  if (focus_index >= 0) {
    const links = $('photo-grid').querySelectorAll('a');
    (links[Math.min(focus_index, links.length - 1)] || $('add-photos-button')).focus();
  }
}

// What the server says of a listed photo (issue 22); none from a server
// without receipts. Only `received` is shown as received.
const receipt_text = {
  received: 'Received',
  pending: 'Not confirmed yet',
  rejected: 'Rejected: the file was not a readable photo. Please take it again.',
  expired: 'Never arrived. Please take it again.',
};

// The shot a listed photo belongs to, changeable by its owner (a photo added as
// "Not sure", or to the wrong shot): PATCH, then list again for the ticks.
function shot_select(job_id, p, i, name) {
  const select = el('select', { class: 'photo-shot-select', 'aria-label': `Which shot photo ${i + 1} is` },
    el('option', { value: '' }, 'No shot'),
    ...state.shots.map((s) => el('option', { value: s.id, selected: s.id === p.shot }, s.label)));
  select.addEventListener('change', async () => {
    select.disabled = true;
    try {
      await api.update_photo(job_id, name, { shot: select.value || null });
    } catch (err) {
      if (err.status !== 401) $('photos-status').textContent = `Could not move ${name}: ${err.message}`;
    }
    if (job_id === state.job_id) load_photos(job_id);
  });
  return select;
}

// One photo: its thumbnail (a tap opens the original), its shot, what the server
// says of it, when it was taken, and Delete.
function photo_tile(job_id, p, i, listed) {
  const name = p.key.split('/').pop();
  const receipt = receipt_text[p.state] ? el('span', { class: `photo-receipt receipt-${p.state}` }, receipt_text[p.state]) : null;
  const shot = 'shot' in p && state.shots.length ? shot_select(job_id, p, i, name)
    : p.shot && shot_label(p.shot) ? el('span', { class: 'photo-shot' }, shot_label(p.shot)) : null;
  const remove_button = () => {
    const b = el('button', { type: 'button', class: 'photo-delete small secondary', 'aria-label': `Delete photo ${i + 1}, ${name}` }, 'Delete');
    b.addEventListener('click', () => delete_photo(job_id, name, i));
    return b;
  };
  if (p.state === 'rejected' || p.state === 'expired') {
    // Nothing to show: the object is gone (rejected) or never came (expired).
    return el('li', { class: `photo photo-${p.state}`, dataset: { key: p.key, state: p.state } },
      el('div', { class: 'photo-missing' }, name),
      el('div', { class: 'photo-meta' }, receipt, shot, remove_button()));
  }
  const img = el('img', { alt: `Photo ${i + 1}, ${name}`, decoding: 'async' });
  const time = el('time', { class: 'photo-time' });
  const show_time = (captured_at) => {
    const at = captured_at || p.last_modified;
    const text = at ? format_moment(at) : '';
    time.dateTime = at || '';
    time.dataset.source = captured_at ? 'captured' : 'uploaded';
    time.textContent = text ? `${captured_at ? 'Taken' : 'Uploaded'} ${text}` : '';
    if (text) img.alt = `Photo ${i + 1}, ${name}, ${time.textContent.toLowerCase()}`;
  };
  show_time('');
  img.addEventListener('load', () => { state.relists = 0; }, { once: true });
  if (p.thumb_url) {
    listed.add(p.thumb_url);
    thumbnail_of(p.thumb_url).then((t) => {
      show_time(t.captured_at);
      img.src = t.blob_url;
    }, on_thumbnail_error);
  } else {
    // Uploaded without a thumbnail (another client, or a format the phone could
    // not decode): the original stands in.
    img.addEventListener('error', on_thumbnail_error, { once: true });
    img.src = p.url;
  }
  return el('li', { class: `photo${p.state ? ` photo-${p.state}` : ''}`, dataset: { key: p.key, state: p.state || '' } },
    el('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer', title: `${name}, ${format_bytes(p.size || 0)}` }, img),
    el('div', { class: 'photo-meta' }, receipt, shot, time, remove_button()));
}

async function delete_photo(job_id, name, index) {
  if (!window.confirm(`Delete ${name}? This cannot be undone.`)) return;
  try {
    await api.delete_photo(job_id, name);
  } catch (err) {
    if (err.status === 401) return;
    // 404: already gone (another tab, or not ours); the listing below shows the truth.
    if (err.status !== 404) {
      $('photos-status').textContent = `Could not delete ${name}: ${err.message}`;
      return;
    }
  }
  $('upload-status').textContent = `${name} deleted.`;
  if (job_id !== state.job_id) return;
  state.focus_after_list = index;
  load_photos(job_id);
}

// A thumbnail that fails after its URL's lifetime has most likely expired: list
// again for fresh URLs. Bounded, so a store that is down does not cause a loop.
function on_thumbnail_error() {
  const age = Date.now() - state.photos_listed_at;
  if (age < state.photos_expires_in * 1000 || state.relists >= 3 || !state.job_id) return;
  state.relists++;
  state.photos_listed_at = Date.now(); // one re-list per listing, not one per image
  load_photos(state.job_id);
}

// ---------------------------------------------------------------- uploads

// The server's photo settings, read once (defaults when it cannot be reached:
// an offline phone still prepares its photos).
let settings_promise = null;
function photo_settings() {
  settings_promise ??= api.get_settings().then(
    (s) => ({ ...default_settings, ...s }),
    () => {
      settings_promise = null;
      return default_settings;
    });
  return settings_promise;
}

const queue = new upload_queue({
  on_change: (item) => render_upload(item),
  on_done: (item) => {
    if (item.job_id === state.job_id) load_photos(item.job_id);
  },
  settings: photo_settings,
});

function upload_message(err, item) {
  if (err.name === 'storage_full_error') return err.message;
  const again = item && item.retry_at ? ' Trying again shortly.' : '';
  if (err.name === 'api_error') {
    if (err.status === 413) return 'Photos up to 25 MB';
    if (err.status === 415) return 'Only photos';
    if (err.status === 422) return 'Rejected: the file that arrived was not a readable photo. Please take it again.';
    if (err.status === 404) return 'This job is not available.';
    if (err.status === 429) return 'Too many uploads right now. Retry in a moment.';
    if (err.status === 0) return `Cannot reach the server. Check your connection.${again}`;
    return `${err.message}${again}`;
  }
  if (err.kind === 'network') return `Upload failed: storage could not be reached.${again}`;
  return `Upload failed: storage answered ${err.status}${err.s3_code ? ` (${err.s3_code})` : ''}.${again}`;
}

// The user can fix a refused file only by picking another, so no Retry for those.
const retryable = (item) => Boolean(item.record) && item.error.name !== 'storage_full_error' &&
  (item.error.name !== 'api_error' || ![400, 403, 404, 409, 413, 415, 422].includes(item.error.status));

// The local previews of photos on their way (issue 25): the picked file itself,
// shown in the grid at once while it is shrunk and sent, by item id.
const previews = new Map();

function add_files(input) {
  const files = [...input.files];
  input.value = ''; // picking the same file again must fire `change` again
  if (!files.length || !state.job_id) return;
  const wanted = input.id === 'take-photo' ? state.capture_shot : state.library_shot;
  const shot = state.shots.some((s) => s.id === wanted) ? wanted : null;
  const items = queue.add(state.job_id, files, shot);
  items.forEach((item, i) => previews.set(item.id, URL.createObjectURL(files[i])));
  render_uploads(); // a new batch may have dropped the finished rows of the last one
}

function render_uploads() {
  const items = queue.items().filter((i) => i.job_id === state.job_id);
  $('upload-list').replaceChildren();
  $('sending-grid').replaceChildren();
  items.forEach(render_upload);
  render_overall();
  render_sending();
}

// A preview for an item: the picked file, or after a reload the queued
// thumbnail (or shrunk photo) from IndexedDB.
function preview_of(item) {
  if (!previews.has(item.id) && item.record) previews.set(item.id, URL.createObjectURL(item.record.thumb || item.record.photo));
  return previews.get(item.id) || '';
}

// The tiles of photos on their way, after the listed ones; a tile goes once the
// listing has its photo. Previews of items the queue forgot are freed.
function render_sending() {
  const known = new Set(queue.items().map((i) => i.id));
  for (const [id, url] of previews) {
    if (known.has(id)) continue;
    previews.delete(id);
    URL.revokeObjectURL(url);
    $('sending-grid').querySelector(`[data-upload="${id}"]`)?.remove();
  }
  for (const item of queue.items()) render_sending_tile(item);
}

function render_sending_tile(item) {
  if (item.job_id !== state.job_id) return;
  let tile = $('sending-grid').querySelector(`[data-upload="${item.id}"]`);
  const settled = item.state === 'done' || (item.state === 'error' && !item.record);
  if (settled && (state.listed_keys.has(item.key) || (item.state === 'done' && !item.key))) {
    // Listed: the bucket's copy stands in its place now.
    tile?.remove();
    const url = previews.get(item.id);
    if (url) URL.revokeObjectURL(url);
    previews.delete(item.id);
    return;
  }
  if (!tile) {
    const img = el('img', { alt: `${item.name}, being sent`, decoding: 'async' });
    const src = preview_of(item);
    const frame = el('div', { class: 'photo-frame' }, img);
    // A file the browser cannot show (HEIC in Chromium) keeps its name instead.
    img.addEventListener('error', () => frame.replaceChildren(el('div', { class: 'photo-missing' }, item.name)), { once: true });
    if (src) img.src = src;
    tile = el('li', { class: 'photo photo-sending', dataset: { upload: item.id } },
      frame,
      el('div', { class: 'photo-meta' },
        el('span', { class: 'photo-receipt' }),
        item.shot && shot_label(item.shot) ? el('span', { class: 'photo-shot' }, shot_label(item.shot)) : null));
    $('sending-grid').append(tile);
  }
  const pct = item.total ? Math.round((100 * item.loaded) / item.total) : 0;
  let text = `Sending… ${pct}%`;
  let kind = 'sending';
  if (item.state === 'error') {
    const refused = !retryable(item) && item.error.name === 'api_error';
    text = refused ? upload_message(item.error, item) : 'Not sent yet';
    kind = item.error.status === 422 ? 'rejected' : 'error';
  } else if (item.state === 'preparing') text = 'Sending…';
  else if (item.state === 'queued') text = navigator.onLine ? 'Sending…' : 'Waiting for connection';
  else if (item.state === 'done') {
    text = receipt_text[item.receipt] || 'Sent';
    kind = item.receipt || 'sent';
  }
  tile.dataset.state = kind;
  tile.className = `photo photo-sending sending-${kind}`;
  tile.querySelector('.photo-receipt').textContent = text;
}

function render_upload(item) {
  if (item.job_id !== state.job_id) return;
  let row = $('upload-list').querySelector(`[data-upload="${item.id}"]`);
  if (!row) {
    const retry = el('button', { type: 'button', class: 'retry small' }, 'Retry');
    retry.addEventListener('click', () => queue.retry(item.id));
    row = el('li', { class: 'upload', dataset: { upload: item.id } },
      el('span', { class: 'upload-name' }, item.name),
      el('progress', { max: 100, value: 0, 'aria-label': `Upload of ${item.name}` }),
      el('span', { class: 'upload-state' }),
      el('span', { class: 'upload-message error' }),
      retry);
    $('upload-list').append(row);
  }
  const pct = item.total ? Math.round((100 * item.loaded) / item.total) : 0;
  const previous = row.dataset.state;
  row.dataset.state = item.state;
  row.className = `upload upload-${item.state}`;
  row.querySelector('progress').value = item.state === 'done' ? 100 : pct;
  // "Received" only on the server's word (its answer to `complete`), never on
  // the PUT's own result; "Sent" when the server keeps no receipts.
  const done_text = item.receipt === 'received' ? 'Received' : item.receipt === 'pending' ? 'Sent, not confirmed yet' : 'Sent';
  row.querySelector('.upload-state').textContent =
    { preparing: 'Preparing', queued: navigator.onLine ? 'Waiting' : 'Waiting for connection', uploading: `${pct}%`, done: done_text, error: 'Failed' }[item.state];
  row.querySelector('.upload-message').textContent = item.state === 'error' ? upload_message(item.error, item) : '';
  row.querySelector('.retry').hidden = !(item.state === 'error' && retryable(item));
  render_overall();
  render_sending_tile(item);
  if (previous !== item.state) announce(item);
  // Rejected by the server's check: the listing now says so of that photo.
  if (previous !== item.state && item.state === 'error' && item.error.status === 422) load_photos(item.job_id);
}

function render_overall() {
  const { loaded, total, done, count } = queue.overall(state.job_id);
  show('upload-panel', count > 0);
  if (!count) return;
  const pct = done === count ? 100 : total ? Math.round((100 * loaded) / total) : 0;
  $('overall-progress').value = pct;
  $('overall-text').textContent = `${done} of ${count} uploaded · ${pct}%`;
}

// One short sentence per state change for screen readers (not per progress tick).
function announce(item) {
  const items = queue.items().filter((i) => i.job_id === item.job_id);
  const done = items.filter((i) => i.state === 'done').length;
  let text = '';
  if (item.state === 'error') text = `${item.name}: ${upload_message(item.error, item)}`;
  else if (item.state === 'done') text = done === items.length ? `${done} photo${done === 1 ? '' : 's'} uploaded.` : `${done} of ${items.length} uploaded.`;
  else if (item.state === 'uploading' && items.filter((i) => i.state === 'uploading').length === 1) text = `Uploading ${items.length} photo${items.length === 1 ? '' : 's'}…`;
  if (text) $('upload-status').textContent = text;
}

// ---------------------------------------------------------------- quotes

async function send_quote(e) {
  e.preventDefault();
  const status = $('quote-status');
  const description = $('quote-description').value.trim();
  if (!description) {
    status.textContent = 'Please describe what you need.';
    $('quote-description').focus();
    return;
  }
  const quote = { description };
  if ($('quote-job').value) quote.job_id = $('quote-job').value;
  if ($('quote-date').value) quote.preferred_date = $('quote-date').value;
  status.textContent = 'Sending…';
  try {
    await api.create_quote(quote);
    $('quote-form').reset();
    status.textContent = 'Thanks. We will get back to you with a quote.';
  } catch (err) {
    if (err.status !== 401) status.textContent = `Not sent: ${err.message}`;
  }
}

// ---------------------------------------------------------------- routing and start

function route() {
  if (!state.signed_in) return;
  const m = /^#\/jobs\/([^/]+)$/.exec(location.hash);
  if (m) open_drawer(decodeURIComponent(m[1]));
  else close_drawer();
}

function on_connectivity() {
  show('offline-banner', !navigator.onLine);
  document.body.classList.toggle('offline', !navigator.onLine);
  if (navigator.onLine) queue.pump();
  render_uploads();
}

async function start() {
  // index.html may name another API base (a static deploy behind CloudFront).
  const base_meta = document.querySelector('meta[name="dropslot-api-base"]');
  if (base_meta) api.set_api_base(base_meta.content);
  // 401 anywhere: back to login (with a word of why when a session was running).
  api.set_unauthorized_handler(() => show_login(state.signed_in ? 'Your session has ended. Please sign in again.' : ''));

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = code_from($('login-code').value);
    if (!code) {
      $('login-error').textContent = 'Paste the sign-in link or its code.';
      return;
    }
    if ((await sign_in(code)) && (await load_jobs())) signed_in();
  });
  $('logout').addEventListener('click', async () => {
    try {
      await api.logout();
    } catch { /* the session is gone either way */ }
    show_login('You are signed out.');
  });
  // Safari does not focus a clicked link, so remember which job was clicked.
  $('job-list').addEventListener('click', (e) => { state.opener = e.target.closest('a.job') || state.opener; });
  $('drawer-close').addEventListener('click', leave_drawer);
  $('backdrop').addEventListener('click', leave_drawer);
  document.addEventListener('keydown', on_drawer_key);
  $('job-form').addEventListener('submit', save_job);
  $('quote-form').addEventListener('submit', send_quote);
  $('take-photo-button').addEventListener('click', () => {
    state.capture_shot = null;
    $('take-photo').click();
  });
  $('add-photos-button').addEventListener('click', add_from_library);
  $('library-chooser').addEventListener('submit', choose_library_photos);
  $('library-cancel').addEventListener('click', () => {
    show('library-chooser', false);
    $('add-photos-button').focus();
  });
  $('take-photo').addEventListener('change', (e) => add_files(e.target));
  $('add-photos').addEventListener('change', (e) => add_files(e.target));
  window.addEventListener('hashchange', route);
  window.addEventListener('online', on_connectivity);
  window.addEventListener('offline', on_connectivity);
  on_connectivity();

  // A login link carries a one-time code: take it out of the address bar (and so
  // out of history and bookmarks) before anything else, then exchange it.
  const url = new URL(location.href);
  const code = url.searchParams.get('code');
  if (code) {
    url.searchParams.delete('code');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    if (!(await sign_in(code))) return;
  }
  if (await load_jobs()) signed_in();
}

// Signed in with the job list shown: open the routed job and resume whatever an
// earlier page left in the upload queue (reload, crash, closed tab).
function signed_in() {
  route();
  queue.unblock();
  queue.restore((job_id) => state.jobs.some((j) => j.id === job_id));
}

start();
