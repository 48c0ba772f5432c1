// Drill-down and browser uploads over HTTP on a real dashboard: snapshots of a real child process
// uploaded as a browser would (.heapsnapshot.gz and plain), analysed, explored, compared; the token
// gate; the upload limits; the memory budget's eviction and reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Dashboard } from '../../src/dashboard/server.js';
import type { ExploreEdge, ExploreNode, Page } from '../../src/engine/query/explore.js';
import type { ExploreStatus, NodeAnswer } from '../../src/dashboard/explore/messages.js';
import { api, dashboard, tempDir, waitFor } from '../dashboard/support.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

const TOKEN = 'explore-token-0123456789';
let snapDir: string;
let files: string[];
let tmp: { dir: string; cleanup: () => Promise<void> };
let dash: Dashboard;

before(async () => {
  snapDir = makeTempDir();
  files = await takeSnapshots(appPath('session-store'), { count: 2, workPerStep: 20, dir: snapDir });
  tmp = await tempDir();
  // a budget of one byte: every other snapshot's analysis is evicted when one is loaded
  dash = await dashboard({ dataDir: tmp.dir, token: TOKEN, explore: { budgetBytes: 1 } });
});
after(async () => {
  await dash.close();
  await tmp.cleanup();
  removeTempDir(snapDir);
});

const get = <T>(path: string) => api<T>(dash.url, path, { token: TOKEN });

/** `token`: null sends none. */
async function upload(body: Buffer, name: string, token: string | null = TOKEN, base = dash.url) {
  return api<{ artifactId: string; jobId: string; size: number; error?: string }>(base, '/api/snapshots', {
    method: 'POST',
    body: new Uint8Array(body),
    token: token ?? undefined,
    headers: { 'content-type': 'application/octet-stream', 'x-heapscope-filename': encodeURIComponent(name) },
  });
}

async function uploadAndAnalyse(body: Buffer, name: string): Promise<{ artifactId: string; reportId: string }> {
  const r = await upload(body, name);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const job = await dash.hub.waitJob(r.body.jobId);
  assert.equal(job.state, 'ready', job.error);
  return { artifactId: r.body.artifactId, reportId: job.reportId! };
}

let first: { artifactId: string; reportId: string };
let second: { artifactId: string; reportId: string };

test('uploads (.gz and plain) join the history under "uploaded snapshots" and are analysed', async () => {
  first = await uploadAndAnalyse(gzipSync(readFileSync(files[0]!)), 'first.heapsnapshot.gz');
  second = await uploadAndAnalyse(readFileSync(files[1]!), 'second.heapsnapshot');
  const a = dash.hub.store.artifacts.get(first.artifactId)!;
  assert.equal(a.processId, 'uploads');
  assert.equal((a as { name?: string }).name, 'first.heapsnapshot.gz');
  // stored gzip-compressed like agents' uploads; the download inflates it (opens in DevTools)
  assert.equal(a.encoding, 'gzip');
  assert.equal(a.rawSize, readFileSync(files[0]!).length);
  assert.ok(a.size < a.rawSize!);
  assert.equal(dash.hub.store.processes.get('uploads')?.project, 'uploaded snapshots');
  // the report is titled after the file
  await waitFor('the report title', () => dash.hub.store.reports.get(first.reportId)?.title === 'first.heapsnapshot.gz (uploaded)');
});

test('without the token nothing answers: 401', async () => {
  const none = (path: string, init: RequestInit = {}) => api(dash.url, path, init);
  assert.equal((await none(`/api/reports/${first.reportId}/explore/instances?class=Session`)).status, 401);
  assert.equal((await none(`/api/reports/${first.reportId}/explore/nodes/@1/retainers`)).status, 401);
  assert.equal((await none(`/api/reports/${first.reportId}/explore/roots`)).status, 401);
  assert.equal((await none('/api/explore/status')).status, 401);
  assert.equal((await upload(readFileSync(files[0]!), 'x.heapsnapshot', null)).status, 401);
  assert.equal((await upload(readFileSync(files[0]!), 'x.heapsnapshot', 'wrong-token-000000000')).status, 401);
});

