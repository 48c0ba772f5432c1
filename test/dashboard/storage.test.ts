// Storage that lasts (issue 13 §4): retention by count / age / size with pinned snapshots, deletes
// through the API, snapshots stored gzip-compressed, metrics history and findings across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { DirStorage } from '../../src/dashboard/storage.js';
import { planRetention } from '../../src/dashboard/retention.js';
import type { ArtifactMeta } from '../../src/dashboard/store.js';
import type { Finding } from '../../src/dashboard/findings.js';
import { APPS, agentApp, api, artifactPath, dashboard, liveProcess, runAction, tempDir, waitFor } from './support.js';

const art = (id: string, processId: string, createdAt: number, size = 100, kind: ArtifactMeta['kind'] = 'heapsnapshot'): ArtifactMeta => ({ id, processId, kind, file: `${id}.x`, size, createdAt });

test('retention plan: oldest first by age, per-process count and total size; pinned ones stay and still count', () => {
  const day = 86_400_000;
  const now = 100 * day;
  const arts = [art('a1', 'A', now - 40 * day), art('a2', 'A', now - 3 * day), art('a3', 'A', now - 2 * day), art('a4', 'A', now - day), art('b1', 'B', now - 5 * day, 1000), art('c1', 'A', now - 50 * day, 10, 'cpuprofile')];
  const none = { maxSnapshotsPerProcess: 0, maxAgeDays: 0, maxTotalBytes: 0 };
  assert.deepEqual(planRetention(arts, new Set(), none, now), []);
  assert.deepEqual(planRetention(arts, new Set(), { ...none, maxAgeDays: 30 }, now), [
    { artifactId: 'c1', reason: 'age' },
    { artifactId: 'a1', reason: 'age' },
  ]);
  // A keeps 2 snapshots: a1 (pinned) counts, so a2 and a3 go; the cpu profile is not a snapshot.
  assert.deepEqual(
    planRetention(arts, new Set(['a1']), { ...none, maxSnapshotsPerProcess: 2 }, now).map((e) => e.artifactId),
    ['a2', 'a3'],
  );
  // 1410 bytes in all, at most 1000: oldest unpinned first until under.
  assert.deepEqual(
    planRetention(arts, new Set(['c1']), { ...none, maxTotalBytes: 1000 }, now).map((e) => `${e.artifactId}:${e.reason}`),
    ['a1:size', 'b1:size'],
  );
});

test('directory storage: a blob is visible only when complete, keys cannot leave the root', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const s = new DirStorage(tmp.dir);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const body = Readable.from(
    (async function* () {
      yield Buffer.from('hello ');
      await gate;
      yield Buffer.from('world');
    })(),
  );
  const putting = s.put('artifacts/x.bin', body);
  await waitFor('the partial file', async () => (await readdir(join(tmp.dir, 'artifacts'))).some((f) => f.endsWith('.partial')));
  assert.equal(await s.stat('artifacts/x.bin'), undefined, 'not visible while being written');
  release();
  assert.equal(await putting, 11);
  assert.equal((await s.stat('artifacts/x.bin'))!.size, 11);
  const chunks: Buffer[] = [];
  for await (const c of await s.get('artifacts/x.bin')) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'hello world');
  assert.deepEqual((await s.list('artifacts/')).map((b) => b.key), ['artifacts/x.bin']);
  await s.delete('artifacts/x.bin');
  await assert.rejects(s.get('artifacts/x.bin'), { code: 'ENOENT' });
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '']) assert.throws(() => s.path(bad), /invalid storage key/);
  // a failed body leaves nothing behind
  const failing = Readable.from(
    (async function* () {
      yield Buffer.from('x');
      throw new Error('dropped');
    })(),
  );
  await assert.rejects(s.put('artifacts/y.bin', failing), /dropped/);
  assert.deepEqual(await readdir(join(tmp.dir, 'artifacts')), []);
});

