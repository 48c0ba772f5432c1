// What will the next heap snapshot cost this process? V8's writer builds its own copy of the graph
// in native memory (entries, edges, an id map, names) before it writes a byte: measured here
// (bench/snapshot-cost.ts) that is ~800 bytes per object, 20x heap used for many small objects,
// and little for large strings, arrays or Buffers (but large arrays of pointers, such as big Maps'
// tables, cost as much as small objects: every slot is an edge). glibc keeps most of it after the
// write and the next snapshot reuses it. So the model predicts from heap used, first with the
// worst ratio measured (never under, far over for heaps of big strings), then with the ratio this
// process measured on its own last snapshot.
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const MB = 1024 * 1024;

/** Before the first snapshot: writer bytes per byte of heap used (worst shape measured: 21.6). */
export const DEFAULT_BYTES_PER_HEAP_BYTE = 25;
/** The writer's floor: the graph of Node's own objects (~40k nodes) costs ~25 MB. */
export const BASE_BYTES = 32 * MB;
/** Before the first snapshot: pause per MB of heap used (worst measured here, on a loaded 2-core VM). */
export const DEFAULT_PAUSE_MS_PER_MB = 2000;
/**
 * Learned predictions get these margins (the graph drifts between snapshots): on the writer's
 * total, and on the new RSS once memory glibc kept from the last snapshot is subtracted.
 */
export const LEARNED_MARGIN = 1.03;
export const DELTA_MARGIN = 1.15;
/** Allocator noise: a snapshot that reuses all it needs still moves RSS by a few MB. */
export const NOISE_BYTES = 4 * MB;

/** The cheap in-process reading the model predicts from. Bytes. */
export interface HeapShape {
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}

export function readHeapShape(): HeapShape {
  const heap = v8.getHeapStatistics();
  const mem = process.memoryUsage();
  return {
    heapUsed: heap.used_heap_size,
    heapTotal: heap.total_heap_size,
    external: mem.external,
    rss: mem.rss,
  };
}

export interface CostForecast {
  /** Native memory the writer will touch. */
  writerBytes: number;
  /** Of which glibc still holds free since this process's last snapshot (reused, not new RSS). */
  reusableBytes: number;
  /** Predicted peak RSS minus RSS now. */
  peakRssDelta: number;
  pauseMs: number;
  /** 'default' before this process's first snapshot, 'learned' after. */
  basis: 'default' | 'learned';
}

export interface MeasuredCost {
  pauseMs: number;
  /** Peak RSS during the write minus RSS before, when measurable. */
  peakRssDelta?: number;
  rssAfterDelta: number;
  nodes?: number;
  edges?: number;
}

interface Learned {
  bytesPerHeapByte: number;
  pauseMsPerMb: number;
  /** Shape right before, and RSS kept right after, the last snapshot. */
  before: HeapShape;
  keptAfter: number;
}

/** Per-process model: predicts, then learns from what each snapshot really cost. */
export class SnapshotCostModel {
  private learned: Learned | undefined;

  forecast(now: HeapShape = readHeapShape()): CostForecast {
    const l = this.learned;
    const writerBytes = l
      ? l.bytesPerHeapByte * now.heapUsed * LEARNED_MARGIN
      : BASE_BYTES + DEFAULT_BYTES_PER_HEAP_BYTE * now.heapUsed;
    const reusableBytes = this.reusable(now);
    const pauseMs = (l ? l.pauseMsPerMb * LEARNED_MARGIN : DEFAULT_PAUSE_MS_PER_MB) * (now.heapUsed / MB);
    return {
      writerBytes,
      reusableBytes,
      peakRssDelta: l ? Math.max(0, writerBytes - reusableBytes) * DELTA_MARGIN + NOISE_BYTES : writerBytes,
      pauseMs: Math.round(pauseMs),
      basis: l ? 'learned' : 'default',
    };
  }

  /** Record what the snapshot taken from `before` cost; `forecast` is what was predicted from it. */
  learn(before: HeapShape, forecast: CostForecast, measured: MeasuredCost): void {
    if (before.heapUsed <= 0) return;
    // What the writer touched: the new RSS at its peak plus the free memory it found and reused.
    const writer = measured.peakRssDelta === undefined ? undefined : measured.peakRssDelta + forecast.reusableBytes;
    const prev = this.learned;
    this.learned = {
      bytesPerHeapByte: writer !== undefined ? writer / before.heapUsed : (prev?.bytesPerHeapByte ?? DEFAULT_BYTES_PER_HEAP_BYTE),
      pauseMsPerMb: measured.pauseMs / Math.max(1, before.heapUsed / MB),
      before,
      keptAfter: Math.max(0, measured.rssAfterDelta),
    };
  }

  /**
   * Free memory glibc probably still holds from the last snapshot: what it kept, less any RSS
   * returned since, less what the process grew into since outside V8's heap (Buffers and other
   * native allocations may have reused it; the V8 heap has its own mappings and never does).
   */
  private reusable(now: HeapShape): number {
    const l = this.learned;
    if (!l) return 0;
    const rssSince = now.rss - l.before.rss;
    const heapGrowth = Math.max(0, now.heapTotal - l.before.heapTotal);
    const externalGrowth = Math.max(0, now.external - l.before.external);
    return Math.max(0, Math.min(l.keptAfter, rssSince - heapGrowth - externalGrowth));
  }
}

/** This process's model (one V8 heap per process; workers' snapshots are not taken by the agent). */
export const costModel = new SnapshotCostModel();

/**
 * Peak RSS tracking for one snapshot: resets Linux's VmHWM so that after the write it holds the
 * peak of the write itself. Undefined where that is not possible (not Linux, /proc read-only).
 */
export function resetPeakRss(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function peakRss(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** node_count and edge_count from a snapshot file's header (first 64 KB). */
export function snapshotCounts(head: Buffer): { nodes?: number; edges?: number } {
  const text = head.toString('latin1');
  const nodes = /"node_count":(\d+)/.exec(text)?.[1];
  const edges = /"edge_count":(\d+)/.exec(text)?.[1];
  return { nodes: nodes ? Number(nodes) : undefined, edges: edges ? Number(edges) : undefined };
}