test('class -> instances (paged, largest first) -> retainers up to the store -> references with values', async () => {
  const base = `/api/reports/${second.reportId}/explore`;
  const p1 = await get<Page<ExploreNode>>(`${base}/instances?class=Session&limit=15`);
  assert.equal(p1.status, 200, JSON.stringify(p1.body));
  assert.equal(p1.body.total, 40);
  const p2 = await get<Page<ExploreNode>>(`${base}/instances?class=Session&offset=15&limit=100`);
  const all = [...p1.body.items, ...p2.body.items];
  assert.equal(all.length, 40);
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.retainedSize >= all[i]!.retainedSize);
  const top = all[0]!;
  // the retainer tree, expanded along the first retainer as DevTools does, reaches the holder
  let id = top.id;
  const classes: string[] = [];
  for (let hop = 0; hop < 12; hop++) {
    const r = await get<Page<ExploreEdge>>(`${base}/nodes/@${id}/retainers?limit=5`);
    assert.equal(r.status, 200);
    const next = r.body.items[0];
    if (!next) break;
    classes.push(next.node.className);
    if (next.node.distance <= 1) break;
    id = next.node.id;
  }
  assert.ok(classes.includes('SessionStore'), classes.join(' <- '));
  const refs = await get<Page<ExploreEdge>>(`${base}/nodes/${top.id}/edges`);
  const user = refs.body.items.find((e) => e.edge === 'user');
  assert.equal(user?.node.value, JSON.stringify('user-40'));
  // search by @id: the object, its retainers, references and path from the roots
  const found = await get<NodeAnswer>(`${base}/nodes/@${top.id}`);
  assert.equal(found.body.node.id, top.id);
  assert.equal(found.body.path[found.body.path.length - 1]!.node.id, top.id);
  assert.ok(found.body.path.some((s) => s.edge === 'sessionStore'));
  // Containment starts at the GC roots
  const roots = await get<Page<ExploreEdge>>(`${base}/roots`);
  assert.ok(roots.body.items.some((e) => e.node.name === '(GC roots)'));
  // clear errors
  assert.equal((await get(`${base}/nodes/@999999999`)).status, 404);
  assert.equal((await get(`${base}/nodes/abc`)).status, 400);
  assert.equal((await get(`${base}/instances`)).status, 400);
  assert.equal((await get('/api/reports/nope/explore/roots')).status, 404);
});

test('any two snapshots compare, and the comparison drills into either one', async () => {
  const r = await api<{ id: string }>(dash.url, '/api/compare', { method: 'POST', token: TOKEN, body: JSON.stringify({ artifactIds: [second.artifactId, first.artifactId] }) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const job = await dash.hub.waitJob(r.body.id);
  assert.equal(job.state, 'ready', job.error);
  const base = `/api/reports/${job.reportId}/explore/instances?class=Session`;
  assert.equal((await get<Page<ExploreNode>>(base)).body.total, 40, 'the target: the newer snapshot');
  assert.equal((await get<Page<ExploreNode>>(`${base}&snapshot=0`)).body.total, 20, 'the base');
  assert.equal((await get(`${base}&snapshot=2`)).status, 400);
});

test('the memory budget evicts the least recently used analysis; it reloads on its next query', async () => {
  const before = (await get<ExploreStatus>('/api/explore/status')).body;
  assert.equal(before.budgetBytes, 1);
  assert.equal(before.loaded.length, 1, 'only the one in use stays over the budget');
  const loads = before.loads;
  // the last query (the comparison's base) loaded the first snapshot
  await get(`/api/reports/${second.reportId}/explore/roots`);
  await get(`/api/reports/${first.reportId}/explore/roots`);
  const after = (await get<ExploreStatus>('/api/explore/status')).body;
  assert.equal(after.loads, loads + 2, 'each switch reloads');
  assert.ok(after.evictions >= before.evictions + 2);
  assert.equal(after.loaded.length, 1);
  assert.ok(after.loaded[0]!.bytes > 0);
});

test('uploads are refused over the size limit, for what is not a snapshot, and for a broken .gz', async (t) => {
  const small = await tempDir();
  const d = await dashboard({ dataDir: small.dir, limits: { maxUploadBytes: 100_000 } });
  t.after(async () => {
    await d.close();
    await small.cleanup();
  });
  const big = readFileSync(files[0]!);
  const over = await upload(big, 'big.heapsnapshot', null, d.url);
  assert.equal(over.status, 413);
  assert.match(over.body.error!, /HEAPSCOPE_MAX_UPLOAD_MB/);
  // a small .gz that inflates past the limit is stopped too (what is stored counts)
  const bomb = await upload(gzipSync(Buffer.alloc(1_000_000, 32)), 'bomb.heapsnapshot.gz', null, d.url);
  assert.equal(bomb.status, 413);
  const notSnap = await upload(Buffer.from('{"hello": 1}'), 'x.heapsnapshot', null, d.url);
  assert.equal(notSnap.status, 400);
  assert.match(notSnap.body.error!, /not a V8 heap snapshot/);
  const broken = await upload(Buffer.concat([gzipSync(Buffer.from('{"snapshot":{')).subarray(0, 12)]), 'x.heapsnapshot.gz', null, d.url);
  assert.equal(broken.status, 400);
  assert.deepEqual([...d.hub.store.artifacts.values()], [], 'nothing refused is kept');
});
