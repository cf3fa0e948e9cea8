// Turns a picked file into what goes to the bucket: the photo, shrunk on the
// phone to the server's long-edge limit and re-encoded as JPEG, and a small
// thumbnail (issue 15). No DOM beyond an off-screen <img> to read dimensions.
//
// - The EXIF orientation is applied while decoding (createImageBitmap with
//   imageOrientation 'from-image'), so the stored photo is upright.
// - The image is resized while decoding (resizeWidth/resizeHeight), and only the
//   resized bitmap is ever drawn to a canvas: a 48-megapixel photo never needs a
//   48-megapixel canvas (iOS Safari caps a canvas at 16,777,216 pixels).
// - A canvas's JPEG carries no EXIF at all, so no GPS. The capture time is read
//   beforehand (exif.js) and travels as object metadata instead.
// - A file the browser cannot decode (HEIC in Chromium) goes up as it is, with
//   no thumbnail: the drawer shows such photos from the original.
import { read_capture_time, rfc3339 } from './exif.js';

/// The defaults when GET /settings cannot be read (the server's own defaults).
export const default_settings = { max_edge: 2560, quality: 0.75, thumb_edge: 320, thumb_quality: 0.7 };

/// `{width, height}` as the browser shows the image (orientation applied), or
/// null when it cannot decode it. An <img> reads the header without decoding all
/// pixels up front, which createImageBitmap without a size would do.
function displayed_size(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    const done = (value) => {
      URL.revokeObjectURL(url);
      resolve(value);
    };
    img.onload = () => done(img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : null);
    img.onerror = () => done(null);
    img.src = url;
  });
}

/// The size that fits `width`×`height` into a `max_edge` square, never enlarged.
export function fit(width, height, max_edge) {
  const scale = max_edge > 0 ? Math.min(1, max_edge / Math.max(width, height)) : 1;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function encode_jpeg(bitmap, quality) {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  canvas.width = canvas.height = 0; // Safari keeps canvas memory until told
  return blob;
}

const decode = (source, size) => createImageBitmap(source, {
  imageOrientation: 'from-image',
  resizeWidth: size.width,
  resizeHeight: size.height,
  resizeQuality: 'high',
});

/// Prepares one picked file. Resolves with `{photo, content_type, thumb,
/// captured_at, width, height, shrunk}`: `photo` is the Blob to upload (the file
/// itself when it cannot be decoded or the server keeps originals), `thumb` a
/// JPEG Blob or null, `captured_at` RFC 3339 UTC (EXIF DateTimeOriginal, else the
/// file's modification time).
export async function prepare_photo(file, settings = default_settings, content_type_of = (f) => f.type) {
  const captured_at = (await read_capture_time(file)) || rfc3339(file.lastModified || Date.now());
  const as_is = { photo: file, content_type: content_type_of(file), thumb: null, captured_at, width: 0, height: 0, shrunk: false };
  if (typeof createImageBitmap !== 'function') return as_is;
  const size = await displayed_size(file);
  if (!size) return as_is;

  let bitmap = null;
  try {
    let photo = file;
    let content_type = as_is.content_type;
    let out = size;
    if (settings.max_edge > 0) {
      out = fit(size.width, size.height, settings.max_edge);
      bitmap = await decode(file, out);
      photo = await encode_jpeg(bitmap, settings.quality);
      content_type = 'image/jpeg';
    }
    const thumb_size = fit(out.width, out.height, settings.thumb_edge);
    // From the shrunk bitmap when there is one (cheap), else from the file.
    const thumb_bitmap = await decode(bitmap || file, thumb_size);
    const thumb = await encode_jpeg(thumb_bitmap, settings.thumb_quality);
    thumb_bitmap.close();
    return { photo, content_type, thumb, captured_at, width: out.width, height: out.height, shrunk: photo !== file };
  } catch {
    return as_is; // decodable header, undecodable pixels: upload as it is
  } finally {
    bitmap?.close();
  }
}
