// Findings in a real browser: a leaking service (real detector, fast knobs) is captured with no
// click; the banner appears on its own, the findings list shows the culprit and acknowledges it,
// the project switch turns automatic capture off, and the process page draws the post-GC trend
// with the detector's decision and reason. A 1440x900 screenshot is kept for a human to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { agentApp, dashboard, liveProcess, tempDir } from '../dashboard/support.js';
import { CHROMIUM, launch } from '../report/browser.js';

const SHOTS = process.env.HEAPSCOPE_SCREENSHOTS;

test('browser: banner, findings list (ack, project switch) and the detector trend chart', { skip: !existsSync(CHROMIUM) && 'chromium not installed', timeout: 180_000 }, async (t) => {
  const tmp = await tempDir('heapscope-findings-ui-');
  const dash = await dashboard({ dataDir: join(tmp.dir, 'data'), capture: { snapshots: 3, minSpacingMs: 1500, maxSpacingMs: 3000, targetGrowthBytes: 2 * 1024 * 1024 } });
  const app = agentApp(join(import.meta.dirname, 'apps', 'listener-leak.cjs'), dash.url, {
    HEAPSCOPE_PROJECT: 'orders-api',
    HEAPSCOPE_TMPDIR: tmp.dir,
    HEAPSCOPE_SIGNAL: '0',
    HEAPSCOPE_INTERVAL: '500',
    HEAPSCOPE_DETECT_WINDOW_MS: '20000',
    HEAPSCOPE_DETECT_MIN_MS: '8000',
    HEAPSCOPE_DETECT_MIN_RATE: String(1024 * 1024),
  });
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
  page.on('pageerror', (e) => errors.push(e.message));

  // Open the process page before anything is found: the banner must arrive by itself.
  await page.goto(`${dash.url}/#/p/${proc.id}`);
  await page.waitForSelector('#chart-det canvas');
  const banner = page.locator('#banner .banner');
  await banner.waitFor({ timeout: 150_000 });
  const text = await banner.innerText();
  assert.match(text, /Leak in orders-api/);
  assert.match(text, /_events/);
  assert.match(text, /\+[\d.]+ MB\/min/);
  // The trend chart: post-GC points and the detector's reason in words.
  const reason = page.locator('#det-reason');
  // The decision points drawn on the chart include the moment it fired: a red pin on the canvas.
  assert.match((await reason.getAttribute('data-decisions')) ?? '', /\bleak\b/);
  const red = await page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('#chart-det canvas')!;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 190 && d[i + 1]! < 80 && d[i + 2]! < 80) n++;
    return n;
  });
  assert.ok(red > 100, `${red} red pixels: the 'leak' pin is drawn`);
  // (from V8's major GCs, or, when V8 ran none in the window, from the floor of heap used)
  assert.match(await reason.innerText(), /post-GC heap rose steadily [\d.]+ MB\/min for .* over \d+ (major GCs|floor samples)/);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'online-process.png') });

  // The findings list: culprit, trend, acknowledge.
  await page.click('#findings-link');
  const row = page.locator('#findings tr[data-signature]');
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  const rowText = await row.first().innerText();
  assert.match(rowText, /orders-api/);
  assert.match(rowText, /config-changed/);
  assert.match(rowText, /MB\/min/);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'online-findings.png') });
  await row.first().locator('button[data-finding-action="ack"]').click();
  await page.waitForSelector('#findings tr[data-state="acknowledged"]');
  await page.waitForFunction(() => document.querySelectorAll('#banner .banner').length === 0);
  const f = dash.hub.capture!.findings.list()[0]!;
  assert.equal(f.state, 'acknowledged');

  // The project switch: off from the UI, seen by the server.
  const box = page.locator('input[data-project-setting="orders-api"]');
  assert.equal(await box.isChecked(), true);
  await box.uncheck();
  const deadline = Date.now() + 5000;
  while (dash.hub.capture!.findings.projectSettings('orders-api').autoCapture && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(dash.hub.capture!.findings.projectSettings('orders-api').autoCapture, false);
  assert.deepEqual(errors, []);
});
