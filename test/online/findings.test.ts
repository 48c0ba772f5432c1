// From a leak frame to a finding, with real agents and a real dashboard: the capture's snapshots go
// through the MEM job path, the growth diagnosis names the culprit, the finding is grouped by
// signature, persisted, logged, posted to a webhook (retried), acknowledged and muted over the API.
// The leak frames here are the agent's protocol frames handed to the dashboard's hub as they would
// arrive from the detector, so the capture path is tested apart from the detector's timing
// (online.e2e.test.ts runs the whole loop with the real detector).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { agentApp, api, dashboard, liveProcess, tempDir, waitFor } from '../dashboard/support.js';
import { RENOTIFY, type Finding } from '../../src/dashboard/findings.js';
import type { LeakMessage } from '../../src/protocol/index.js';
import type { Dashboard } from '../../src/dashboard/server.js';

const APPS = join(import.meta.dirname, 'apps');
const FAST = { snapshots: 3, minSpacingMs: 800, maxSpacingMs: 1500, targetGrowthBytes: 1 };

function leakFrame(bytesPerMinute: number, heapUsed = 40 * 1024 * 1024): LeakMessage {
  const now = Date.now();
  return {
    type: 'leak',
    t: now,
    detector: { state: 'leak', series: 'heap', bytesPerMinute, since: now - 120_000, samples: 30, reason: 'post-GC heap grows 2.0 MB/min over 2 min (test frame)' },
    heapUsed,
    heapLimit: 4096 * 1024 * 1024,
    external: 0,
    rss: 100 * 1024 * 1024,
  };
}

const autoJobs = (dash: Dashboard) => [...dash.hub.jobs.values()].filter((j) => j.source === 'leak');

