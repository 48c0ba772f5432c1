// Two-core loading of a snapshot file. A worker parses "nodes" and the front of "edges" into shared
// arrays; the main thread parses the back of "edges" backwards (each value lands at its final index
// without knowing how many come before) and the small sections (locations, strings).
// Tail mode (V8's layout: "edges" ends just before "trace_function_infos"): the main thread reads
// the header, finds where "edges" ends by searching back from the end of the file, parses the
// tail, then claims "edges" chunk by chunk from its end until it meets the worker. Otherwise it
// reads the whole file once, skipping "nodes" and "edges" with a native scan for their ']', and
// takes half of what the worker has not reached. Tail mode turns anything unexpected (a bad byte,
// a count mismatch, another layout) into a plain error, and the caller re-reads the file on one
// thread, which reports it exactly.
import { open } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { engineWorkerScript, parkWorker, spawnWorker, takeWorker } from '../workers.js';
import type { ParseJob } from './worker-job.js';
import { canCollectGarbage } from '../memory.js';
import { SnapshotParser } from './parser.js';
import type { LocationIndex, ParsedSnapshot } from './meta.js';
import { buildLocationIndex } from './build.js';
import { BackwardEdgeParser } from './backward.js';
import { HeapSnapshotError, type HeapSnapshotErrorCode } from '../../shared/index.js';
import { Ctrl, CTRL_CHUNK, LAYOUT_ERROR, lowerLimit } from './worker-job.js';
import type { ProgressFn } from '../types.js';

const CHUNK = 4 << 20;
const HEAD_CHUNK = 64 << 10;

export function parallelAvailable(): boolean {
  return engineWorkerScript() !== null;
}

interface WorkerResult {
  edgeValues: number;
  traces: boolean;
}

