// Draws docs/grafana-dashboard.json's panels from a live Prometheus's query_range API
// and takes a Chromium screenshot of them (the picture in docs/metrics.md). Not
// Grafana (Debian has no package of it): each panel's own PromQL, as the dashboard
// holds it, over the last RANGE seconds, drawn as plain SVG lines.
//   node dashboard_shot.mjs PROMETHEUS_URL DASHBOARD_JSON OUT_PNG [RANGE_SECONDS]
// playwright-core from tests/node_modules, Debian's /usr/bin/chromium.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../tests/package.json'));
const { chromium } = require('playwright-core');

const [prom, dashboard_file, out, range_arg] = process.argv.slice(2);
const range = Number(range_arg || 300);
const dashboard = JSON.parse(readFileSync(dashboard_file, 'utf8'));
const end = Math.floor(Date.now() / 1000);
const start = end - range;
const step = Math.max(1, Math.floor(range / 150));

async function query_range(expr) {
  // Grafana's $__rate_interval is at least four scrape intervals; the picture's
  // Prometheus scrapes every second.
  const q = expr.replaceAll('$__rate_interval', '10s');
  const u = `${prom}/api/v1/query_range?` + new URLSearchParams({ query: q, start, end, step });
  const doc = await (await fetch(u)).json();
  if (doc.status !== 'success') throw new Error(`${q}: ${JSON.stringify(doc)}`);
  return doc.data.result;
}

function legend(fmt, metric) {
  return fmt.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => metric[k] ?? '');
}

function format(v, unit) {
  if (!Number.isFinite(v)) return '-';
  const si = (x, suffix) => {
    const steps = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [f, p] of steps) if (Math.abs(x) >= f) return (x / f).toFixed(1) + ' ' + p + suffix;
    return (Math.abs(x) < 10 ? x.toFixed(2) : x.toFixed(0)) + (suffix ? ' ' + suffix : '');
  };
  switch (unit) {
    case 's': return v < 1 ? (v * 1000).toFixed(v < 0.01 ? 2 : 1) + ' ms' : v.toFixed(2) + ' s';
    case 'percentunit': return (v * 100).toFixed(1) + '%';
    case 'reqps': return si(v, 'req/s');
    case 'Bps': return si(v, 'B/s');
    case 'bytes': return si(v, 'B');
    default: return si(v, '');
  }
}

const colors = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642', '#cca300'];

function chart(series, unit, w, h) {
  const pts = series.flatMap((s) => s.values.map(([t, v]) => [t, Number(v)])).filter(([, v]) => Number.isFinite(v));
  let max = Math.max(0, ...pts.map(([, v]) => v));
  if (max === 0) max = 1;
  const x = (t) => 50 + ((t - start) / (end - start)) * (w - 60);
  const y = (v) => h - 20 - (v / max) * (h - 30);
  let svg = `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">`;
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg += `<line x1="50" x2="${w - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#2c3235"/>`;
    svg += `<text x="46" y="${y(v) + 4}" fill="#9fa7b3" font-size="10" text-anchor="end">${format(v, unit)}</text>`;
  }
  for (let i = 0; i <= 4; i++) {
    const t = start + ((end - start) * i) / 4;
    const d = new Date(t * 1000).toISOString().slice(11, 19);
    svg += `<text x="${x(t)}" y="${h - 5}" fill="#9fa7b3" font-size="10" text-anchor="middle">${d}</text>`;
  }
  series.forEach((s, i) => {
    const p = s.values.filter(([, v]) => Number.isFinite(Number(v))).map(([t, v]) => `${x(t).toFixed(1)},${y(Number(v)).toFixed(1)}`);
    if (p.length) svg += `<polyline fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.5" points="${p.join(' ')}"/>`;
  });
  return svg + '</svg>';
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const col = 52;  // px per grid column (24 columns)
const row = 30;  // px per grid row
let html = `<!doctype html><meta charset="utf-8"><style>
body { margin: 0; background: #111217; color: #ccccdc; font: 12px system-ui, sans-serif; }
.board { position: relative; width: ${24 * col + 16}px; }
.panel, .row { position: absolute; box-sizing: border-box; }
.panel { background: #181b1f; border: 1px solid #2c3235; border-radius: 2px; padding: 4px 6px; overflow: hidden; }
.row { font-size: 15px; font-weight: 600; padding: 6px 4px; }
h2 { font-size: 13px; margin: 0 0 2px; font-weight: 500; }
table { border-collapse: collapse; width: 100%; font-size: 10.5px; }
td { padding: 0 4px; white-space: nowrap; } td.n { text-align: right; }
.sw { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
.title { padding: 8px; font-size: 16px; }
</style><div class="title">Grafana dashboard “${esc(dashboard.title)}” (docs/grafana-dashboard.json) · last ${range}s · Prometheus ${esc(prom)}</div><div class="board">`;
let bottom = 0;
for (const p of dashboard.panels) {
  const g = p.gridPos;
  const left = 8 + g.x * col, top = g.y * row, width = g.w * col - 6, height = g.h * row - 6;
  bottom = Math.max(bottom, top + height);
  if (p.type === 'row') {
    html += `<div class="row" style="left:${left}px;top:${top}px;width:${width}px">${esc(p.title)}</div>`;
    continue;
  }
  const series = [];
  for (const t of p.targets) {
    for (const r of await query_range(t.expr)) series.push({ name: legend(t.legendFormat || '', r.metric) || t.expr, values: r.values });
  }
  const unit = p.fieldConfig?.defaults?.unit || 'short';
  const legend_rows = series.slice(0, 6).map((s, i) => {
    const vals = s.values.map(([, v]) => Number(v)).filter(Number.isFinite);
    const last = vals.length ? vals[vals.length - 1] : NaN;
    const max = vals.length ? Math.max(...vals) : NaN;
    return `<tr><td><span class="sw" style="background:${colors[i % colors.length]}"></span>${esc(s.name)}</td><td class="n">${format(last, unit)}</td><td class="n">${format(max, unit)}</td></tr>`;
  });
  const chart_h = height - 30 - 14 * Math.min(6, series.length + 1);
  html += `<div class="panel" style="left:${left}px;top:${top}px;width:${width}px;height:${height}px"><h2>${esc(p.title)}</h2>` +
    chart(series, unit, width - 14, Math.max(60, chart_h)) +
    `<table><tr><td></td><td class="n">last</td><td class="n">max</td></tr>${legend_rows.join('')}</table></div>`;
}
html += `</div><div style="height:${bottom + 20}px"></div>`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 24 * col + 16, height: 800 } });
  await page.setContent(html);
  await page.screenshot({ path: out, fullPage: true });
} finally {
  await browser.close();
}
console.log(`wrote ${out}`);