test('a leak frame becomes a persisted finding naming the culprit; log line, webhook with retries, ack/mute, token', async (t) => {
  const tmp = await tempDir('heapscope-findings-');
  // A chat webhook that fails twice before accepting.
  const hits: { status: number; body: { text: string; finding: Finding } }[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const status = hits.length < 2 ? 503 : 200;
      hits.push({ status, body: JSON.parse(body) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const lines: string[] = [];
  const token = 'finding-secret';
  // Re-notification with no minimum interval, so the escalation below notifies at once.
  const capture = { ...FAST, renotify: { ...RENOTIFY, minIntervalMs: 0 } };
  const opts = { dataDir: join(tmp.dir, 'data'), token, capture, findingLog: (l: string) => lines.push(l), webhook: { url: hookUrl, backoffMs: 200 } };
  let dash = await dashboard(opts);
  const app = agentApp(join(APPS, 'leaky.cjs'), dash.url, { HEAPSCOPE_TMPDIR: tmp.dir, HEAPSCOPE_TOKEN: token, HEAPSCOPE_PROJECT: 'orders-api', HEAPSCOPE_SIGNAL: '0' });
  t.after(async () => {
    await app.stop();
    await dash.close();
    hook.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  dash.hub.capture!.onLeak(proc.id, leakFrame(2 * 1024 * 1024));

  const [f] = await waitFor('a finding', async () => {
    const r = await api<Finding[]>(dash.url, '/api/findings', { token });
    return r.body.length ? r.body : undefined;
  }, 90_000);
  assert.ok(f);
  assert.equal(f.project, 'orders-api');
  assert.deepEqual(f.processes.map((p) => ({ host: p.host, pid: p.pid, captured: p.captured })), [{ host: proc.hostname, pid: proc.pid, captured: true }]);
  assert.match(f.owner, /registry/, 'the owner the growth report names');
  assert.equal(typeof f.cause.kind, 'string');
  assert.ok(f.cause.title.length > 0);
  assert.ok(f.keys.includes('registry'), `keys: ${f.keys.join(', ')}`);
  assert.ok(f.referenceList.length > 0);
  assert.equal(f.bytesPerMinute, 2 * 1024 * 1024);
  assert.ok(f.projectedMsToLimit! > 0);
  assert.match(f.signature, /^[0-9a-f]{16}$/);
  // Exactly what the report says: the finding's owner is the report's top growth owner.
  const report = await api<{ growth: { owner: string; keys: string[] }[] }>(dash.url, `/api/reports/${f.reportId}`, { token });
  assert.equal(report.body.growth[0]!.owner, f.owner);
  assert.deepEqual(report.body.growth[0]!.keys, f.keys);
  assert.equal(autoJobs(dash).filter((j) => j.action === 'heapSnapshot').length, 3, 'three snapshots through the MEM job path');

  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^heapscope: leak in orders-api \(pid \d+ on .+\): .+registry.*\+2\.0 MB\/min/);
  await waitFor('the webhook to be delivered', () => hits.some((h) => h.status === 200), 10_000);
  assert.deepEqual(hits.map((h) => h.status), [503, 503, 200], 'retried with backoff until accepted');
  assert.equal(hits[2]!.body.text, lines[0]!.replace(/ Report: .*$/, '') + ` Report: ${dash.url}/#/r/${f.reportId}`);
  assert.equal(hits[2]!.body.finding.signature, f.signature);

  // Every new endpoint sits behind the token.
  assert.equal((await api(dash.url, '/api/findings')).status, 401);
  assert.equal((await api(dash.url, `/api/findings/${f.signature}/ack`, { method: 'POST', body: '{}' })).status, 401);
  assert.equal((await api(dash.url, '/api/projects/orders-api/settings', { method: 'PUT', body: '{"autoCapture":false}' })).status, 401);

  const ack = await api<Finding>(dash.url, `/api/findings/${f.signature}/ack`, { method: 'POST', body: '{}', token });
  assert.equal(ack.body.state, 'acknowledged');
  assert.equal((await api(dash.url, '/api/findings/nope/ack', { method: 'POST', body: '{}', token })).status, 404);

  // The same process's detector fires again (it reminds while the leak lasts) with twice the heap
  // that was acknowledged: one more notice, the finding back to open; the same again is no news.
  dash.hub.capture!.onLeak(proc.id, leakFrame(2 * 1024 * 1024, 80 * 1024 * 1024));
  await waitFor('the second notice', () => lines.length === 2);
  assert.match(lines[1]!, /^heapscope: again \(heap [\d.]+ MB -> 80\.0 MB since it was acknowledged\): leak in orders-api .*registry/);
  await waitFor('the second webhook', () => hits.length === 4);
  assert.equal(hits[3]!.body.text, lines[1]);
  const reopened = await api<Finding[]>(dash.url, '/api/findings', { token });
  assert.equal(reopened.body[0]!.state, 'open');
  assert.equal(reopened.body[0]!.heapUsed, 80 * 1024 * 1024);
  assert.equal(autoJobs(dash).filter((j) => j.action === 'heapSnapshot').length, 3, 'no new capture for a known leak');
  dash.hub.capture!.onLeak(proc.id, leakFrame(2 * 1024 * 1024, 90 * 1024 * 1024));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(lines.length, 2, 'no notice for 90 MB: not 1.5x the 80 MB of the last notice');
  await api(dash.url, `/api/findings/${f.signature}/ack`, { method: 'POST', body: '{}', token });

  // Survives a restart of the dashboard.
  await dash.close();
  dash = await dashboard(opts);
  const after = await api<Finding[]>(dash.url, '/api/findings', { token });
  assert.deepEqual(after.body.map((x) => [x.signature, x.state, x.owner]), [[f.signature, 'acknowledged', f.owner]]);
  const muted = await api<Finding>(dash.url, `/api/findings/${f.signature}/mute`, { method: 'POST', body: '{}', token });
  assert.equal(muted.body.state, 'muted');
});

test('project setting off: a leak frame starts no capture', async (t) => {
  const tmp = await tempDir('heapscope-findings-');
  const lines: string[] = [];
  const dash = await dashboard({ dataDir: join(tmp.dir, 'data'), capture: FAST, log: (l) => lines.push(l) });
  const app = agentApp(join(APPS, 'leaky.cjs'), dash.url, { HEAPSCOPE_TMPDIR: tmp.dir, HEAPSCOPE_PROJECT: 'billing', HEAPSCOPE_SIGNAL: '0' });
  t.after(async () => {
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  assert.deepEqual((await api(dash.url, '/api/projects/billing/settings')).body, { autoCapture: true }, 'on by default');
  const bad = await api<{ error: string }>(dash.url, '/api/projects/billing/settings', { method: 'PUT', body: '{"autoCapture":"no"}' });
  assert.equal(bad.status, 400);
  const put = await api(dash.url, '/api/projects/billing/settings', { method: 'PUT', body: '{"autoCapture":false}' });
  assert.deepEqual(put.body, { autoCapture: false });
  dash.hub.capture!.onLeak(proc.id, leakFrame(1024 * 1024));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /leak detected in billing pid \d+ \(\+1\.0 MB\/min\); automatic capture is off for this project/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(autoJobs(dash), []);
  assert.deepEqual((await api(dash.url, '/api/findings')).body, []);
});

test('cluster: all 3 workers leak, exactly one is captured at a time, one finding lists 3 of 3', async (t) => {
  const tmp = await tempDir('heapscope-findings-');
  const dash = await dashboard({ dataDir: join(tmp.dir, 'data'), capture: FAST });
  const app = agentApp(join(APPS, 'cluster-leak.cjs'), dash.url, { HEAPSCOPE_TMPDIR: tmp.dir, HEAPSCOPE_PROJECT: 'orders-api', HEAPSCOPE_SIGNAL: '0' });
  t.after(async () => {
    await app.stop(); // SIGKILL of the primary: the workers notice the IPC channel close and exit
    await dash.close();
    await tmp.cleanup();
  });
  const workers = await waitFor('3 workers', () => {
    const w = dash.hub.state().processes.filter((p) => p.live && p.clusterWorkerId !== undefined);
    return w.length === 3 ? w : undefined;
  });
  for (const w of workers) dash.hub.capture!.onLeak(w.id, leakFrame(3 * 1024 * 1024));
  const [f] = await waitFor('a finding', () => {
    const l = dash.hub.capture!.findings.list();
    return l.length ? l : undefined;
  }, 90_000);
  const snapJobs = autoJobs(dash).filter((j) => j.action === 'heapSnapshot');
  assert.equal(new Set(snapJobs.map((j) => j.processId)).size, 1, 'one worker captured, not all of them');
  assert.equal(snapJobs.length, 3);
  assert.equal(f!.processes.length, 3);
  assert.equal(f!.processes.filter((p) => p.captured).length, 1);
  assert.equal(f!.ofProcesses, 3);
  assert.match(f!.owner, /trackSession \(cluster-leak\.cjs:11\)/);
  assert.ok(f!.locations.some((l) => l.line === 11 && /cluster-leak\.cjs$/.test(l.script ?? '')), 'the source location of the leaking closure');
});
