// The upload queue on disk (IndexedDB), so a reload, a crash or a closed tab
// loses nothing (issue 15). One record per photo, keyed by its client photo id:
//
//   {client_id, job_id, name, photo: Blob, content_type, thumb: Blob|null,
//    captured_at, bytes, added_at}
//
// A record is written before any request about the photo is made and deleted
// once both objects are in the bucket. The blobs are the shrunk photo and its
// thumbnail, so a waiting photo costs what it will cost on the wire.

const db_name = 'dropslot-uploads';
const store_name = 'photos';

/// Thrown when the phone has no room to keep another photo waiting.
export class storage_full_error extends Error {
  constructor(message = 'This phone is out of space for photos waiting to upload. Let the uploads finish, or free some space, then add the photo again.') {
    super(message);
    this.name = 'storage_full_error';
  }
}

/// The most bytes the queue keeps waiting: 500 MB, or half of what the browser
/// says this site may still use, whichever is less.
export const max_queue_bytes = 500 * 1024 * 1024;

let opened = null;
function open_db() {
  if (opened) return opened;
  opened = new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available'));
      return;
    }
    const req = indexedDB.open(db_name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(store_name, { keyPath: 'client_id' });
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close(); // let a newer page upgrade it
      resolve(db);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
  opened.catch(() => { opened = null; });
  return opened;
}

function run(mode, body) {
  return open_db().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(store_name, mode);
    const value = body(tx.objectStore(store_name));
    tx.oncomplete = () => resolve(value && 'result' in value ? value.result : undefined);
    tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction aborted'));
    tx.onerror = (e) => e.preventDefault(); // reported once, by onabort
  }));
}

const is_quota = (err) => err && (err.name === 'QuotaExceededError' || /quota/i.test(err.message || ''));

/// Every record, oldest first.
export async function all_records() {
  const records = await run('readonly', (s) => s.getAll());
  return (records || []).sort((a, b) => a.added_at - b.added_at);
}

/// Bytes the waiting records hold.
export async function queued_bytes() {
  return (await all_records()).reduce((n, r) => n + (r.bytes || 0), 0);
}

/// Stores a record, refusing with storage_full_error when the queue's byte bound
/// or the browser's quota would be passed. Resolves once it is on disk.
export async function put_record(record) {
  const waiting = await queued_bytes();
  let limit = max_queue_bytes;
  if (navigator.storage && navigator.storage.estimate) {
    try {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      if (quota > 0) limit = Math.min(limit, waiting + Math.max(0, (quota - usage) / 2));
    } catch { /* no estimate: the fixed bound still holds */ }
  }
  if (waiting + record.bytes > limit) throw new storage_full_error();
  try {
    await run('readwrite', (s) => s.put(record));
  } catch (err) {
    throw is_quota(err) ? new storage_full_error() : err;
  }
}

/// Removes a record (once its photo is in the bucket, or refused for good).
export const delete_record = (client_id) => run('readwrite', (s) => s.delete(client_id));

/// One record, or undefined when it is gone (another tab finished it).
export const get_record = (client_id) => run('readonly', (s) => s.get(client_id));
