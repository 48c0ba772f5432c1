// One collector per concern (prom-client style); this module samples them all into one frame.
import type { MetricsMessage } from '../../protocol/index.js';
import { CpuCollector } from './cpu.js';
import { EventLoopCollector } from './event-loop.js';
import { GcCollector } from './gc.js';
import { sampleMemory } from './memory.js';

export class Collectors {
  private readonly cpu = new CpuCollector();
  private readonly eventLoop = new EventLoopCollector();
  readonly gc = new GcCollector();
  private lastAt = Date.now();

  /** @param expectedInterval the sampling period, to measure how late this sample is. */
  sample(expectedInterval: number): MetricsMessage {
    const t = Date.now();
    const interval = t - this.lastAt;
    this.lastAt = t;
    return {
      type: 'metrics',
      t,
      interval,
      ...sampleMemory(),
      cpu: this.cpu.sample(),
      eventLoop: this.eventLoop.sample(interval - expectedInterval),
      gc: this.gc.sample(),
      gcTotals: this.gc.snapshotTotals(),
    };
  }

  stop(): void {
    this.eventLoop.stop();
    this.gc.stop();
  }
}
