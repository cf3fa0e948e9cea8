// 12-megapixel test photos as a phone writes them (issue 15): 4000×3000 pixels
// as the sensor stores them, 3–4 MB, EXIF Orientation 6 (rotate 90° clockwise
// to show: the photo is portrait), DateTimeOriginal and GPS. Made once per
// machine (make_photo.py, about 4 s each) and kept in the temp dir under a name
// that changes when the recipe does, so a run pays for them at most once.
//
// Also reads EXIF back with exiftool, to check what the bucket holds.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const recipe = join(here, 'make_photo.py');

/// What every test photo carries, and what the tests expect to see again.
export const taken = {
  exif: '2026:12:06 13:03:07',
  offset: '+00:00',
  utc: '2026-12-06T13:03:07Z',
  sensor: { width: 4000, height: 3000 },
};
const exif_args = [
  '-Orientation#=6',
  `-DateTimeOriginal=${taken.exif}`,
  `-OffsetTimeOriginal=${taken.offset}`,
  '-GPSLatitude=51.5007', '-GPSLatitudeRef=N', '-GPSLongitude=0.1246', '-GPSLongitudeRef=W',
];

const cache_dir = () => {
  const hash = createHash('sha256').update(readFileSync(recipe)).update(exif_args.join('\n')).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `dropslot-test-photos-${hash}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/// The path of test photo `seed` (made now if it is not cached yet).
export async function photo(seed = 1) {
  const out = join(cache_dir(), `IMG_${String(seed).padStart(4, '0')}.jpg`);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp.jpg`;
  await run('/usr/bin/python3', [recipe, tmp, String(seed)]);
  await run('exiftool', ['-q', '-overwrite_original', ...exif_args, tmp]);
  renameSync(tmp, out); // atomic: a concurrent run never sees half a photo
  return out;
}

/// `count` picks of the same photo under different names (IMG_0001-2.jpg…), in
/// `dir`: the queue treats each pick as its own photo.
export async function copies(dir, count, seed = 1) {
  const src = await photo(seed);
  return Array.from({ length: count }, (_, i) => {
    const dst = join(dir, `IMG_${String(seed).padStart(4, '0')}-${i + 1}.jpg`);
    copyFileSync(src, dst);
    return dst;
  });
}

/// exiftool's view of `bytes` (written to `dir`): a flat object of tag -> value,
/// tag names with their group (`GPS:GPSLatitude`, `File:ImageWidth`, ...).
export async function exif_of(bytes, dir) {
  const file = join(dir, `exif-${process.pid}-${Date.now()}.jpg`);
  writeFileSync(file, bytes);
  const { stdout } = await run('exiftool', ['-j', '-G', '-n', file]);
  return JSON.parse(stdout)[0];
}
