// End-to-end tests of the viewer in Debian's Chromium, driven by playwright-core, over a
// real job: the Valhall request all-files.json converted with `job --viewer`
// (scripts/test-viewer.sh makes it). The viewer is opened from file://, as a user opens it.
//
// Expected positions come from the request itself: an annotation's normalised vertices
// times the page PNG's size (read from the PNG header here), mapped to the screen through
// the page image's box, so a highlight that is drawn in the wrong place is clicked past.
//
// Environment: VIEWER_TEST_JOB (the job's output folder), VIEWER_TEST_REQUEST (its
// request), VIEWER_TEST_ARTIFACTS (where screenshots go), CHROMIUM (default
// /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../chromium.mjs';

const JOB = process.env.VIEWER_TEST_JOB;
const REQUEST = process.env.VIEWER_TEST_REQUEST;
const ARTIFACTS = process.env.VIEWER_TEST_ARTIFACTS || path.join(JOB || '.', 'screenshots');
if (!JOB || !REQUEST) throw new Error('set VIEWER_TEST_JOB and VIEWER_TEST_REQUEST (scripts/test-viewer.sh does)');

const request = JSON.parse(fs.readFileSync(REQUEST, 'utf8'));
const job = JSON.parse(fs.readFileSync(path.join(JOB, 'job.json'), 'utf8'));
const INDEX = pathToFileURL(path.join(JOB, 'index.html')).href;

/** The converted file named `name` in the request: its annotations, key and PNG size. */
function file(name) {
  const item = request.items.find((i) => i.fileExternalId === name);
  const result = job.items.find((i) => i.fileExternalId === name);
  assert.ok(item && result && result.results, `${name} is in the request and converted`);
  const page = result.results[0];
  const key = page.pngUrl.split('/').slice(0, -1).join('/');
  const png = fs.readFileSync(path.join(JOB, page.pngUrl));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  return { item, key, width, height, annotations: item.annotations };
}

/** An annotation's box in page pixels, from its normalised vertices. */
function pixelBox(f, a) {
  const xs = a.region.vertices.map((v) => v.x * f.width);
  const ys = a.region.vertices.map((v) => v.y * f.height);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

let browser;
let shot = 0;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launch();
});

after(async () => { if (browser) await browser.close(); });

async function open(hash = '', options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  // Nothing but file:// may be asked for: the viewer is offline.
  const remote = [];
  page.on('request', (r) => { if (!r.url().startsWith('file://')) remote.push(r.url()); });
  await page.goto(INDEX + hash);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 15000 });
  page.check = () => {
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(remote, [], 'no request leaves file://');
  };
  return page;
}

