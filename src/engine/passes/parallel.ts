// Two-core analysis: shallow sizes and distances don't depend on the dominator tree (and the tree
// doesn't depend on shallow sizes), so a worker computes them over the graph's shared arrays while
// the main thread runs the dominator pass. Used only when the parser left the arrays it needs in
// SharedArrayBuffers (copying them would cost time and memory) and the graph is big enough to pay
// for a thread.
import type { Worker } from 'node:worker_threads';
import { findWorkerScript, spawnWorker } from '../workers.js';
import type { HeapGraph } from '../graph.js';
import { hasUserRoots, moveOwnedSizes, type ShallowGraph } from './shallow.js';
import { bfsDistances, distanceInputs, type DistanceGraph, type DistanceInputs } from './distances.js';
import type { EphemeronInfo } from './weakmap.js';

const MIN_NODES = 200_000;

export interface SideJob {
  graph: ShallowGraph & DistanceGraph;
  /** String index of "system / ExternalStringData" (-1 if absent), or null to skip shallow sizes. */
  externalData: number | null;
  inputs: DistanceInputs;
  distance: Int32Array;
}

export interface SideWork {
  /** Resolves once selfSize holds DevTools' shallow sizes. */
  shallow: Promise<void>;
  distance: Promise<Int32Array>;
}

const isShared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;

/**
 * Starts shallow sizes + distances in a worker, or returns null when that doesn't apply (the
 * caller then runs them itself). If the worker dies before it starts, they run here instead.
 */
export function startSideWork(g: HeapGraph, eph: EphemeronInfo, minNodes = MIN_NODES): SideWork | null {
  const { nodeType, nodeName, selfSize, firstEdge, edgeType, edgeNameOrIndex, edgeTo } = g;
  if (g.nodeCount < minNodes || ![nodeType, nodeName, selfSize, firstEdge, edgeType, edgeNameOrIndex, edgeTo].every(isShared)) return null;
  const script = findWorkerScript('passes-worker', 'passes');
  if (!script) return null;
  const job: SideJob = {
    graph: { nodeCount: g.nodeCount, nodeType, nodeName, selfSize, firstEdge, edgeType, edgeNameOrIndex, edgeTo, types: g.types },
    externalData: hasUserRoots(g) ? g.strings.indexOf('system / ExternalStringData') : null,
    inputs: distanceInputs(g, eph),
    distance: new Int32Array(new SharedArrayBuffer(g.nodeCount * 4)),
  };
  let worker: Worker;
  try {
    worker = spawnWorker(script, { workerData: job });
  } catch {
    return null;
  }
  const shallow = deferred<void>();
  const distance = deferred<Int32Array>();
  let started = false;
  let finished = false;
  const fail = (e: Error) => {
    if (finished) return;
    finished = true;
    if (!started) {
      // Nothing was written yet: do the work on this thread.
      if (job.externalData !== null) moveOwnedSizes(job.graph, job.externalData);
      shallow.resolve();
      distance.resolve(bfsDistances(job.graph, job.inputs, job.distance));
      return;
    }
    shallow.reject(e);
    distance.reject(e);
  };
  worker.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'ready') started = true;
    else if (m.type === 'shallow') shallow.resolve();
    else if (m.type === 'done') {
      finished = true;
      distance.resolve(job.distance);
      void worker.terminate();
    } else if (m.type === 'error') fail(new Error(`analysis worker: ${m.message}`));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`analysis worker exited (${code})`)));
  return { shallow: shallow.promise, distance: distance.promise };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // the caller awaits it later; no unhandled rejection meanwhile
  return { promise, resolve, reject };
}
