// A real .cpuprofile from a child `node --cpu-prof`, rendered as a self-contained HTML file in
// chromium offline: flame graph drawn and zoomable, top functions with source locations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildCpuModel, renderCpuProfileHtml, type CpuProfile } from '../../src/report/index.js';
import { launch, openOffline, type OfflinePage } from './browser.js';

const BUSY = `
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function hotLoop() { let s = 0; for (let i = 0; i < 3e7; i++) s += Math.sqrt(i); return s; }
function main() { const end = Date.now() + 600; while (Date.now() < end) { fib(27); hotLoop(); } }
main();
`;

let dir: string;
let profile: CpuProfile;
let browser: Browser;
let opened: OfflinePage;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heapscope-cpu-'));
  const script = join(dir, 'busy.js');
  writeFileSync(script, BUSY);
  execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, script], { timeout: 30_000 });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const html = join(dir, 'cpu.html');
  writeFileSync(html, renderCpuProfileHtml(profile));
  browser = await launch();
  opened = await openOffline(browser, pathToFileURL(html).href);
  page = opened.page;
  await page.waitForSelector('.hs-flame canvas');
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the real profile attributes the time to the busy functions', () => {
  const m = buildCpuModel(profile);
  const selfSum = m.functions.filter((f) => f.name !== '(root)').reduce((s, f) => s + f.self, 0);
  assert.ok(Math.abs(selfSum - m.duration) < 1, 'self times add up to the sampled duration');
  const main = m.functions.find((f) => f.name === 'main' && f.url.endsWith('busy.js'))!;
  assert.ok(main, 'main is in the profile');
  assert.ok(main.total > 0.5 * m.duration, 'main holds most of the time');
  assert.equal(main.line, 4);
  // fib must be sampled for the filter test below (fib(22) took ~0.3 ms a call and could be missed)
  assert.ok(m.functions.find((f) => f.name === 'fib')!.self > 0, 'fib is sampled');
});

test('opens offline and draws the flame graph', async () => {
  assert.deepEqual(opened.requests, []);
  assert.deepEqual(opened.errors, []);
  const model = buildCpuModel(profile);
  assert.equal(await page.locator('.hs-flame').getAttribute('data-frames'), String(model.frames.length));
  assert.ok(Number(await page.locator('.hs-flame').getAttribute('data-drawn')) > 5);
  // Painted pixels: count non-transparent pixels on the canvas.
  const painted = await page.locator('.hs-flame canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n / (c.width * c.height);
  });
  assert.ok(painted > 0.2, `flame graph is painted (${painted})`);
});

test('pseudo-frames are hidden until the toggle shows them', async () => {
  const hidden = buildCpuModel(profile);
  const shown = buildCpuModel(profile, { showPseudo: true });
  assert.ok(shown.frames.length > hidden.frames.length, 'this profile has (program) / (garbage collector) time');
  const toggle = page.locator('.hs-pseudo-toggle');
  assert.equal(await toggle.isChecked(), false);
  assert.equal(await page.locator('.hs-flame').getAttribute('data-frames'), String(hidden.frames.length));
  await toggle.check();
  await page.waitForFunction((n) => document.querySelector('.hs-flame')?.getAttribute('data-frames') === String(n), shown.frames.length);
  assert.match((await page.locator('.hs-functions').textContent())!, /\(program\)|\(garbage collector\)/);
  await page.locator('.hs-pseudo-toggle').uncheck();
  await page.waitForFunction((n) => document.querySelector('.hs-flame')?.getAttribute('data-frames') === String(n), hidden.frames.length);
  await page.waitForSelector('.hs-flame canvas');
});

test('clicking a frame zooms into it and Reset zoom returns', async () => {
  const model = buildCpuModel(profile);
  const target = model.frames.findIndex((f) => f.name === 'hotLoop');
  assert.ok(target > 0);
  // Find hotLoop's frame on the canvas by asking the page where it is, then click it for real.
  const box = (await page.locator('.hs-flame canvas').boundingBox())!;
  const pos = await page.evaluate((i) => (window as any).heapscope.flame.framePosition(i), target);
  assert.ok(pos, 'hotLoop is drawn');
  await page.mouse.move(box.x + pos.x, box.y + pos.y);
  assert.match((await page.locator('.hs-flame-tip').textContent())!, /hotLoop.*busy\.js:3/);
  await page.mouse.click(box.x + pos.x, box.y + pos.y);
  assert.equal(await page.locator('.hs-flame').getAttribute('data-focus'), String(target));
  assert.match((await page.locator('.hs-flame-crumb').textContent())!, /zoomed into hotLoop/);
  await page.getByRole('button', { name: 'Reset zoom' }).click();
  assert.equal(await page.locator('.hs-flame').getAttribute('data-focus'), '0');
  await page.screenshot({ path: join(tmpdir(), 'heapscope-cpu.png'), fullPage: true });
});

test('top functions sort by self and total time with source locations', async () => {
  const table = page.locator('.hs-functions');
  const firstRow = () => table.locator('.hs-rows .hs-tr').first().locator('.hs-td');
  const model = buildCpuModel(profile);
  const fns = model.functions.filter((f) => f.name !== '(root)');
  const bySelf = [...fns].sort((a, b) => b.self - a.self)[0];
  assert.equal(await firstRow().nth(2).textContent(), bySelf.name);
  await table.locator('.hs-th[data-key="total"]').click();
  const byTotal = [...fns].sort((a, b) => b.total - a.total)[0];
  assert.equal(await firstRow().nth(2).textContent(), byTotal.name);
  assert.ok(fns.some((f) => f.name === 'fib'), 'fib is in the profile');
  await table.locator('.hs-filter').fill('fib');
  assert.match((await firstRow().nth(3).textContent())!, /busy\.js:2:\d+$/);
});

test('anything but a profile is refused with a clear error', () => {
  assert.throws(() => renderCpuProfileHtml({ nodes: [] } as unknown as CpuProfile), /Not a V8 CPU profile/);
});