export async function parseFileParallel(
  file: string, size: number, onProgress?: ProgressFn, wideSizes = false, onWorker?: (w: Worker) => void,
): Promise<ParsedSnapshot> {
  const script = engineWorkerScript();
  if (!script) throw new Error('engine worker not found');
  let worker: Worker | null = null;
  let workerDone: Promise<WorkerResult> | null = null;
  let edges: { open: number; close: number } | null = null;
  let workerFinishedAt = 0;
  let workerSettled = false; // done or failed: it will not move on in "edges"
  let locationIndex: LocationIndex | undefined;
  const fh = await open(file, 'r');
  const ctrl = new BigInt64Array(new SharedArrayBuffer(8 * Ctrl.Slots)).fill(-1n);
  Atomics.store(ctrl, Ctrl.Lock, 0n);

  const parser = new SnapshotParser({
    shared: true,
    totalBytes: size,
    wideSizes,
    fastSkip: new Set(['nodes', 'edges']),
    onSectionStart(key, openAt) {
      if (key !== 'nodes' || worker) return;
      const { headerText, targets } = parser.targets();
      worker = takeWorker() ?? spawnWorker(script);
      onWorker?.(worker);
      workerDone = new Promise<WorkerResult>((resolve, reject) => {
        worker!.on('message', (m: { type: string; edgeValues?: number; traces?: boolean; code?: HeapSnapshotErrorCode | typeof LAYOUT_ERROR; message?: string; offset?: number }) => {
          if (m.type === 'done') {
            workerFinishedAt = performance.now();
            resolve({ edgeValues: m.edgeValues!, traces: m.traces === true });
          } else if (m.type === 'error' && m.code === LAYOUT_ERROR) reject(new Error(`parse worker: ${m.message}`));
          else if (m.type === 'error') reject(new HeapSnapshotError((m.code as HeapSnapshotErrorCode) ?? 'IO', stripOffset(m.message ?? 'parse worker failed'), m.offset));
        });
        worker!.on('error', (e) => reject(e));
        worker!.on('exit', (code) => reject(new Error(`parse worker exited (${code})`)));
      });
      workerDone.then(
        () => (workerSettled = true),
        () => (workerSettled = true),
      ); // (also: no unhandled rejection before it is awaited below)
      worker.postMessage({ kind: 'parse', job: { file, fileSize: size, headerText, targets, nodesOpen: openAt, ctrl } satisfies ParseJob }); // (see threads/engine-worker.ts)
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
    // (one buffer for every read: each one left behind is garbage at the analysis's peak)
    const buf = Buffer.allocUnsafe(CHUNK + TAIL_OVERLAP);
    let pos = 0;
    const readOn = async (untilNodes: boolean): Promise<void> => {
      for (;;) {
        // small reads until "nodes" starts (the header is a few KB): tail mode then skips the rest
        const want = worker ? CHUNK : HEAD_CHUNK;
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) break;
        parser.push(buf.subarray(0, bytesRead));
        pos += bytesRead;
        onProgress?.({ phase: 'reading', done: pos, total: size, ratio: (pos / size) * 0.5 });
        if (untilNodes && worker && parser.fastSkipping === 'nodes') return; // the worker has started: try the tail
      }
    };
    await readOn(true);
    let backValues: number;
    let close = parser.fastSkipping === 'nodes' ? await edgesEndFromTail(fh, buf, pos, size) : -1;
    if (close >= 0) {
      // Tail mode.
      try {
        Atomics.store(ctrl, Ctrl.Tail, 1n);
        Atomics.store(ctrl, Ctrl.Limit, BigInt(close));
        Atomics.notify(ctrl, Ctrl.Limit);
        parser.jumpPastEdges(close);
        pos = close + 1;
        await readOn(false);
        parser.checkComplete();
        // (done here, the worker takes more of "edges": the wait is shared)
        locationIndex = buildLocationIndex(parser.locationsSoFar(), true);
        backValues = await claimEdgesFromEnd(fh, buf, ctrl, parser, close, () => workerSettled, onProgress);
      } catch (e) {
        if (e instanceof HeapSnapshotError) throw new Error(`tail mode: ${e.message}`); // re-read on one thread
        throw e;
      }
    } else {
      // One pass over the whole file.
      await readOn(false);
      parser.checkComplete();
      if (!worker || !edges) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', 'not a heap snapshot: no "nodes" or "edges" section');
      locationIndex = buildLocationIndex(parser.locationsSoFar(), true); // (before the split below)
      const e = edges as { open: number; close: number };
      close = e.close;
      // Take the back half of what the worker has not reached (at least two of its chunks ahead of
      // it, so it never has read past the new limit), cut at a separator.
      const reached = Number(Atomics.load(ctrl, Ctrl.Position));
      let at = Math.max(reached + 2 * CTRL_CHUNK, reached + Math.floor((e.close - reached) / 2));
      let split = await separatorAtOrAfter(fh, at, e.close);
      // the worker went on during the read: if it has taken bytes past the split, split after them
      while (split < e.close && !lowerLimit(ctrl, split)) {
        at = Number(Atomics.load(ctrl, Ctrl.Reserved)) + CTRL_CHUNK;
        split = await separatorAtOrAfter(fh, at, e.close);
      }
      // The back of "edges", from its end to the split, backwards.
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
      backValues = split < e.close ? back.finish(split) : 0;
    }
    // The worker's share.
    const waitStart = performance.now();
    const tail = Atomics.load(ctrl, Ctrl.Tail) === 1n;
    let result: WorkerResult;
    try {
      result = await workerDone!;
    } catch (e) {
      // as everything unexpected in tail mode: the one-thread re-read reports it exactly (a self
      // size past 32 bits is not unexpected: load.ts reads again with 64-bit sizes)
      if (tail && e instanceof HeapSnapshotError && e.code !== 'WIDE_SIZES') throw new Error(`tail mode: ${e.message}`);
      throw e;
    }
    const { edgeValues, traces } = result;
    if (traces) parser.noteTraceIds();
    if (process.env.HEAPSCOPE_DEBUG_PARSE) {
      const idle = workerFinishedAt ? Math.round(waitStart - workerFinishedAt) : -Math.round(performance.now() - waitStart);
      process.stderr.write(`parse (${close >= 0 && Atomics.load(ctrl, Ctrl.Tail) === 1n ? 'tail' : 'one pass'}): worker idle ${idle} ms at the end (negative: main thread idle)\n`);
    }
    const { edgeLayout } = parser.targets();
    const want = edgeLayout.edgeCount * edgeLayout.efc;
    if (edgeValues + backValues !== want) {
      const err = new HeapSnapshotError('COUNT_MISMATCH', `"edges" has ${edgeValues + backValues} values but edge_count ${edgeLayout.edgeCount} x ${edgeLayout.efc} fields = ${want}`, close);
      if (Atomics.load(ctrl, Ctrl.Tail) === 1n) throw new Error(`tail mode: ${err.message}`);
      throw err;
    }
    parser.markParsedElsewhere('edges');
    return { ...parser.finish(), locationIndex };
  } finally {
    await fh.close();
    const w = worker as Worker | null;
    // A worker that finished its share waits for its next job: the analysis, as a rule. (Only where
    // it can collect its garbage: it refers to arrays the graph may have dropped until it does.)
    if (w && workerFinishedAt > 0 && canCollectGarbage()) parkWorker(w);
    else if (w) await w.terminate();
  }
}

// V8 writes "trace_function_infos" right after "edges" (then trace_tree, samples, locations, strings).
const TAIL_KEY = Buffer.from('"trace_function_infos"');
const TAIL_OVERLAP = TAIL_KEY.length + 64;
const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The offset of the ']' closing "edges", found by searching back from the end of the file for
 * `<digit>],"trace_function_infos":` (unique in valid JSON: inside a string its quotes would be
 * escaped), or -1 when the tail is not V8's or is longer than a quarter of the file (then reading
 * everything once costs about the same).
 */
