// The part of a snapshot a parse worker reads: the whole "nodes" array, then "edges" from the
// front until the limit the main thread sets in shared memory (it parses the rest backwards).
import { openSync, readSync, closeSync } from 'node:fs';
import { SnapshotParser } from './parser.js';
import type { ParseTargets } from './meta.js';

const CHUNK = 1 << 20;

/** Slots of the shared control array (BigInt64Array over a SharedArrayBuffer). */
export const enum Ctrl {
  /** Offset of the '[' of "edges"; -1 until the main thread has found it. */
  EdgesOpen = 0,
  /** Offset of the separator where the worker stops (or of the closing ']'); -1 = not yet known. */
  Limit = 1,
  /** How far the worker has read in "edges" (absolute offset); -1 before it starts them. */
  Position = 2,
  /**
   * 1 when the main thread jumped to the file's tail (see parallel.ts): it will not find "edges",
   * so the worker must find them right after "nodes" (V8's order) or give up.
   */
  Tail = 3,
  /**
   * Where the chunk the worker is reading ends (exclusive): set under the lock together with the
   * check against Limit, so the main thread never lowers Limit below bytes the worker has taken.
   */
  Reserved = 4,
  /** A spin lock (0 free, 1 held) over Limit and Reserved; each side holds it for a few instructions. */
  Lock = 5,
  Slots = 6,
}

function lock(ctrl: BigInt64Array): void {
  while (Atomics.compareExchange(ctrl, Ctrl.Lock, 0n, 1n) !== 0n);
}

function unlock(ctrl: BigInt64Array): void {
  Atomics.store(ctrl, Ctrl.Lock, 0n);
}

/**
 * Main thread: make `limit` (the offset of a separator) the worker's last byte, unless the worker
 * has already taken bytes past it. A bound computed from Position before an async read is stale by
 * the time the read returns (the worker may have gone on for megabytes): this is the only check.
 */
export function lowerLimit(ctrl: BigInt64Array, limit: number): boolean {
  lock(ctrl);
  const ok = Number(Atomics.load(ctrl, Ctrl.Reserved)) <= limit + 1;
  if (ok) Atomics.store(ctrl, Ctrl.Limit, BigInt(limit));
  unlock(ctrl);
  return ok;
}

/** The worker's next chunk from `pos`: its length (0 = the share is done), reserved under the lock. */
function reserve(ctrl: BigInt64Array, pos: number, chunk: number): number {
  lock(ctrl);
  // include the byte at the limit: a separator ends the last number, a ']' ends the section
  const end = Number(Atomics.load(ctrl, Ctrl.Limit)) + 1;
  const len = pos < end ? Math.min(chunk, end - pos) : 0;
  if (len > 0) Atomics.store(ctrl, Ctrl.Reserved, BigInt(pos + len));
  unlock(ctrl);
  return len;
}

/** Thrown when "edges" does not follow "nodes" in tail mode: the caller reads the file another way. */
export const LAYOUT_ERROR = 'LAYOUT';
const EDGES_AFTER_NODES = /^[ \t\r\n]*,[ \t\r\n]*"edges"[ \t\r\n]*:[ \t\r\n]*\[/;
export const CTRL_CHUNK = CHUNK;

export interface NodesJob {
  file: string;
  headerText: string;
  targets: ParseTargets;
  nodesOpen: number;
  ctrl: BigInt64Array;
}

/** The engine worker's share of a two-core parse (see threads/engine-worker-parse.ts). */
export type ParseJob = NodesJob & { fileSize: number };

export class WorkerJob {
  private readonly fd: number;
  private readonly parser: SnapshotParser;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  constructor(private readonly job: NodesJob) {
    this.fd = openSync(job.file, 'r');
    this.parser = SnapshotParser.forTargets(job.headerText, job.targets);
  }

  /** Parses "nodes" to its closing ']' (validating counts as the sequential parser does). */
  nodes(fileSize: number): void {
    const p = this.parser;
    p.beginSection('nodes', this.job.nodesOpen);
    let pos = this.job.nodesOpen;
    while (pos < fileSize && !p.sectionDone) {
      const n = readSync(this.fd, this.buf, 0, Math.min(CHUNK, fileSize - pos), pos);
      if (n === 0) break;
      p.push(this.buf.subarray(0, n));
      pos += n;
    }
    if (!p.sectionDone) p.finish(); // throws the truncation error
  }

  /**
   * Parses "edges" from the front, one chunk at a time, each reserved against the limit (see
   * lowerLimit: the main thread moves the limit only past what the worker has reserved).
   */
  edges(): number {
    const ctrl = this.job.ctrl;
    const adjacent = this.edgesAfterNodes();
    if (adjacent >= 0) Atomics.compareExchange(ctrl, Ctrl.EdgesOpen, -1n, BigInt(adjacent));
    // Otherwise the main thread finds the section's bounds as it reads the file; wait for them
    // (unless it took the shortcut to the tail and never will).
    while (Atomics.load(ctrl, Ctrl.EdgesOpen) < 0n || Atomics.load(ctrl, Ctrl.Limit) < 0n) {
      if (Atomics.load(ctrl, Ctrl.Tail) === 1n && Atomics.load(ctrl, Ctrl.EdgesOpen) < 0n) {
        throw Object.assign(new Error('"edges" does not follow "nodes"'), { code: LAYOUT_ERROR });
      }
      Atomics.wait(ctrl, Ctrl.Limit, -1n, 50);
    }
    const open = Number(Atomics.load(ctrl, Ctrl.EdgesOpen));
    const p = this.parser;
    p.beginSection('edges', open);
    let pos = open;
    Atomics.store(ctrl, Ctrl.Position, BigInt(pos)); // where the worker is: the main thread keeps its claims clear of it
    for (;;) {
      const len = p.sectionDone ? 0 : reserve(ctrl, pos, CHUNK);
      if (len === 0) break;
      const n = readSync(this.fd, this.buf, 0, len, pos);
      if (n === 0) break;
      p.push(this.buf.subarray(0, n));
      pos += n;
      Atomics.store(ctrl, Ctrl.Position, BigInt(pos));
    }
    return p.endRange();
  }

  /** Offset of the '[' of "edges" when it directly follows "nodes" (as V8 writes it), else -1. */
  private edgesAfterNodes(): number {
    const close = this.parser.sectionClose;
    if (close < 0) return -1;
    const b = Buffer.alloc(256);
    const n = readSync(this.fd, b, 0, b.length, close + 1);
    const m = EDGES_AFTER_NODES.exec(b.toString('latin1', 0, n));
    return m ? close + 1 + m[0].length - 1 : -1;
  }

  /** Whether "nodes" held any trace id other than 0. */
  get sawTraceIds(): boolean {
    return this.parser.sawTraceIds;
  }

  close(): void {
    closeSync(this.fd);
  }
}
