// The upload queue (issue 15): photos are shrunk on the phone, written to
// IndexedDB before any request is made, and sent at most three at once. It
// survives a reload, a crash or a closed tab (restore()), waits while offline,
// retries a cut transfer with capped exponential backoff and jitter, replaces
// an expired URL, and keeps the screen awake while it works. No DOM code: the
// page subscribes with `on_change` and renders items however it likes.
//
// Why a retry never makes a second photo: every attempt asks upload-url again
// with the photo's client id, which returns the same slot and key with fresh
// URLs; the PUTs carry `if-none-match: *`, so a 412 on that slot means an
// earlier attempt already stored it, and that counts as done.
//
// What counts as arrived is the server's word, not the PUT's (issue 22): once
// both objects are in, the queue asks `complete` and keeps the answer's state
// in `item.receipt`. A `complete` cut by the network is retried like a cut PUT
// (the same slot answers 412, then `complete` again, which is idempotent).
//
// On a weak signal the thumbnail goes first (issue 25): a few KB, started just
// before the photo and sent beside it, so the bucket's copy can show in the
// grid (and on the staff page) while the photo is on its way, and the photo
// does not wait a round trip for it. When one of the two fails, the other is
// let finish (what lands answers 412 on the next attempt), then the attempt
// fails as a whole.
import { request_upload_url, put_file, is_expired, upload_error, api_error, content_type_of, complete_photo } from './api.js';
import { prepare_photo, default_settings } from './photo_prep.js';
import { put_record, get_record, delete_record, all_records, storage_full_error } from './queue_store.js';

const max_parallel = 3;
/// Backoff after a failed attempt: 1 s, 2 s, 4 s… capped at 30 s, each scaled by
/// a random factor in [0.5, 1) so phones that lost the same cell do not retry in
/// step. After `max_auto_attempts` the item waits for Retry (or the next load).
export const backoff = { base_ms: 1000, cap_ms: 30_000, max_auto_attempts: 8 };
export const backoff_delay = (attempt, random = Math.random) =>
  Math.min(backoff.cap_ms, backoff.base_ms * 2 ** Math.max(0, attempt - 1)) * (0.5 + random() / 2);

// Refusals that a new attempt cannot change: the user must pick another file.
// 422: the server checked the stored bytes, found they were not the photo that
// was signed, and deleted them (content_mismatch).
const permanent_statuses = new Set([400, 403, 404, 409, 413, 415, 422]);

