// The viewer over deep-zoom tiles: the Valhall A0 sheet at 300 DPI converted with
// `--format png,svg,dzi --viewer` (scripts/test-viewer.sh). The page image is then the
// tile pyramid, never the 140 MP PNG: at fit only a few small tiles load, zooming in
// loads the tiles of the matching level that meet the viewport, and the annotations
// still sit where the request puts them.
//
// Environment: VIEWER_TEST_TILES_JOB (the job's output folder), VIEWER_TEST_TILES_REQUEST
// (its request), VIEWER_TEST_ARTIFACTS, CHROMIUM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../chromium.mjs';

const JOB = process.env.VIEWER_TEST_TILES_JOB;
const REQUEST = process.env.VIEWER_TEST_TILES_REQUEST;
const ARTIFACTS = process.env.VIEWER_TEST_ARTIFACTS || '.';
if (!JOB || !REQUEST) throw new Error('set VIEWER_TEST_TILES_JOB and VIEWER_TEST_TILES_REQUEST (scripts/test-viewer.sh does)');

const request = JSON.parse(fs.readFileSync(REQUEST, 'utf8'));
const job = JSON.parse(fs.readFileSync(path.join(JOB, 'job.json'), 'utf8'));
const result = job.items[0].results[0];
const dzi = fs.readFileSync(path.join(JOB, result.otherUrls.dzi), 'utf8');
const attr = (name) => Number(new RegExp(`${name}="(\\d+)"`).exec(dzi)[1]);
const W = attr('Width'), H = attr('Height'), T = attr('TileSize'), O = attr('Overlap');
const MAX = Math.ceil(Math.log2(Math.max(W, H)));

let browser;
before(async () => {
  browser = await launch();
});
after(async () => { if (browser) await browser.close(); });

/** The tiles in the DOM: level, column, row, loaded, and their box on the page (px). */
async function tiles(page) {
  return page.locator('#stage .tiles img').evaluateAll((imgs) => imgs.map((i) => {
    const m = /(\d+)\/(\d+)_(\d+)\.\w+$/.exec(decodeURIComponent(i.src));
    return { level: +m[1], c: +m[2], r: +m[3], loaded: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight,
      left: parseFloat(i.style.left), top: parseFloat(i.style.top), width: parseFloat(i.style.width), height: parseFloat(i.style.height) };
  }));
}

test('an A0 sheet at 300 DPI is shown from its tiles, level by level, with its annotations in place', async () => {
  assert.ok(W > 14000 && H > 9900, `A0 at 300 DPI: ${W}x${H}`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(path.join(JOB, 'index.html')).href);
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#stage .tiles img')].every((i) => i.complete));
  assert.ok(!requested.some((u) => u.endsWith('/page-1.png')), 'the full-size PNG is never loaded');
  assert.equal(await page.locator('#stage > img').count(), 0);
  const atFit = await tiles(page);
  assert.ok(atFit.length > 0 && atFit.length <= 40, `${atFit.length} tiles at fit`);
  assert.ok(atFit.every((t) => t.loaded && t.level < MAX - 2), 'small levels at fit');

  // Each tile's box is where the pyramid puts it: (c*T - O) at its level, scaled to page px.
  for (const t of atFit) {
    const f = 2 ** (MAX - t.level);
    const x0 = Math.max(0, t.c * T - O), y0 = Math.max(0, t.r * T - O);
    assert.ok(Math.abs(t.left - x0 * f) < 1e-6 && Math.abs(t.top - y0 * f) < 1e-6, JSON.stringify(t));
    assert.ok(Math.abs(t.width - t.w * f) < 1e-6 && Math.abs(t.height - t.h * f) < 1e-6, `tile size ${JSON.stringify(t)}`);
  }

  // Zoom onto an annotation: the full-resolution level's tiles cover the viewport.
  const a = request.items[0].annotations[5];
  const xs = a.region.vertices.map((v) => v.x * W), ys = a.region.vertices.map((v) => v.y * H);
  const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  await page.evaluate(async (b) => {
    DiagramViewer.zoomTo(b);
    // To one screen pixel per page pixel, so that the top level is the one needed.
    const v = DiagramViewer.view();
    const vp = document.getElementById('viewport');
    vp.dispatchEvent(new WheelEvent('wheel', { deltaY: Math.log(v.s) / 0.0015, clientX: vp.getBoundingClientRect().left + vp.clientWidth / 2, clientY: vp.getBoundingClientRect().top + vp.clientHeight / 2, bubbles: true, cancelable: true }));
  }, box);
  await page.waitForFunction((max) => {
    const imgs = [...document.querySelectorAll('#stage .tiles img')].filter((i) => i.getAttribute('data-level') === String(max));
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, MAX);
  const scale = await page.evaluate(() => DiagramViewer.view().s);
  assert.ok(Math.abs(scale - 1) < 0.01, `1:1, got ${scale}`);
  const zoomed = await tiles(page);
  const top = zoomed.filter((t) => t.level === MAX);
  // The viewport (1400 - panels) x (900 - bar) needs at most 6 x 5 tiles of 254 px.
  assert.ok(top.length >= 4 && top.length <= 42, `${top.length} top-level tiles`);
  assert.ok(zoomed.length <= top.length + atFit.length, 'tiles of other levels are dropped');
  // The annotation's shape is over the tiles, where the request puts it.
  const g = page.locator(`#annotation-5`);
  const r = await g.locator('.highlight').boundingBox();
  const stage = await page.locator('#stage').boundingBox();
  assert.ok(Math.abs(r.x - stage.x - box[0]) < 1.5 && Math.abs(r.y - stage.y - box[1]) < 1.5, `${JSON.stringify(r)} vs ${box}`);
  await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
  assert.equal(await page.locator('.annotation.selected').getAttribute('id'), 'annotation-5');
  await page.screenshot({ path: path.join(ARTIFACTS, 'tiles-zoomed.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
