// The dashboard with real agents: processes appear live with metrics, MEM goes through the real
// path (command -> V8 snapshot -> streamed upload -> worker analysis -> report), CPU profiles come
// back as DevTools-readable .cpuprofile files, and uploads are only accepted as the protocol says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeapReport } from '../../src/diagnosis/types.js';
import { APPS, api, artifactPath, dashboard, liveProcess, runAction, tempDir, waitFor, dashboardWithApp } from './support.js';

test('closure-leak app: live metrics, MEM report names theThing/leak, CPU profile, downloads', async (t) => {
  const { tmp, dash, app } = await dashboardWithApp(t, join(APPS, 'closure-leak.cjs'), {}, { HEAPSCOPE_PROJECT: 'leaky' });
  const proc = await liveProcess(dash, app.child.pid!);
  assert.equal(proc.project, 'leaky');
  assert.equal(proc.thread, 'main');

  // Metrics stream in (interval 200 ms) and are kept for the charts.
  const samples = await waitFor('3 metrics samples', async () => {
    const r = await api<{ rss: number; heapUsed: number; t: number }[]>(dash.url, `/api/processes/${proc.id}/metrics`);
    return r.body.length >= 3 ? r.body : undefined;
  });
  assert.ok(samples.every((s) => s.rss > s.heapUsed && s.heapUsed > 0));
  assert.ok(samples[1]!.t > samples[0]!.t);

  // Let the leak chain grow, then MEM.
  await new Promise((r) => setTimeout(r, 2500));
  const job = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job.state, 'ready', job.error);
  assert.ok(job.reportId && job.artifactId);
  const rep = await api<HeapReport>(dash.url, `/api/reports/${job.reportId}`);
  assert.equal(rep.status, 200);
  const top = rep.body.suspects[0]!;
  const words = [...top.keys, ...top.referenceList].join(' ');
  assert.match(words, /theThing/);
  assert.match(words, /\bleak\b/);

  // Retainer path of any object in the snapshot (what the viewer asks for when a node is clicked):
  // from the GC roots down to exactly that object, each hop named.
  const deep = top.chain[top.chain.length - 1]!;
  const rp = await api<{ id: number; name: string; edge: string }[]>(dash.url, `/api/reports/${job.reportId}/retainers/${deep.id}`);
  assert.equal(rp.status, 200, JSON.stringify(rp.body));
  assert.equal(rp.body[rp.body.length - 1]!.id, deep.id);
  assert.ok(rp.body.length >= top.path.length, 'a chain node lies below its suspect');
  assert.ok(rp.body.slice(1).every((hop) => hop.edge !== ''));
  const missing = await api<{ error: string }>(dash.url, `/api/reports/${job.reportId}/retainers/999999999`);
  assert.equal(missing.status, 422);
  assert.match(missing.body.error, /no object @999999999/);

  // The stored snapshot is what the agent wrote, gzip-compressed on disk: the download (fetch
  // inflates content-encoding: gzip) is a parseable .heapsnapshot of the recorded byte count.
  const dl = await fetch(`${dash.url}/api/artifacts/${job.artifactId}/download`);
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-disposition') ?? '', /attachment; filename="leaky-\d+-.*\.heapsnapshot"/);
  assert.equal(dl.headers.get('content-encoding'), 'gzip');
  const bytes = Buffer.from(await dl.arrayBuffer());
  const meta = dash.hub.store.artifacts.get(job.artifactId!)!;
  assert.equal(meta.encoding, 'gzip');
  assert.equal(bytes.length, meta.rawSize);
  assert.ok(meta.size < meta.rawSize! / 3, `stored ${meta.size} of ${meta.rawSize} bytes`);
  // the heap size shown beside the file size is the analysed heap's
  assert.equal(meta.heapSize, rep.body.snapshot!.totalSize);
  const head = bytes.subarray(0, 200).toString('utf8');
  assert.match(head, /^\{"snapshot":\{"meta":/);
  // Nothing partial left behind.
  assert.deepEqual((await readdir(join(tmp.dir, 'artifacts'))).filter((f) => f.endsWith('.partial')), []);

  // CPU profile for 1 s: a DevTools .cpuprofile (nodes, samples, timeDeltas).
  const cpu = await runAction(dash, proc.id, 'cpuProfile', 1);
  assert.equal(cpu.state, 'ready', cpu.error);
  const prof = await api<{ nodes: unknown[]; samples: number[]; startTime: number; endTime: number }>(dash.url, `/api/artifacts/${cpu.artifactId}/download?inline=1`);
  assert.equal(prof.status, 200);
  assert.ok(prof.body.nodes.length > 1 && prof.body.endTime > prof.body.startTime);

  // Allocation sampling profile.
  const alloc = await runAction(dash, proc.id, 'samplingHeapProfile', 1);
  assert.equal(alloc.state, 'ready', alloc.error);
  const hp = JSON.parse(await readFile(artifactPath(dash, dash.hub.store.artifacts.get(alloc.artifactId!)!), 'utf8')) as { head: unknown };
  assert.ok(hp.head);
});

test('uploads for unknown commands 404; bad actions and comparisons are clear 4xx', async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  t.after(async () => {
    await dash.close();
    await tmp.cleanup();
  });
  const r = await api<{ error: string }>(dash.url, '/api/uploads/nope', { method: 'POST', body: 'xx', headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.status, 404);
  const a = await api<{ error: string }>(dash.url, '/api/processes/nope/actions', { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  assert.equal(a.status, 404);
  assert.match(a.body.error, /unknown process/);
  const b = await api<{ error: string }>(dash.url, '/api/processes/nope/actions', { method: 'POST', body: JSON.stringify({ action: 'rm -rf' }) });
  assert.equal(b.status, 400);
  const c = await api<{ error: string }>(dash.url, '/api/compare', { method: 'POST', body: JSON.stringify({ artifactIds: ['x'] }) });
  assert.equal(c.status, 400);
  assert.match(c.body.error, /at least two/);
});

test('a client that drops mid-upload leaves no file marked complete and fails the job with a reason', async (t) => {
  const { tmp, dash, app } = await dashboardWithApp(t, join(APPS, 'plain.cjs'));
  const proc = await liveProcess(dash, app.child.pid!);
  // Pretend to be the agent's uploader for a real command id: announce 1 MB, send 100 kB, hang up.
  const job = dash.hub.trigger(proc.id, 'cpuProfile', 3);
  const wrong = await api<{ error: string }>(dash.url, `/api/uploads/${job.id}`, { method: 'POST', body: '{}', headers: { 'x-heapscope-agent': 'someone-else' } });
  assert.equal(wrong.status, 403);
  const { request } = await import('node:http');
  const u = new URL(dash.url);
  await new Promise<void>((resolve) => {
    const req = request({ host: u.hostname, port: u.port, method: 'POST', path: `/api/uploads/${job.id}`, headers: { 'content-length': 1_000_000, 'content-type': 'application/json', 'x-heapscope-agent': proc.id } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(100_000, 32), () => setTimeout(() => (req.destroy(), resolve()), 100));
  });
  const failed = await waitFor('job to fail', () => (dash.hub.jobs.get(job.id)?.state === 'failed' ? dash.hub.jobs.get(job.id) : undefined));
  assert.match(failed!.error ?? '', /upload interrupted/);
  const files = await readdir(join(tmp.dir, 'artifacts'));
  assert.deepEqual(files.filter((f) => !f.endsWith('.json')), [], `left behind: ${files.join(', ')}`);
  assert.equal(dash.hub.store.artifacts.size, 0);
});
