// Locating and starting the engine's worker thread (threads/engine-worker.ts, built to
// dist/engine/engine-worker.js).
// A worker takes 50-80 ms to start on these machines (most of it Node's own bootstrap), time the
// analysis would wait for before its first pass: the thread that parsed a snapshot is parked for a
// few seconds, and the analysis that follows takes it (see parkWorker).
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { threadScript } from '../shared/index.js';

/** The engine's worker script, or null where it can't be found. */
export function engineWorkerScript(): URL | null {
  return threadScript('engine/engine-worker.js', 'engine/threads/engine-worker.ts');
}

export function spawnWorker(script: URL, opts: WorkerOptions = {}): Worker {
  // Workers inherit the process's flags, except those only a main script takes and V8's, which
  // are the process's anyway: a worker given one does not start (`node --max-old-space-size=8192
  // heapscope analyze` read every big file on one thread). Which flags are V8's, Node says.
  let execArgv = process.execArgv.filter((a) => !/^--(input-type|eval|print|test|watch)\b/.test(a));
  try {
    return startWorker(script, { execArgv, ...opts });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || opts.execArgv) throw e;
    // "Initiated Worker with invalid execArgv flags: --max-old-space-size=8192, --expose-gc" (a V8
    // flag's value comes after '=': node takes no other form)
    const invalid = new Set(((e as Error).message.split(': ')[1] ?? '').split(', '));
    execArgv = execArgv.filter((a) => !invalid.has(a));
    return startWorker(script, { execArgv, ...opts });
  }
}

function startWorker(script: URL, opts: WorkerOptions): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, opts);
  // From source (tests under tsx): register tsx in the worker before loading the module.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}

/** How long a parked worker waits for its next job before it ends. */
const PARKED_MS = 3000;
let parked: { worker: Worker; timer: NodeJS.Timeout } | null = null;
const EVENTS = ['message', 'messageerror', 'error', 'exit', 'online'] as const;

/**
 * Keeps an engine worker whose job went well (and that waits for another: see engine-worker.ts)
 * for takeWorker, for PARKED_MS. It keeps neither the process alive nor its caller's listeners.
 * One at a time: another one already parked ends.
 */
export function parkWorker(w: Worker): void {
  for (const ev of EVENTS) w.removeAllListeners(ev);
  if (parked) {
    clearTimeout(parked.timer);
    if (parked.worker !== w) void parked.worker.terminate();
  }
  w.unref();
  const timer = setTimeout(() => {
    if (parked?.worker === w) parked = null;
    void w.terminate();
  }, PARKED_MS);
  timer.unref();
  w.on('error', () => {}); // (an error with no listener would be thrown in this thread)
  w.once('exit', () => {
    if (parked?.worker !== w) return;
    clearTimeout(parked.timer);
    parked = null;
  });
  parked = { worker: w, timer };
}

/** The parked worker (see parkWorker), referenced again, or null. */
export function takeWorker(): Worker | null {
  if (!parked) return null;
  const { worker, timer } = parked;
  parked = null;
  clearTimeout(timer);
  for (const ev of EVENTS) worker.removeAllListeners(ev);
  if (worker.threadId < 0) return null; // it has exited
  worker.ref();
  return worker;
}

/** Files of this size and more are parsed on two threads (see parse/load.ts). */
export const PARALLEL_MIN_BYTES = 32 << 20;

/**
 * Starts an engine worker for a parse the caller knows is coming and parks it (the CLI, before it
 * loads its commands: the worker's start overlaps that). Call after allowGarbageCollection.
 */
export function prewarmWorker(): void {
  if (parked) return;
  const script = engineWorkerScript();
  if (!script) return;
  try {
    parkWorker(spawnWorker(script));
  } catch {
    // the parse starts one itself
  }
}
