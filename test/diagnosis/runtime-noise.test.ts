// A healthy service watched by the agent: its reports name no suspect and no growth, although the
// largest holders of a small heap are Node's own bootstrap state (the builtin module map, internal
// error codes, primordials, bindings) and heapscope's agent (its histogram, its upload).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { HeapReport } from '../../src/diagnosis/types.js';
import { APPS, api, dashboardWithApp, liveProcess, runAction, waitFor } from '../dashboard/support.js';

const RUNTIME = /<symbol heapscope\.|BuiltinModule|primordials|ErrorPrepareStackTrace|internalBinding|IntervalHistogram|Histogram|BindingData|register\.cjs|node:internal/;

function describeAll(r: HeapReport): string[] {
  const lines = r.suspects.map((s) => `suspect ${s.owner}: ${s.pathReferenceList.join(' ')} ${s.referenceList.join(' ')}`);
  for (const g of r.growth ?? []) lines.push(`growth ${g.owner}: ${g.referenceList.join(' ')}`);
  return lines;
}

test('healthy service with the agent: no suspect and no growth from Node or heapscope', { timeout: 120_000 }, async (t) => {
  const { dash, app } = await dashboardWithApp(t, join(APPS, 'healthy.cjs'));
  const p = await liveProcess(dash, app.child.pid!);
  // the app serves 25 requests a second into an LRU of 200: past warm-up after 8 s
  await new Promise((r) => setTimeout(r, 10_000));
  const artifacts: string[] = [];
  let last: HeapReport | undefined;
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 1500)); // let the app serve requests between snapshots
    const job = await runAction(dash, p.id, 'heapSnapshot');
    assert.equal(job.state, 'ready', `snapshot ${i + 1}: ${job.error}; app exit ${app.child.exitCode ?? app.child.signalCode}; output:\n${app.output().slice(-2000)}`);
    artifacts.push(job.artifactId!);
    last = (await api<HeapReport>(dash.url, `/api/reports/${job.reportId}`)).body;
    // the agent really is in this heap: its global symbol is there
    assert.ok(last.statistics.total > 0);
    const noisy = describeAll(last).filter((l) => RUNTIME.test(l));
    assert.deepEqual(noisy, [], `runtime objects named as suspects in snapshot ${i + 1}`);
  }
  // what is left is the app's own bounded state: nothing that names a leak cause
  assert.deepEqual(last!.suspects.filter((s) => s.cause).map((s) => `${s.owner}: ${s.cause!.title}`), []);

  const r = await api<{ id: string }>(dash.url, '/api/compare', { method: 'POST', body: JSON.stringify({ artifactIds: artifacts }) });
  assert.equal(r.status, 202);
  const job = await waitFor('growth job', () => {
    const j = dash.hub.jobs.get(r.body.id);
    return j && (j.state === 'ready' || j.state === 'failed') ? j : undefined;
  }, 60_000);
  assert.equal(job.state, 'ready', job.error);
  const growth = (await api<HeapReport>(dash.url, `/api/reports/${job.reportId}`)).body;
  assert.ok(growth.growth, 'three snapshots give a growth view');
  // (on a loaded machine the LRU may still be filling: that growth is the app's own, and real)
  const noisy = describeAll({ ...growth, suspects: [] }).filter((l) => RUNTIME.test(l) || !l.startsWith('growth LruCache → map'));
  assert.deepEqual(noisy, [], 'no growth finding from the upload, histograms, timers of heapscope or from Node');
});
