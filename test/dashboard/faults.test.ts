// Faults against a real dashboard process (the CLI, SIGKILLed) with a real agent app: killed
// mid-upload and mid-analysis, it restarts with its history intact, no half report or half snapshot
// on disk, and the next MEM works; an app killed mid-upload leaves its job failed and no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { APPS, CLI, agentApp, api, tempDir, waitFor } from './support.js';
import type { Job } from '../../src/dashboard/jobs.js';
import type { ProcessView } from '../../src/dashboard/hub/index.js';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function startCli(port: number, data: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'dashboard', '--port', String(port), '--data', data], { env: { ...process.env, NODE_OPTIONS: '', HEAPSCOPE_TOKEN: '' }, stdio: 'ignore' });
}

async function kill(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGKILL')));
}

const files = (dir: string): string[] => readdirSync(dir).sort();

test('dashboard SIGKILLed mid-upload and mid-analysis: history intact after restart, no half file, the next MEM works', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let dash = startCli(port, tmp.dir);
  const app = agentApp(join(APPS, 'closure-leak.cjs'), url, { HEAPSCOPE_RECONNECT_MAX_MS: '300' });
  t.after(async () => {
    await app.stop();
    await kill(dash);
    await tmp.cleanup();
  });
  const live = (): Promise<ProcessView> =>
    waitFor('the app to be live', async () => (await api<{ processes: ProcessView[] }>(url, '/api/state')).body.processes?.find((p) => p.pid === app.child.pid && p.live), 30_000);
  const mem = async (id: string): Promise<Job> => {
    const r = await api<Job>(url, `/api/processes/${id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body;
  };
  const jobState = async (id: string): Promise<Job | undefined> => (await api<Job>(url, `/api/jobs/${id}`)).body;

  // 1. one good report: the history to keep
  let proc = await live();
  const first = await mem(proc.id);
  const done = await waitFor('first report', async () => ((await jobState(first.id))?.state === 'ready' ? jobState(first.id) : undefined), 60_000);
  const reportId = done!.reportId!;

  // 2. killed mid-upload: a stand-in agent sends half its declared body, then the dashboard dies
  const job2 = await mem(proc.id);
  // the real agent will answer too; ours goes first with the id
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/api/uploads/${job2.id}`, agent: false, headers: { 'content-length': 50_000_000, 'x-heapscope-agent': proc.id, 'content-type': 'application/octet-stream' } });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(1 << 20, 32));
  await new Promise((r) => setTimeout(r, 300));
  await kill(dash);
  req.destroy();
  dash = startCli(port, tmp.dir);
  proc = await live();
  let state = (await api<{ reports: { id: string }[]; artifacts: { id: string }[] }>(url, '/api/state')).body;
  assert.ok(state.reports.some((r) => r.id === reportId), 'the first report survived');
  assert.equal((await api(url, `/api/reports/${reportId}`)).status, 200);
  assert.ok(!files(join(tmp.dir, 'artifacts')).some((f) => f.endsWith('.partial')), files(join(tmp.dir, 'artifacts')).join(','));

  // 3. killed mid-analysis: wait until the worker reads the snapshot, then kill
  const job3 = await mem(proc.id);
  await waitFor('analysis to start', async () => ['reading', 'indexing', 'dominators', 'diagnosis'].includes((await jobState(job3.id))?.state ?? ''), 60_000);
  await kill(dash);
  dash = startCli(port, tmp.dir);
  proc = await live();
  state = (await api<{ reports: { id: string; file?: string }[]; artifacts: { id: string; reportId?: string }[] }>(url, '/api/state')).body;
  const reports = files(join(tmp.dir, 'reports'));
  assert.ok(!reports.some((f) => f.endsWith('.tmp')), `a half report: ${reports.join(',')}`);
  assert.equal(reports.filter((f) => f.includes('.body.')).length, state.reports.length, `every report body has its metadata: ${reports.join(',')}`);
  assert.ok(state.reports.some((r) => r.id === reportId));
  const artifacts = files(join(tmp.dir, 'artifacts')).filter((f) => !f.endsWith('.json'));
  assert.equal(artifacts.length, state.artifacts.length, `every snapshot on disk is listed: ${artifacts.join(',')}`);

  // 4. and the next MEM works
  const job4 = await mem(proc.id);
  const ok = await waitFor('MEM after two crashes', async () => {
    const j = await jobState(job4.id);
    return j && (j.state === 'ready' || j.state === 'failed') ? j : undefined;
  }, 60_000);
  assert.equal(ok.state, 'ready', ok.error);
});

test('an app SIGKILLed mid-upload: its job fails with a reason and no partial snapshot stays in the data directory', { timeout: 120_000 }, async (t) => {
  const { dashboard, liveProcess, MY_APPS } = await import('./support.js');
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  // 12,000 classes: a snapshot of tens of MB, so that the upload lasts long enough to be caught
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url, {}, ['--require', join(MY_APPS, 'many-classes.cjs')]);
  t.after(async () => {
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  const job = dash.hub.trigger(proc.id, 'heapSnapshot');
  let sawBytes = false;
  await waitFor('the upload to be under way', () => {
    const j = dash.hub.jobs.get(job.id);
    sawBytes ||= readdirSync(join(tmp.dir, 'artifacts')).some((f) => f.endsWith('.partial'));
    return j?.state === 'uploading' && sawBytes;
  }, 60_000);
  app.child.kill('SIGKILL');
  const failed = await waitFor('the job to fail', () => (dash.hub.jobs.get(job.id)?.state === 'failed' ? dash.hub.jobs.get(job.id) : undefined), 20_000);
  assert.match(failed!.error ?? '', /upload interrupted|disconnected/);
  await waitFor('no partial file', () => !readdirSync(join(tmp.dir, 'artifacts')).some((f) => !f.endsWith('.json')), 5000);
  assert.equal(dash.hub.store.artifacts.size, 0);
});
