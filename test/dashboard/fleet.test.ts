// Many dashboards, one state (issue 13 §3), with a real redis-server on loopback: two dashboards
// sharing it and a data directory, a real agent on one; the other sees the process and its metrics,
// triggers MEM across dashboards, and both serve the report. A dashboard killed in the middle of an
// analysis: the other one runs the job again and finishes it. The shared state's queue and lock
// contract holds for both implementations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Job } from '../../src/dashboard/jobs.js';
import type { ProcessView } from '../../src/dashboard/hub/index.js';
import { MemoryState, type AnalysisItem, type SharedState } from '../../src/dashboard/fleet/state.js';
import { RedisState } from '../../src/dashboard/fleet/redis-state.js';
import { APPS, CLI, MY_APPS, agentApp, api, assertBothServe, dashboard, tempDir, waitFor } from './support.js';
import { haveRedis, startRedis } from './redis.js';
import { existsSync } from 'node:fs';
import { CHROMIUM, launch } from '../report/browser.js';


const skip = haveRedis ? false : 'redis-server is not installed (.ci/run installs it)';

const item = (id: string): AnalysisItem => ({
  job: { id, processId: 'p', action: 'analyze', state: 'queued', createdAt: 0, updatedAt: 0 },
  mode: 'analyze',
  artifactIds: ['a'],
  report: { id: `r-${id}`, processId: 'p', kind: 'heap', artifactIds: ['a'], createdAt: 0, file: 'x', title: 't' },
});

async function queueContract(make: () => SharedState, peers: number): Promise<void> {
  const states = Array.from({ length: peers }, make);
  try {
    await Promise.all(states.map((s) => s.start()));
    const ran: string[][] = states.map(() => []);
    states.forEach((s, i) =>
      s.consume(async (it) => {
        ran[i]!.push(it.job.id);
        await new Promise((r) => setTimeout(r, 5));
      }),
    );
    const ids = Array.from({ length: 20 }, (_, i) => `j${i}`);
    for (const id of ids) await states[0]!.enqueue(item(id));
    await waitFor('all items run', () => ran.flat().length >= ids.length, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    // every item ran exactly once, on some dashboard
    assert.deepEqual(ran.flat().sort(), [...ids].sort());
    const unlock = await states[0]!.lock('host-a', 5000);
    assert.ok(unlock);
    for (const s of states) assert.equal(await s.lock('host-a', 5000), undefined, 'held by the first');
    await unlock!();
    const again = await states[peers - 1]!.lock('host-a', 5000);
    assert.ok(again, 'free again once released');
    await again!();
  } finally {
    await Promise.all(states.map((s) => s.close()));
  }
}

test('shared state contract: every queued analysis runs exactly once; a lock has one holder (memory)', () => queueContract(() => new MemoryState(), 1));

test('shared state contract: every queued analysis runs exactly once across 3 dashboards; a lock has one holder (Redis)', { skip }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  await queueContract(() => new RedisState({ url: redis.url }), 3);
  // The job list in Redis stays bounded: the newest 300 by creation.
  const s = new RedisState({ url: redis.url });
  await s.start();
  try {
    for (let i = 0; i < 305; i++) s.saveJob({ ...item(`k${i}`).job, createdAt: i });
    await waitFor('305 saves applied', async () => (await s.loadJobs()).some((j) => j.id === 'k304'));
    const ids = new Set((await s.loadJobs()).map((j) => j.id));
    assert.equal(ids.size, 300);
    assert.ok(!ids.has('k4') && ids.has('k5'));
  } finally {
    await s.close();
  }
});

