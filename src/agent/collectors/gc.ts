// GC counts and pause times by kind, accumulated from PerformanceObserver('gc') between samples.
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import type { GcKind, GcKindMetrics } from '../../protocol/index.js';
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
