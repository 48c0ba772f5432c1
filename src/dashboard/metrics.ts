// Last hour of metrics per process, in memory: a fixed ring of compact samples (numbers only), so
// a process reporting every second costs a bounded 1-2 MB however long the dashboard runs.
import type { DetectorStatus, GcKind, MemoryMetrics, MetricsMessage } from '../protocol/index.js';

/** What the charts draw; one per agent `metrics` frame. */
export interface Sample extends Omit<MemoryMetrics, 'heapSpaces'> {
  t: number;
  cpu: number;
  elP50: number;
  elP99: number;
  elMax: number;
  gcCount: number;
  gcPauseMs: number;
  /** GC during the interval by kind (kinds that ran only). */
  gc?: Partial<Record<GcKind, { count: number; pauseMs: number }>>;
  /** Bytes used per V8 heap space (new_space, old_space, ...). */
  spaces?: Record<string, number>;
  /** Heap used right after each major GC in this interval (the detector's input). */
  postGc?: { t: number; heapUsed: number; external: number }[];
  /** The detector's decision at this sample. */
  detector?: DetectorStatus;
}

const GC_KINDS: readonly GcKind[] = ['minor', 'major', 'incremental', 'weakcb', 'other'];
/** V8's space names (old_space, new_large_object_space, ...); anything else is not a key we keep. */
const SPACE_NAME = /^[a-z][a-z_]{0,39}$/;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function toSample(m: MetricsMessage): Sample {
  let gcCount = 0;
  let gcPauseMs = 0;
  let gc: Sample['gc'];
  for (const kind of GC_KINDS) {
    const g = m.gc?.[kind];
    const count = num(g?.count);
    const pauseMs = num(g?.pauseMs);
    gcCount += count;
    gcPauseMs += pauseMs;
    if (count > 0) (gc ??= {})[kind] = { count, pauseMs };
  }
  let spaces: Sample['spaces'];
  if (Array.isArray(m.heapSpaces)) {
    for (const sp of m.heapSpaces.slice(0, 16)) if (typeof sp?.name === 'string' && SPACE_NAME.test(sp.name)) (spaces ??= {})[sp.name] = num(sp.used);
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
    gc,
    spaces,
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

  /** The newest item. */
  last(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[(this.start + this.items.length - 1) % this.items.length];
  }

  get size(): number {
    return this.items.length;
  }
}

/** One hour at the default 1 s interval. */
export const METRICS_CAPACITY = 3600;
