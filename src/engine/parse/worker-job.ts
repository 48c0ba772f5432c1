// The part of a snapshot a parse worker reads: the whole "nodes" array, then "edges" from the
// front until the limit the main thread sets in shared memory (it parses the rest backwards).
import { openSync, readSync, closeSync } from 'node:fs';
import { SnapshotParser, type ParseTargets } from './parser.js';

const CHUNK = 1 << 20;

/** Slots of the shared control array (BigInt64Array over a SharedArrayBuffer). */
export const enum Ctrl {
  /** Offset of the '[' of "edges"; -1 until the main thread has found it. */
  EdgesOpen = 0,
  /** Offset of the separator where the worker stops (or of the closing ']'); -1 = not yet known. */
  Limit = 1,
  /** How far the worker has read in "edges" (absolute offset). */
  Position = 2,
  Slots = 3,
}
export const CTRL_CHUNK = CHUNK;

export interface NodesJob {
  file: string;
  headerText: string;
  targets: ParseTargets;
  nodesOpen: number;
  ctrl: BigInt64Array;
}

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
   * Parses "edges" from the front, one chunk at a time, re-reading the limit before each chunk:
   * the main thread only ever moves the limit to at least two chunks past `Position`.
   */
  edges(): number {
    const ctrl = this.job.ctrl;
    // the main thread finds the section's bounds long before the nodes are parsed; wait if not
    while (Atomics.load(ctrl, Ctrl.EdgesOpen) < 0n || Atomics.load(ctrl, Ctrl.Limit) < 0n) {
      Atomics.wait(ctrl, Ctrl.Limit, -1n, 50);
    }
    const open = Number(Atomics.load(ctrl, Ctrl.EdgesOpen));
    const p = this.parser;
    p.beginSection('edges', open);
    let pos = open;
    for (;;) {
      // include the byte at the limit: a separator ends the last number, a ']' ends the section
      const end = Number(Atomics.load(ctrl, Ctrl.Limit)) + 1;
      if (pos >= end || p.sectionDone) break;
      const n = readSync(this.fd, this.buf, 0, Math.min(CHUNK, end - pos), pos);
      if (n === 0) break;
      p.push(this.buf.subarray(0, n));
      pos += n;
      Atomics.store(ctrl, Ctrl.Position, BigInt(pos));
    }
    return p.endRange();
  }

  close(): void {
    closeSync(this.fd);
  }
}
