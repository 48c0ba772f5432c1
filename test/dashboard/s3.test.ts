// S3-compatible storage (issue 13 §3) against a real S3 server on loopback (s3rver): the
// BlobStorage contract through the AWS SDK (a blob visible only once its multipart upload is
// complete, list by prefix, ENOENT, local files for the workers), clear errors at start, a real
// dashboard storing a real agent's snapshot in the bucket, and two dashboards sharing a Redis and
// the bucket with no shared directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { S3Storage, parseS3Url } from '../../src/dashboard/s3-storage.js';
import type { Job } from '../../src/dashboard/jobs.js';
import type { ProcessView } from '../../src/dashboard/hub/index.js';
import { APPS, CLI, REGISTER, ROOT, agentApp, api, assertBothServe, dashboard, liveProcess, runAction, tempDir, waitFor } from './support.js';
import { S3_CREDENTIALS, startS3 } from './s3server.js';
import { haveRedis, startRedis } from './redis.js';

// The SDK's credential chain reads them, as it would AWS_ACCESS_KEY_ID in production.
Object.assign(process.env, S3_CREDENTIALS);

const MiB = 1024 * 1024;

test('S3 locations: bucket and prefix; a bad one is a clear error that never echoes credentials', () => {
  assert.deepEqual(parseS3Url('s3://heap-data'), { bucket: 'heap-data', prefix: '' });
  assert.deepEqual(parseS3Url('s3://heap-data/team/a/'), { bucket: 'heap-data', prefix: 'team/a/' });
  assert.throws(() => parseS3Url('http://heap-data'), /invalid S3 location "http:\/\/heap-data": expected s3:\/\/BUCKET\[\/PREFIX\]/);
  assert.throws(() => parseS3Url('s3://heap-data/a/../b'), /invalid storage key/);
  assert.throws(
    () => parseS3Url('s3://AKIA:sEcReT@heap-data'),
    (err: Error) => /invalid S3 location: expected/.test(err.message) && !err.message.includes('sEcReT'),
  );
});

test('S3 storage contract: a multipart blob is visible only once complete; get, stat, list by prefix, delete, local files, ENOENT', async (t) => {
  const s3 = await startS3(['contract']);
  const local = await tempDir();
  const store = await S3Storage.open({ url: 's3://contract/team-a', endpoint: s3.endpoint, localDir: local.dir });
  const other = await S3Storage.open({ url: 's3://contract', endpoint: s3.endpoint, localDir: local.dir });
  t.after(async () => {
    store.close();
    other.close();
    await s3.stop();
    await local.cleanup();
  });
  assert.equal(store.location, 's3://contract/team-a/');
  assert.equal(await store.freeBytes(), undefined);

  // 12 MiB in 1 MiB chunks, held after the first 9 MiB: one 8 MiB part is out, the blob is not there.
  const data = randomBytes(12 * MiB);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = false;
  const body = Readable.from(
    (async function* () {
      for (let i = 0; i < 12; i++) {
        if (i === 9) {
          held = true;
          await gate;
        }
        yield data.subarray(i * MiB, (i + 1) * MiB);
      }
    })(),
  );
  const putting = store.put('artifacts/big.bin', body);
  await waitFor('9 MiB read by the upload', () => held);
  await new Promise((r) => setTimeout(r, 300)); // the first part's request in flight
  assert.equal(await store.stat('artifacts/big.bin'), undefined, 'not visible while uploading');
  assert.deepEqual(await store.list('artifacts/'), []);
  release();
  assert.equal(await putting, 12 * MiB);
  const info = (await store.stat('artifacts/big.bin'))!;
  assert.equal(info.size, 12 * MiB);
  assert.ok(Math.abs(info.mtime - Date.now()) < 60_000, `mtime ${info.mtime}`);
  // stored by a completed multipart upload (8 MiB + 4 MiB), not one PutObject
  assert.deepEqual(s3.created, ['ObjectCreated:Post:team-a/artifacts/big.bin']);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const chunks: Buffer[] = [];
  for await (const c of await store.get('artifacts/big.bin')) chunks.push(c as Buffer);
  assert.equal(sha(Buffer.concat(chunks)), sha(data));

  // list: direct children of the prefix only, keys relative to the storage's own prefix
  await store.put('artifacts/a.json', Readable.from([Buffer.from('{"a":1}')]));
  await store.put('artifacts/sub/deeper.bin', Readable.from([Buffer.from('x')]));
  await store.put('reports/r.json', Readable.from([Buffer.from('{}')]));
  await other.put('artifacts/outside.bin', Readable.from([Buffer.from('not ours')]));
  assert.deepEqual((await store.list('artifacts/')).map((b) => b.key).sort(), ['artifacts/a.json', 'artifacts/big.bin']);
  assert.deepEqual((await store.list('reports')).map((b) => `${b.key}:${b.size}`), ['reports/r.json:2']);
  assert.deepEqual((await other.list('artifacts/')).map((b) => b.key), ['artifacts/outside.bin']);
  assert.equal(await text(await store.get('artifacts/a.json')), '{"a":1}');

  // localFile: a private copy for a reader that needs a path, removed on release
  const lf = await store.localFile('artifacts/big.bin');
  assert.equal(sha(await readFile(lf.path)), sha(data));
  assert.equal((await stat(lf.path)).mode & 0o777, 0o600);
  assert.equal((await stat(dirname(lf.path))).mode & 0o777, 0o700);
  assert.ok(lf.path.startsWith(local.dir));
  await lf.release();
  assert.ok(!existsSync(lf.path));

  // putFile: a finished local file goes in and the local copy goes away
  const scratch = await store.scratchFile('report-1');
  await writeFile(scratch, '{"report":true}');
  await store.putFile('reports/report-1.body.json', scratch);
  assert.ok(!existsSync(scratch));
  assert.equal(await text(await store.get('reports/report-1.body.json')), '{"report":true}');

  // delete, and what is missing says ENOENT
  await store.delete('artifacts/big.bin');
  assert.equal(await store.stat('artifacts/big.bin'), undefined);
  await assert.rejects(store.get('artifacts/big.bin'), { code: 'ENOENT' });
  await assert.rejects(store.localFile('artifacts/big.bin'), { code: 'ENOENT' });
  await store.delete('artifacts/never-was'); // deleting nothing is fine, as on S3
  await assert.rejects(store.get('../x'), /invalid storage key/);

  // A body that fails after a part went out: the upload fails and leaves no blob.
  const failing = Readable.from(
    (async function* () {
      for (let i = 0; i < 9; i++) yield data.subarray(i * MiB, (i + 1) * MiB);
      await new Promise((r) => setTimeout(r, 200));
      throw new Error('connection dropped');
    })(),
  );
  await assert.rejects(store.put('artifacts/cut.bin', failing), /connection dropped/);
  assert.equal(await store.stat('artifacts/cut.bin'), undefined);
});

