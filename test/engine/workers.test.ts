// The engine worker: the thread that parsed a file goes on to analyse it (a worker takes 50-80 ms
// to start), with the results of one thread; a parked worker is handed out once, never dead, and
// keeps no process alive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { analyzeSnapshot, loadSnapshot, summarize } from '../../src/engine/index.js';
import { analyzeGraph } from '../../src/engine/analyze.js';
import { allowGarbageCollection } from '../../src/engine/memory.js';
import { engineWorkerScript, parkWorker, prewarmWorker, spawnWorker, takeWorker } from '../../src/engine/workers.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

let dir: string;
before(() => {
  dir = makeTempDir();
});
after(() => removeTempDir(dir));

const online = (w: Worker) => new Promise<void>((resolve) => w.once('online', () => resolve()));
const exited = (w: Worker) => new Promise<void>((resolve) => w.once('exit', () => resolve()));

test('the thread that parsed a file takes its analysis, and the results are those of one thread', async () => {
  const [file] = await takeSnapshots(appPath('closure-leak'), { count: 1, workPerStep: 50, dir });
  const serial = await analyzeGraph(await loadSnapshot(file, { parallel: false }), { twoCores: false });
  // a parse worker is parked only where it can collect the arrays it still refers to
  const withoutGc = new Set<Worker>();
  await analyzeSnapshot(file, { parallel: true, twoCores: true, onWorker: (w) => withoutGc.add(w) });
  assert.equal(withoutGc.size, 2, 'without the collector: a thread for each job');
  allowGarbageCollection();
  const jobs: Worker[] = [];
  const a = await analyzeSnapshot(file, { parallel: true, twoCores: true, onWorker: (w) => jobs.push(w) });
  assert.equal(jobs.length, 2, 'the parse and the analysis each had a worker');
  assert.equal(jobs[0], jobs[1], 'the same thread');
  for (const k of ['dominator', 'retainedSize', 'distance', 'firstDominated', 'dominated', 'classIndex', 'flags'] as const) {
    assert.deepEqual(Array.from(a[k]), Array.from(serial[k]), k);
  }
  assert.deepEqual(a.statistics, serial.statistics);
  assert.deepEqual(summarize(a), summarize(serial));
  assert.equal(takeWorker(), null, 'nothing left parked');
  // a worker started ahead (as the CLI does while it loads its commands) takes the parse
  prewarmWorker();
  const ahead = takeWorker();
  assert.ok(ahead, 'prewarmWorker parked a worker');
  parkWorker(ahead);
  const again: Worker[] = [];
  const b = await analyzeSnapshot(file, { parallel: true, twoCores: true, onWorker: (w) => again.push(w) });
  assert.deepEqual(again, [ahead, ahead], 'the worker started ahead parsed, then analysed');
  assert.deepEqual(Array.from(b.retainedSize), Array.from(serial.retainedSize));
});

test('a parked worker is handed out once, and not once it has exited', async () => {
  const script = engineWorkerScript();
  assert.ok(script, 'the engine worker script');
  // parked workers are unreferenced: something must keep this test's event loop alive
  const alive = setInterval(() => {}, 1000);
  const w = spawnWorker(script);
  await online(w);
  parkWorker(w);
  assert.equal(takeWorker(), w);
  assert.equal(takeWorker(), null);
  parkWorker(w);
  const gone = exited(w);
  await w.terminate();
  await gone;
  assert.equal(takeWorker(), null, 'a worker that exited while parked');
  // a second one parked ends the first
  const [x, y] = [spawnWorker(script), spawnWorker(script)];
  await Promise.all([online(x), online(y)]);
  parkWorker(x);
  const xGone = exited(x); // (parking drops the listeners there were)
  parkWorker(y);
  await xGone;
  assert.equal(takeWorker(), y);
  await y.terminate();
  clearInterval(alive);
});

test('a parked worker keeps no process alive', () => {
  const workers = fileURLToPath(new URL('../../src/engine/workers.ts', import.meta.url));
  const code = `
    import { engineWorkerScript, parkWorker, spawnWorker } from ${JSON.stringify(workers)};
    const w = spawnWorker(engineWorkerScript());
    w.once('online', () => {
      parkWorker(w);
      const parkedAt = performance.now();
      process.on('exit', () => console.log(JSON.stringify({ after: performance.now() - parkedAt, threadId: w.threadId })));
    });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const { after: ms, threadId } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { after: number; threadId: number };
  // the worker would end after PARKED_MS (3 s) on its own; the process did not wait for that
  assert.ok(threadId > 0, 'it exited with the worker still parked');
  assert.ok(ms < 2000, `exited ${Math.round(ms)} ms after parking`);
});

test('V8 flags on the command line (node --max-old-space-size=... heapscope) do not keep the worker from starting', () => {
  const workers = fileURLToPath(new URL('../../src/engine/workers.ts', import.meta.url));
  const code = `
    import { engineWorkerScript, spawnWorker } from ${JSON.stringify(workers)};
    const w = spawnWorker(engineWorkerScript());
    w.once('online', () => { console.log('online'); void w.terminate(); });`;
  // V8's flags around the loader flag the worker needs (tsx)
  const flags = ['--max-old-space-size=2048', '--expose-gc', '--import', 'tsx', '--stack-trace-limit=20'];
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /online/);
});
