// The home page is an overview of every process (heap now, its heap floor over the last hour as a
// sparkline, growth per minute), sortable, fastest growth first; gone processes are listed (never
// beside "Waiting for processes") and can be removed. Stand-in agents give a known hour of history;
// a real agent app shows a real one. Screenshots at 1440x900 go to $HEAPSCOPE_SCREENSHOTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launch } from '../report/browser.js';
import { APPS, agentApp, api, dashboard, liveProcess, tempDir, waitFor } from './support.js';
import { scriptedAgent, type ScriptedAgent } from './scripted-agent.js';

const SHOTS = process.env.HEAPSCOPE_SCREENSHOTS;
const MB = 1024 * 1024;

/** An hour of frames every 20 s: heap = floor(minute) + a GC sawtooth of up to 6 MB. */
function history(agent: ScriptedAgent, end: number, floor: (minute: number) => number): void {
  for (let t = end - 3600_000; t <= end; t += 20_000) {
    const minute = (t - (end - 3600_000)) / 60_000;
    agent.metrics({ t, heapUsed: Math.round(floor(Math.floor(minute)) + ((t / 20_000) % 3) * 3 * MB) });
  }
}

const rowOrder = (page: Page): Promise<string[]> => page.$$eval('#overview tbody tr', (rows) => rows.map((r) => r.getAttribute('data-process-id') ?? ''));

test('home overview: every process with a heap sparkline and growth, sorted by growth; gone ones removable', { skip: !existsSync(CHROMIUM) && 'chromium not installed', timeout: 120_000 }, async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  const browser: Browser = await launch();
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url, { HEAPSCOPE_PROJECT: 'real-app' });
  const agents: ScriptedAgent[] = [];
  t.after(async () => {
    await browser.close();
    await Promise.all(agents.map((a) => a.close()));
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  // Minute-aligned, so each minute's lowest frame is the first one (the sawtooth's floor).
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const orders = await scriptedAgent(dash.url, 'orders-api');
  const billing = await scriptedAgent(dash.url, 'billing');
  const search = await scriptedAgent(dash.url, 'search');
  const old = await scriptedAgent(dash.url, 'nightly-job');
  agents.push(orders, billing, search, old);
  history(orders, end, (m) => 50 * MB + m * 2 * MB); // +2 MB/min
  history(billing, end, () => 80 * MB); // flat
  history(search, end, (m) => 200 * MB - m * MB); // shrinking 1 MB/min
  old.metrics({ t: end - 600_000, heapUsed: 30 * MB });
  await old.close();
  const real = await liveProcess(dash, app.child.pid!);
  await waitFor('the histories to arrive', () => dash.hub.samples(orders.id).length === 181 && dash.hub.samples(search.id).length === 181 && !dash.hub.isLive(old.id));

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(dash.url);
  await page.waitForFunction(() => document.querySelectorAll('#overview tbody tr').length === 5);
  // Each row with history draws its sparkline.
  await page.waitForFunction(() => document.querySelectorAll('#overview [data-spark] canvas').length >= 4);

  // Fastest growth first; a process without two minutes of data (the real one, the gone one) last.
  const order = await rowOrder(page);
  assert.deepEqual(order.slice(0, 3), [orders.id, billing.id, search.id]);
  assert.deepEqual(new Set(order.slice(3)), new Set([real.id, old.id]));
  const growth = async (id: string): Promise<number> => Number(await page.getAttribute(`#overview tr[data-process-id="${id}"]`, 'data-growth'));
  assert.ok(Math.abs((await growth(orders.id)) - 2 * MB) < 0.02 * 2 * MB, `orders grows ~2 MB/min: ${await growth(orders.id)}`);
  assert.ok(Math.abs(await growth(billing.id)) < 1024, `billing is flat: ${await growth(billing.id)}`);
  assert.ok(Math.abs((await growth(search.id)) + MB) < 0.02 * MB, `search shrinks ~1 MB/min: ${await growth(search.id)}`);
  assert.match(await page.innerText(`#overview tr[data-process-id="${orders.id}"] [data-col="growth"]`), /^\+2\.00 MB\/min$/);
  assert.match(await page.innerText(`#overview tr[data-process-id="${search.id}"] [data-col="growth"]`), /^-1\.00 MB\/min$/);
  // The gone process is listed as gone, with a Remove button; live ones have none.
  assert.equal(await page.getAttribute(`#overview tr[data-process-id="${old.id}"]`, 'data-live'), 'false');
  assert.equal(await page.locator(`#overview tr[data-process-id="${orders.id}"] button[data-remove]`).count(), 0);
  assert.doesNotMatch(await page.innerText('#main'), /Waiting for processes/);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'home-overview.png') });

  // Sortable: heap used (largest first), then growth again, ascending on the second click.
  await page.click('#overview th[data-sort="heap"]');
  assert.deepEqual((await rowOrder(page)).slice(0, 3), [orders.id, search.id, billing.id]);
  await page.click('#overview th[data-sort="growth"]');
  await page.click('#overview th[data-sort="growth"]');
  assert.equal(await page.getAttribute('#overview th[data-sort="growth"]', 'aria-sort'), 'ascending');
  assert.deepEqual((await rowOrder(page)).slice(0, 3), [search.id, billing.id, orders.id]);

  // Live frames move a row's numbers without reordering the table.
  billing.metrics({ t: Date.now(), heapUsed: 300 * MB });
  await page.waitForFunction((id) => document.querySelector(`#overview tr[data-process-id="${id}"] [data-col="heap"]`)?.textContent === '300 MB', billing.id);

  // Remove the gone process (after a confirmation): it leaves the page and the dashboard.
  page.once('dialog', (d) => void d.accept());
  await page.click(`#overview tr[data-process-id="${old.id}"] button[data-remove]`);
  await page.waitForFunction((id) => !document.querySelector(`#overview tr[data-process-id="${id}"]`), old.id);
  assert.equal(dash.hub.store.processes.has(old.id), false);
  assert.equal((await api(dash.url, `/api/processes/${orders.id}`, { method: 'DELETE', body: '{}' })).status, 409, 'a live process cannot be removed');
  assert.equal((await api(dash.url, `/api/processes/${old.id}`, { method: 'DELETE', body: '{}' })).status, 404, 'removed once');

  // Everything gone: the list stays, and says no process is connected, not "Waiting for processes".
  await Promise.all(agents.map((a) => a.close()));
  await app.stop();
  await page.waitForFunction(() => document.querySelectorAll('#overview tr[data-live="true"]').length === 0);
  await page.waitForSelector('#overview [data-none-live]');
  assert.doesNotMatch(await page.innerText('#main'), /Waiting for processes/);
  assert.equal(await page.locator('#overview tbody tr').count(), 4);
  assert.match(await page.innerText('button[data-remove-gone]'), /Remove 4 gone processes/);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'home-all-gone.png') });
  page.once('dialog', (d) => void d.accept());
  await page.click('button[data-remove-gone]');
  await page.waitForSelector('#overview[data-empty="true"]');
  assert.match(await page.innerText('#main'), /Waiting for processes/);
  assert.equal(dash.hub.store.processes.size, 0);
  assert.deepEqual(errors, []);
});
