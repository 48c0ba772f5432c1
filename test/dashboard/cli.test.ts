// The CLI commands around the dashboard: `demo --headless` (the README's first command) runs the
// whole loop and prints the leak; `run -- node app` preloads the agent, starts a detached
// dashboard that outlives the app, and returns the app's exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CLI, api, tempDir, waitFor } from './support.js';
import type { ProcessView } from '../../src/dashboard/hub/index.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('demo --headless: agent -> MEM -> report through the dashboard, prints the closure leak, exits 0', async () => {
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = execFile(process.execPath, [CLI, 'demo', '--headless'], { encoding: 'utf8', timeout: 90_000, env: { ...process.env, NODE_OPTIONS: '' } }, (_e, stdout, stderr) =>
      resolve({ code: c.exitCode, stdout, stderr }),
    );
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /agent connected: heapscope-demo pid \d+/);
  assert.match(r.stderr, /report ready in [\d.]+ s/);
  assert.match(r.stdout, /theThing/);
  assert.match(r.stdout, /' leak/);
  assert.match(r.stdout, /[Cc]losure context/);
});

test('run -- node app: agent preloaded, dashboard started detached and reused, exit code forwarded', async (t) => {
  const tmp = await tempDir();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  t.after(async () => {
    // Stop the detached dashboard this test started (its pid is in the data dir's lock file).
    try {
      const lock = JSON.parse(await readFile(join(tmp.dir, 'dashboard.json'), 'utf8')) as { pid: number };
      process.kill(lock.pid, 'SIGTERM');
      await waitFor('dashboard to stop', async () => !(await fetch(`${base}/api/health`).then(() => true, () => false)), 10_000);
    } catch {
      // never started
    }
    await tmp.cleanup();
  });
  const app = 'setTimeout(() => process.exit(3), 2500); setInterval(() => {}, 1000);';
  const child = spawn(process.execPath, [CLI, 'run', '--port', String(port), '--data', tmp.dir, '--project', 'run-test', '--', process.execPath, '-e', app], {
    env: { ...process.env, NODE_OPTIONS: '', HEAPSCOPE_INTERVAL: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const proc = await waitFor('the app to appear in the dashboard', async () => {
    const r = await api<ProcessView[]>(base, '/api/processes');
    return r.body.find((p) => p.project === 'run-test' && p.live);
  });
  assert.notEqual(proc.pid, child.pid, 'the agent runs in the app, not in the CLI');
  assert.equal(await exit, 3, err);
  assert.match(err, new RegExp(`dashboard started at http://127\\.0\\.0\\.1:${port}`));
  // The dashboard outlives the app and shows it gone; a second run reuses it.
  await waitFor('the app to show as gone', async () => {
    const r = await api<ProcessView[]>(base, '/api/processes');
    return r.body.find((p) => p.id === proc.id && !p.live);
  });
  const second = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const c = execFile(process.execPath, [CLI, 'run', '--port', String(port), '--', process.execPath, '-e', 'process.exit(0)'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }, (_e, _o, stderr) =>
      resolve({ code: c.exitCode, stderr }),
    );
  });
  assert.equal(second.code, 0);
  assert.match(second.stderr, /dashboard running at/);
});
