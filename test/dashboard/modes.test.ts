// The data directory holds snapshots and what was learnt from them: every file owner-only (0600),
// every directory 0700, including what an older version left 0644/0755.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, agentApp, dashboard, liveProcess, runAction, tempDir, waitFor } from './support.js';

function modes(dir: string, out: [string, number][] = []): [string, number][] {
  out.push([dir, statSync(dir).mode & 0o777]);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) modes(p, out);
    else out.push([p, statSync(p).mode & 0o777]);
  }
  return out;
}

test('data directory: reports, metadata, artifacts and the lock file 0600, directories 0700 (old ones tightened)', { skip: process.platform === 'win32' }, async (t) => {
  const tmp = await tempDir();
  const data = join(tmp.dir, 'data');
  mkdirSync(join(data, 'processes'), { recursive: true, mode: 0o755 });
  chmodSync(data, 0o755);
  writeFileSync(join(data, 'processes', 'old.json'), JSON.stringify({ id: 'old', project: 'old' }), { mode: 0o644 });
  const dash = await dashboard({ dataDir: data });
  const app = agentApp(join(APPS, 'plain.cjs'), dash.url);
  t.after(async () => {
    await app.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const proc = await liveProcess(dash, app.child.pid!);
  const job = await runAction(dash, proc.id, 'heapSnapshot');
  assert.equal(job.state, 'ready', job.error);
  const cpu = await runAction(dash, proc.id, 'cpuProfile', 0.5);
  assert.equal(cpu.state, 'ready', cpu.error);
  // the metrics history is appended every 5 s
  await waitFor('a metrics history file', () => existsSync(join(data, 'metrics')) && readdirSync(join(data, 'metrics')).some((f) => f.endsWith('.jsonl')), 15_000);
  const all = modes(data);
  const files = all.filter(([p]) => !statSync(p).isDirectory());
  for (const kind of ['.heapsnapshot.gz', '.cpuprofile', '.body.json', '.jsonl', 'dashboard.json', 'old.json']) {
    assert.ok(files.some(([p]) => p.endsWith(kind)), `no ${kind} file among ${files.map(([p]) => p).join(', ')}`);
  }
  const wrong = all.filter(([p, m]) => m !== (statSync(p).isDirectory() ? 0o700 : 0o600)).map(([p, m]) => `${p} ${m.toString(8)}`);
  assert.deepEqual(wrong, []);
});