test('snapshots are stored gzipped and kept by retention except a kept finding\'s; deletes; metrics and findings survive a restart', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const retention = { maxSnapshotsPerProcess: 2, maxAgeDays: 0, maxTotalBytes: 0 };
  let dash = await dashboard({ dataDir: tmp.dir, retention });
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url, { HEAPSCOPE_PROJECT: 'keep' });
  t.after(async () => {
    await app.stop();
    await dash.close();
  });
  const proc = await liveProcess(dash, app.child.pid!);

  const s1 = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(s1.state, 'ready', s1.error);
  const a1 = dash.hub.store.artifacts.get(s1.artifactId!)!;
  // Stored compressed: the file is gzip, inflating it gives the snapshot JSON of rawSize bytes.
  assert.match(a1.file, /\.heapsnapshot\.gz$/);
  const raw = gunzipSync(await readFile(artifactPath(dash, a1)));
  assert.equal(raw.length, a1.rawSize);
  assert.match(raw.subarray(0, 20).toString(), /^\{"snapshot":/);
  assert.ok(a1.size * 3 < a1.rawSize!, `${a1.size} bytes stored for ${a1.rawSize}`);
  assert.ok(a1.heapSize && a1.heapSize > 100_000, `heap size ${a1.heapSize}`);

  // The user keeps (acknowledges) a finding whose report is s1's: s1 is pinned.
  const findings = dash.hub.capture!.findings;
  const finding = { signature: 'f1', project: 'keep', processes: [], detectedAt: Date.now(), updatedAt: Date.now(), state: 'acknowledged', bytesPerMinute: 1, series: 'heapUsed', heapUsed: 1, heapLimit: 2, reason: 'test', owner: 'x', cause: { kind: 'k', title: 't' }, keys: [], referenceList: [], locations: [], sizes: [], counts: [], reportId: s1.reportId! } as unknown as Finding;
  await findings.put(finding);

  const s2 = await runAction(dash, proc.id, 'heapSnapshot');
  const a2 = dash.hub.store.artifacts.get(s2.artifactId!)!;
  const s3 = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(s3.state, 'ready', s3.error);
  // Three snapshots, two allowed: s1 is pinned, so the oldest unpinned (s2) goes, file and report.
  await waitFor('s2 deleted by retention', () => !dash.hub.store.artifacts.has(s2.artifactId!) && !existsSync(artifactPath(dash, a2)) && !dash.hub.store.reports.has(s2.reportId!));
  assert.ok(dash.hub.store.artifacts.has(s1.artifactId!) && dash.hub.store.artifacts.has(s3.artifactId!));

  // Delete through the API: refused with the reason while the finding is kept, done once muted.
  const refused = await api<{ error: string }>(dash.url, `/api/artifacts/${s1.artifactId}`, { method: 'DELETE' });
  assert.equal(refused.status, 409);
  assert.match(refused.body.error, /finding you kept/);
  assert.equal((await api(dash.url, `/api/findings/f1/mute`, { method: 'POST', body: '{}' })).status, 200);
  assert.equal((await api(dash.url, `/api/artifacts/${s1.artifactId}`, { method: 'DELETE' })).status, 200);
  assert.ok(!existsSync(artifactPath(dash, a1)));
  assert.ok(!dash.hub.store.reports.has(s1.reportId!), 'its report went with it');
  assert.equal((await api(dash.url, `/api/artifacts/${s1.artifactId}`, { method: 'DELETE' })).status, 404);
  assert.equal((await api(dash.url, `/api/reports/${s3.reportId}`, { method: 'DELETE' })).status, 200);
  assert.equal(dash.hub.store.artifacts.get(s3.artifactId!)!.reportId, undefined);

  // Metrics history and findings survive a restart of the dashboard (the agent is gone meanwhile).
  await waitFor('10 samples', () => dash.hub.samples(proc.id).length >= 10);
  await app.stop();
  await waitFor('agent gone', () => !dash.hub.isLive(proc.id));
  const before = dash.hub.samples(proc.id).map((s) => s.t);
  await dash.close();
  dash = await dashboard({ dataDir: tmp.dir, retention });
  const after = await api<{ t: number; heapUsed: number }[]>(dash.url, `/api/processes/${proc.id}/metrics`);
  assert.deepEqual(
    after.body.map((s) => s.t),
    before,
  );
  assert.ok(after.body.every((s) => s.heapUsed > 0));
  assert.equal(dash.hub.capture!.findings.findings.get('f1')?.state, 'muted');
  assert.ok(dash.hub.store.artifacts.has(s3.artifactId!));
});
