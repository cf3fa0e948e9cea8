// Everything that talks to the dashboard API and to the bucket. No DOM code here:
// app.js renders, this module only moves requests and turns answers into values
// or errors the page can show.
//
// Auth is the HttpOnly session cookie set by POST /login; the page never sees or
// stores a token. Every state-changing call carries `X-Requested-With: dropslot`,
// which the API requires for cookie-authenticated writes (CSRF rule, DESIGN.md).

let base = '/api';

/// Sets where the API lives (`/api` under `dropslot serve`; behind CloudFront, the
/// path routed to API Gateway). Called once by the page before any request.
export function set_api_base(value) {
  base = value.replace(/\/+$/, '');
}

/// An error answered by the API: `status` is the HTTP status, `code` the
/// snake_case code from `{error: {code, message}}` (or '' when the body had none).
export class api_error extends Error {
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.name = 'api_error';
    this.status = status;
    this.code = code || '';
  }
}

/// A failed PUT to the bucket. `kind` is 'network' (no answer: store down,
/// connection dropped, CORS refused) or 's3' (an S3 error status); `status` is the
/// HTTP status (0 for 'network') and `s3_code` S3's <Code> when the body had one.
export class upload_error extends Error {
  constructor(kind, status, s3_code, message) {
    super(message);
    this.name = 'upload_error';
    this.kind = kind;
    this.status = status;
    this.s3_code = s3_code || '';
  }
}

// 401 anywhere means the session is gone; the page decides what to do (login).
let on_unauthorized = () => {};

/// Registers the callback run whenever the API answers 401.
export function set_unauthorized_handler(fn) {
  on_unauthorized = fn;
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Requested-With'] = 'dropslot';
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(base + path, init);
  } catch (e) {
    throw new api_error(0, 'network', 'Cannot reach the server. Check your connection.');
  }
  let payload = null;
  const text = await res.text();
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!res.ok) {
    const err = payload && payload.error ? payload.error : {};
    if (res.status === 401) on_unauthorized();
    throw new api_error(res.status, err.code, err.message);
  }
  return payload;
}

/// The JSON call itself (auth cookie, CSRF header, errors as api_error), for the
/// staff page's routes (web/staff/staff.js imports it rather than a copy).
export { call as api_call };

const job_path = (id) => `/jobs/${encodeURIComponent(id)}`;

// The API may answer a list either bare or wrapped ({jobs: [...]}); accept both.
const list_of = (payload, field) => (Array.isArray(payload) ? payload : (payload && payload[field]) || []);

/// Exchanges a one-time login code for the session cookie. Returns the customer.
export async function login(code) {
  const answer = await call('POST', '/login', { code });
  return answer ? answer.customer : null;
}

export const logout = () => call('POST', '/logout', {});

/// The signed-in customer's jobs.
export const list_jobs = async () => list_of(await call('GET', '/jobs'), 'jobs');

/// One job; an api_error with status 404 when it does not exist or is not ours.
export async function get_job(id) {
  const answer = await call('GET', job_path(id));
  return answer && answer.job ? answer.job : answer;
}

/// Saves the customer's own fields (`{notes, access_instructions}`).
export async function update_job(id, fields) {
  const answer = await call('PATCH', job_path(id), fields);
  return answer && answer.job ? answer.job : answer;
}

/// `{photos: [{key, url, thumb_url?, size, last_modified, shot?, caption?, state?,
/// received_at?}], expires_in}` for one job. `state` (issue 22) is 'pending' |
/// 'received' | 'rejected' | 'expired'; a server without receipts sends none.
export async function list_photos(id) {
  const answer = (await call('GET', `${job_path(id)}/photos`)) || {};
  return { photos: answer.photos || [], expires_in: Number(answer.expires_in) || 900 };
}

/// Files a quote request: `{job_id?, description, preferred_date?}`.
export const create_quote = (quote) => call('POST', '/quotes', quote);

export const list_quotes = async () => list_of(await call('GET', '/quotes'), 'quotes');

// Browsers send no type for some photo formats (HEIC on desktop); infer it from the
// name so the API can judge it. The API still decides (415 for anything else).
const types_by_extension = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif' };

export function content_type_of(file) {
  if (file.type) return file.type;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return types_by_extension[ext] || 'application/octet-stream';
}

/// The server's photo settings: `{max_edge, quality, thumb_edge, thumb_quality}`
/// (max_edge 0: keep originals). No auth needed.
export async function get_settings() {
  const answer = (await call('GET', '/settings')) || {};
  return answer.photos || {};
}

/// Asks for the presigned PUTs of one queued photo (see queue_store.js for the
/// record). The same `client_id` always gets the same slot and key, with fresh
/// URLs, so asking again after any failure never makes a second photo. The grant
/// gets `deadline_ms`: the local clock time after which it is expired, from
/// `expires_in` counted from now (immune to clock skew with the server) or
/// `expires_at`, whichever comes first. `grant.thumb` is the thumbnail's PUT.
export async function request_upload_url(job_id, record) {
  const asked_at = Date.now();
  const body = {
    job_id,
    filename: record.name,
    content_type: record.content_type,
    size: record.photo.size,
    client_id: record.client_id,
  };
  if (record.captured_at) body.captured_at = record.captured_at;
  if (record.shot) body.shot = record.shot;
  if (record.thumb) body.thumbnail = { size: record.thumb.size, content_type: 'image/jpeg' };
  const grant = await call('POST', '/upload-url', body);
  grant.deadline_ms = grant_deadline(grant, asked_at);
  return grant;
}

