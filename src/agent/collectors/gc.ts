// GC counts and pause times by kind, accumulated from PerformanceObserver('gc') between samples.
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { GC_DURATION_BUCKETS_MS, type GcKind, type GcKindMetrics, type GcKindTotals } from '../../protocol/index.js';
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

export class GcCollector {
  private acc: Partial<Record<GcKind, GcKindMetrics>> = {};
  /** Since the agent started (exporters' counters and histograms). */
  readonly totals: Partial<Record<GcKind, GcKindTotals>> = {};
  /** Called with every pause (the OpenTelemetry exporter's histogram records them). */
  onPause?: (kind: GcKind, durationMs: number) => void;
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver(
      guard('gc observer', (list) => {
        for (const e of list.getEntries()) this.add(e);
      }),
    );
    this.observer.observe({ entryTypes: ['gc'] });
  }

  private add(e: PerformanceEntry): void {
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
  }

  /** A copy of the totals for one frame. */
  snapshotTotals(): Partial<Record<GcKind, GcKindTotals>> {
    const out: Partial<Record<GcKind, GcKindTotals>> = {};
    for (const [k, t] of Object.entries(this.totals) as [GcKind, GcKindTotals][]) out[k] = { count: t.count, pauseMs: round(t.pauseMs, 3), buckets: t.buckets.slice() };
    return out;
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

  stop(): void {
    this.observer.disconnect();
  }
}
