// The agent's automatic-capture guards, with real agents and a real dashboard: off switch, cooldown,
// daily cap, one capture at a time per host (lock file holding the pid; stale when the pid is dead),
// temp files removed after each snapshot and stale ones of dead pids swept at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { agentApp, dashboard, liveProcess, tempDir, waitFor } from '../dashboard/support.js';
import { autoSnapshot, deadPid } from './support.js';
import { LOCK_NAME } from '../../src/agent/auto-capture.js';

const IDLE = join(import.meta.dirname, 'apps', 'idle.cjs');

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const tmp = await tempDir('heapscope-guards-');
  const data = join(tmp.dir, 'data');
  const lockDir = join(tmp.dir, 'tmp');
  mkdirSync(lockDir);
  const dash = await dashboard({ dataDir: data });
  const apps: { stop: () => Promise<void> }[] = [];
  t.after(async () => {
    for (const a of apps) await a.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const start = async (env: NodeJS.ProcessEnv = {}) => {
    const app = agentApp(IDLE, dash.url, { HEAPSCOPE_TMPDIR: lockDir, HEAPSCOPE_SIGNAL: '0', ...env });
    apps.push(app);
    return { app, proc: await liveProcess(dash, app.child.pid!) };
  };
  return { dash, lockDir, start };
}

test('off switch: HEAPSCOPE_AUTO_CAPTURE=0 refuses automatic snapshots with GUARD, MEM still works', async (t) => {
  const { dash, start } = await setup(t);
  const { proc } = await start({ HEAPSCOPE_AUTO_CAPTURE: '0' });
  const auto = await autoSnapshot(dash, proc.id, { id: 'c1', index: 0, count: 1 });
  assert.equal(auto.state, 'failed');
  assert.match(auto.error ?? '', /^GUARD: .*automatic capture is off/);
  const manual = dash.hub.trigger(proc.id, 'heapSnapshot', undefined, { analyze: false });
  assert.equal((await dash.hub.waitJob(manual.id)).state, 'ready');
});

test('cooldown counts captures, not snapshots; the daily cap stops the next one', async (t) => {
  const { dash, start } = await setup(t);
  // Default cooldown (1 h): the second snapshot of capture A is allowed, capture B is not.
  const a = await start();
  assert.equal((await autoSnapshot(dash, a.proc.id, { id: 'A', index: 0, count: 2 })).state, 'ready');
  assert.equal((await autoSnapshot(dash, a.proc.id, { id: 'A', index: 1, count: 2 })).state, 'ready');
  const b = await autoSnapshot(dash, a.proc.id, { id: 'B', index: 0, count: 2 });
  assert.equal(b.state, 'failed');
  assert.match(b.error ?? '', /^GUARD: .*cooldown: the last automatic capture of this process was \d+ s ago \(cooldown 3600 s\)/);

  // No cooldown, cap 2: captures C and D pass, E is refused.
  const c = await start({ HEAPSCOPE_AUTO_CAPTURE_COOLDOWN_MS: '0', HEAPSCOPE_AUTO_CAPTURE_DAILY_CAP: '2' });
  assert.equal((await autoSnapshot(dash, c.proc.id, { id: 'C', index: 0, count: 1 })).state, 'ready');
  assert.equal((await autoSnapshot(dash, c.proc.id, { id: 'D', index: 0, count: 1 })).state, 'ready');
  const e = await autoSnapshot(dash, c.proc.id, { id: 'E', index: 0, count: 1 });
  assert.equal(e.state, 'failed');
  assert.match(e.error ?? '', /^GUARD: .*daily cap: 2 automatic captures in the last 24 h \(cap 2\)/);
  // An operator's signal snapshot is not a leak capture: cooldown and cap do not apply to it.
  assert.equal((await autoSnapshot(dash, c.proc.id, { id: 'S', index: 0, count: 1, reason: 'signal' })).state, 'ready');
});

test('one capture at a time per host: the lock file holds the pid; a dead holder is stale', async (t) => {
  const { dash, lockDir, start } = await setup(t);
  const env = { HEAPSCOPE_AUTO_CAPTURE_COOLDOWN_MS: '0' };
  const [a, b] = await Promise.all([start(env), start(env)]);
  const lock = join(lockDir, LOCK_NAME);

  assert.equal((await autoSnapshot(dash, a.proc.id, { id: 'A', index: 0, count: 2 })).state, 'ready');
  assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, a.proc.pid, 'A holds the host lock between its snapshots');
  const refused = await autoSnapshot(dash, b.proc.id, { id: 'B', index: 0, count: 1 });
  assert.equal(refused.state, 'failed');
  assert.match(refused.error ?? '', new RegExp(`^GUARD: .*one capture at a time per host: pid ${a.proc.pid} is capturing`));
  assert.equal((await autoSnapshot(dash, a.proc.id, { id: 'A', index: 1, count: 2 })).state, 'ready');
  // The agent releases it once its upload call returns, a moment after the dashboard stored the file.
  await waitFor('the last snapshot of a capture to release the lock', () => !existsSync(lock), 5000);
  assert.equal((await autoSnapshot(dash, b.proc.id, { id: 'B', index: 0, count: 1 })).state, 'ready');

  // A holder that died mid-capture (SIGKILL: no exit hook) does not block the host.
  writeFileSync(lock, JSON.stringify({ pid: await deadPid(), capture: 'crashed', t: Date.now() }));
  assert.equal((await autoSnapshot(dash, b.proc.id, { id: 'B2', index: 0, count: 1 })).state, 'ready');
  // Nothing left in the temp dir: each snapshot's temp dir went with its upload.
  await waitFor('temp dirs to go', () => readdirSync(lockDir).filter((n) => n.startsWith('heapscope-') && n !== LOCK_NAME).length === 0, 5000);
});

test('stale temp dirs of dead pids are swept when an agent starts; live ones are kept', async (t) => {
  const { lockDir, start } = await setup(t);
  const dead = join(lockDir, `heapscope-${await deadPid()}-AbC123`);
  const live = join(lockDir, `heapscope-${process.pid}-XyZ789`);
  for (const d of [dead, live]) {
    mkdirSync(d);
    writeFileSync(join(d, 'x.heapsnapshot'), 'secret');
  }
  await start();
  assert.equal(existsSync(dead), false, 'dead pid temp dir removed');
  assert.equal(existsSync(live), true, 'a live process keeps its temp dir');
});
