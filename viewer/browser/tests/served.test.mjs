// The viewer as `diagram-convert serve` serves it: GET …/convert/{jobId}/viewer gives a
// signed link (a browser cannot send the bearer header), the viewer opens from it in
// Chromium, and once its link is about to expire it renews it through viewer/refresh.js
// and goes on loading pages under the new one.
//
// Environment: VIEWER_TEST_BIN (the diagram-convert binary), VIEWER_TEST_FIXTURES (the
// Valhall folder), VIEWER_TEST_ARTIFACTS (screenshots), CHROMIUM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { launch } from '../chromium.mjs';

const BIN = process.env.VIEWER_TEST_BIN;
const FIXTURES = process.env.VIEWER_TEST_FIXTURES;
const ARTIFACTS = process.env.VIEWER_TEST_ARTIFACTS || os.tmpdir();
if (!BIN || !FIXTURES) throw new Error('set VIEWER_TEST_BIN and VIEWER_TEST_FIXTURES (scripts/test-viewer.sh does)');
// The viewer renews its link 15 s before it expires: with 16 s it renews after 1 s.
const LIFETIME = 16;
const API = '/api/v1/projects/test/context/diagram/convert';
const TOKEN = 'viewer-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

let server, base, browser, store;
const names = ['PH-ME-P-0003-001', 'PH-ME-P-0004-001'];
const request = {
  items: names.flatMap((n) => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'requests', n + '.json'), 'utf8')).items),
};

before(async () => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'viewer-serve-'));
  server = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--files', FIXTURES, '--store', store,
    '--url-lifetime', String(LIFETIME), '--threads', '2'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DIAGRAM_CONVERT_TOKEN: TOKEN } });
  base = await new Promise((resolve, reject) => {
    let log = '';
    server.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`the server exited (${code}): ${log}`)));
  });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (store) fs.rmSync(store, { recursive: true, force: true });
});

async function finishedJob() {
  const posted = await fetch(base + API, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(request) });
  assert.equal(posted.status, 200);
  const { jobId } = await posted.json();
  for (;;) {
    const job = await (await fetch(`${base}${API}/${jobId}`, { headers: auth })).json();
    if (job.status === 'Completed' || job.status === 'Failed') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the served viewer opens from its signed link and renews it before it expires', async () => {
  const job = await finishedJob();
  const r = await fetch(`${base}${API}/${job.jobId}/viewer`, { headers: auth });
  assert.equal(r.status, 200);
  const link = await r.json();
  assert.ok(link.viewerUrl.startsWith(`${base}/viewer/${job.jobId}/`), link.viewerUrl);
  assert.ok(link.expires - Date.now() <= LIFETIME * 1000);

  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const loads = [];
  page.on('response', (res) => loads.push({ url: res.url(), status: res.status() }));
  await page.goto(link.viewerUrl);
  await page.waitForSelector('html[data-ready="true"]');
  const first = request.items[0].annotations;
  assert.equal(await page.locator('.annotation').count(), first.length);
  assert.ok(await page.locator('#stage img').evaluate((img) => img.complete && img.naturalWidth > 0), 'the PNG loaded');

  // Search and details work as offline.
  // A tag of the second drawing only, so that the search shows the second page.
  const firstTexts = new Set(first.map((a) => a.text));
  const tag = request.items[1].annotations.find((a) => !firstTexts.has(a.text)).text;
  await page.fill('#search', tag);
  await page.press('#search', 'Enter');
  await page.waitForSelector('.annotation.selected');
  assert.ok((await page.locator('#details').innerText()).includes(tag));
  await page.screenshot({ path: path.join(ARTIFACTS, 'served-viewer.png') });

  // Past the renewal point: the next page renews the link first, then loads under it.
  await page.waitForTimeout(1500);
  assert.equal(await page.locator('html').getAttribute('data-page'), `${names[1]}/1`);
  await page.getByRole('button', { name: `${names[0]}.pdf, Page 1`, exact: true }).click();
  await page.waitForFunction(() => { const i = document.querySelector('#stage img'); return i && i.complete && i.naturalWidth > 0; });
  const refreshed = loads.filter((l) => l.url.includes('/viewer/refresh.js'));
  assert.ok(refreshed.length >= 1 && refreshed.every((l) => l.status === 200), JSON.stringify(refreshed));
  const src = await page.locator('#stage img').getAttribute('src');
  const prefix = (u) => u.split('/').slice(0, 8).join('/');
  assert.notEqual(prefix(src), prefix(link.viewerUrl), 'the image comes under the renewed link');
  assert.ok(loads.every((l) => l.status === 200), JSON.stringify(loads.filter((l) => l.status !== 200)));
  assert.deepEqual(errors, []);
  await context.close();
});

test('without credentials there is no link, and a changed link is refused', async () => {
  const job = await finishedJob();
  assert.equal((await fetch(`${base}${API}/${job.jobId}/viewer`)).status, 401);
  const link = await (await fetch(`${base}${API}/${job.jobId}/viewer`, { headers: auth })).json();
  const changed = link.viewerUrl.replace(/\/([0-9a-f]{64})\//, (m, sig) => `/${sig.slice(0, 63)}${sig[63] === '0' ? '1' : '0'}/`);
  const r = await fetch(changed);
  assert.equal(r.status, 403);
  const missing = await fetch(`${base}${API}/99999/viewer`, { headers: auth });
  assert.equal(missing.status, 404);
});
