// The seed's whole flow in a real browser (Debian chromium via playwright-core): open the dashboard,
// pick the closure-leak app, click MEM, find the reference list naming theThing/leak; record a CPU
// profile and see the flame graph; take a second snapshot and compare the two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { APPS, MY_APPS, agentApp, dashboard, liveProcess, tempDir } from './support.js';
import { CHROMIUM, launch } from '../report/browser.js';


async function openProcess(page: Page, url: string, processId: string): Promise<void> {
  await page.goto(`${url}/#/p/${processId}`);
  await page.waitForSelector('button[data-action="heapSnapshot"]');
}

test('browser: MEM -> leak report with reference list, CPU -> flame graph, compare two snapshots', { skip: !existsSync(CHROMIUM) && 'chromium not installed' }, async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  const app = agentApp(join(APPS, 'closure-leak.cjs'), dash.url, { HEAPSCOPE_PROJECT: 'closure-leak' });
  const browser: Browser = await launch();
  t.after(async () => {
    await browser.close();
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The process list groups project -> host -> pid and shows it live.
  await page.goto(dash.url);
  const row = page.locator(`.proc[data-pid="${app.child.pid}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-live'), 'true');
  // The top bar: each page once.
  assert.deepEqual(await page.locator('header.top a').allTextContents(), ['heapscope', 'findings', 'snapshots']);
  await row.click();
  await page.waitForSelector('button[data-action="heapSnapshot"]');
  // Live charts draw.
  await page.waitForSelector('#chart-mem canvas');
  await page.waitForSelector('#chart-cpu canvas');

  // The agent's forecast of MEM's cost shows before the click.
  await page.waitForFunction(() => /MEM now: about [\d.]+ [kMG]?B more RSS at peak, .* pause \(first snapshot: worst heap shape\)/.test(document.getElementById('mem-forecast')?.textContent ?? ''), undefined, { timeout: 15_000 });
  // Let the leak grow a little, then MEM; the report opens by itself when ready.
  await page.waitForTimeout(2000);
  const t0 = Date.now();
  await page.click('button[data-action="heapSnapshot"]');
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 45_000 });
  const memMs = Date.now() - t0;
  const refList = await page.locator('pre[data-role="reference-list"]').first().innerText();
  assert.match(refList, /' leak\b/);
  assert.match(refList, /someMethod/);
  const firstSuspect = await page.locator('.hs-suspect').first().innerText();
  assert.match(firstSuspect, /theThing/);
  const report1 = page.url().split('/r/')[1];
  assert.ok(report1);

  // The snapshot's measured cost, on its job and (with the next forecast) beside MEM.
  await openProcess(page, dash.url, proc.id);
  assert.match(await page.locator('.job[data-action="heapSnapshot"] [data-cost]').first().innerText(), /blocked [\d.]+ m?s, peak \+[\d.]+ [kMG]?B RSS \(predicted \+[\d.]+ [kMG]?B at the worst heap shape\)/);
  await page.waitForFunction(() => /Last snapshot: blocked/.test(document.getElementById('mem-forecast')?.textContent ?? ''), undefined, { timeout: 15_000 });
  assert.match((await page.textContent('#mem-forecast')) ?? '', /pause \(learned from this process's last snapshot\)/);

  // CPU profile for 1 s: the flame graph canvas and the top functions.
  await page.fill('#seconds', '1');
  await page.click('button[data-action="cpuProfile"]');
  await page.waitForSelector('#profile[data-ready="true"]', { timeout: 30_000 });
  const canvas = page.locator('.hs-flame-canvas');
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 100 && box.height > 20, 'flame graph has a size');
  assert.match(await page.locator('[data-section="functions"]').innerText(), /Self time/);
  // an idle app's profile is mostly (idle): set aside, so the app's code is what shows
  assert.doesNotMatch(await page.locator('[data-section="functions"]').innerText(), /\(idle\)/);

  // Allocation sampling profile: live bytes by allocating function, with source locations.
  await openProcess(page, dash.url, proc.id);
  await page.fill('#seconds', '1');
  await page.click('button[data-action="samplingHeapProfile"]');
  await page.waitForSelector('#profile[data-ready="true"]', { timeout: 30_000 });
  assert.match(await page.locator('#profile').innerText(), /Sampled live allocations: [\d.]+ [kKM]?B in \d+ functions/);
  // the allocating stacks as a flame graph (width = bytes), then the top allocation sites
  await page.waitForSelector('#profile .alloc-flame canvas');
  assert.ok(Number(await page.locator('#profile .alloc-flame').getAttribute('data-frames')) > 3);
  assert.match(await page.locator('#profile').innerText(), /Allocating stacks[\s\S]*Top allocation sites/);

  // A second snapshot, then compare the two from the history list.
  await openProcess(page, dash.url, proc.id);
  await page.click('button[data-action="heapSnapshot"]');
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 45_000 });
  await openProcess(page, dash.url, proc.id);
  const boxes = page.locator('tr[data-kind="heapsnapshot"] input[type="checkbox"]');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-kind="heapsnapshot"]').length === 2);
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.click('button[data-action="compare"]');
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 });
  const comparison = await page.locator('[data-section="comparison"]').innerText();
  assert.match(comparison, /# New/);
  assert.match(comparison, /Array|Object|system/);
  // Downloads are offered for the compared snapshots.
  assert.equal(await page.locator('a[href$="/download"]').count(), 2);

  assert.deepEqual(errors, []);
  process.stderr.write(`  MEM click -> report in the browser: ${memMs} ms\n`);
});

test('browser: a report whose Summary has 10,000+ classes opens quickly and stays virtualised', { skip: !existsSync(CHROMIUM) && 'chromium not installed' }, async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  // many-classes.cjs: 12,000 distinct constructors with an instance each.
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url, {}, ['--require', join(MY_APPS, 'many-classes.cjs')]);
  const browser: Browser = await launch();
  t.after(async () => {
    await browser.close();
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await openProcess(page, dash.url, proc.id);
  await page.click('button[data-action="heapSnapshot"]');
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 45_000 });
  const reportId = page.url().split('/r/')[1]!;
  const report = JSON.parse(await (await fetch(`${dash.url}/api/reports/${reportId}`)).text()) as { classes: { name: string }[] };
  assert.ok(report.classes.length > 10_000, `${report.classes.length} classes in the report`);
  // Re-open the report cold and time it: fetch + mount of every row must stay interactive.
  const t0 = Date.now();
  await page.goto(`${dash.url}/#/p/${proc.id}`);
  await page.goto(`${dash.url}/#/r/${reportId}`);
  await page.waitForSelector('#report[data-ready="true"]');
  const openMs = Date.now() - t0;
  const summary = page.locator('[data-section="summary"]');
  await summary.scrollIntoViewIfNeeded();
  assert.match(await summary.innerText(), new RegExp(`${report.classes.length.toLocaleString('en-US')} rows`));
  // Filtering 12,000 rows down to one is instant enough to wait for.
  await summary.locator('input').first().fill('Synthetic11999');
  await page.waitForFunction(() => /Synthetic11999/.test(document.querySelector('[data-section="summary"]')!.textContent ?? ''), null, { timeout: 5000 });
  const domRows = await page.evaluate(() => document.querySelector('[data-section="summary"]')!.querySelectorAll('*').length);
  assert.ok(domRows < 5000, `summary keeps the DOM small (${domRows} elements for ${report.classes.length} rows)`);
  assert.ok(openMs < 15_000, `report with ${report.classes.length} classes opened in ${openMs} ms`);
  process.stderr.write(`  report with ${report.classes.length} summary rows opened in ${openMs} ms\n`);
});