export function new_client_id() {
  if (crypto.randomUUID) return crypto.randomUUID().replace(/-/g, '');
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/// One photo on its way to a job. `state` is 'preparing' | 'queued' |
/// 'uploading' | 'done' | 'error'; `loaded`/`total` are bytes (photo plus
/// thumbnail); `error` is the last failure (api_error, upload_error or
/// storage_full_error); `retry_at` the time of the next automatic attempt (0:
/// none planned); `key` is the object key once known; `shot` the job's shot id
/// it was taken for (null: none); `receipt` the server's state once done
/// ('received', 'pending', or '' from a server without receipts).
function make_item(job_id, name, client_id, shot = null) {
  return { id: client_id, client_id, job_id, name, shot, state: 'preparing', loaded: 0, total: 0, error: null, key: '', receipt: '', attempts: 0, retry_at: 0, record: null, persisted: false };
}

/// A queue shared by the whole page (uploads keep going when the drawer closes).
/// `on_change(item)` runs on every state or progress change of an item;
/// `on_done(item)` once when an item finishes. `settings()` resolves with the
/// server's photo settings.
export class upload_queue {
  constructor({ on_change = () => {}, on_done = () => {}, is_online = () => navigator.onLine, settings = async () => default_settings } = {}) {
    this.items_ = [];
    this.active_ = 0;
    this.blocked_ = false; // a 401: wait for the next sign-in
    this.on_change_ = on_change;
    this.on_done_ = on_done;
    this.is_online_ = is_online;
    this.settings_ = settings;
    this.preparing_ = Promise.resolve();
    this.timer_ = 0;
    this.wake_lock_ = null;
    this.wake_wanted_ = false;
    document.addEventListener('visibilitychange', () => {
      // Back on the page (a phone suspends hidden pages): what waits out a backoff goes now.
      if (document.visibilityState === 'visible') {
        for (const i of this.items_) if (i.retry_at > Date.now()) i.retry_at = Date.now();
        this.wake_due_();
      }
      this.keep_awake_();
    });
  }

  /// Queues picked files for a job (for one of its shots, when `shot` is given).
  /// Each is prepared (one at a time: decoding a 12-megapixel photo takes
  /// memory), written to IndexedDB, then sent. A new batch forgets the finished
  /// items of the previous one. Returns the new items, in the files' order.
  add(job_id, files, shot = null) {
    this.forget_finished_();
    const added = Array.from(files, (f) => {
      const item = make_item(job_id, f.name, new_client_id(), shot);
      item.total = f.size;
      return [item, f];
    });
    for (const [item] of added) this.items_.push(item);
    added.forEach(([item]) => this.on_change_(item));
    for (const [item, file] of added) {
      this.preparing_ = this.preparing_.then(() => this.prepare_(item, file));
    }
    this.keep_awake_();
    return added.map(([item]) => item);
  }

  /// Puts back in line every photo left in IndexedDB by an earlier page (reload,
  /// crash, closed tab) for a job `is_mine(job_id)` accepts: on a shared phone,
  /// another customer's waiting photos stay on disk for their next sign-in. Safe
  /// to call again: known photos are skipped.
  async restore(is_mine = () => true) {
    let records;
    try {
      records = await all_records();
    } catch {
      return; // no IndexedDB: nothing was kept
    }
    const fresh = records.filter((r) => is_mine(r.job_id) && !this.items_.some((i) => i.client_id === r.client_id));
    if (fresh.length) this.forget_finished_();
    for (const record of fresh) {
      const item = make_item(record.job_id, record.name, record.client_id, record.shot || null);
      Object.assign(item, { record, state: 'queued', total: record.bytes, persisted: true });
      this.items_.push(item);
      this.on_change_(item);
    }
    this.pump();
  }

  /// Puts a failed item back in line now.
  retry(id) {
    const item = this.items_.find((i) => i.id === id);
    if (!item || item.state !== 'error' || !item.record) return;
    Object.assign(item, { state: 'queued', loaded: 0, error: null, retry_at: 0, attempts: 0 });
    this.on_change_(item);
    this.pump();
  }

  /// After a sign-in: photos stopped by an ended session go again.
  unblock() {
    this.blocked_ = false;
    this.pump();
  }

  items() {
    return this.items_;
  }

  /// `{loaded, total, done, count}` over the current batch's items for one job.
  overall(job_id) {
    let loaded = 0;
    let total = 0;
    let done = 0;
    let count = 0;
    for (const i of this.items_) {
      if (i.job_id !== job_id) continue;
      count++;
      loaded += i.state === 'done' ? i.total : i.loaded;
      total += i.total;
      if (i.state === 'done') done++;
    }
    return { loaded, total, done, count };
  }

  /// Starts queued items while there is room and the browser is online. Call it
  /// again when the browser comes back online.
  pump() {
    clearTimeout(this.timer_);
    const now = Date.now();
    // Errors whose backoff is over go back in line here, not only when their
    // timer fires: this call has just cancelled that timer, and when it runs
    // late (a busy phone) the backoff may be over already, so neither a start
    // nor a new timer below would pick the item up and it would sit in
    // "Trying again shortly" for good.
    for (const i of this.items_) {
      if (i.state === 'error' && i.retry_at && i.retry_at <= now) {
        Object.assign(i, { state: 'queued', loaded: 0 });
        this.on_change_(i);
      }
    }
    while (this.active_ < max_parallel && this.is_online_() && !this.blocked_) {
      const item = this.items_.find((i) => i.state === 'queued' && i.retry_at <= now);
      if (!item) break;
      this.start_(item);
    }
    // The next planned retry, if any (errors waiting out their backoff included).
    const next = Math.min(...this.items_.filter((i) => i.retry_at > now && (i.state === 'queued' || i.state === 'error')).map((i) => i.retry_at));
    if (Number.isFinite(next)) this.timer_ = setTimeout(() => this.wake_due_(), next - now);
    this.keep_awake_();
  }

  // A backoff is over (or the page is back in view): pump() puts the items
  // that are due back in line.
  wake_due_() {
    this.pump();
  }

  forget_finished_() {
    if (this.items_.every((i) => i.state === 'done')) this.items_ = [];
  }

  async prepare_(item, file) {
    let prepared;
    try {
      prepared = await prepare_photo(file, await this.settings_(), content_type_of);
    } catch {
      prepared = { photo: file, content_type: content_type_of(file), thumb: null, captured_at: null };
    }
    const record = {
      client_id: item.client_id,
      job_id: item.job_id,
      name: file.name,
      shot: item.shot,
      photo: prepared.photo,
      content_type: prepared.content_type,
      thumb: prepared.thumb,
      captured_at: prepared.captured_at,
      bytes: prepared.photo.size + (prepared.thumb ? prepared.thumb.size : 0),
      added_at: Date.now(),
    };
    item.total = record.bytes;
    try {
      await put_record(record); // on disk before anything about it is sent
      item.persisted = true;
    } catch (err) {
      if (err instanceof storage_full_error) {
        Object.assign(item, { state: 'error', error: err });
        this.on_change_(item);
        this.keep_awake_();
        return;
      }
      // No IndexedDB (a private window in some browsers): upload from memory.
    }
    Object.assign(item, { record, state: 'queued' });
    this.on_change_(item);
    this.pump();
  }

  async start_(item) {
    this.active_++;
    item.state = 'uploading';
    item.loaded = 0;
    item.retry_at = 0;
    this.on_change_(item);
    try {
      // One tab at a time per photo: another open dashboard may be sending it.
      const outcome = navigator.locks
        ? await navigator.locks.request(`dropslot-upload-${item.client_id}`, { ifAvailable: true },
          (lock) => (lock ? this.transfer_(item) : 'busy'))
        : await this.transfer_(item);
      if (outcome === 'busy') {
        Object.assign(item, { state: 'queued', loaded: 0, retry_at: Date.now() + 5000 });
        this.on_change_(item);
      }
    } catch (err) {
      this.failed_(item, err);
    } finally {
      this.active_--;
      this.pump();
    }
  }

  // Sends one photo and its thumbnail. Every call asks for fresh URLs; an
  // expired one is replaced at once (up to three times in a row).
  async transfer_(item) {
    if (item.persisted && (await get_record(item.client_id).catch(() => item.record)) === undefined) {
      this.finished_(item); // another tab sent it and removed the record
      return 'done';
    }
    const record = item.record;
    const thumb_size = record.thumb ? record.thumb.size : 0;
    for (let expired = 0; ; expired++) {
      const grant = await request_upload_url(item.job_id, record);
      item.key = grant.key;
      const loaded = { thumb: 0, photo: 0 };
      const put = (stage, target, blob) => put_file(target, blob, (n) => {
        loaded[stage] = n;
        this.progress_(item, loaded.thumb + loaded.photo);
      }, undefined).catch((err) => {
        throw Object.assign(err, { stage });
      });
      try {
        const puts = grant.thumb && record.thumb ? [put('thumb', grant.thumb, record.thumb)] : [];
        puts.unshift(put('photo', grant, record.photo)); // started second, listed first
        const settled = await Promise.allSettled(puts);
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed) throw failed.reason;
        const photo = settled[0].value;
        if (photo.already && !grant.reused) throw new upload_error('s3', 412, 'PreconditionFailed', 'The slot was already taken.');
      } catch (err) {
        const target = err.stage === 'thumb' ? { ...grant.thumb, deadline_ms: grant.deadline_ms } : grant;
        if (expired < 3 && is_expired(err, target)) continue;
        throw err;
      }
      item.loaded = record.photo.size + thumb_size;
      break;
    }
    item.receipt = await this.confirm_(item);
    await delete_record(item.client_id).catch(() => {});
    this.finished_(item);
    return 'done';
  }

  // Asks the server whether the photo really arrived. Its answer is the receipt;
  // a server without receipts (404 on the route) leaves it ''. A 422 (not the
  // signed photo: the server deleted it) and a cut connection throw, for
  // failed_() to show or retry.
  async confirm_(item) {
    try {
      const answer = await complete_photo(item.job_id, item.key.split('/').pop());
      return (answer && answer.state) || '';
    } catch (err) {
      if (err instanceof api_error && (err.status === 404 || err.status === 405)) return '';
      throw err;
    }
  }

  progress_(item, loaded) {
    item.loaded = loaded;
    this.on_change_(item);
  }

  finished_(item) {
    Object.assign(item, { state: 'done', loaded: item.total, error: null, retry_at: 0 });
    this.on_change_(item);
    this.on_done_(item);
  }

  failed_(item, err) {
    const status = err instanceof api_error ? err.status : 0;
    if (!this.is_online_() && (err.kind === 'network' || status === 0)) {
      // Cut by going offline: not the user's problem, it goes with the connection.
      Object.assign(item, { state: 'queued', loaded: 0 });
    } else if (status === 401) {
      this.blocked_ = true;
      Object.assign(item, { state: 'queued', loaded: 0 });
    } else if (err instanceof api_error && permanent_statuses.has(status)) {
      // Refused for good: drop it from the disk queue, keep it on screen.
      delete_record(item.client_id).catch(() => {});
      Object.assign(item, { state: 'error', error: err, record: null, retry_at: 0 });
    } else {
      item.attempts++;
      const auto = item.attempts < backoff.max_auto_attempts;
      Object.assign(item, { state: 'error', error: err, loaded: 0, retry_at: auto ? Date.now() + backoff_delay(item.attempts) : 0 });
    }
    this.on_change_(item);
  }

  // Keeps the screen on while photos are being prepared or sent (a phone that
  // locks its screen suspends the page). Feature-detected; a refusal is fine.
  async keep_awake_() {
    const busy = this.items_.some((i) => i.state === 'preparing' || i.state === 'uploading' || (i.state === 'queued' && this.is_online_()));
    if (!('wakeLock' in navigator)) return;
    if (busy && !this.wake_lock_ && document.visibilityState === 'visible' && !this.wake_wanted_) {
      this.wake_wanted_ = true;
      try {
        this.wake_lock_ = await navigator.wakeLock.request('screen');
        this.wake_lock_.addEventListener('release', () => { this.wake_lock_ = null; });
      } catch { /* not allowed (battery saver, hidden page): uploads go on anyway */ }
      this.wake_wanted_ = false;
    } else if (!busy && this.wake_lock_) {
      const lock = this.wake_lock_;
      this.wake_lock_ = null;
      lock.release().catch(() => {});
    }
  }
}
