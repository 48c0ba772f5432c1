// The part of a snapshot a parse worker reads: the whole "nodes" array, then the front of "edges"
// up to a split point the main thread chooses once it has found the section's bounds.
import { openSync, readSync, closeSync } from 'node:fs';
import { SnapshotParser, type ParseTargets } from './parser.js';

const CHUNK = 4 << 20;

export interface NodesJob {
  file: string;
  headerText: string;
  targets: ParseTargets;
  nodesOpen: number;
}
export interface EdgesJob {
  edgesOpen: number;
  split: number;
}

/** Reads [from, to) of the file into the parser; stops early when `stop()` says so. */
function feed(fd: number, parser: SnapshotParser, from: number, to: number, stop: () => boolean): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = from;
  while (pos < to && !stop()) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, to - pos), pos);
    if (n === 0) break;
    parser.push(buf.subarray(0, n));
    pos += n;
  }
}

export class WorkerJob {
  private readonly fd: number;
  private readonly parser: SnapshotParser;
  constructor(private readonly job: NodesJob) {
    this.fd = openSync(job.file, 'r');
    this.parser = SnapshotParser.forTargets(job.headerText, job.targets);
  }

  /** Parses "nodes" to its closing ']' (validating counts as the sequential parser does). */
  nodes(fileSize: number): void {
    this.parser.beginSection('nodes', this.job.nodesOpen);
    feed(this.fd, this.parser, this.job.nodesOpen, fileSize, () => this.parser.sectionDone);
    if (!this.parser.sectionDone) this.parser.finish(); // throws the truncation error
  }

  /** Parses edges values in [edgesOpen+1, split); returns how many. */
  edges(e: EdgesJob): number {
    this.parser.beginSection('edges', e.edgesOpen);
    // include the separator at `split` so the last number of the range is terminated
    feed(this.fd, this.parser, e.edgesOpen, e.split + 1, () => this.parser.sectionDone);
    return this.parser.endRange();
  }

  close(): void {
    closeSync(this.fd);
  }
}
