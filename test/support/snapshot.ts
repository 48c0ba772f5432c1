// Real heap snapshots from real child processes: forks a fixture app with the harness preload
// (test/fixtures/harness.cjs) and drives it over IPC: do leak work, write a snapshot, exit.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const fixturesDir = resolve(here, '../fixtures');
export const harnessPath = join(fixturesDir, 'harness.cjs');

/** Path of a fixture app by name, e.g. `appPath('closure-leak')`. */
export function appPath(name: string): string {
  return join(fixturesDir, 'apps', `${name}.cjs`);
}

export interface RunAppOptions {
  /** Extra node flags for the child (the harness, --expose-gc and a heap cap are always added). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Per-command timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Forward the child's stdout/stderr to ours (default: discarded, e.g. MaxListeners warnings). */
  inheritOutput?: boolean;
}

export interface AppHandle {
  child: ChildProcess;
  pid: number;
  /** Do n units of the app's leak work; resolves when done. */
  work(n: number): Promise<void>;
  /** GC (the child runs with --expose-gc) and write a heap snapshot; resolves with its path. */
  snap(file: string): Promise<string>;
  /** Ask the app to exit and wait for it; kills it if it does not. */
  exit(): Promise<void>;
}

interface Reply {
  seq: number;
  ok: boolean;
  error?: string;
  file?: string;
  pid?: number;
}

/** Start a fixture app under the harness and wait until it has registered its work function. */
export async function runApp(app: string, opts: RunAppOptions = {}): Promise<AppHandle> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = fork(app, [], {
    execArgv: ['--expose-gc', '--max-old-space-size=512', '--require', harnessPath, ...(opts.execArgv ?? [])],
    env: { ...process.env, NODE_OPTIONS: '', ...opts.env },
    stdio: opts.inheritOutput ? 'inherit' : ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let exited = false;
  const exitPromise = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      exited = true;
      const err = new Error(`fixture ${app} exited (code ${code}, signal ${signal})\n${stderr}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      res();
    });
  });
  child.on('message', (m: Reply) => {
    const p = pending.get(m.seq);
    if (!p) return;
    pending.delete(m.seq);
    p.resolve(m);
  });

  const send = (cmd: Record<string, unknown>): Promise<Reply> => {
    if (exited) return Promise.reject(new Error(`fixture ${app} is not running\n${stderr}`));
    const id = ++seq;
    return new Promise<Reply>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`fixture ${app}: ${String(cmd.cmd)} timed out after ${timeoutMs} ms\n${stderr}`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.ok) resolvePromise(r);
          else reject(new Error(`fixture ${app}: ${String(cmd.cmd)} failed: ${r.error}`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...cmd, seq: id });
    });
  };

  try {
    await send({ cmd: 'ready' });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    pid: child.pid!,
    work: async (n) => {
      await send({ cmd: 'work', n });
    },
    snap: async (file) => (await send({ cmd: 'snap', file })).file!,
    exit: async () => {
      if (exited) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await send({ cmd: 'exit' }).catch(() => {});
      await exitPromise;
      clearTimeout(killer);
    },
  };
}

/**
 * Units of work per snapshot step that make each app's leak clearly dominate its growth while
 * keeping snapshots small (a unit is one request, reconnect cycle or timer, depending on the app).
 */
export const DEFAULT_WORK: Record<string, number> = {
  'closure-leak': 10,
  'global-cache': 10,
  'socket-reconnect': 500,
  'implicit-global': 50,
  'keepalive-listener': 50,
  'emitter-listener': 50,
  'timer-leak': 50,
  'map-cache': 200,
  healthy: 200,
  plain: 50,
  'http-load': 100,
};

export interface TakeSnapshotsOptions extends RunAppOptions {
  /** Number of snapshots (default 3). */
  count?: number;
  /** Units of leak work before each snapshot (default DEFAULT_WORK[app] or 10). */
  workPerStep?: number;
  /** Work before the first snapshot (default workPerStep). */
  warmup?: number;
  /** Directory for the files (default: a fresh one under os.tmpdir()). */
  dir?: string;
}

/** Run an app, take `count` snapshots with the leak proceeding in between; returns their paths. */
export async function takeSnapshots(app: string, opts: TakeSnapshotsOptions = {}): Promise<string[]> {
  const count = opts.count ?? 3;
  const name = app.replace(/^.*[\\/]/, '').replace(/\.c?js$/, '');
  const step = opts.workPerStep ?? DEFAULT_WORK[name] ?? 10;
  const dir = opts.dir ?? makeTempDir();
  const handle = await runApp(app, opts);
  const files: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      await handle.work(i === 0 ? (opts.warmup ?? step) : step);
      files.push(await handle.snap(join(dir, `${name}-${i + 1}.heapsnapshot`)));
    }
  } finally {
    await handle.exit();
  }
  return files;
}

/** A fresh directory under os.tmpdir() for snapshot files; remove it with `removeTempDir`. */
export function makeTempDir(prefix = 'heapscope-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
