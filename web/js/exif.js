// Reads the capture time of a JPEG from its EXIF block: DateTimeOriginal (tag
// 0x9003) and, when the camera wrote it, OffsetTimeOriginal (0x9011). Nothing
// else is parsed: the orientation is applied by createImageBitmap itself, and
// the GPS tags are exactly what the re-encoded copy must not carry.
//
// Only the first 256 KB of the file are read (an APP1 segment is at most 64 KB
// and comes first), and every offset is checked against the buffer, so a
// truncated or hostile file gives null, never an exception.

const head_bytes = 256 * 1024;

/// The capture time of `file` (a Blob) as RFC 3339 UTC ("2026-12-06T13:03:07Z"),
/// or null when it is not a JPEG or carries no DateTimeOriginal. A time without
/// an offset is the camera's local time, which on a phone is the browser's.
export async function read_capture_time(file) {
  let view;
  try {
    view = new DataView(await file.slice(0, head_bytes).arrayBuffer());
  } catch {
    return null;
  }
  const tiff = find_exif_tiff(view);
  if (tiff === null) return null;
  try {
    return capture_time_in(view, tiff);
  } catch {
    return null; // a RangeError from a lying offset
  }
}

/// The offset of the TIFF header inside the APP1 "Exif\0\0" segment, or null.
function find_exif_tiff(view) {
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
  let at = 2;
  while (at + 4 <= view.byteLength) {
    if (view.getUint8(at) !== 0xff) return null;
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xda || marker === 0xd9) return null; // image data: no EXIF before it
    const length = view.getUint16(at + 2);
    if (length < 2) return null;
    if (marker === 0xe1 && length >= 8 && at + 10 <= view.byteLength &&
        view.getUint32(at + 4) === 0x45786966 && view.getUint16(at + 8) === 0) { // "Exif\0\0"
      return at + 10;
    }
    at += 2 + length;
  }
  return null;
}

function capture_time_in(view, tiff) {
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return null; // "II" or "MM"
  const little = order === 0x4949;
  const u16 = (o) => view.getUint16(o, little);
  const u32 = (o) => view.getUint32(o, little);
  if (u16(tiff + 2) !== 42) return null;

  // One IFD: entry tag -> offset of the entry (12 bytes each).
  const entries = (ifd) => {
    const out = new Map();
    const count = u16(ifd);
    for (let i = 0; i < count && i < 512; i++) {
      const e = ifd + 2 + i * 12;
      out.set(u16(e), e);
    }
    return out;
  };
  const ascii = (entry) => {
    const type = u16(entry + 2);
    const count = u32(entry + 4);
    if (type !== 2 || count === 0 || count > 64) return null;
    const at = count <= 4 ? entry + 8 : tiff + u32(entry + 8);
    let s = '';
    for (let i = 0; i < count; i++) {
      const c = view.getUint8(at + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  };

  const ifd0 = entries(tiff + u32(tiff + 4));
  const exif_pointer = ifd0.get(0x8769);
  if (exif_pointer === undefined) return null;
  const exif = entries(tiff + u32(exif_pointer + 8));
  const original = exif.has(0x9003) ? ascii(exif.get(0x9003)) : null;
  const offset = exif.has(0x9011) ? ascii(exif.get(0x9011)) : null;
  return exif_time_to_utc(original, offset);
}

/// "2026:12:06 14:03:07" (+ optional "+01:00") -> "2026-12-06T13:03:07Z", or null.
export function exif_time_to_utc(original, offset) {
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(original || '');
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const z = /^([+-])(\d{2}):(\d{2})$/.exec(offset || '');
  const ms = z
    ? Date.UTC(y, mo - 1, d, h, mi, s) - (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000
    : new Date(y, mo - 1, d, h, mi, s).getTime();
  return rfc3339(ms);
}

/// Milliseconds since the epoch -> "YYYY-MM-DDTHH:MM:SSZ" (what upload-url takes).
export function rfc3339(ms) {
  if (!Number.isFinite(ms)) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
