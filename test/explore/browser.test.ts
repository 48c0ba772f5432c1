// Drill-down and "open any snapshot" in a real browser (Debian chromium via playwright-core):
// upload a .heapsnapshot.gz from the Snapshots page (progress, analysis), click the Summary's class
// -> its largest instance -> the retainer chain reaching the leak holder; upload a second snapshot
// and compare the two, drilling from the Comparison; the offline HTML report drills down too.
// Screenshots at 1440x900 go to $HEAPSCOPE_SCREENSHOTS (default: the test's temp dir).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launch } from '../report/browser.js';
import { CLI, dashboard, tempDir } from '../dashboard/support.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';
import type { Dashboard } from '../../src/dashboard/server.js';

const skip = !existsSync(CHROMIUM) && 'chromium not installed';

let dir: string;
let files: string[];
let shots: string;
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = makeTempDir();
  files = await takeSnapshots(appPath('session-store'), { count: 2, workPerStep: 20, dir });
  shots = process.env.HEAPSCOPE_SCREENSHOTS ?? join(dir, 'shots');
  mkdirSync(shots, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (dir) removeTempDir(dir);
});

/** Filters a class table down to `name` and clicks its row. */
async function clickClass(page: Page, section: 'summary' | 'comparison', name: string): Promise<void> {
  const s = page.locator(`[data-section="${section}"]`);
  await s.locator('input.hs-filter').fill(name);
  const row = s.locator('.hs-rows .hs-tr').filter({ has: page.locator('.hs-td', { hasText: new RegExp(`^${name}$`) }) });
  await row.first().click();
}

/** After a class click: the instances list, the first one selected, its retainer chain down to the roots. */
async function retainerChainClasses(page: Page): Promise<string[]> {
  await page.waitForSelector('.hs-instance.hs-sel');
  await page.waitForFunction(() => {
    const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-tree="retainers"] .hs-xrow'));
    return rows.some((r) => r.dataset.distance === '1') || rows.some((r) => r.dataset.class === 'SessionStore');
  }, undefined, { timeout: 20_000 });
  return page.locator('[data-tree="retainers"] .hs-xrow').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.class ?? ''));
}

