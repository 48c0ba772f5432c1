// heapdump's habit: SIGUSR2 writes a guarded snapshot. With a dashboard connected it is uploaded
// through a job the agent asks for (captureRequest) and analysed like MEM; with none it lands in
// HEAPSCOPE_SNAPSHOT_DIR, mode 0600, with one stderr line naming the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { agentApp, dashboard, liveProcess, tempDir, waitFor } from '../dashboard/support.js';

const IDLE = join(import.meta.dirname, 'apps', 'idle.cjs');

test('SIGUSR2 with a dashboard: the snapshot is uploaded and analysed, nothing written locally', async (t) => {
  const tmp = await tempDir('heapscope-signal-');
  const snapDir = join(tmp.dir, 'snaps');
  mkdirSync(snapDir);
  const dash = await dashboard({ dataDir: join(tmp.dir, 'data') });
  const app = agentApp(IDLE, dash.url, { HEAPSCOPE_TMPDIR: tmp.dir, HEAPSCOPE_SNAPSHOT_DIR: snapDir });
  t.after(async () => {
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  await waitFor('the app to listen', () => app.output().includes('ready'));
  app.child.kill('SIGUSR2');
  const job = await waitFor('the signal job', () => [...dash.hub.jobs.values()].find((j) => j.processId === proc.id && j.source === 'signal' && j.state === 'ready'), 30_000);
  assert.ok(job.reportId, 'analysed like MEM');
  assert.ok(dash.hub.store.artifacts.get(job.artifactId!)!.size > 100_000);
  assert.deepEqual(readdirSync(snapDir), [], 'no local copy when the dashboard took it');
  assert.equal(app.child.exitCode, null, 'the app keeps running');
});

test('SIGUSR2 without a dashboard: a 0600 file in HEAPSCOPE_SNAPSHOT_DIR and one line with its path', async (t) => {
  const tmp = await tempDir('heapscope-signal-');
  // Nothing listens here: the agent stays disconnected.
  const app = agentApp(IDLE, 'ws://127.0.0.1:9', { HEAPSCOPE_TMPDIR: tmp.dir, HEAPSCOPE_SNAPSHOT_DIR: tmp.dir });
  t.after(async () => {
    await app.stop();
    await tmp.cleanup();
  });
  await waitFor('the app to listen', () => app.output().includes('ready'));
  app.child.kill('SIGUSR2');
  const line = await waitFor('the notice', () => /heap snapshot \(signal\) written to (\S+)/.exec(app.output()) ?? undefined, 30_000);
  const file = line[1]!;
  assert.ok(file.startsWith(`${tmp.dir}/`), file);
  assert.match(file, new RegExp(`heapscope-${app.child.pid}-\\d{8}-\\d{6}-\\d+\\.heapsnapshot$`));
  const st = statSync(file);
  assert.equal(st.mode & 0o777, 0o600, 'snapshots hold secrets');
  assert.ok(st.size > 100_000);
  assert.equal(app.child.exitCode, null, 'the app keeps running');
});

test('SIGUSR2 without a dashboard, under a limit the bound for any heap would refuse: the heap is counted, then the snapshot written', async (t) => {
  const tmp = await tempDir('heapscope-signal-');
  // 600K objects in Maps: the census-less bound prices them at ~4 GB; their snapshot costs ~260 MB.
  const app = agentApp(IDLE, 'ws://127.0.0.1:9', { HEAPSCOPE_SNAPSHOT_DIR: tmp.dir, MAP_ENTRIES: '600000', HEAPSCOPE_MEMORY_LIMIT: '1800M', HEAPSCOPE_DEBUG: '1' });
  t.after(async () => {
    await app.stop();
    await tmp.cleanup();
  });
  await waitFor('the app to listen', () => app.output().includes('ready'));
  app.child.kill('SIGUSR2');
  const line = await waitFor('the notice', () => /heap snapshot \(signal\) (written to|not taken: )(.*)/.exec(app.output()) ?? undefined, 60_000);
  assert.equal(line[1], 'written to', line[0]);
  assert.match(app.output(), /signal snapshot: counting the heap first/);
  assert.ok(statSync(line[2]!.trim()).size > 1_000_000);
});

test('HEAPSCOPE_SIGNAL=0 installs nothing: SIGUSR2 then does what Node does by default (terminates)', async (t) => {
  const tmp = await tempDir('heapscope-signal-');
  const app = agentApp(IDLE, 'ws://127.0.0.1:9', { HEAPSCOPE_SIGNAL: '0', HEAPSCOPE_SNAPSHOT_DIR: tmp.dir });
  t.after(async () => {
    await app.stop();
    await tmp.cleanup();
  });
  await waitFor('the app to listen', () => app.output().includes('ready'));
  app.child.kill('SIGUSR2');
  await waitFor('exit', () => app.child.signalCode === 'SIGUSR2');
  assert.deepEqual(readdirSync(tmp.dir), []);
});

test('with --heapsnapshot-signal the signal stays with Node', async (t) => {
  const tmp = await tempDir('heapscope-signal-');
  const app = agentApp(IDLE, 'ws://127.0.0.1:9', { HEAPSCOPE_SNAPSHOT_DIR: tmp.dir }, ['--heapsnapshot-signal=SIGUSR2']);
  t.after(async () => {
    await app.stop();
    await tmp.cleanup();
  });
  await waitFor('the notice', () => app.output().includes('not taking heap snapshots on SIGUSR2: Node was started with --heapsnapshot-signal'));
});

test('HEAPSCOPE_NEAR_LIMIT_SNAPSHOT: an app growing toward --max-old-space-size=64 gets one snapshot kept before it dies of OOM', async (t) => {
  const tmp = await tempDir('heapscope-nearlimit-');
  const app = agentApp(
    join(import.meta.dirname, 'apps', 'grow-to-limit.cjs'),
    'ws://127.0.0.1:9', // no dashboard: the snapshot is kept in HEAPSCOPE_SNAPSHOT_DIR
    { HEAPSCOPE_SNAPSHOT_DIR: tmp.dir, HEAPSCOPE_NEAR_LIMIT_SNAPSHOT: '0.6', HEAPSCOPE_INTERVAL: '100' },
    ['--max-old-space-size=64'],
  );
  t.after(async () => {
    await app.stop();
    await tmp.cleanup();
  });
  // 0.6 of V8's heap_size_limit (112 MB here) would be 67 MB, past the 64 MB at which the app dies:
  // the watch must use the old generation's own limit.
  const line = await waitFor('the near-limit notice', () => /heap snapshot \(near-limit\) written to (\S+)/.exec(app.output()) ?? undefined, 60_000);
  await waitFor('the OOM', () => app.child.exitCode !== null || app.child.signalCode !== null, 60_000);
  assert.match(app.output(), /heap out of memory|Reached heap limit/i, 'the app died of its heap limit after the snapshot');
  assert.equal(app.output().match(/heap snapshot \(near-limit\)/g)!.length, 1, 'one snapshot, not one per sample');
  const file = line[1]!;
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const head = readFileSync(file, 'latin1').slice(0, 4096);
  const nodes = Number(/"node_count":(\d+)/.exec(head)?.[1]);
  assert.ok(nodes > 10_000, `a complete snapshot (${nodes} nodes)`);
  // The snapshot holds the grown heap: 0.6 x 64 MB of old generation, less Node's own few MB, in
  // the app's 64 KB strings (ahead of the 0.57 x 64 MB a heap_size_limit-based watch would need).
  const strings = (readFileSync(file, 'latin1').match(/"\d+:x{100}/g) ?? []).length;
  assert.ok(strings * 64 * 1024 >= 32 * 1024 * 1024, `${strings} strings of 64 KB in the snapshot`);
});
