// Dashboard lifecycle: history survives a restart on the same data dir; agents reconnect after the
// dashboard was down (same process, live again); a cluster with 2 workers shows every process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { APPS, MY_APPS, agentApp, api, dashboard, liveProcess, runAction, tempDir, waitFor, dashboardWithApp } from './support.js';
import type { ProcessView } from '../../src/dashboard/hub/index.js';

test('restart keeps history; the agent reconnects after the dashboard was down', async (t) => {
  const tmp = await tempDir();
  let dash = await dashboard({ dataDir: tmp.dir });
  const port = dash.port;
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url);
  t.after(async () => {
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  const job = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job.state, 'ready', job.error);
  const lock = JSON.parse(await readFile(join(tmp.dir, 'dashboard.json'), 'utf8')) as { pid: number; port: number };
  assert.equal(lock.pid, process.pid);
  assert.equal(lock.port, port);

  await dash.close();
  // Down for a while: the agent keeps retrying (backoff 100..400 ms here) without piling up.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(app.child.exitCode, null, 'the app survives its dashboard going away');

  dash = await dashboard({ dataDir: tmp.dir, port });
  // History is back before any agent reconnects.
  const state = (await api<{ processes: ProcessView[]; artifacts: { id: string }[]; reports: { id: string }[] }>(dash.url, '/api/state')).body;
  assert.ok(state.processes.some((p) => p.id === proc.id));
  assert.ok(state.artifacts.some((a) => a.id === job.artifactId));
  assert.ok(state.reports.some((r) => r.id === job.reportId));
  const report = await api<{ suspects: unknown[] }>(dash.url, `/api/reports/${job.reportId}`);
  assert.equal(report.status, 200);
  assert.ok(Array.isArray(report.body.suspects));
  // The same agent (same id) comes back live and can take another snapshot.
  const again = await liveProcess(dash, app.child.pid!);
  assert.equal(again.id, proc.id);
  const job2 = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job2.state, 'ready', job2.error);

  // Snapshots from before and after the restart compare (2) and show growth (3+), in time order.
  const job3 = await runAction(dash, proc.id, 'heapSnapshot');
  const ids = [job3.artifactId!, job.artifactId!, job2.artifactId!];
  const cmp = await api<{ id: string }>(dash.url, '/api/compare', { method: 'POST', body: JSON.stringify({ artifactIds: ids.slice(1) }) });
  const grow = await api<{ id: string }>(dash.url, '/api/compare', { method: 'POST', body: JSON.stringify({ artifactIds: ids }) });
  assert.equal(cmp.status, 202);
  assert.equal(grow.status, 202);
  const done = (id: string) => waitFor('comparison', () => (['ready', 'failed'].includes(dash.hub.jobs.get(id)!.state) ? dash.hub.jobs.get(id) : undefined), 30_000);
  const [c, g] = [await done(cmp.body.id), await done(grow.body.id)];
  assert.equal(c!.state, 'ready', c!.error);
  assert.equal(g!.state, 'ready', g!.error);
  const cr = (await api<{ kind: string; comparison: { rows: unknown[] }; snapshots: unknown[]; growth?: unknown[] }>(dash.url, `/api/reports/${c!.reportId}`)).body;
  assert.equal(cr.kind, 'diff');
  assert.equal(cr.snapshots.length, 2);
  assert.ok(cr.comparison.rows.length > 0);
  assert.equal(cr.growth, undefined);
  const gr = (await api<{ snapshots: { file: string }[]; growth?: unknown[] }>(dash.url, `/api/reports/${g!.reportId}`)).body;
  assert.ok(Array.isArray(gr.growth));
  // Time order, whatever order they were picked in; reports name files, not data-dir paths.
  assert.deepEqual(gr.snapshots.map((s) => s.file), [job, job2, job3].map((j) => dash.hub.store.artifacts.get(j.artifactId!)!.file));
  assert.equal(dash.hub.store.reports.get(g!.reportId!)!.kind, 'growth');
});

test('a cluster with 2 workers shows the primary and both workers', async (t) => {
  const { dash, app } = await dashboardWithApp(t, join(MY_APPS, 'cluster.cjs'), {}, { HEAPSCOPE_PROJECT: 'clustered' });
  const procs = await waitFor('3 live processes', () => {
    const live = dash.hub.state().processes.filter((p) => p.project === 'clustered' && p.live);
    return live.length === 3 ? live : undefined;
  });
  const workers = procs.filter((p) => p.clusterWorkerId !== undefined).sort((a, b) => a.clusterWorkerId! - b.clusterWorkerId!);
  assert.deepEqual(workers.map((w) => w.clusterWorkerId), [1, 2]);
  const primary = procs.find((p) => p.isPrimary)!;
  assert.equal(primary.pid, app.child.pid);
  assert.ok(workers.every((w) => w.ppid === primary.pid && w.pid !== primary.pid));
  // A worker can be snapshotted on its own.
  const job = await runAction(dash, workers[0]!.id, 'heapSnapshot');
  assert.equal(job.state, 'ready', job.error);
  const other = await runAction(dash, workers[1]!.id, 'heapSnapshot');
  assert.equal(other.state, 'ready', other.error);
  // Any two snapshots of the history compare (issue 16): two processes' ids differ, so per class.
  const mixed = await api<{ id: string }>(dash.url, '/api/compare', { method: 'POST', body: JSON.stringify({ artifactIds: [job.artifactId, other.artifactId] }) });
  assert.equal(mixed.status, 202);
  const compared = await dash.hub.waitJob(mixed.body.id);
  assert.equal(compared.state, 'ready', compared.error);
  // Killing the cluster marks every process dead.
  await app.stop();
  await waitFor('all dead', () => dash.hub.state().processes.filter((p) => p.project === 'clustered').every((p) => !p.live) || undefined, 10_000);
  // Their metrics stay for the charts for an hour, then are dropped (bounded memory).
  assert.ok(dash.hub.samples(workers[0]!.id).length > 0);
  dash.hub.sweepMetrics(Date.now() + 30 * 60_000);
  assert.ok(dash.hub.samples(workers[0]!.id).length > 0);
  dash.hub.sweepMetrics(Date.now() + 2 * 3600_000);
  assert.equal(dash.hub.samples(workers[0]!.id).length, 0);
});

test('headroom refusal reaches the job as a failure with the agent\'s reason', async (t) => {
  // A factor no machine can satisfy: the agent must refuse rather than risk an OOM.
  const { dash, app } = await dashboardWithApp(t, join(APPS, 'plain.cjs'), {}, { HEAPSCOPE_SNAPSHOT_FACTOR: '1000000' });
  const proc = await liveProcess(dash, app.child.pid!);
  const job = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job.state, 'failed');
  assert.match(job.error ?? '', /^HEADROOM: /);
  assert.equal(dash.hub.store.artifacts.size, 0);
});