async function edgesEndFromTail(fh: import('node:fs/promises').FileHandle, buf: Buffer, from: number, size: number): Promise<number> {
  const limit = Math.max(from, size - Math.max(64 << 20, Math.floor(size / 4)));
  const overlap = TAIL_OVERLAP;
  let hi = size;
  let carry = 0; // bytes at buf's end carried over from the previous (later) chunk
  while (hi > limit) {
    const lo = Math.max(limit, hi - CHUNK);
    buf.copyWithin(hi - lo, 0, carry);
    const { bytesRead } = await fh.read(buf, 0, hi - lo, lo);
    if (bytesRead !== hi - lo) return -1;
    const len = hi - lo + carry;
    for (let at = buf.lastIndexOf(TAIL_KEY, len - TAIL_KEY.length); at >= 0; at = at > 0 ? buf.lastIndexOf(TAIL_KEY, at - 1) : -1) {
      let j = at + TAIL_KEY.length;
      while (j < len && isWs(buf[j])) j++;
      if (j >= len || buf[j] !== 0x3a) continue; // not followed by ':'
      let i = at - 1;
      while (i >= 0 && isWs(buf[i])) i--;
      if (i < 0 || buf[i] !== 0x2c) continue;
      i--;
      while (i >= 0 && isWs(buf[i])) i--;
      if (i < 1 || buf[i] !== 0x5d) continue;
      let d = i - 1;
      while (d >= 0 && isWs(buf[d])) d--;
      if (d < 0 || buf[d] < 0x30 || buf[d] > 0x39) continue;
      return lo + i;
    }
    carry = Math.min(overlap, len); // this chunk's first bytes, moved behind the next one
    hi = lo;
  }
  return -1;
}

/**
 * Tail mode's share of "edges": chunks claimed from the end, aiming two of the worker's chunks
 * beyond where it is. Before the worker reaches "edges" (it parses "nodes" first, a third of the
 * file) this thread may claim down to the earliest place "edges" could start (every value takes at
 * least two bytes); then it waits for the worker to start "edges" rather than leave it the rest
 * (see PERFORMANCE.md). The aim is only a
 * guess, as the worker goes on while a chunk is read: lowerLimit decides, against what the worker
 * has reserved.
 * HEAPSCOPE_TEST_CLAIM_DELAY_MS (tests) holds each claim back after its read, as a slow disk would.
 */
async function claimEdgesFromEnd(
  fh: import('node:fs/promises').FileHandle, buf: Buffer, ctrl: BigInt64Array, parser: SnapshotParser, close: number,
  workerSettled: () => boolean, onProgress?: ProgressFn,
): Promise<number> {
  const { targets, edgeLayout } = parser.targets();
  const back = new BackwardEdgeParser(edgeLayout, targets);
  const earliestOpen = close - 2 * edgeLayout.edgeCount * edgeLayout.efc;
  const claimDelay = Number(process.env.HEAPSCOPE_TEST_CLAIM_DELAY_MS) || 0;
  let hi = close;
  for (;;) {
    let reached = Number(Atomics.load(ctrl, Ctrl.Position));
    if (reached < 0 && hi - CHUNK < earliestOpen + 2 * CTRL_CHUNK) {
      await workerInEdges(ctrl, workerSettled);
      reached = Number(Atomics.load(ctrl, Ctrl.Position));
    }
    const floor = (reached < 0 ? earliestOpen : reached) + 2 * CTRL_CHUNK;
    const lo = Math.max(floor, hi - CHUNK);
    if (lo >= hi) break;
    const { bytesRead } = await fh.read(buf, 0, hi - lo, lo);
    if (bytesRead !== hi - lo) throw new HeapSnapshotError('IO', 'file changed while reading', lo);
    if (claimDelay > 0) await new Promise((r) => setTimeout(r, claimDelay));
    // the first separator the worker has not taken: it went on while this chunk was read
    let s = 0;
    for (;;) {
      while (s < bytesRead && buf[s] !== 0x2c && buf[s] !== 0x0a) s++;
      if (s === bytesRead || lowerLimit(ctrl, lo + s)) break;
      s = Math.max(s + 1, Number(Atomics.load(ctrl, Ctrl.Reserved)) - 1 - lo);
    }
    if (s >= bytesRead) break; // no separator left: the rest is the worker's
    back.push(buf.subarray(s, bytesRead), lo + s);
    hi = lo + s;
    // about half of what is left between the two threads is this one's
    onProgress?.({ phase: 'reading', ratio: 0.5 + (0.5 * (close - hi)) / Math.max(1, (close - Math.max(reached, earliestOpen)) / 2 + (close - hi)) });
  }
  return hi < close ? back.finish(hi) : 0;
}

/** Until the worker has started "edges" (its Position is set) or has stopped. */
async function workerInEdges(ctrl: BigInt64Array, settled: () => boolean): Promise<void> {
  while (Atomics.load(ctrl, Ctrl.Position) < 0n && !settled()) await new Promise((r) => setTimeout(r, 1));
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