async function screenshot(page, name) {
  shot += 1;
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

/** The screen point of page pixel (x, y), through the page image's box. */
async function toScreen(page, f, x, y) {
  const r = await page.locator('#stage img').first().boundingBox();
  return { x: r.x + (x * r.width) / f.width, y: r.y + (y * r.height) / f.height };
}

/** A rectangle annotation of `f` whose centre lies in no other annotation's box. */
function lonely(f, wanted = () => true) {
  const boxes = f.annotations.map((a) => pixelBox(f, a));
  for (let i = 0; i < f.annotations.length; i++) {
    const a = f.annotations[i];
    if (a.region.shape !== 'rectangle' || !wanted(a)) continue;
    const b = boxes[i];
    const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
    const clear = boxes.every((o, j) => j === i || cx < o[0] - 2 || cx > o[2] + 2 || cy < o[1] - 2 || cy > o[3] + 2);
    if (clear && b[2] - b[0] > 8 && b[3] - b[1] > 8) return { a, i, box: b, cx, cy };
  }
  throw new Error('no lonely annotation');
}

test('lists every file with its errors and shows the first page fitted, with only its annotations', async () => {
  const page = await open();
  const labels = await page.locator('#files .file h2').allInnerTexts();
  assert.deepEqual(labels, request.items.map((i) => i.fileExternalId));
  const missing = job.items.find((i) => i.errorMessage);
  assert.ok(missing, 'the request names one absent file');
  const section = page.locator('#files .file', { hasText: missing.fileExternalId });
  assert.equal(await section.locator('.error').innerText(), missing.errorMessage);

  const first = file(request.items[0].fileExternalId);
  assert.equal(await page.evaluate(() => location.hash), `#${first.key}/1`);
  assert.equal(await page.locator('html').getAttribute('data-page'), `${first.key}/1`);
  assert.equal(await page.locator('.annotation').count(), first.annotations.length);
  const texts = await page.locator('.annotation').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-text')));
  assert.deepEqual(texts, first.annotations.map((a) => a.text));

  // Fitted: the whole page inside the viewport, touching it on one axis.
  const v = await page.locator('#viewport').boundingBox();
  const img = await page.locator('#stage img').boundingBox();
  assert.ok(img.x >= v.x - 1 && img.y >= v.y - 1 && img.x + img.width <= v.x + v.width + 1 && img.y + img.height <= v.y + v.height + 1);
  assert.ok(img.width > v.width * 0.95 || img.height > v.height * 0.95, 'fitted, not small');
  assert.ok(Math.abs(img.width / img.height - first.width / first.height) < 0.01);
  await screenshot(page, 'first-page');

  // Another page: its annotations replace the first page's.
  const other = file('PH-ME-P-0156-001.pdf');
  await page.getByRole('button', { name: 'PH-ME-P-0156-001.pdf, Page 1' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('.annotation').length === n, other.annotations.length);
  assert.equal(await page.locator('.annotation[data-text="' + first.annotations[0].text + '"]').count(),
    other.annotations.filter((a) => a.text === first.annotations[0].text).length);
  assert.equal(await page.evaluate(() => location.hash), `#${other.key}/1`);
  page.check();
  await page.context().close();
});

test('search: Enter jumps to the first hit, zoomed into view and covered by nothing; the hits are listed', async () => {
  const page = await open();
  // A tag on two drawings: two hits, in request order.
  const tag = '23-HA-9114';
  const holders = request.items.filter((i) => i.annotations.some((a) => a.text === tag) && job.items.find((j) => j.fileExternalId === i.fileExternalId).results);
  const expected = holders.flatMap((i) => i.annotations.map((a, n) => ({ file: i.fileExternalId, a, n })).filter((x) => x.a.text === tag));
  assert.ok(expected.length >= 2);
  await page.fill('#search', tag);
  await page.press('#search', 'Enter');
  await page.waitForSelector('.annotation.selected');
  const firstHit = file(expected[0].file);
  assert.equal(await page.evaluate(() => location.hash), `#${firstHit.key}/1/annotation-${expected[0].n}`);
  assert.equal(await page.locator('#search-count').innerText(), `${expected.length} hits`);
  assert.equal(await page.locator('#hits li button').count(), expected.length);
  assert.match(await page.locator('#hits li button').first().innerText(), new RegExp(expected[0].file.replace(/\./g, '\\.')));

  // In view, at a readable size, and the topmost element at its centre is its own shape.
  const box = pixelBox(firstHit, expected[0].a);
  const v = await page.locator('#viewport').boundingBox();
  const p0 = await toScreen(page, firstHit, box[0], box[1]);
  const p1 = await toScreen(page, firstHit, box[2], box[3]);
  assert.ok(p0.x >= v.x && p0.y >= v.y && p1.x <= v.x + v.width && p1.y <= v.y + v.height, 'inside the viewport');
  assert.ok(p1.x - p0.x >= 20, `zoomed: ${p1.x - p0.x} px wide`);
  const top = await page.evaluate(([x, y]) => {
    const e = document.elementFromPoint(x, y);
    const g = e && e.closest('.annotation');
    return g ? g.id + (g.classList.contains('selected') ? ' selected' : '') : e && e.tagName;
  }, [(p0.x + p1.x) / 2, (p0.y + p1.y) / 2]);
  assert.equal(top, `annotation-${expected[0].n} selected`);
  assert.match(await page.locator('#details').innerText(), new RegExp(tag));
  await screenshot(page, 'search-first-hit');

  // Enter again: the next hit, on the other drawing.
  await page.press('#search', 'Enter');
  const secondHit = file(expected[1].file);
  await page.waitForFunction((h) => location.hash === h, `#${secondHit.key}/1/annotation-${expected[1].n}`);
  await page.waitForSelector(`#annotation-${expected[1].n}.selected`);
  // Hits on the shown page are marked; a search for an entity value finds it too.
  assert.equal(await page.locator('.annotation.hit').count(), expected.filter((e) => e.file === expected[1].file).length);
  await page.fill('#search', 'diagrams.FileLink');
  const links = request.items.flatMap((i) => job.items.find((j) => j.fileExternalId === i.fileExternalId).results ? i.annotations : [])
    .filter((a) => (a.entities || []).some((e) => e.type === 'diagrams.FileLink'));
  assert.equal(await page.locator('#search-count').innerText(), `${links.length} hits`);
  // Spelled without its dash, a tag is still found.
  await page.fill('#search', tag.replace(/-/g, ''));
  assert.equal(await page.locator('#search-count').innerText(), `${expected.length} hits`);
  await page.fill('#search', 'no-such-tag-anywhere');
  assert.equal(await page.locator('#search-count').innerText(), '0 hits');
  page.check();
  await page.context().close();
});

test('clicking a box at its page coordinates shows its entities in #details', async () => {
  const page = await open();
  const f = file('PH-ME-P-0152-001.pdf');
  await page.getByRole('button', { name: 'PH-ME-P-0152-001.pdf, Page 1' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('.annotation').length === n, f.annotations.length);
  const target = lonely(f, (a) => (a.entities || []).some((e) => e.externalId));
  // Zoom in on it first with the keyboard, so that the click is on a box of real size.
  const centre = await toScreen(page, f, target.cx, target.cy);
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.wheel(0, -600);
  await page.waitForTimeout(50);
  const at = await toScreen(page, f, target.cx, target.cy);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('.annotation.selected');
  assert.equal(await page.locator('.annotation.selected').getAttribute('id'), `annotation-${target.i}`);
  const details = await page.locator('#details').innerText();
  assert.ok(details.includes(target.a.text), details);
  for (const entity of target.a.entities) {
    assert.ok(details.includes(entity.externalId), `externalId ${entity.externalId} in ${details}`);
  }
  assert.equal(await page.evaluate(() => location.hash), `#${f.key}/1/annotation-${target.i}`);
  await screenshot(page, 'clicked-box');

  // A click beside every box clears the selection; a drag does not select.
  const empty = await toScreen(page, f, target.box[0] - 60, target.box[1] - 60);
  const hit = await page.evaluate(([x, y]) => !!document.elementFromPoint(x, y).closest('.annotation'), [empty.x, empty.y]);
  if (!hit) {
    await page.mouse.click(empty.x, empty.y);
    assert.equal(await page.locator('.annotation.selected').count(), 0);
    assert.match(await page.locator('#details').innerText(), /Click a highlighted tag/);
  }
  page.check();
  await page.context().close();
});

test('a deep link opens its page, selects the annotation and fills the details', async () => {
  const f = file('PH-ME-P-0156-001.pdf');
  const n = 7;
  const a = f.annotations[n];
  const page = await open(`#${f.key}/1/annotation-${n}`);
  await page.waitForSelector(`#annotation-${n}.selected`);
  assert.equal(await page.evaluate(() => location.hash), `#${f.key}/1/annotation-${n}`);
  const details = await page.locator('#details').innerText();
  assert.ok(details.includes(a.text));
  for (const e of a.entities || []) assert.ok(details.includes(e.externalId));
  const box = pixelBox(f, a);
  const v = await page.locator('#viewport').boundingBox();
  const c = await toScreen(page, f, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2);
  assert.ok(Math.abs(c.x - (v.x + v.width / 2)) < 2 && Math.abs(c.y - (v.y + v.height / 2)) < 2, 'centred');
  await screenshot(page, 'deep-link');

  // Changing the hash by hand follows it too; a hash naming nothing shows the first page.
  const other = file('PH-ME-P-0160-001.pdf');
  await page.evaluate((h) => { location.hash = h; }, `#${other.key}/1/annotation-2`);
  await page.waitForSelector('#annotation-2.selected');
  assert.equal(await page.locator('html').getAttribute('data-page'), `${other.key}/1`);
  assert.ok((await page.locator('#details').innerText()).includes(other.annotations[2].text));
  page.check();
  await page.context().close();

  const lost = await open('#no-such-file/9/annotation-1');
  const first = file(request.items[0].fileExternalId);
  assert.equal(await lost.evaluate(() => location.hash), `#${first.key}/1`);
  lost.check();
  await lost.context().close();
});

test('keyboard: n and p walk the annotations, Enter selects the focused one, 0 fits, / searches', async () => {
  const page = await open();
  const first = file(request.items[0].fileExternalId);
  await page.locator('#viewport').focus();
  await page.keyboard.press('n');
  assert.equal(await page.locator('.annotation.selected').getAttribute('id'), 'annotation-0');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'annotation-0');
  await page.keyboard.press('n');
  assert.equal(await page.locator('.annotation.selected').getAttribute('id'), 'annotation-1');
  await page.keyboard.press('p');
  await page.keyboard.press('p');
  const last = `annotation-${first.annotations.length - 1}`;
  assert.equal(await page.locator('.annotation.selected').getAttribute('id'), last);
  // Annotations are focusable buttons with a label; Enter on a focused one selects it.
  const label = await page.locator('#annotation-3').getAttribute('aria-label');
  assert.ok(label.includes(first.annotations[3].text), label);
  assert.equal(await page.locator('#annotation-3').getAttribute('role'), 'button');
  await page.locator('#annotation-3').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.annotation.selected').getAttribute('id'), 'annotation-3');
  assert.ok((await page.locator('#details').innerText()).includes(first.annotations[3].text));
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.annotation.selected').count(), 0);
  await page.keyboard.press('0');
  const fit = await page.evaluate(() => DiagramViewer.view().s);
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  assert.ok(Math.abs((await page.evaluate(() => DiagramViewer.view().s)) / fit - 1.5625) < 1e-6);
  await page.keyboard.press('0');
  assert.ok(Math.abs((await page.evaluate(() => DiagramViewer.view().s)) - fit) < 1e-9);
  await page.keyboard.press('PageDown');
  const second = file(request.items[1].fileExternalId);
  assert.equal(await page.locator('html').getAttribute('data-page'), `${second.key}/1`);
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'search');
  page.check();
  await page.context().close();
});

test('wheel zooms at the pointer, drag pans, and the tooltip never takes the pointer', async () => {
  const page = await open();
  const f = file(request.items[0].fileExternalId);
  const v = await page.locator('#viewport').boundingBox();
  const before = await page.evaluate(() => DiagramViewer.view());
  // Zoom at a point: the page pixel under the pointer stays under it.
  // Whole pixels: a wheel event's position is a whole number.
  const px = { x: Math.round(v.x + v.width * 0.3), y: Math.round(v.y + v.height * 0.6) };
  const pageAt = (view) => ({ x: (px.x - v.x - view.x) / view.s, y: (px.y - v.y - view.y) / view.s });
  await page.mouse.move(px.x, px.y);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((s) => DiagramViewer.view().s > s * 1.5, before.s);
  const zoomed = await page.evaluate(() => DiagramViewer.view());
  const a = pageAt(before), b = pageAt(zoomed);
  assert.ok(Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  // Drag by (-150, -80): the page moves with the pointer.
  await page.mouse.down();
  await page.mouse.move(px.x - 75, px.y - 40, { steps: 3 });
  await page.mouse.move(px.x - 150, px.y - 80, { steps: 3 });
  await page.mouse.up();
  const dragged = await page.evaluate(() => DiagramViewer.view());
  assert.ok(Math.abs(dragged.x - zoomed.x + 150) < 1 && Math.abs(dragged.y - zoomed.y + 80) < 1);
  assert.equal(await page.locator('.annotation.selected').count(), 0, 'a drag selects nothing');

  // Hover a box: the tooltip names it, and the point under the pointer is still the box.
  const target = lonely(f);
  await page.keyboard.press('0');
  await page.evaluate((box) => DiagramViewer.zoomTo(box), target.box);
  const c = await toScreen(page, f, target.cx, target.cy);
  await page.mouse.move(c.x, c.y);
  await page.waitForSelector('#tooltip:not([hidden])');
  assert.ok((await page.locator('#tooltip').innerText()).includes(target.a.text));
  const under = await page.evaluate(([x, y]) => document.elementFromPoint(x, y).closest('.annotation')?.id, [c.x, c.y]);
  assert.equal(under, `annotation-${target.i}`);
  const tip = await page.locator('#tooltip').boundingBox();
  assert.ok(!(c.x >= tip.x && c.x <= tip.x + tip.width && c.y >= tip.y && c.y <= tip.y + tip.height), 'not under the pointer');
  await screenshot(page, 'tooltip');
  await page.mouse.move(v.x + 5, v.y + 5);
  page.check();
  await page.context().close();
});

test('pinch zooms on a touch screen', async () => {
  const page = await open('', { hasTouch: true });
  const v = await page.locator('#viewport').boundingBox();
  const cdp = await page.context().newCDPSession(page);
  const cx = v.x + v.width / 2, cy = v.y + v.height / 2;
  const s0 = await page.evaluate(() => DiagramViewer.view().s);
  const points = (d) => [{ x: cx - d, y: cy, id: 0 }, { x: cx + d, y: cy, id: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(50) });
  for (const d of [70, 90, 110, 130, 150]) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(d) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const s1 = await page.evaluate(() => DiagramViewer.view().s);
  assert.ok(Math.abs(s1 / s0 - 3) < 0.05, `pinched from 100 to 300 px: ${s1 / s0}x`);
  page.check();
  await page.context().close();
});

test('on every converted page, a click at an annotation\'s page coordinates selects that annotation', async () => {
  const page = await open();
  for (const item of request.items) {
    const result = job.items.find((j) => j.fileExternalId === item.fileExternalId);
    if (!result.results) continue;
    const f = file(item.fileExternalId);
    // Its label may say "(with warnings)".
    await page.locator(`#files button[aria-label^="${item.fileExternalId}, Page 1"]`).click();
    await page.waitForFunction((k) => document.documentElement.getAttribute('data-page') === k && document.querySelectorAll('.annotation').length > 0, `${f.key}/1`);
    const target = lonely(f);
    // Zoom onto it through the viewer's view, then click where the request says it is.
    await page.evaluate((box) => DiagramViewer.zoomTo(box), target.box);
    const at = await toScreen(page, f, target.cx, target.cy);
    await page.mouse.click(at.x, at.y);
    assert.equal(await page.locator('.annotation.selected').getAttribute('id'), `annotation-${target.i}`, item.fileExternalId);
    assert.ok((await page.locator('#details').innerText()).includes(target.a.text), item.fileExternalId);
  }
  page.check();
  await page.context().close();
});

test('a file key that needs escaping still finds its pages', { skip: !process.env.VIEWER_TEST_ODD_JOB }, async () => {
  const dir = process.env.VIEWER_TEST_ODD_JOB;
  const odd = JSON.parse(fs.readFileSync(path.join(dir, 'job.json'), 'utf8'));
  const key = odd.items[0].results[0].pngUrl.split('/')[0];
  assert.equal(key, 'multi%20page%20%231');
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push('failed: ' + r.url()));
  await page.goto(pathToFileURL(path.join(dir, 'index.html')).href + `#${key}/2/annotation-5`);
  await page.waitForSelector('#annotation-5.selected');
  assert.equal(await page.evaluate(() => location.hash), `#${key}/2/annotation-5`);
  await page.waitForFunction(() => { const i = document.querySelector('#stage img'); return i && i.complete && i.naturalWidth > 0; });
  assert.equal(await page.locator('#files .file h2').innerText(), 'multi page #1.pdf');
  assert.deepEqual(errors, []);
  await context.close();
});
