// Spawns fixture apps with an IPC channel and collects their reports, for agent tests.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const DIST = join(ROOT, 'dist');
export const FIXTURES = join(ROOT, 'test/fixtures/agent');

export interface Child {
  proc: ChildProcess;
  reports: Record<string, unknown>[];
  stderr: () => string;
  stdout: () => string;
  /** Waits for a report matching pred. */
  next<T = Record<string, unknown>>(pred: (r: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<T>;
  request<T = Record<string, unknown>>(msg: object, key: string, timeoutMs?: number): Promise<T>;
  exited: Promise<number | null>;
  kill(): void;
}

export function spawnApp(script: string, opts: { env?: Record<string, string>; execArgv?: string[]; args?: string[] } = {}): Child {
  const proc = fork(join(FIXTURES, script), opts.args ?? [], {
    execArgv: opts.execArgv ?? [],
    env: { ...process.env, NODE_OPTIONS: '', HEAPSCOPE_AUTOSTART: '0', HEAPSCOPE_DEBUG: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    cwd: ROOT,
  });
  let err = '';
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const reports: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  proc.on('message', (m) => {
    reports.push(m as Record<string, unknown>);
    for (const l of [...listeners]) l();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let seen = 0;
  const next = <T>(pred: (r: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<T> =>
    new Promise<T>((resolvePromise, reject) => {
      const check = () => {
        for (let i = seen; i < reports.length; i++) {
          if (pred(reports[i])) {
            seen = i + 1;
            done();
            resolvePromise(reports[i] as T);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`child ${script}: no report within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return {
    proc,
    reports,
    stderr: () => err,
    stdout: () => out,
    next,
    request: <T>(msg: object, key: string, timeoutMs?: number) => {
      const p = next<Record<string, unknown>>((r) => key in r, timeoutMs);
      proc.send(msg);
      return p.then((r) => r[key] as T);
    },
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