test('a bad Redis URL or an unreachable Redis is a clear error at start', { skip }, async () => {
  const tmp = await tempDir();
  try {
    await assert.rejects(dashboard({ dataDir: tmp.dir, redis: 'redis://127.0.0.1:1' }), /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
  } finally {
    await tmp.cleanup();
  }
});

test('two dashboards on one Redis: the agent on A, MEM through B, the report on both', { skip }, async (t) => {
  const redis = await startRedis();
  const tmp = await tempDir();
  const a = await dashboard({ dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300 } });
  const b = await dashboard({ dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300 } });
  const app = agentApp(join(APPS, 'plain.cjs'), a.url, { HEAPSCOPE_PROJECT: 'fleet' });
  // a sibling on B, which will price its first snapshot from the one taken on A
  const sibling = agentApp(join(APPS, 'plain.cjs'), b.url, { HEAPSCOPE_PROJECT: 'fleet' });
  t.after(async () => {
    await app.stop();
    await sibling.stop();
    await a.close();
    await b.close();
    await redis.stop();
    await tmp.cleanup();
  });
  // B lists the process as live though its agent is on A, with A's metrics.
  const onB = await waitFor('B sees the process live', async () => (await api<ProcessView[]>(b.url, '/api/processes')).body.find((p) => p.pid === app.child.pid && p.live));
  assert.equal(onB.project, 'fleet');
  await waitFor('the sibling on B', () => b.hub.agentCount === 1);
  assert.equal(a.hub.agentCount, 1);
  await waitFor('metrics on B', async () => (await api<unknown[]>(b.url, `/api/processes/${onB.id}/metrics`)).body.length >= 3);

  // MEM through B: the command goes to A over Redis, the agent uploads to A, one dashboard analyses.
  const started = await api<Job>(b.url, `/api/processes/${onB.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const done = await waitFor('the job ready on B', async () => {
    const j = (await api<Job>(b.url, `/api/jobs/${started.body.id}`)).body;
    return j.state === 'ready' || j.state === 'failed' ? j : undefined;
  }, 60_000);
  assert.equal(done.state, 'ready', done.error);
  assert.ok(done.reportId && done.artifactId);
  // A saw the same job finish, and both serve the report, its metadata and the snapshot.
  await waitFor('the job ready on A', async () => (await api<Job>(a.url, `/api/jobs/${done.id}`)).body.state === 'ready');
  await assertBothServe(a, b, done);
  // A learned the project's cost profile from the snapshot and B told its agent of the project.
  await waitFor("the profile on B", () => b.hub.costProfiles.get('fleet')?.length === 1);
  await waitFor("the sibling's forecast from the project's profile", () => b.hub.state().processes.find((p) => p.pid === sibling.child.pid)?.snapshotForecast?.basis === 'project');

  // The agent leaves: B shows it gone too.
  await app.stop();
  await waitFor('B sees it gone', async () => (await api<ProcessView[]>(b.url, '/api/processes')).body.find((p) => p.id === onB.id && !p.live));
});

test('a dashboard killed in the middle of an analysis: the other one runs the job and finishes it', { skip }, async (t) => {
  const redis = await startRedis();
  const tmp = await tempDir();
  const env = { ...process.env, HEAPSCOPE_REDIS_HEARTBEAT_MS: '300', HEAPSCOPE_REDIS_LEASE_MS: '2000', HEAPSCOPE_AUTOSTART: '0' };
  // Dashboard A in its own process, so that it can be killed for real.
  const childA = spawn(process.execPath, [CLI, 'dashboard', '--port', '0', '--host', '127.0.0.1', '--data', tmp.dir, '--redis', redis.url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let outA = '';
  childA.stdout!.on('data', (d: Buffer) => (outA += d.toString()));
  childA.stderr!.on('data', (d: Buffer) => (outA += d.toString()));
  const killA = (): Promise<void> =>
    new Promise((res) => {
      if (childA.exitCode !== null || childA.signalCode !== null) return res();
      childA.once('exit', () => res());
      childA.kill('SIGKILL');
    });
  let app: ReturnType<typeof agentApp> | undefined;
  let b: Awaited<ReturnType<typeof dashboard>> | undefined;
  t.after(async () => {
    await app?.stop();
    await killA();
    await b?.close();
    await redis.stop();
    await tmp.cleanup();
  });
  const urlA = (await waitFor('dashboard A to listen', () => /heapscope dashboard: (http:\/\/\S+)/.exec(outA)?.[1], 20_000)).trim();
  app = agentApp(join(MY_APPS, 'big-heap.cjs'), urlA, { HEAPSCOPE_PROJECT: 'killed' });
  const proc = await waitFor('the process on A', async () => (await api<ProcessView[]>(urlA, '/api/processes')).body.find((p) => p.pid === app!.child.pid && p.live), 30_000);
  const started = await api<Job>(urlA, `/api/processes/${proc.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  assert.equal(started.status, 202);
  // A is the only dashboard: once uploaded, it takes the analysis. Kill it while it runs.
  const ANALYSING = ['reading', 'indexing', 'dominators', 'diagnosis'];
  const seen = await waitFor('A analysing', async () => {
    const j = (await api<Job>(urlA, `/api/jobs/${started.body.id}`)).body;
    if (j.state === 'ready' || j.state === 'failed') throw new Error(`finished before it could be interrupted: ${JSON.stringify(j)}`);
    return ANALYSING.includes(j.state) ? j : undefined;
  }, 60_000);
  await killA();
  // B starts after A died: it learns the job from Redis, sees its lease lapse, runs it.
  b = await dashboard({ dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300, leaseMs: 2000 } });
  const done = await waitFor('the job finished on B', () => {
    const j = b!.hub.jobs.get(started.body.id);
    return j && (j.state === 'ready' || j.state === 'failed') ? { ...j } : undefined;
  }, 60_000);
  assert.equal(done.state, 'ready', `${done.error} (A was at ${seen.state})`);
  assert.equal(done.artifactId, seen.artifactId);
  const rep = await api<{ suspects: unknown[]; snapshot: { totalSize: number } }>(b.url, `/api/reports/${done.reportId}`);
  assert.equal(rep.status, 200);
  assert.ok(rep.body.snapshot.totalSize > 5_000_000, `heap ${rep.body.snapshot.totalSize}`);
  assert.equal(b.hub.store.artifacts.get(done.artifactId!)?.reportId, done.reportId);
});