/// Asks the server to confirm that a photo arrived (issue 22): it HEADs the
/// object and checks its size, type and first bytes against what was signed.
/// Resolves with `{state, received_at}`; an api_error 422 `content_mismatch`
/// when the bytes are not the photo that was signed (the server has deleted
/// them), 404 when the server has no such route (one without receipts) or the
/// photo is not ours. Idempotent: calling it again changes nothing.
export const complete_photo = (job_id, name) =>
  call('POST', `${job_path(job_id)}/photos/${encodeURIComponent(name)}/complete`);

/// Changes a photo's shot and caption (`{shot?, caption?}`; null clears one).
/// Resolves with `{photo: {key, state, received_at, shot, caption}}`.
export const update_photo = (job_id, name, fields) =>
  call('PATCH', `${job_path(job_id)}/photos/${encodeURIComponent(name)}`, fields);

/// Deletes one photo (and its thumbnail) of a job; `name` is the key's last part
/// (`photo-001.jpg`). An api_error 404 when it is not there or not ours.
export const delete_photo = (job_id, name) =>
  call('DELETE', `${job_path(job_id)}/photos/${encodeURIComponent(name)}`);

/// Fetches a thumbnail (CORS) for the drawer: `{blob, captured_at}`, where
/// `captured_at` is the object's `x-amz-meta-captured-at` ('' when absent or not
/// exposed). The browser's HTTP cache answers repeats of the same URL. Rejects
/// with an upload_error (kind 'network' or 's3') like a PUT.
export async function fetch_image(url) {
  let res;
  try {
    res = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch {
    throw new upload_error('network', 0, '', 'The photo could not be loaded.');
  }
  if (!res.ok) throw new upload_error('s3', res.status, '', `Storage answered ${res.status}`);
  return { blob: await res.blob(), captured_at: res.headers.get('x-amz-meta-captured-at') || '' };
}

function grant_deadline(grant, asked_at) {
  const candidates = [];
  if (Number.isFinite(Number(grant.expires_in))) candidates.push(asked_at + Number(grant.expires_in) * 1000);
  const at = grant.expires_at;
  if (typeof at === 'number') candidates.push(at < 1e12 ? at * 1000 : at);
  else if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) candidates.push(Date.parse(at));
  return candidates.length ? Math.min(...candidates) : Infinity;
}

/// A PUT that makes no progress and gets no answer for `stall.ms` is aborted and
/// fails as a network error, which the queue retries: a phone moving between
/// cells can keep a dead connection open for minutes before the OS notices.
export const stall = { ms: 60_000 };

// The browser computes these itself and refuses to let a script set them; the
// value it sends is the file's size, which is what the URL signed.
const forbidden_headers = new Set(['content-length', 'host', 'connection']);

/// PUTs `file` to a grant's URL with exactly the grant's headers, reporting
/// upload progress (XHR; fetch has no upload progress). Resolves on 2xx and on
/// 412 (`already: true`: the object is there from an earlier attempt); rejects
/// with an upload_error otherwise. `signal` aborts the transfer.
export function put_file(grant, file, on_progress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(grant.method || 'PUT', grant.url);
    for (const [name, value] of Object.entries(grant.headers || {})) {
      if (!forbidden_headers.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    let stalled = false;
    let timer = 0;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { stalled = true; xhr.abort(); }, stall.ms);
    };
    xhr.onloadend = () => clearTimeout(timer);
    xhr.upload.onprogress = (e) => {
      arm();
      on_progress(e.loaded, e.lengthComputable ? e.total : file.size);
    };
    xhr.onload = () => {
      // 412 to `if-none-match: *` on our own slot: an earlier attempt (this
      // page's, or a tab closed mid-upload) already stored it. That is done.
      if ((xhr.status >= 200 && xhr.status < 300) || xhr.status === 412) {
        on_progress(file.size, file.size);
        resolve({ status: xhr.status, etag: xhr.getResponseHeader('ETag'), already: xhr.status === 412 });
        return;
      }
      const body = xhr.responseText || '';
      const code = (body.match(/<Code>([^<]*)<\/Code>/) || [])[1] || '';
      const message = (body.match(/<Message>([^<]*)<\/Message>/) || [])[1] || '';
      reject(new upload_error('s3', xhr.status, code, message || `Storage answered ${xhr.status}`));
    };
    xhr.onerror = () => reject(new upload_error('network', 0, '', 'The upload could not reach storage.'));
    xhr.ontimeout = xhr.onerror;
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.onabort = () => reject(stalled
      ? new upload_error('network', 0, '', 'The upload stalled.')
      : new upload_error('aborted', 0, '', 'Upload cancelled.'));
    arm();
    xhr.send(file);
  });
}

/// True when a failed PUT means "the URL expired": S3's AccessDenied "Request has
/// expired", or a 403 (or a refused request whose error body CORS may have hidden)
/// once the grant's deadline has passed.
export function is_expired(err, grant, now = Date.now()) {
  if (!(err instanceof upload_error)) return false;
  if (err.status === 403 && /expired/i.test(err.message) && err.s3_code === 'AccessDenied') return true;
  const past_deadline = now >= grant.deadline_ms;
  return past_deadline && (err.status === 403 || err.kind === 'network');
}
