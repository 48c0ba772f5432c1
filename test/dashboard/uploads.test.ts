// Upload limits on a real dashboard: a stalled upload fails after the idle timeout (partial file
// removed, the process free for the next MEM), a declared length over the cap is refused at once
// (413) and an undeclared one is cut at the cap, the disk floor (507), and a real agent whose
// upload is refused logs the dashboard's reason while the job shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { APPS, api, dashboard, dashboardWithApp, liveProcess, runAction, tempDir, waitFor } from './support.js';
import type { Dashboard, DashboardOptions } from '../../src/dashboard/server.js';
import type { Job } from '../../src/dashboard/jobs.js';

/** A dashboard plus a connected stand-in agent that accepts commands and never answers them. */
async function withFakeAgent(t: { after: (fn: () => Promise<void>) => void }, opts: DashboardOptions) {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir, ...opts });
  const ws = new WebSocket(`ws://127.0.0.1:${dash.port}/agent`);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const agentId = `fake-${process.pid}`;
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, agentId, pid: 4242, project: 'fake' }));
  await waitFor('fake agent', () => dash.hub.state().processes.find((p) => p.id === agentId && p.live));
  t.after(async () => {
    ws.terminate();
    await dash.close();
    await tmp.cleanup();
  });
  return { dash, agentId, dir: tmp.dir };
}

interface Sent {
  status: number;
  body: string;
  closedBy: 'response' | 'server';
  ms: number;
}

/** POST an upload for `jobId`: `chunks` are written `gapMs` apart, then it waits for the outcome. */
function post(dash: Dashboard, jobId: string, agentId: string, headers: Record<string, string | number>, chunks: Buffer[], gapMs = 0, hold = false): Promise<Sent> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: dash.port, method: 'POST', path: `/api/uploads/${jobId}`, agent: false, headers: { 'content-type': 'application/octet-stream', 'x-heapscope-agent': agentId, ...headers } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, closedBy: 'response', ms: Date.now() - t0 }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body, closedBy: 'server', ms: Date.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, body: '', closedBy: 'server', ms: Date.now() - t0 }));
    void (async () => {
      for (const c of chunks) {
        if (req.destroyed) return;
        req.write(c);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
      if (!hold && !req.destroyed) req.end();
    })();
  });
}

const failedJob = (dash: Dashboard, id: string): Promise<Job> =>
  waitFor(`job ${id} to fail`, () => (dash.hub.jobs.get(id)?.state === 'failed' ? { ...dash.hub.jobs.get(id)! } : undefined), 10_000);

async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'artifacts'))).filter((f) => !f.endsWith('.json'));
}

