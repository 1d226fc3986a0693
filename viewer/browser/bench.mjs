// The viewer on a page with 1,000 annotations, in headless Chromium: time to interactive
// (navigation start to the viewer's 'viewer-interactive' mark: page image placed, overlay
// parsed and in the DOM, handlers bound) and search times (the search over every page's
// index plus listing the hits and marking them, with the layout they cause).
// A benchmark, not a test: it prints medians of RUNS runs (default 7).
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
import { chromium } from 'playwright-core';

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

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
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
await browser.close();
const size = (p) => fs.statSync(path.join(out, p)).size;
console.log(`page: ${path.basename(pdf)} at ${dpi} DPI, 1000 annotations; job with --viewer ${jobSeconds.toFixed(2)} s; overlay script ${(size('viewer/pages/0.js') / 1024).toFixed(0)} KiB, job.js ${(size('viewer/job.js') / 1024).toFixed(0)} KiB`);
console.log(`medians of ${RUNS} runs in ${await chromiumVersion()}:`);
console.log(`  time to interactive: ${median(samples.interactive).toFixed(1)} ms (target < 1000 ms)`);
for (const [name, q] of Object.entries(queries)) {
  console.log(`  search ${JSON.stringify(q).padEnd(14)} ${median(samples[name]).toFixed(2)} ms (target < 50 ms)`);
}

async function chromiumVersion() {
  try { return execFileSync(process.env.CHROMIUM || '/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return 'Chromium'; }
}