test('Redis restarts (nothing persisted): both dashboards recover, the process is live on B again and MEM through B works', { skip }, async (t) => {
  const redis = await startRedis();
  const tmp = await tempDir();
  const opts = { dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300 } };
  const a = await dashboard(opts);
  const b = await dashboard(opts);
  const app = agentApp(join(APPS, 'plain.cjs'), a.url, { HEAPSCOPE_PROJECT: 'restart' });
  let again: Awaited<ReturnType<typeof startRedis>> | undefined;
  t.after(async () => {
    await app.stop();
    await a.close();
    await b.close();
    await redis.stop();
    await again?.stop();
    await tmp.cleanup();
  });
  const proc = await waitFor('B sees the process', async () => (await api<ProcessView[]>(b.url, '/api/processes')).body.find((p) => p.pid === app.child.pid && p.live));
  await redis.stop();
  // While Redis is away both dashboards keep answering.
  assert.equal((await api(a.url, '/api/health')).status, 200);
  assert.equal((await api(b.url, '/api/health')).status, 200);
  again = await startRedis(redis.port);
  // A registers its agent again; B learns it and new metrics flow to B through the new Redis.
  const before = b.hub.samples(proc.id).length;
  await waitFor('metrics on B again', () => b.hub.samples(proc.id).length > before + 3 && b.hub.isLive(proc.id), 30_000);
  const started = await api<Job>(b.url, `/api/processes/${proc.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'heapSnapshot' }) });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const done = await waitFor('the job on B', () => {
    const j = b.hub.jobs.get(started.body.id);
    return j && (j.state === 'ready' || j.state === 'failed') ? { ...j } : undefined;
  }, 60_000);
  assert.equal(done.state, 'ready', done.error);
  // the registry was refilled for dashboards that start later
  const c = await dashboard(opts);
  try {
    await waitFor('a third dashboard sees it live', () => c.hub.isLive(proc.id), 10_000);
  } finally {
    await c.close();
  }
});

test('browser on dashboard B: sees the processes of A and B, MEM on A\'s process opens its report, delete from the history reaches A', { skip: skip || (!existsSync(CHROMIUM) && 'chromium not installed') }, async (t) => {
  const redis = await startRedis();
  const tmp = await tempDir();
  const opts = { dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300 } };
  const a = await dashboard(opts);
  const b = await dashboard(opts);
  const onA = agentApp(join(APPS, 'closure-leak.cjs'), a.url, { HEAPSCOPE_PROJECT: 'on-a' });
  const onB = agentApp(join(APPS, 'plain.cjs'), b.url, { HEAPSCOPE_PROJECT: 'on-b' });
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await onA.stop();
    await onB.stop();
    await a.close();
    await b.close();
    await redis.stop();
    await tmp.cleanup();
  });
  const procA = await waitFor('A\'s process on B', () => b.hub.state().processes.find((p) => p.pid === onA.child.pid && p.live));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => void d.accept());
  await page.goto(b.url);
  for (const pid of [onA.child.pid, onB.child.pid]) await page.locator(`.proc[data-pid="${pid}"][data-live="true"]`).waitFor({ timeout: 20_000 });
  await page.locator(`.proc[data-pid="${onA.child.pid}"]`).click();
  await page.waitForSelector('button[data-action="heapSnapshot"]');
  await page.click('button[data-action="heapSnapshot"]');
  await page.waitForSelector('#report[data-ready="true"]', { timeout: 60_000 });
  assert.match(await page.locator('.hs-suspect').first().innerText(), /theThing/);
  const artifactId = [...b.hub.store.artifacts.values()].find((x) => x.processId === procA.id)!.id;
  assert.ok(a.hub.store.artifacts.has(artifactId), 'A lists the snapshot too');
  // Delete it from B's history: gone from both dashboards and from the shared directory.
  await page.goto(`${b.url}/#/p/${procA.id}`);
  const row = page.locator(`tr[data-artifact-id="${artifactId}"]`);
  await row.locator('button[data-action="delete"]').click();
  await row.waitFor({ state: 'detached' });
  await waitFor('A forgets it', () => !a.hub.store.artifacts.has(artifactId));
  assert.deepEqual(errors, []);
});