test('a stalled upload fails after the idle timeout, its partial file goes, and the process can be snapshotted again', async (t) => {
  const { dash, agentId, dir } = await withFakeAgent(t, { limits: { uploadIdleMs: 1000 } });
  const job = dash.hub.trigger(agentId, 'heapSnapshot');
  // 1 MB announced, 64 kB sent, then nothing: the connection is held open by the client.
  const sent = post(dash, job.id, agentId, { 'content-length': 1_000_000 }, [Buffer.alloc(65536, 32)], 0, true);
  await waitFor('upload to start', () => dash.hub.jobs.get(job.id)?.state === 'uploading');
  const failed = await failedJob(dash, job.id);
  assert.match(failed.error ?? '', /upload interrupted: no data for 1 s \(stalled\)/);
  // The client gets the reason (or a reset) and its connection is closed, though it never finished.
  const r = await sent;
  assert.ok(r.ms < 5000, `closed after ${r.ms} ms`);
  if (r.closedBy === 'response') assert.match(r.body, /stalled/);
  assert.deepEqual(await leftovers(dir), []);
  // Not 409 "busy": the next MEM is accepted.
  const again = await api<Job>(dash.url, `/api/processes/${agentId}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  assert.equal(again.status, 202, JSON.stringify(again.body));
});

test('an upload declaring more than the cap is refused at once (413); one without a length is cut at the cap', async (t) => {
  const { dash, agentId, dir } = await withFakeAgent(t, { limits: { maxUploadBytes: 1024 * 1024 } });
  const job = dash.hub.trigger(agentId, 'heapSnapshot');
  const r = await post(dash, job.id, agentId, { 'content-length': 10 * 1024 ** 3 }, [Buffer.alloc(16384, 32)], 0, true);
  assert.equal(r.status, 413);
  assert.ok(r.ms < 2000, `answered after ${r.ms} ms`);
  assert.match(JSON.parse(r.body).error, /the upload \(10\.0 GB\) is over the dashboard's limit of 1\.0 MB \(HEAPSCOPE_MAX_UPLOAD_MB\)/);
  assert.match((await failedJob(dash, job.id)).error ?? '', /over the dashboard's limit/);
  assert.deepEqual(await leftovers(dir), []);

  const job2 = dash.hub.trigger(agentId, 'heapSnapshot');
  const chunks = Array.from({ length: 40 }, () => Buffer.alloc(65536, 32)); // 2.5 MB, chunked encoding
  const r2 = await post(dash, job2.id, agentId, { 'transfer-encoding': 'chunked' }, chunks, 5);
  assert.match((await failedJob(dash, job2.id)).error ?? '', /upload interrupted: over the dashboard's upload limit of 1\.0 MB/);
  // Cut mid-body, the client still reads why (the dashboard drops the rest instead of resetting).
  assert.equal(r2.status, 400, JSON.stringify(r2));
  assert.match(JSON.parse(r2.body).error, /over the dashboard's upload limit of 1\.0 MB/);
  assert.deepEqual(await leftovers(dir), []);
  assert.equal(dash.hub.store.artifacts.size, 0);
});

test('the disk floor: an upload that would leave less than the floor free is refused with the reason (507)', async (t) => {
  // No cap here: the floor alone must refuse.
  const { dash, agentId, dir } = await withFakeAgent(t, { limits: { maxUploadBytes: 2 ** 60 } });
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  const job = dash.hub.trigger(agentId, 'heapSnapshot');
  // Declares the disk's whole free space: that would leave less than the default 1 GiB floor.
  const r = await post(dash, job.id, agentId, { 'content-length': free }, [Buffer.alloc(1024, 32)], 0, true);
  assert.equal(r.status, 507, r.body);
  assert.match(JSON.parse(r.body).error, /not enough disk space for the dashboard's data directory .* under the floor of 1\.0 GB \(HEAPSCOPE_MIN_FREE_MB\)/);
  assert.match((await failedJob(dash, job.id)).error ?? '', /not enough disk space/);
  // A floor above the free space refuses even a small upload; the default lets it through.
  const strict = await withFakeAgent(t, { limits: { minFreeBytes: free + 1024 ** 4 } });
  const job2 = strict.dash.hub.trigger(strict.agentId, 'cpuProfile', 1);
  const r2 = await post(strict.dash, job2.id, strict.agentId, { 'content-length': 2 }, [Buffer.from('{}')]);
  assert.equal(r2.status, 507);
  const job3 = dash.hub.trigger(agentId, 'cpuProfile', 1);
  const r3 = await post(dash, job3.id, agentId, { 'content-length': 2 }, [Buffer.from('{}')]);
  assert.equal(r3.status, 201, r3.body);
  assert.deepEqual(await leftovers(dir).then((f) => f.length), 1);
});

test('a real agent whose snapshot is over the cap: the job says why and the agent logs the dashboard\'s reason', async (t) => {
  const { dash, app } = await dashboardWithApp(t, join(APPS, 'plain.cjs'), { limits: { maxUploadBytes: 512 * 1024 } });
  const proc = await liveProcess(dash, app.child.pid!);
  const job = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job.state, 'failed');
  assert.match(job.error ?? '', /the upload \([\d.]+ MB\) is over the dashboard's limit of 512\.0 KB/);
  await waitFor(`agent warning in ${JSON.stringify(app.output())}, job error ${job.error}`, () => /heapsnapshot upload failed: dashboard refused the upload: HTTP 413 .*over the dashboard's limit/.test(app.output()), 10_000);
  const next = await runAction(dash, proc.id, 'cpuProfile', 0.5);
  assert.equal(next.state, 'ready', next.error);
});
