// The process page in a real browser with a real agent: GC per kind (pause and count) and heap
// spaces drawn from the agent's metrics; history shows each snapshot's heap size beside its file
// size; a job that finishes while the user looks elsewhere is announced with a link and the page
// stays; a gone process cannot be snapshotted and can be removed with its history; the favicon.
// Screenshots at 1440x900 go to $HEAPSCOPE_SCREENSHOTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launch } from '../report/browser.js';
import { formatBytes } from '../../src/report/viewer/format.js';
import { APPS, agentApp, api, dashboard, liveProcess, tempDir, waitFor } from './support.js';

const SHOTS = process.env.HEAPSCOPE_SCREENSHOTS;

test('process page: GC and heap-space charts, heap size in history, notifications, a gone process', { skip: !existsSync(CHROMIUM) && 'chromium not installed', timeout: 180_000 }, async (t) => {
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
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(`${dash.url}/#/p/${proc.id}`);

  // The favicon is inline: it decodes, and the browser never asks for /favicon.ico.
  const icon = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href;
    if (!href) return 0;
    const img = new Image();
    img.src = href;
    await img.decode();
    return img.naturalWidth;
  });
  assert.ok(icon > 0, 'the favicon decodes');

  // GC per kind from the agent's real frames: a leaking express app scavenges within seconds.
  await page.waitForFunction(() => Number(document.querySelector('#gc-summary [data-kind="minor"]')?.getAttribute('data-count')) > 0, undefined, { timeout: 30_000 });
  await page.waitForSelector('#chart-gc-pause canvas');
  await page.waitForSelector('#chart-gc-count canvas');
  const minorCount = Number(await page.getAttribute('#gc-summary [data-kind="minor"]', 'data-count'));
  const sampled = dash.hub.samples(proc.id).reduce((n, s) => n + (s.gc?.minor?.count ?? 0), 0);
  assert.ok(minorCount > 0 && minorCount <= sampled, `the chart counts the agent's scavenges (${minorCount} of ${sampled} so far)`);
  assert.match(await page.innerText('#gc-summary'), /minor: \d+ GCs, [\d.]+ m?s paused/);
  // Heap spaces: V8's own, biggest first.
  await page.waitForSelector('#chart-spaces canvas');
  const spaces = ((await page.getAttribute('#chart-spaces', 'data-spaces')) ?? '').split(' ');
  assert.ok(spaces.includes('old_space') && spaces.includes('new_space'), spaces.join(' '));

  // MEM on this page opens its report; back on the process page the history shows the heap size
  // the analysis measured next to the file size.
  await page.click('button[data-action="heapSnapshot"]');
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 }).catch((e: Error) => {
    throw new Error(`${e.message}\njobs: ${JSON.stringify([...dash.hub.jobs.values()])}\napp: ${app.output()}`);
  });
  const firstReport = page.url().split('/r/')[1]!;
  const report = (await api<{ snapshot: { totalSize: number } }>(dash.url, `/api/reports/${firstReport}`)).body;
  await page.goto(`${dash.url}/#/p/${proc.id}`);
  const heapCell = page.locator('tr[data-kind="heapsnapshot"] [data-col="heap"]').first();
  await heapCell.waitFor();
  assert.equal(Number(await heapCell.getAttribute('data-heap-size')), report.snapshot.totalSize);
  const artifact = [...dash.hub.store.artifacts.values()].find((a) => a.kind === 'heapsnapshot')!;
  assert.notEqual(artifact.heapSize, artifact.size, 'the heap size is not the file size');
  assert.equal(await heapCell.innerText(), formatBytes(report.snapshot.totalSize));
  assert.equal(await page.locator('tr[data-kind="heapsnapshot"] [data-col="file"]').first().innerText(), formatBytes(artifact.size));
  assert.ok(artifact.heapUsed! > 0, 'the heap used at capture is kept too');
  assert.match(await page.innerText('table.hist thead'), /Heap\s+File/);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'process-top.png') });
  if (SHOTS) {
    await page.locator('#gc').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'process-charts.png') });
  }

  // A CPU profile started here finishes while the user is on the home page: a notification with
  // a link, and the page stays where it is.
  await page.fill('#seconds', '1');
  await page.click('button[data-action="cpuProfile"]');
  await page.goto(`${dash.url}/#/`);
  const toast = page.locator('.toast[data-state="ready"]');
  await toast.waitFor({ timeout: 30_000 });
  assert.match(await toast.innerText(), /CPU profile ready · closure-leak · pid \d+/);
  assert.equal(new URL(page.url()).hash, '#/', 'the page did not change');
  await page.waitForTimeout(500);
  assert.equal(new URL(page.url()).hash, '#/');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'notification.png') });
  await toast.locator('a', { hasText: 'open the profile' }).click();
  await page.waitForSelector('#profile[data-ready="true"]', { timeout: 30_000 });
  assert.equal(await page.locator('.toast').count(), 0, 'following the link dismisses it');

  // MEM started here while the user reads the first report: announced, not opened.
  await page.goto(`${dash.url}/#/p/${proc.id}`);
  await page.click('button[data-action="heapSnapshot"]');
  await page.goto(`${dash.url}/#/r/${firstReport}`);
  await page.waitForSelector('#report[data-ready="true"]');
  const memToast = page.locator('.toast[data-state="ready"]');
  await memToast.waitFor({ timeout: 60_000 });
  assert.match(await memToast.innerText(), /Heap snapshot ready/);
  assert.equal(page.url().split('/r/')[1], firstReport, 'still on the report the user was reading');
  const second = await memToast.locator('a', { hasText: 'open the report' }).getAttribute('href');
  assert.ok(second && second !== `#/r/${firstReport}`, String(second));

  // The process goes away: MEM / CPU / ALLOC are disabled, and it can be removed with its history.
  await page.goto(`${dash.url}/#/p/${proc.id}`);
  await app.stop();
  await page.waitForFunction(() => (document.querySelector('button[data-action="heapSnapshot"]') as HTMLButtonElement | null)?.disabled === true);
  for (const action of ['heapSnapshot', 'cpuProfile', 'samplingHeapProfile']) assert.equal(await page.locator(`button[data-action="${action}"]`).isDisabled(), true, action);
  assert.match(await page.innerText('#dead-note'), /Not connected/);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'process-gone.png') });
  assert.ok(readdirSync(join(tmp.dir, 'artifacts')).length > 0);
  page.once('dialog', (d) => {
    assert.match(d.message(), /Remove closure-leak pid \d+ with 3 snapshot\/profile files and 2 reports\?/);
    void d.accept();
  });
  await page.click('#proc-head button[data-remove]');
  await page.waitForFunction(() => location.hash === '#/');
  await page.waitForSelector('#overview[data-empty="true"]');
  await waitFor('the history to be deleted', () => readdirSync(join(tmp.dir, 'artifacts')).length === 0 && readdirSync(join(tmp.dir, 'reports')).length === 0);
  const state = (await api<{ processes: unknown[]; artifacts: unknown[]; reports: unknown[] }>(dash.url, '/api/state')).body;
  assert.deepEqual([state.processes.length, state.artifacts.length, state.reports.length], [0, 0, 0]);

  assert.ok(!requests.includes('/favicon.ico'), 'no favicon request');
  assert.deepEqual(errors, []);
});