async function upload(page: Page, name: string, body: Buffer): Promise<void> {
  await page.locator('#snapshot-file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: body });
  await page.click('button[data-action="upload"]');
}

test('browser: upload .heapsnapshot.gz -> analysis -> class -> instance -> retainers reach the holder; compare two uploads', { skip }, async (t) => {
  const tmp = await tempDir();
  const dash: Dashboard = await dashboard({ dataDir: tmp.dir });
  t.after(async () => {
    await dash.close();
    await tmp.cleanup();
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${dash.url}/#/snapshots`);
  await page.waitForSelector('#upload');
  const gz = gzipSync(readFileSync(files[0]!));
  await upload(page, 'session-store-1.heapsnapshot.gz', gz);
  // the report opens by itself once analysed (the upload was started here)
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 });
  const stored = [...dash.hub.store.artifacts.values()][0]!;
  assert.equal(stored.processId, 'uploads');
  assert.equal(stored.rawSize, statSync(files[0]!).size, 'the whole snapshot arrived (stored gzip-compressed)');

  await clickClass(page, 'summary', 'Session');
  await page.waitForSelector('.hs-explore-instances .hs-instance');
  assert.match(await page.locator('.hs-explore-instances h3').innerText(), /20 objects, largest retained first/);
  const chain = await retainerChainClasses(page);
  assert.ok(chain.includes('SessionStore'), `retainer tree: ${chain.join(' <- ')}`);
  // References show values: the newest (largest) session's user name
  await page.waitForSelector('[data-tree="edges"] .hs-xrow');
  assert.match(await page.locator('[data-tree="edges"]').innerText(), /user :: "user-20"/);
  await page.locator('[data-section="explore"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'explore-retainers.png') });

  // search by @id: the holder, found by its id
  const holderId = await page.locator('[data-tree="retainers"] .hs-xrow[data-class="SessionStore"]').first().getAttribute('data-node-id');
  await page.fill('.hs-explore-search', `@${holderId}`);
  await page.click('button[data-action="find"]');
  await page.waitForSelector(`.hs-selected[data-node-id="${holderId}"]`);
  await page.waitForSelector('[data-tree="edges"] .hs-xrow');
  assert.match(await page.locator('[data-tree="edges"]').innerText(), /sessions :: /);
  // Containment from the GC roots
  await page.click('button[data-action="containment"]');
  const gcRoots = page.locator('[data-tree="edges"] .hs-xrow[data-depth="0"]').filter({ hasText: '(GC roots)' });
  await gcRoots.waitFor();
  await gcRoots.locator('.hs-toggle').click();
  await page.waitForSelector('[data-tree="edges"] .hs-xrow[data-depth="1"]');
  await page.screenshot({ path: join(shots, 'explore-containment.png') });

  // the second snapshot, plain, sent at 1 MB/s so the progress bar shows; then the two compared
  await page.goto(`${dash.url}/#/snapshots`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
  await upload(page, 'session-store-2.heapsnapshot', readFileSync(files[1]!));
  await page.waitForFunction(() => /uploading session-store-2\.heapsnapshot: [1-9]\d? % of [\d.]+ MB/.test(document.getElementById('upload-state')?.textContent ?? ''), undefined, { timeout: 20_000 });
  await page.screenshot({ path: join(shots, 'upload-progress.png') });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 });
  await page.goto(`${dash.url}/#/snapshots`);
  await page.waitForSelector('#all-snapshots tr[data-artifact-id]');
  assert.equal(await page.locator('#all-snapshots tr[data-artifact-id]').count(), 2);
  assert.match(await page.locator('#all-snapshots').innerText(), /session-store-1\.heapsnapshot\.gz/);
  for (const c of await page.locator('input[data-pick]').all()) await c.check();
  await page.screenshot({ path: join(shots, 'snapshots-page.png') });
  await page.click('button[data-action="compare-any"]');
  await page.waitForSelector('#report[data-ready="true"] [data-section="comparison"]', { timeout: 60_000 });
  await clickClass(page, 'comparison', 'Session');
  await page.waitForSelector('.hs-explore-instances .hs-instance');
  assert.match(await page.locator('.hs-explore-instances h3').innerText(), /40 objects/, 'the newer snapshot\'s instances');
  const chain2 = await retainerChainClasses(page);
  assert.ok(chain2.includes('SessionStore'), chain2.join(' <- '));
  await page.locator('[data-section="explore"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'explore-comparison.png') });
  assert.deepEqual(errors, []);
});

test('browser: the offline --html report drills down within its bounded subset', { skip, timeout: 120_000 }, async () => {
  const html = join(dir, 'report.html');
  await promisify(execFile)(process.execPath, [CLI, 'analyze', files[1]!, '--html', html, '--no-progress'], { maxBuffer: 64 << 20 });
  const size = statSync(html).size;
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${html}`);
  await clickClass(page, 'summary', 'Session');
  await page.waitForSelector('.hs-explore-instances .hs-instance');
  assert.match(await page.locator('.hs-explore-instances h3').innerText(), /40 objects/);
  const chain = await retainerChainClasses(page);
  assert.ok(chain.includes('SessionStore'), chain.join(' <- '));
  // only the top instances are in the file
  assert.match(await page.locator('.hs-explore-instances').innerText(), /35 more not in this file/);
  await page.locator('[data-section="explore"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'offline-explore.png') });
  writeFileSync(join(shots, 'offline-size.txt'), `${size}\n`);
  assert.deepEqual(errors, []);
});

test('browser: an offline diff --html report drills down from its Comparison into the newer snapshot', { skip, timeout: 120_000 }, async () => {
  const html = join(dir, 'diff.html');
  await promisify(execFile)(process.execPath, [CLI, 'diff', files[0]!, files[1]!, '--html', html, '--no-progress'], { maxBuffer: 64 << 20 });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${html}`);
  await clickClass(page, 'comparison', 'Session');
  await page.waitForSelector('.hs-explore-instances .hs-instance');
  assert.match(await page.locator('.hs-explore-instances h3').innerText(), /40 objects/, "the newer snapshot's instances");
  const chain = await retainerChainClasses(page);
  assert.ok(chain.includes('SessionStore'), chain.join(' <- '));
  assert.deepEqual(errors, []);
});
