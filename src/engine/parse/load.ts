// Reads a snapshot from a file path, a Buffer or any Readable (uploads), gzip or plain, into a
// HeapGraph. Input is consumed in chunks; nothing holds the whole file.
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { SnapshotParser } from './parser.js';
import { HeapSnapshotError } from '../../shared/index.js';
import { buildGraph } from './build.js';
import { parseFileParallel, parallelAvailable } from './parallel.js';
import { PARALLEL_MIN_BYTES } from '../workers.js';
import type { Worker } from 'node:worker_threads';
import type { HeapGraph } from '../graph.js';
import type { ProgressFn } from '../types.js';

export type SnapshotSource = string | Buffer | Uint8Array | NodeJS.ReadableStream;
export interface LoadOptions {
  onProgress?: ProgressFn;
  /**
   * Parse a file on two threads (a worker takes "nodes" and part of "edges"). Default: for files
   * of 32 MB and more. Streams and Buffers are always parsed on the calling thread.
   */
  parallel?: boolean;
  /** Total input size for progress when reading a stream (e.g. Content-Length). */
  totalBytes?: number;
  /** 64-bit self sizes from the start (see ParserOptions.wideSizes); streams always get them. */
  wideSizes?: boolean;
  /** Sees the parse worker when it is handed its job (tests). */
  onWorker?: (worker: Worker) => void;
}

const CHUNK = 4 << 20;

export async function loadSnapshot(source: SnapshotSource, opts: LoadOptions = {}): Promise<HeapGraph> {
  return loadGraph(source, opts, true);
}

/**
 * The graph without its retainer index (empty arrays; see ensureRetainers): analyzeSnapshot builds
 * the index on a second core while this thread starts the dominator pass.
 */
export function loadUnindexed(source: SnapshotSource, opts: LoadOptions = {}): Promise<HeapGraph> {
  return loadGraph(source, opts, false);
}

async function loadGraph(source: SnapshotSource, opts: LoadOptions, withRetainers: boolean): Promise<HeapGraph> {
  // a stream can be read only once: it gets 64-bit sizes from the start
  const rereadable = typeof source === 'string' || source instanceof Uint8Array;
  try {
    return await loadGraphOnce(source, { ...opts, wideSizes: opts.wideSizes || !rereadable }, withRetainers);
  } catch (e) {
    // a node of 4 GB or more (rare: a huge ArrayBuffer): read it all again with 64-bit sizes
    if (e instanceof HeapSnapshotError && e.code === 'WIDE_SIZES' && rereadable && !opts.wideSizes) {
      return loadGraphOnce(source, { ...opts, wideSizes: true }, withRetainers);
    }
    throw e;
  }
}

async function loadGraphOnce(source: SnapshotSource, opts: LoadOptions, withRetainers: boolean): Promise<HeapGraph> {
  // the input's size, when it is the snapshot's (not a gzip's), sizes the string table's buffer
  const newParser = (snapshotBytes?: number) => new SnapshotParser({ totalBytes: snapshotBytes, wideSizes: opts.wideSizes });
  let parser: SnapshotParser;
  const onProgress = opts.onProgress;
  let total = opts.totalBytes ?? 0;
  let read = 0;
  let lastReport = 0;
  const report = () => {
    if (onProgress && (read - lastReport > 16 << 20 || read === total)) {
      lastReport = read;
      onProgress({ phase: 'reading', done: read, total, ratio: total ? read / total : undefined });
    }
  };

  if (typeof source === 'string') {
    let fh: import('node:fs/promises').FileHandle | undefined;
    try {
      const st = await stat(source);
      if (st.isDirectory()) throw new HeapSnapshotError('IO', `cannot read ${source}: it is a directory, not a .heapsnapshot file`);
      total = st.size;
      fh = await open(source, 'r');
    } catch (e) {
      if (e instanceof HeapSnapshotError) throw e;
      const err = e as NodeJS.ErrnoException;
      throw new HeapSnapshotError('IO', `cannot read ${source}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    }
    try {
      const head = Buffer.alloc(2);
      await fh.read(head, 0, 2, 0);
      const gzip = head[0] === 0x1f && head[1] === 0x8b;
      parser = newParser(gzip ? undefined : total);
      if (!gzip && (opts.parallel ?? total >= PARALLEL_MIN_BYTES) && parallelAvailable()) {
        await fh.close();
        fh = undefined;
        try {
          return buildGraph(await parseFileParallel(source, total, onProgress, opts.wideSizes, opts.onWorker), onProgress, withRetainers);
        } catch (e) {
          // Bad input is bad on one thread too; a worker that could not run is not: read it here.
          if (e instanceof HeapSnapshotError) throw e;
          if (process.env.HEAPSCOPE_DEBUG_PARSE) process.stderr.write(`parse fallback: ${(e as Error).message}; reading on one thread\n`);
          return loadGraphOnce(source, { ...opts, parallel: false }, withRetainers);
        }
      }
      if (gzip) {
        await feedStream(parser, fh.createReadStream({ start: 0, highWaterMark: CHUNK, autoClose: false }), (n) => {
          read += n;
          report();
        }, false);
      } else {
        const buf = Buffer.allocUnsafe(CHUNK);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
          if (bytesRead === 0) break;
          parser.push(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
          read += bytesRead;
          report();
        }
      }
    } finally {
      await fh?.close();
    }
  } else if (source instanceof Uint8Array) {
    total = source.length;
    const gz = source[0] === 0x1f && source[1] === 0x8b;
    parser = newParser(gz ? undefined : total);
    if (gz) await feedStream(parser, Readable.from([Buffer.from(source)]), () => {}, false);
    else
      for (let i = 0; i < source.length; i += CHUNK) {
        parser.push(source.subarray(i, Math.min(source.length, i + CHUNK)));
        read = Math.min(source.length, i + CHUNK);
        report();
      }
  } else {
    parser = newParser();
    await feedStream(parser, source, (n) => {
      read += n;
      report();
    }, false);
  }
  const parsed = parser.finish();
  return buildGraph(parsed, onProgress, withRetainers);
}

/** Feeds a stream to the parser; sniffs gzip on the first chunk unless already decompressed. */
async function feedStream(parser: SnapshotParser, stream: NodeJS.ReadableStream, onBytes: (n: number) => void, decompressed: boolean): Promise<void> {
  const toBuf = (c: Buffer | string): Buffer => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  try {
    const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    const head = await it.next();
    if (head.done) return;
    const first = toBuf(head.value);
    async function* counted(): AsyncGenerator<Buffer> {
      onBytes(first.length);
      yield first;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const b = toBuf(r.value);
        onBytes(b.length);
        yield b;
      }
    }
    let src: AsyncIterable<Buffer> = counted();
    // pipe() keeps back-pressure between the source and the decompressor.
    if (!decompressed && first[0] === 0x1f && first[1] === 0x8b) src = Readable.from(src).pipe(createGunzip());
    for await (const b of src) parser.push(b);
  } catch (e) {
    if (e instanceof HeapSnapshotError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR') {
      throw new HeapSnapshotError('TRUNCATED', `gzip stream is corrupt or truncated: ${err.message}`, parser.offset);
    }
    throw new HeapSnapshotError('IO', `reading the snapshot failed: ${err.message}`, parser.offset);
  }
}
