// Which copy of a 12-MP photo should a phone send on a weak signal (issue 25)?
// Bytes against quality, measured with the browser's own encoders.
//
//   node bench/dashboard/encode_options.mjs [--photos 4] [--mozjpeg DIR]
//
// With --mozjpeg, the folder of the npm package @jsquash/jpeg (MozJPEG built to
// WebAssembly, e.g. after `npm install @jsquash/jpeg` in a scratch folder), the
// same edge is also encoded by MozJPEG with the package's defaults, in the page.
//
// For each test photo (tests/browser/photos.mjs: 4000×3000, EXIF orientation 6,
// gradient + shapes + sensor-like grain) and each option (long edge × quality ×
// format), Chromium decodes the original with its orientation applied, resizes
// it while decoding as the dashboard does (photo_prep.js), encodes it with
// OffscreenCanvas.convertToBlob and reports:
//
//  - bytes: the encoded photo;
//  - SSIM against the original: the copy is decoded and scaled back up to the
//    original's 3000×4000 (createImageBitmap, resizeQuality 'high'), then SSIM
//    on luma (BT.601), 8×8 windows every 4 pixels, K1 0.01, K2 0.03. Scaling
//    back up makes a smaller edge pay for the detail it drops, so edges and
//    qualities are compared on one scale;
//  - encode: the milliseconds the encode took (the phone pays it before the
//    upload can start);
//  - upload: the bytes' time at 0.75 Mbit/s, the phone profile's uplink.
//
// Medians over the photos. Node needs playwright-core (tests/node_modules).
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(join(root, 'tests', 'package.json'));
const { chromium } = require('playwright-core');
const { photo } = await import(join(root, 'tests', 'browser', 'photos.mjs'));

const { values: opt } = parseArgs({ options: { photos: { type: 'string', default: '4' }, mozjpeg: { type: 'string' } } });

const options = [];
for (const edge of [2560, 2048, 1920, 1600]) {
  for (const quality of [0.85, 0.8, 0.75, 0.7]) options.push({ type: 'image/jpeg', edge, quality });
}
for (const edge of [2560, 2048]) {
  for (const quality of [0.8, 0.75, 0.7]) options.push({ type: 'image/webp', edge, quality });
}
if (opt.mozjpeg) {
  for (const quality of [0.85, 0.8, 0.75, 0.7]) options.push({ type: 'mozjpeg', edge: 2560, quality });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Runs in the page: one photo (base64) through every option.
async function measure_in_page({ b64, options }) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const file = new Blob([bytes], { type: 'image/jpeg' });
  const luma = (bitmap) => {
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(bitmap, 0, 0);
    const d = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const y = new Float32Array(bitmap.width * bitmap.height);
    for (let i = 0, j = 0; j < y.length; i += 4, j++) y[j] = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    return y;
  };
  const ssim = (a, b, w, h) => {
    const c1 = (0.01 * 255) ** 2;
    const c2 = (0.03 * 255) ** 2;
    let sum = 0;
    let n = 0;
    for (let y0 = 0; y0 + 8 <= h; y0 += 4) {
      for (let x0 = 0; x0 + 8 <= w; x0 += 4) {
        let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (let y = y0; y < y0 + 8; y++) {
          for (let x = x0, i = y * w + x0; x < x0 + 8; x++, i++) {
            const p = a[i];
            const q = b[i];
            sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q;
          }
        }
        const ma = sa / 64, mb = sb / 64;
        const va = saa / 64 - ma * ma, vb = sbb / 64 - mb * mb, cov = sab / 64 - ma * mb;
        sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        n++;
      }
    }
    return sum / n;
  };
  const full = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const W = full.width, H = full.height;
  const ref = luma(full);
  full.close();
  const out = [];
  for (const o of options) {
    const scale = Math.min(1, o.edge / Math.max(W, H));
    const w = Math.round(W * scale), h = Math.round(H * scale);
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    const canvas = new OffscreenCanvas(w, h);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
    const t0 = performance.now();
    let blob;
    if (o.type === 'mozjpeg') {
      const { default: encode } = await import('http://bench.invalid/mozjpeg/encode.js');
      const pixels = canvas.getContext('2d').getImageData(0, 0, w, h);
      blob = new Blob([await encode(pixels, { quality: Math.round(o.quality * 100) })], { type: 'mozjpeg' });
    } else {
      blob = await canvas.convertToBlob({ type: o.type, quality: o.quality });
    }
    const encode_ms = performance.now() - t0;
    if (blob.type !== o.type) { out.push({ ...o, unsupported: true }); continue; }
    const back = await createImageBitmap(blob, { resizeWidth: W, resizeHeight: H, resizeQuality: 'high' });
    const s = ssim(ref, luma(back), W, H);
    back.close();
    out.push({ ...o, bytes: blob.size, ssim: s, encode_ms });
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  // A page of its own origin, which also serves the MozJPEG package when given.
  await page.route('http://bench.invalid/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (opt.mozjpeg && path.startsWith('/mozjpeg/')) {
      const file = join(resolve(opt.mozjpeg), path.slice('/mozjpeg/'.length));
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      return route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
    }
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>encode</title>' });
  });
  await page.goto('http://bench.invalid/');
  const rows = new Map(options.map((o) => [`${o.type} ${o.edge} ${o.quality}`, { ...o, bytes: [], ssim: [], encode_ms: [] }]));
  for (let seed = 1; seed <= Number(opt.photos); seed++) {
    const b64 = readFileSync(await photo(seed)).toString('base64');
    for (const r of await page.evaluate(measure_in_page, { b64, options })) {
      const row = rows.get(`${r.type} ${r.edge} ${r.quality}`);
      if (r.unsupported) { row.unsupported = true; continue; }
      row.bytes.push(r.bytes);
      row.ssim.push(r.ssim);
      row.encode_ms.push(r.encode_ms);
    }
    console.error(`photo ${seed} done`);
  }
  console.log(`${opt.photos} photos (4000x3000, orientation 6); SSIM on luma against the original, the copy scaled back to 3000x4000; medians`);
  console.log('| format | long edge | quality | KB | SSIM | encode (ms) | upload at 0.75 Mbit/s (s) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows.values()) {
    if (r.unsupported) { console.log(`| ${r.type} | ${r.edge} | ${r.quality} | not supported by this browser | | | |`); continue; }
    const b = median(r.bytes);
    console.log(`| ${r.type.replace('image/', '')} | ${r.edge} | ${r.quality} | ${(b / 1024).toFixed(0)} | ${median(r.ssim).toFixed(4)} | ${median(r.encode_ms).toFixed(0)} | ${((b * 8) / 0.75e6).toFixed(1)} |`);
  }
} finally {
  await browser.close();
}
