// The viewer on a page with 1,000 annotations, in headless Chromium: time to interactive
// (navigation start to the viewer's 'viewer-interactive' mark: page image placed, overlay
// parsed and in the DOM, handlers bound) and search times (the search over every page's
// index plus listing the hits and marking them, with the layout they cause).
// Then frame intervals while panning and zooming the A0 sheet at 300 DPI over its
// deep-zoom tiles. A benchmark, not a test: it prints medians of RUNS runs (default 7).
//
//   node viewer/browser/bench.mjs            (from the repo root, after a release build)
//
// Environment: RUNS, CHROMIUM (default /usr/bin/chromium), DIAGRAM_CONVERT (default
// target/release/diagram-convert), BENCH_PAGE (default the Valhall A1 sheet
// PH-ME-P-0156-001.pdf), BENCH_DPI (default 150).

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { launch } from './chromium.mjs';

const RUNS = Number(process.env.RUNS || 7);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = process.env.DIAGRAM_CONVERT || path.join(root, 'target/release/diagram-convert');
const pdf = process.env.BENCH_PAGE || path.join(root, '../shared/fixtures/valhall/PH-ME-P-0156-001.pdf');
const dpi = process.env.BENCH_DPI || '150';
const work = path.join(root, 'target/viewer-bench');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(path.join(work, 'files'), { recursive: true });
fs.copyFileSync(pdf, path.join(work, 'files/sheet.pdf'));

// 1,000 boxes on a 40 x 25 grid, each with one entity.
const annotations = [];
for (let i = 0; i < 1000; i++) {
  const c = i % 40, r = Math.floor(i / 40);
  const x0 = 0.02 + c * 0.024, y0 = 0.03 + r * 0.038;
  const x1 = x0 + 0.016, y1 = y0 + 0.012;
  annotations.push({
    text: `BENCH-${String(i).padStart(4, '0')}`,
    confidence: 0.5 + (i % 50) / 100,
    region: { shape: 'rectangle', page: 1, vertices: [{ x: x0, y: y0 }, { x: x0, y: y1 }, { x: x1, y: y1 }, { x: x1, y: y0 }] },
    entities: [{ externalId: `asset-${i}`, type: 'diagrams.AssetLink', status: 'Suggested' }],
  });
}
fs.writeFileSync(path.join(work, 'request.json'), JSON.stringify({ items: [{ fileExternalId: 'sheet.pdf', annotations }] }));
const out = path.join(work, 'out');
const t0 = process.hrtime.bigint();
execFileSync(bin, ['job', path.join(work, 'request.json'), '--files', path.join(work, 'files'), '--out', out, '--dpi', dpi, '--viewer', '--quiet'], { stdio: 'inherit' });
const jobSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

const browser = await launch();
const version = `Chromium ${browser.version()}`;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const samples = { interactive: [], one: [], some: [], all: [], none: [] };
const queries = { one: 'BENCH-0999', some: 'BENCH-05', all: 'bench', none: 'no-such-tag' };
for (let run = 0; run < RUNS; run++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
  await page.waitForSelector('html[data-ready="true"]');
  const n = await page.locator('.annotation').count();
  if (n !== 1000) throw new Error(`${n} annotations shown, not 1000`);
  samples.interactive.push(await page.evaluate(() => performance.getEntriesByName('viewer-interactive')[0].startTime));
  for (const [name, q] of Object.entries(queries)) {
    samples[name].push(await page.evaluate((query) => {
      const t = performance.now();
      DiagramViewer.search(query);
      void document.body.offsetHeight; // the layout the result list causes
      return performance.now() - t;
    }, q));
  }
  await context.close();
}

// Pan and zoom over deep-zoom tiles: the A0 sheet at 300 DPI with --format png,svg,dzi.
// A scripted gesture (one wheel step per frame, 40 in, then 40 frames of panning, then
// 40 out) while requestAnimationFrame records frame intervals: main-thread work per frame
// (our script, style, layout; headless Chromium composites in software).
const a0 = process.env.BENCH_A0 || path.join(root, '../shared/fixtures/valhall/PH-25578-P-4110010-001.pdf');
fs.mkdirSync(path.join(work, 'a0-files'), { recursive: true });
fs.copyFileSync(a0, path.join(work, 'a0-files/a0.pdf'));
fs.writeFileSync(path.join(work, 'a0.json'), JSON.stringify({ items: [{ fileExternalId: 'a0.pdf', annotations: annotations.slice(0, 200) }] }));
const a0out = path.join(work, 'a0-out');
execFileSync(bin, ['job', path.join(work, 'a0.json'), '--files', path.join(work, 'a0-files'), '--out', a0out, '--dpi', '300', '--format', 'png,svg,dzi', '--viewer', '--quiet'], { stdio: 'inherit' });
const frames = [];
let maxTiles = 0;
for (let run = 0; run < Math.min(RUNS, 3); run++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(pathToFileURL(path.join(a0out, 'index.html')).href);
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForTimeout(300);
  const r = await page.evaluate(() => new Promise((resolve) => {
    const vp = document.getElementById('viewport');
    const box = vp.getBoundingClientRect();
    const cx = box.left + vp.clientWidth / 2, cy = box.top + vp.clientHeight / 2;
    const times = [];
    let n = 0, most = 0;
    function frame(t) {
      times.push(t);
      if (n < 40) vp.dispatchEvent(new WheelEvent('wheel', { deltaY: -60, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
      else if (n < 80) vp.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
      else if (n < 120) vp.dispatchEvent(new WheelEvent('wheel', { deltaY: 60, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
      most = Math.max(most, document.querySelectorAll('#stage .tiles img').length);
      n++;
      if (n <= 121) requestAnimationFrame(frame);
      else resolve({ intervals: times.slice(1).map((x, i) => x - times[i]), most });
    }
    requestAnimationFrame(frame);
  }));
  frames.push(...r.intervals);
  maxTiles = Math.max(maxTiles, r.most);
  await context.close();
}
await browser.close();
const sorted = [...frames].sort((a, b) => a - b);
const p95 = sorted[Math.floor(sorted.length * 0.95)];
const size = (p) => fs.statSync(path.join(out, p)).size;
console.log(`page: ${path.basename(pdf)} at ${dpi} DPI, 1000 annotations; job with --viewer ${jobSeconds.toFixed(2)} s; overlay script ${(size('viewer/pages/0.js') / 1024).toFixed(0)} KiB, job.js ${(size('viewer/job.js') / 1024).toFixed(0)} KiB`);
console.log(`medians of ${RUNS} runs in ${version}:`);
console.log(`  time to interactive: ${median(samples.interactive).toFixed(1)} ms (target < 1000 ms)`);
for (const [name, q] of Object.entries(queries)) {
  console.log(`  search ${JSON.stringify(q).padEnd(14)} ${median(samples[name]).toFixed(2)} ms (target < 50 ms)`);
}

console.log(`A0 sheet at 300 DPI from its tiles, a scripted zoom in, pan and zoom out (${frames.length} frames):`);
console.log(`  frame interval median ${median(frames).toFixed(1)} ms, 95th percentile ${p95.toFixed(1)} ms; at most ${maxTiles} tile images in the page`);
