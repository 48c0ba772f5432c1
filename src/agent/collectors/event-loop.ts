// Event-loop delay percentiles over each interval (perf_hooks histogram, reset after each read).
// The histogram records the time between its own timer ticks, so the resolution is subtracted to
// report delay beyond schedule (idle ~0). A reset drops the first delta after it, which would hide
// one long block; the caller's own timer lateness covers that case.
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { EventLoopMetrics } from '../../protocol/index.js';
import { round } from './cpu.js';

const RESOLUTION_MS = 50; // 20 samples a second; finer costs measurably more idle CPU
const ms = (ns: number): number => round(Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0, 3);

export class EventLoopCollector {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor() {
    this.h.enable();
  }

  /** @param lagMs how late the sampling timer itself fired (ms). */
  sample(lagMs: number): EventLoopMetrics {
    const h = this.h;
    const lag = round(Math.max(0, lagMs), 3);
    let out: EventLoopMetrics;
    if (h.count === 0) {
      // No histogram tick this interval: the loop was blocked throughout, or the interval is short.
      out = { min: lag, mean: lag, p50: lag, p90: lag, p99: lag, max: lag, stddev: 0 };
    } else {
      out = {
        min: ms(h.min),
        mean: ms(h.mean),
        p50: ms(h.percentile(50)),
        p90: ms(h.percentile(90)),
        p99: ms(h.percentile(99)),
        max: Math.max(ms(h.max), lag),
        stddev: round(Number.isFinite(h.stddev) ? h.stddev / 1e6 : 0, 3),
      };
    }
    h.reset();
    const elu = performance.eventLoopUtilization();
    out.utilization = round(performance.eventLoopUtilization(elu, this.elu).utilization, 4);
    this.elu = elu;
    return out;
  }

  stop(): void {
    this.h.disable();
  }
}