test('S3 storage at start: a missing bucket, bad credentials and a bad endpoint are clear errors', async (t) => {
  const s3 = await startS3(['exists']);
  const local = await tempDir();
  t.after(async () => {
    await s3.stop();
    await local.cleanup();
  });
  await assert.rejects(S3Storage.open({ url: 's3://nope', endpoint: s3.endpoint, localDir: local.dir }), /cannot use S3 storage s3:\/\/nope\/ at http:\/\/127\.0\.0\.1:\d+: no such bucket/);
  process.env.AWS_ACCESS_KEY_ID = 'WRONG';
  try {
    await assert.rejects(S3Storage.open({ url: 's3://exists', endpoint: s3.endpoint, localDir: local.dir }), /access denied \(check the credentials/);
  } finally {
    Object.assign(process.env, S3_CREDENTIALS);
  }
  await assert.rejects(S3Storage.open({ url: 's3://exists', endpoint: 'not a url', localDir: local.dir }), /invalid S3 endpoint "not a url"/);
  // the dashboard refuses to start on it, and leaves nothing listening
  await assert.rejects(dashboard({ dataDir: local.dir, s3: { url: 's3://nope', endpoint: s3.endpoint } }), /no such bucket/);
});

test('a dashboard on S3: MEM stores the gzipped snapshot in the bucket, the report is readable; a new dashboard with an empty --data finds both', async (t) => {
  const s3 = await startS3(['heaps']);
  const dirA = await tempDir();
  const dirB = await tempDir();
  const opts = { s3: { url: 's3://heaps/prod', endpoint: s3.endpoint } };
  let dash = await dashboard({ dataDir: dirA.dir, ...opts });
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url, { HEAPSCOPE_PROJECT: 's3' });
  t.after(async () => {
    await app.stop();
    await dash.close();
    await s3.stop();
    await dirA.cleanup();
    await dirB.cleanup();
  });
  assert.equal(dash.storage, 's3://heaps/prod/');
  const proc = await liveProcess(dash, app.child.pid!);
  const job = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job.state, 'ready', job.error);
  const a = dash.hub.store.artifacts.get(job.artifactId!)!;
  assert.match(a.file, /\.heapsnapshot\.gz$/);
  assert.ok(a.heapSize && a.heapSize > 100_000, `heap size ${a.heapSize} (from the analysis of the downloaded copy)`);

  // In the bucket, through the S3 API: the gzip of the snapshot JSON, plus the metadata; not on disk.
  const blobs = dash.hub.store.blobs as S3Storage;
  const obj = await blobs.client.send(new GetObjectCommand({ Bucket: 'heaps', Key: `prod/artifacts/${a.file}` }));
  const raw = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray()));
  assert.equal(raw.length, a.rawSize);
  assert.match(raw.subarray(0, 20).toString(), /^\{"snapshot":/);
  assert.equal(obj.ContentLength, a.size);
  const keys = async (prefix: string): Promise<string[]> => (await blobs.list(prefix)).map((b) => b.key).sort();
  assert.deepEqual(await keys('artifacts/'), [`artifacts/${a.file}`, `artifacts/${a.id}.json`].sort());
  assert.ok((await keys('reports/')).includes(`reports/${job.reportId}.body.json`));
  assert.ok((await keys('processes/')).includes(`processes/${proc.id}.json`));
  assert.ok(!existsSync(join(dirA.dir, 'artifacts')), 'nothing stored in the data directory');
  assert.deepEqual(existsSync(join(dirA.dir, 'scratch')) ? await readdir(join(dirA.dir, 'scratch')) : [], [], 'the downloaded copy was released');

  // The report through the API; a drill-down query (the explore worker loads a downloaded copy).
  const report = await api<{ suspects: unknown[] }>(dash.url, `/api/reports/${job.reportId}`);
  assert.equal(report.status, 200);
  assert.ok(Array.isArray(report.body.suspects));
  const roots = await api<{ items: unknown[] }>(dash.url, `/api/reports/${job.reportId}/explore/roots`);
  assert.equal(roots.status, 200, JSON.stringify(roots.body));
  assert.ok(roots.body.items.length > 0);
  assert.equal((await api(dash.url, `/api/reports/${job.reportId}/explore/roots?offset=1`)).status, 200, 'from the loaded analysis');
  const dl = await fetch(`${dash.url}/api/artifacts/${a.id}/download`);
  assert.equal(dl.status, 200);
  assert.equal((await dl.text()).length, a.rawSize);

  // A dashboard started on another machine (an empty --data) sees the same snapshot and report.
  await app.stop();
  await dash.close();
  dash = await dashboard({ dataDir: dirB.dir, ...opts });
  const st = (await api<{ reports: { id: string }[]; artifacts: { id: string; size: number }[]; processes: { id: string }[] }>(dash.url, '/api/state')).body;
  assert.ok(st.processes.some((p) => p.id === proc.id));
  assert.deepEqual(st.artifacts.find((x) => x.id === a.id)?.size, a.size);
  assert.ok(st.reports.some((r) => r.id === job.reportId));
  assert.deepEqual((await api(dash.url, `/api/reports/${job.reportId}`)).body, report.body);
  // A delete removes the body and its metadata from the bucket.
  assert.equal((await api(dash.url, `/api/artifacts/${a.id}`, { method: 'DELETE' })).status, 200);
  assert.deepEqual(await keys('artifacts/'), []);
});

