// heapdump's habit: SIGUSR2 writes a guarded snapshot. With a dashboard connected it is uploaded
// through a job the agent asks for (captureRequest) and analysed like MEM; with none it lands in
// HEAPSCOPE_SNAPSHOT_DIR, mode 0600, with one stderr line naming the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
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
