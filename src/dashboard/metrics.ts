// Last hour of metrics per process, in memory: a fixed ring of compact samples (numbers only), so
// a process reporting every second costs a bounded ~1 MB however long the dashboard runs.
import type { DetectorStatus, MemoryMetrics, MetricsMessage } from '../protocol/index.js';

/** What the charts draw; one per agent `metrics` frame (heap spaces left out). */
export interface Sample extends Omit<MemoryMetrics, 'heapSpaces'> {
  t: number;
  cpu: number;
  elP50: number;
  elP99: number;
  elMax: number;
  gcCount: number;
  gcPauseMs: number;
  /** Heap used right after each major GC in this interval (the detector's input). */
  postGc?: { t: number; heapUsed: number; external: number }[];
  /** The detector's decision at this sample. */
  detector?: DetectorStatus;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function toSample(m: MetricsMessage): Sample {
  let gcCount = 0;
  let gcPauseMs = 0;
  for (const g of Object.values(m.gc ?? {})) {
    gcCount += num(g?.count);
    gcPauseMs += num(g?.pauseMs);
  }
  return {
    t: num(m.t) || Date.now(),
    rss: num(m.rss),
    heapTotal: num(m.heapTotal),
    heapUsed: num(m.heapUsed),
    external: num(m.external),
    arrayBuffers: num(m.arrayBuffers),
    heapLimit: num(m.heapLimit),
    cpu: num(m.cpu?.percent),
    elP50: num(m.eventLoop?.p50),
    elP99: num(m.eventLoop?.p99),
    elMax: num(m.eventLoop?.max),
    gcCount,
    gcPauseMs,
    postGc: Array.isArray(m.postGc) && m.postGc.length ? m.postGc.slice(0, 20).map((g) => ({ t: num(g?.t), heapUsed: num(g?.heapUsed), external: num(g?.external) })) : undefined,
    detector: detectorOf(m.detector),
  };
}

function detectorOf(d: DetectorStatus | undefined): DetectorStatus | undefined {
  if (!d || typeof d !== 'object' || typeof d.state !== 'string') return undefined;
  return {
    state: d.state,
    series: d.series,
    bytesPerMinute: num(d.bytesPerMinute),
    since: typeof d.since === 'number' ? d.since : undefined,
    samples: num(d.samples),
    reason: String(d.reason ?? '').slice(0, 300),
  };
}

export class Ring<T> {
  private items: T[] = [];
  private start = 0;
  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  toArray(): T[] {
    return this.items.slice(this.start).concat(this.items.slice(0, this.start));
  }

  get size(): number {
    return this.items.length;
  }
}

/** One hour at the default 1 s interval. */
export const METRICS_CAPACITY = 3600;