test('two dashboards on one Redis and one bucket, no shared directory: the agent on A, MEM through B, the report on both', { skip: haveRedis ? false : 'redis-server is not installed (.ci/run installs it)' }, async (t) => {
  const s3 = await startS3(['fleet']);
  const redis = await startRedis();
  const dirA = await tempDir();
  const dirB = await tempDir();
  const common = { redis: redis.url, redisOptions: { heartbeatMs: 300 }, s3: { url: 's3://fleet', endpoint: s3.endpoint } };
  const a = await dashboard({ dataDir: dirA.dir, ...common });
  const b = await dashboard({ dataDir: dirB.dir, ...common });
  const app = agentApp(join(APPS, 'plain.cjs'), a.url, { HEAPSCOPE_PROJECT: 'fleet-s3' });
  t.after(async () => {
    await app.stop();
    await a.close();
    await b.close();
    await redis.stop();
    await s3.stop();
    await dirA.cleanup();
    await dirB.cleanup();
  });
  const onB = await waitFor('B sees the process live', async () => (await api<ProcessView[]>(b.url, '/api/processes')).body.find((p) => p.pid === app.child.pid && p.live));
  const started = await api<Job>(b.url, `/api/processes/${onB.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const done = await waitFor('the job ready on B', async () => {
    const j = (await api<Job>(b.url, `/api/jobs/${started.body.id}`)).body;
    return j.state === 'ready' || j.state === 'failed' ? j : undefined;
  }, 60_000);
  assert.equal(done.state, 'ready', done.error);
  // B never had the snapshot on its disk; it serves it from the bucket.
  await assertBothServe(a, b, done);
  for (const dir of [dirA.dir, dirB.dir]) assert.ok(!existsSync(join(dir, 'artifacts')) && !existsSync(join(dir, 'reports')), `nothing stored in ${dir}`);
});

test('the CLI: `heapscope dashboard --s3` with the endpoint in the environment stores in the bucket; a missing bucket stops it with the reason', async (t) => {
  const s3 = await startS3(['cli-heaps']);
  const tmp = await tempDir();
  t.after(async () => {
    await s3.stop();
    await tmp.cleanup();
  });
  const env = { ...process.env, NODE_OPTIONS: '', HEAPSCOPE_S3_ENDPOINT: s3.endpoint, HEAPSCOPE_AUTOSTART: '0' };
  const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const c = execFile(process.execPath, [CLI, 'dashboard', '--port', '0', '--data', tmp.dir, '--s3', 's3://no-such-bucket'], { encoding: 'utf8', env, timeout: 30_000 }, (_e, _o, stderr) =>
      resolve({ code: c.exitCode, stderr }),
    );
  });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /cannot use S3 storage s3:\/\/no-such-bucket\/ at http:\/\/127\.0\.0\.1:\d+: no such bucket/);

  const child = spawn(process.execPath, [CLI, 'dashboard', '--port', '0', '--data', tmp.dir, '--s3', 's3://cli-heaps/team'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the dashboard started', () => /storage: s3:\/\/cli-heaps\/team\//.test(out), 30_000);
  const url = /heapscope dashboard: (\S+)/.exec(out)![1]!;
  const app = agentApp(join(APPS, 'plain.cjs'), url, { HEAPSCOPE_PROJECT: 's3-cli' });
  t.after(app.stop);
  const proc = await waitFor('the process', async () => (await api<ProcessView[]>(url, '/api/processes')).body.find((p) => p.pid === app.child.pid && p.live));
  const started = await api<Job>(url, `/api/processes/${proc.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  const done = await waitFor('the snapshot analysed', async () => {
    const j = (await api<Job>(url, `/api/jobs/${started.body.id}`)).body;
    return j.state === 'ready' || j.state === 'failed' ? j : undefined;
  }, 60_000);
  assert.equal(done.state, 'ready', done.error);
  assert.ok(s3.created.some((c) => c.endsWith(`team/reports/${done.reportId}.body.json`)), s3.created.join('\n'));
  assert.ok(s3.created.some((c) => /team\/artifacts\/.+\.heapsnapshot\.gz$/.test(c)));
});

test('without the AWS SDK installed: an agent runs as before, `dashboard --s3` says what to install', async (t) => {
  const hide = join(ROOT, 'test', 'fixtures', 'hide-aws-sdk.mjs');
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const env = { ...process.env, NODE_OPTIONS: '', HEAPSCOPE_AUTOSTART: '0' };
  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const c = execFile(process.execPath, ['--import', hide, ...args], { encoding: 'utf8', env, timeout: 30_000 }, (_e, stdout, stderr) => resolve({ code: c.exitCode, stdout, stderr }));
    });
  const cli = await run([CLI, 'dashboard', '--port', '0', '--data', tmp.dir, '--s3', 's3://some-bucket']);
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /S3 storage needs the AWS SDK, an optional dependency of heapscope: npm install @aws-sdk\/client-s3 @aws-sdk\/lib-storage/);
  // the hook really hides it: importing the SDK fails under it
  const probe = await run(['--input-type=module', '-e', "await import('@aws-sdk/client-s3')"]);
  assert.match(probe.stderr, /Cannot find package '@aws-sdk\/client-s3'/);
  // an app preloading the agent (CJS register) and importing the ESM entry, neither needs it
  const app = await run(['--require', REGISTER, '--input-type=module', '-e', "const m = await import('heapscope'); console.log(typeof m.default)"]);
  assert.equal(app.code, 0, app.stderr);
  assert.equal(app.stdout.trim(), 'function');
});
