// The project cost profile end to end: two real agent processes of one project with the same heap
// shape and a real dashboard. MEM on A teaches the dashboard what a snapshot of this project costs;
// B, fresh, then predicts its first snapshot from it (basis 'project') below the worst-shape
// default, and B's real snapshot lands within the prediction (at most 1.5x it). A restarted
// dashboard still sends the profile; a process that learned from its own snapshot keeps its own
// numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Dashboard } from '../../src/dashboard/server.js';
import type { SnapshotForecast } from '../../src/protocol/index.js';
import { MY_APPS, agentApp, dashboard, liveProcess, runAction, tempDir, waitFor, type AgentApp } from './support.js';

const MB = 1024 * 1024;
const APP = join(MY_APPS, 'big-heap.cjs');

/** The next forecast of process `pid` that satisfies `ok` (agents send one every ~5 s). */
function forecastOf(dash: Dashboard, pid: number, what: string, ok: (f: SnapshotForecast) => boolean): Promise<SnapshotForecast> {
  return waitFor(
    `${what} (pid ${pid})`,
    () => {
      const f = dash.hub.state().processes.find((p) => p.pid === pid && p.live)?.snapshotForecast;
      return f && ok(f) ? f : undefined;
    },
    20_000,
  );
}

test('a project cost profile: learned from one process, used by its siblings, kept across a dashboard restart', { timeout: 150_000 }, async (t) => {
  const tmp = await tempDir();
  const apps: AgentApp[] = [];
  let dash = await dashboard({ dataDir: tmp.dir });
  t.after(async () => {
    for (const a of apps) await a.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const start = (d: Dashboard): AgentApp => {
    const a = agentApp(APP, d.url, { HEAPSCOPE_PROJECT: 'orders-api' });
    apps.push(a);
    return a;
  };
  const a = start(dash);
  const b = start(dash);
  const other = agentApp(APP, dash.url, { HEAPSCOPE_PROJECT: 'billing' });
  apps.push(other);
  const [pa] = await Promise.all([liveProcess(dash, a.child.pid!), liveProcess(dash, b.child.pid!), liveProcess(dash, other.child.pid!)]);
  const bDefault = await forecastOf(dash, b.child.pid!, 'a default forecast', (f) => f.basis === 'default');

  // MEM on A through the API: its measured cost becomes the project's profile.
  const jobA = await runAction(dash, pa.id, 'heapSnapshot', undefined, undefined, 60_000);
  assert.equal(jobA.state, 'ready', jobA.error);
  assert.equal(jobA.cost?.predictedBasis, 'default');
  assert.ok(jobA.cost?.writerBytes && jobA.cost.heapUsed, JSON.stringify(jobA.cost));
  const writerA = jobA.cost.writerBytes;
  await waitFor("A's snapshot in the project's profile", () => dash.hub.costProfiles.get('orders-api')?.[0]?.writerBytes === writerA);

  // B, which has taken no snapshot, now prices its first one from A's.
  const bProject = await forecastOf(dash, b.child.pid!, "a forecast from A's snapshot", (f) => f.basis === 'project');
  // below the worst-shape default (this heap of small objects and one 120K-slot array: ~1.4x below)
  assert.ok(bProject.peakRssDelta < bDefault.peakRssDelta, `project ${bProject.peakRssDelta / MB} MB vs default ${bDefault.peakRssDelta / MB} MB`);
  // another project's process is not told
  assert.equal((await forecastOf(dash, other.child.pid!, 'a forecast', () => true)).basis, 'default');
  // A has its own measurement: it keeps it (its status after the snapshot may come a few s later)
  assert.equal((await forecastOf(dash, a.child.pid!, 'a forecast after its snapshot', (f) => f.basis !== 'default')).basis, 'learned');

  // MEM on B: the prediction it made from A's snapshot holds, and is tight.
  const pb = dash.hub.state().processes.find((p) => p.pid === b.child.pid)!;
  const jobB = await runAction(dash, pb.id, 'heapSnapshot', undefined, undefined, 60_000);
  assert.equal(jobB.state, 'ready', jobB.error);
  const { predictedPeakRssDelta: predicted, peakRssDelta: measured, predictedBasis } = jobB.cost!;
  assert.equal(predictedBasis, 'project');
  assert.ok(predicted !== undefined && measured !== undefined);
  t.diagnostic(`B: predicted ${(predicted / MB).toFixed(0)} MB from A's snapshot, measured ${(measured / MB).toFixed(0)} MB (${(predicted / measured).toFixed(2)}x); default was ${(bDefault.peakRssDelta / MB).toFixed(0)} MB`);
  assert.ok(predicted >= measured, `predicted ${predicted / MB} MB < measured ${measured / MB} MB`);
  assert.ok(predicted <= Math.max(1.5 * measured, measured + 20 * MB), `predicted ${predicted / MB} MB > 1.5 x measured ${measured / MB} MB`);
  // B's snapshot joined the profile; A, told of it, still keeps its own numbers
  await waitFor("B's snapshot in the profile", () => dash.hub.costProfiles.get('orders-api')?.length === 2);
  await new Promise((r) => setTimeout(r, 5500));
  assert.equal((await forecastOf(dash, a.child.pid!, 'a forecast', () => true)).basis, 'learned');

  // A restarted dashboard (same data directory) sends the profile to a new process of the project.
  await dash.close();
  dash = await dashboard({ dataDir: tmp.dir });
  const c = start(dash);
  await liveProcess(dash, c.child.pid!);
  const cForecast = await forecastOf(dash, c.child.pid!, 'a forecast from the saved profile', (f) => f.basis === 'project');
  t.diagnostic(`C: ${(cForecast.peakRssDelta / MB).toFixed(0)} MB from the saved profile; B's was ${(bProject.peakRssDelta / MB).toFixed(0)} MB from A's`);
  // Priced like B's from the same shape of heap, and below the worst-shape default. (B's default
  // forecast is no fixed yardstick: 522-816 MB in CI runs, with the heap's start-up garbage.)
  assert.ok(cForecast.peakRssDelta < bDefault.peakRssDelta, `C ${cForecast.peakRssDelta / MB} MB vs default ${bDefault.peakRssDelta / MB} MB`);
  assert.ok(Math.abs(cForecast.peakRssDelta - bProject.peakRssDelta) <= 0.25 * bProject.peakRssDelta, `C ${cForecast.peakRssDelta / MB} MB vs B ${bProject.peakRssDelta / MB} MB`);
});
