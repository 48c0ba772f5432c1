// Two-core loading of a snapshot file. The main thread reads the file once, skipping "nodes" and
// "edges" with a native scan for their closing ']' and parsing the small sections (locations,
// strings); a worker parses "nodes" and the front of "edges" into shared arrays; the main thread
// parses the back of "edges" backwards (each value lands at its final index without knowing how
// many come before). Where they meet is decided once the main thread has read everything else:
// half of what the worker has not reached yet, so both finish together.
import { open } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { findWorkerScript, spawnWorker } from '../workers.js';
import { SnapshotParser, type ParsedSnapshot } from './parser.js';
import { BackwardEdgeParser } from './backward.js';
import { HeapSnapshotError, type HeapSnapshotErrorCode } from './errors.js';
import { Ctrl, CTRL_CHUNK } from './worker-job.js';
import type { ProgressFn } from '../types.js';

const CHUNK = 4 << 20;

export function parallelAvailable(): boolean {
  return findWorkerScript('parse-worker', 'parse') !== null;
}

interface WorkerResult {
  edgeValues: number;
}

export async function parseFileParallel(file: string, size: number, onProgress?: ProgressFn): Promise<ParsedSnapshot> {
  const script = findWorkerScript('parse-worker', 'parse');
  if (!script) throw new Error('parse worker not found');
  let worker: Worker | null = null;
  let workerDone: Promise<WorkerResult> | null = null;
  let edges: { open: number; close: number } | null = null;
  let workerFinishedAt = 0;
  const fh = await open(file, 'r');
  const ctrl = new BigInt64Array(new SharedArrayBuffer(8 * Ctrl.Slots)).fill(-1n);

  const parser = new SnapshotParser({
    shared: true,
    fastSkip: new Set(['nodes', 'edges']),
    onSectionStart(key, openAt) {
      if (key !== 'nodes' || worker) return;
      const { headerText, targets } = parser.targets();
      worker = spawnWorker(script);
      workerDone = new Promise<WorkerResult>((resolve, reject) => {
        worker!.on('message', (m: { type: string; edgeValues?: number; code?: HeapSnapshotErrorCode; message?: string; offset?: number }) => {
          if (m.type === 'done') {
            workerFinishedAt = performance.now();
            resolve({ edgeValues: m.edgeValues! });
          } else if (m.type === 'error') reject(new HeapSnapshotError(m.code ?? 'IO', stripOffset(m.message ?? 'parse worker failed'), m.offset));
        });
        worker!.on('error', (e) => reject(e));
        worker!.on('exit', (code) => reject(new Error(`parse worker exited (${code})`)));
      });
      workerDone.catch(() => {}); // observed below; avoid an unhandled rejection in between
      worker.postMessage({ file, fileSize: size, headerText, targets, nodesOpen: openAt, ctrl });
    },
    onSectionEnd(key, openAt, close) {
      if (key !== 'edges') return;
      edges = { open: openAt, close };
      Atomics.store(ctrl, Ctrl.EdgesOpen, BigInt(openAt));
      Atomics.store(ctrl, Ctrl.Position, BigInt(openAt));
      Atomics.store(ctrl, Ctrl.Limit, BigInt(close)); // the whole section, until we take a share
      Atomics.notify(ctrl, Ctrl.Limit);
    },
  });

  try {
    // 1. One pass over the file on this thread.
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      parser.push(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
      pos += bytesRead;
      onProgress?.({ phase: 'reading', done: pos, total: size, ratio: (pos / size) * 0.5 });
    }
    parser.checkComplete();
    if (!worker || !edges) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', 'not a heap snapshot: no "nodes" or "edges" section');
    const e = edges as { open: number; close: number };
    // Take the back half of what the worker has not reached (at least two of its chunks ahead of
    // it, so it never has read past the new limit), cut at a separator.
    const reached = Number(Atomics.load(ctrl, Ctrl.Position));
    const at = Math.max(reached + 2 * CTRL_CHUNK, reached + Math.floor((e.close - reached) / 2));
    const split = await separatorAtOrAfter(fh, at, e.close);
    if (split < e.close) Atomics.store(ctrl, Ctrl.Limit, BigInt(split));
    // 2. The back of "edges", from its end to the split, backwards.
    const { targets, edgeLayout } = parser.targets();
    const back = new BackwardEdgeParser(edgeLayout, targets);
    let hi = e.close;
    while (hi > split) {
      const lo = Math.max(split, hi - CHUNK);
      const { bytesRead } = await fh.read(buf, 0, hi - lo, lo);
      if (bytesRead !== hi - lo) throw new HeapSnapshotError('IO', 'file changed while reading', lo);
      back.push(buf.subarray(0, bytesRead), lo);
      hi = lo;
      onProgress?.({ phase: 'reading', done: size, total: size, ratio: 0.5 + (0.5 * (e.close - hi)) / Math.max(1, e.close - split) });
    }
    const backValues = split < e.close ? back.finish(split) : 0;
    // 3. The worker's share.
    const waitStart = performance.now();
    const { edgeValues } = await workerDone!;
    if (process.env.HEAPSCOPE_DEBUG_PARSE) {
      const idle = workerFinishedAt ? Math.round(waitStart - workerFinishedAt) : -Math.round(performance.now() - waitStart);
      process.stderr.write(`parse: worker idle ${idle} ms at the end (negative: main thread idle)\n`);
    }
    const want = edgeLayout.edgeCount * edgeLayout.efc;
    if (edgeValues + backValues !== want) {
      throw new HeapSnapshotError('COUNT_MISMATCH', `"edges" has ${edgeValues + backValues} values but edge_count ${edgeLayout.edgeCount} x ${edgeLayout.efc} fields = ${want}`, e.close);
    }
    return parser.finish();
  } finally {
    await fh.close();
    const w = worker as Worker | null;
    if (w) await w.terminate();
  }
}

/** Position of the first ',' or newline at or after `at` (before `limit`). */
async function separatorAtOrAfter(fh: import('node:fs/promises').FileHandle, at: number, limit: number): Promise<number> {
  if (at >= limit) return limit;
  const b = Buffer.alloc(Math.min(256, limit - at));
  const { bytesRead } = await fh.read(b, 0, b.length, at);
  for (let i = 0; i < bytesRead; i++) if (b[i] === 0x2c || b[i] === 0x0a) return at + i;
  return limit; // no separator nearby: let the worker take the whole section
}

function stripOffset(message: string): string {
  return message.replace(/ \(at byte \d+\)$/, '');
}