test('automatic capture: one per host across the dashboards sharing a Redis; a leak waits while another dashboard holds the host', { skip }, async (t) => {
  const redis = await startRedis();
  const tmp = await tempDir();
  const lines: string[] = [];
  const capture = { snapshots: 2, minSpacingMs: 500, maxSpacingMs: 800, targetGrowthBytes: 1, lockRetryMs: 500 };
  const a = await dashboard({ dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300 }, capture, log: (l) => lines.push(l) });
  const b = await dashboard({ dataDir: tmp.dir, redis: redis.url, redisOptions: { heartbeatMs: 300 }, capture });
  const app = agentApp(join(APPS, 'plain.cjs'), a.url, { HEAPSCOPE_PROJECT: 'fleet-capture', HEAPSCOPE_SIGNAL: '0' });
  t.after(async () => {
    await app.stop();
    await a.close();
    await b.close();
    await redis.stop();
    await tmp.cleanup();
  });
  const proc = await waitFor('the process on A', () => [...a.hub.store.processes.values()].find((p) => p.pid === app.child.pid && a.hub.isLive(p.id)));
  // Dashboard B is capturing another process of this host.
  const held = await b.hub.shared.lock(`capture:${proc.hostname}`, 60_000);
  assert.ok(held, 'B takes the host');
  const now = Date.now();
  a.hub.capture!.onLeak(proc.id, {
    type: 'leak',
    t: now,
    detector: { state: 'leak', series: 'heap', bytesPerMinute: 2 * 1024 * 1024, since: now - 120_000, samples: 30, reason: 'test frame' },
    heapUsed: 40 * 1024 * 1024,
    heapLimit: 4096 * 1024 * 1024,
    external: 0,
    rss: 100 * 1024 * 1024,
  });
  const autoJobs = () => [...a.hub.jobs.values()].filter((j) => j.source === 'leak');
  await waitFor('A says it waits', () => lines.some((l) => /another dashboard is capturing on/.test(l)));
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(autoJobs(), [], 'no snapshot while B holds the host');
  // B is done: A's capture starts on its next try and takes its snapshots.
  await held!();
  await waitFor('A starts capturing once the host is free', () => autoJobs().length >= 1, 30_000);
  // while A captures, the host is A's
  assert.equal(await b.hub.shared.lock(`capture:${proc.hostname}`, 1000), undefined, 'A holds the host');
  await waitFor('both snapshots of the capture', () => autoJobs().filter((j) => j.state === 'ready').length >= 2, 60_000);
});
