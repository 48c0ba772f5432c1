// End to end: the seed's closure leak in a real child process → real snapshot → engine →
// diagnosis → self-contained HTML → chromium offline; hovering the chain's end names the leak.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { analyzeSnapshot } from '../../src/engine/index.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import type { HeapReport } from '../../src/diagnosis/types.js';
import { renderHtmlReport } from '../../src/report/index.js';
import { appPath, takeSnapshots } from '../support/snapshot.js';
import { launch, openOffline, type OfflinePage } from './browser.js';

let dir: string;
let report: HeapReport;
let browser: Browser;
let opened: OfflinePage;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heapscope-real-report-'));
  const [file] = await takeSnapshots(appPath('closure-leak'), { count: 1, dir });
  report = diagnose(await analyzeSnapshot(file), { file });
  const html = join(dir, 'report.html');
  writeFileSync(html, renderHtmlReport(report));
  browser = await launch();
  opened = await openOffline(browser, pathToFileURL(html).href);
  page = opened.page;
  await page.waitForSelector('.hs-suspect .hs-graph canvas');
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the real report renders offline with every suspect and a graph each', async () => {
  assert.deepEqual(opened.requests, []);
  assert.deepEqual(opened.errors, []);
  assert.ok(report.suspects.length > 0);
  assert.equal(await page.locator('.hs-suspects .hs-rows .hs-tr').count(), report.suspects.length);
  assert.equal(await page.locator('.hs-suspect .hs-graph canvas').count(), report.suspects.length);
  const counts = await page.evaluate(() =>
    Array.from(document.querySelectorAll('.hs-suspect .hs-graph')).map((el) => (window as any).HeapscopeViewer.getChart(el).getOption().series[0].data.length as number),
  );
  assert.ok(counts.every((c) => c >= 1));
  // The top suspect's graph holds at least its whole chain.
  assert.ok(counts[0] >= report.suspects[0].chain.length);
});

test('hovering the end of the top leak chain shows the theThing → someMethod → leak reference list', async () => {
  const s = report.suspects[0];
  const last = s.chain[s.chain.length - 1];
  const p = await page.evaluate((key) => {
    const el = document.querySelector('.hs-suspect .hs-graph') as HTMLElement;
    el.scrollIntoView({ block: 'center' });
    const V = (window as any).HeapscopeViewer;
    const pos = V.graphNodePosition(V.getChart(el), key);
    const r = el.getBoundingClientRect();
    return pos && { x: r.left + pos.x, y: r.top + pos.y };
  }, String(last.id));
  assert.ok(p, 'the chain end is drawn');
  await page.mouse.move(p.x, p.y);
  await page.waitForFunction((id) => document.querySelector('[data-role="reference-list"]')!.textContent!.includes(`@${id})`), last.id);
  const text = (await page.locator('[data-role="reference-list"]').first().textContent())!;
  assert.match(text, /' someMethod\n---> \[closure\] \(someMethod::@\d+\) ' context/);
  assert.match(text, /' leak/);
  assert.equal(text.split('\n')[0].startsWith(`[${s.chain[0].type}] (${s.chain[0].name}::@${s.chain[0].id})`), true);
  const keys = await page.locator('.hs-suspect').first().locator('.hs-key').allTextContents();
  assert.ok(keys.includes('theThing') && keys.includes('leak'), `keys ${keys}`);
  await page.screenshot({ path: join(tmpdir(), 'heapscope-real-report.png'), fullPage: true });
});
