// GC counts and pause times by kind, accumulated from PerformanceObserver('gc') between samples,
// and the memory left right after each major GC (the leak detector's signal: the floor a leak
// raises, free of the garbage that heapUsed carries between collections).
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { GC_DURATION_BUCKETS_MS, type GcKind, type GcKindMetrics, type GcKindTotals, type PostGcSample } from '../../protocol/index.js';
import { guard } from '../log.js';
import { round } from './cpu.js';

function kindName(kind: number | undefined): GcKind {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return 'other';
  }
}

/** Post-GC samples kept per interval: more majors than this in one interval is a GC storm. */
const MAX_POST_GC_PER_INTERVAL = 32;

interface GcCollectorOptions {
  /** Called with the memory right after each major GC. */
  onPostGc?: (s: PostGcSample) => void;
}

export class GcCollector {
  private acc: Partial<Record<GcKind, GcKindMetrics>> = {};
  /** Since the agent started (exporters' counters and histograms). */
  readonly totals: Partial<Record<GcKind, GcKindTotals>> = {};
  /** Called with every pause (the OpenTelemetry exporter's histogram records them). */
  onPause?: (kind: GcKind, durationMs: number) => void;
  private postGc: PostGcSample[] = [];
  private readonly observer: PerformanceObserver;

  constructor(private readonly options: GcCollectorOptions = {}) {
    this.observer = new PerformanceObserver(
      guard('gc observer', (list) => {
        let major = false;
        for (const e of list.getEntries()) major = this.add(e) || major;
        // Entries are delivered in a batch soon after the GC: one read covers every major in it.
        if (major) this.recordPostGc();
      }),
    );
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Counts the entry; true for a major GC. */
  private add(e: PerformanceEntry): boolean {
    const kind = kindName((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind);
    const m = (this.acc[kind] ??= { count: 0, pauseMs: 0, maxPauseMs: 0 });
    m.count++;
    m.pauseMs += e.duration;
    if (e.duration > m.maxPauseMs) m.maxPauseMs = e.duration;
    const t = (this.totals[kind] ??= { count: 0, pauseMs: 0, buckets: GC_DURATION_BUCKETS_MS.map(() => 0) });
    t.count++;
    t.pauseMs += e.duration;
    for (let i = GC_DURATION_BUCKETS_MS.length - 1; i >= 0 && e.duration <= GC_DURATION_BUCKETS_MS[i]!; i--) t.buckets[i]!++;
    this.onPause?.(kind, e.duration);
    return kind === 'major';
  }

  /** A copy of the totals for one frame. */
  snapshotTotals(): Partial<Record<GcKind, GcKindTotals>> {
    const out: Partial<Record<GcKind, GcKindTotals>> = {};
    for (const [k, t] of Object.entries(this.totals) as [GcKind, GcKindTotals][]) out[k] = { count: t.count, pauseMs: round(t.pauseMs, 3), buckets: t.buckets.slice() };
    return out;
  }

  private recordPostGc(): void {
    const m = process.memoryUsage();
    const s: PostGcSample = { t: Date.now(), heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
    if (this.postGc.length >= MAX_POST_GC_PER_INTERVAL) this.postGc.shift();
    this.postGc.push(s);
    this.options.onPostGc?.(s);
  }

  /** Activity since the previous sample. */
  sample(): Partial<Record<GcKind, GcKindMetrics>> {
    const out = this.acc;
    this.acc = {};
    for (const m of Object.values(out)) {
      m.pauseMs = round(m.pauseMs, 3);
      m.maxPauseMs = round(m.maxPauseMs, 3);
    }
    return out;
  }

  /** Post-GC samples since the previous call. */
  takePostGc(): PostGcSample[] {
    const out = this.postGc;
    this.postGc = [];
    return out;
  }

  stop(): void {
    this.observer.disconnect();
  }
}
