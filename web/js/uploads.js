// The upload queue: at most three transfers at once, paused while the browser is
// offline and resumed when it comes back. No DOM code: the page subscribes with
// `on_change` and renders items however it likes.
import { upload_photo, upload_error } from './api.js';

const max_parallel = 3;

/// One file on its way to a job. `state` is 'queued' | 'uploading' | 'done' |
/// 'error'; `loaded`/`total` are bytes; `error` is the last failure (api_error or
/// upload_error) while state is 'error'; `key` is the object key once done.
let next_id = 1;
function make_item(job_id, file) {
  return { id: next_id++, job_id, file, name: file.name, state: 'queued', loaded: 0, total: file.size, error: null, key: '' };
}

/// A queue shared by the whole page (uploads keep going when the drawer closes).
/// `on_change(item)` runs on every state or progress change of an item;
/// `on_done(item)` once when an item finishes.
export class upload_queue {
  constructor({ on_change = () => {}, on_done = () => {}, is_online = () => navigator.onLine } = {}) {
    this.items_ = [];
    this.active_ = 0;
    this.on_change_ = on_change;
    this.on_done_ = on_done;
    this.is_online_ = is_online;
  }

  /// Queues files for a job and starts what the parallel limit allows. A new
  /// batch forgets the finished items of the previous one, so the overall
  /// progress describes what the user just picked.
  add(job_id, files) {
    if (this.items_.every((i) => i.state === 'done')) this.items_ = [];
    const added = Array.from(files, (f) => make_item(job_id, f));
    this.items_.push(...added);
    added.forEach((i) => this.on_change_(i));
    this.pump();
    return added;
  }

  /// Puts a failed item back in line.
  retry(id) {
    const item = this.items_.find((i) => i.id === id);
    if (!item || item.state !== 'error') return;
    Object.assign(item, { state: 'queued', loaded: 0, error: null });
    this.on_change_(item);
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
    while (this.active_ < max_parallel && this.is_online_()) {
      const item = this.items_.find((i) => i.state === 'queued');
      if (!item) return;
      this.start_(item);
    }
  }

  async start_(item) {
    this.active_++;
    item.state = 'uploading';
    item.loaded = 0;
    this.on_change_(item);
    try {
      item.key = await upload_photo(item.job_id, item.file, (loaded, total) => {
        item.loaded = loaded;
        item.total = total || item.total;
        this.on_change_(item);
      });
      item.state = 'done';
      item.loaded = item.total;
      this.on_change_(item);
      this.on_done_(item);
    } catch (err) {
      // A transfer cut by going offline is not the user's problem: it waits in the
      // queue and resumes with the connection.
      const cut_by_offline = !this.is_online_() && (err instanceof upload_error ? err.kind === 'network' : err.status === 0);
      Object.assign(item, cut_by_offline ? { state: 'queued', loaded: 0 } : { state: 'error', error: err });
      this.on_change_(item);
    } finally {
      this.active_--;
      this.pump();
    }
  }
}
