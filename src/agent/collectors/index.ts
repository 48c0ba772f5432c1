// One collector per concern (prom-client style); this module samples them all into one frame.
import type { MetricsMessage, PostGcSample } from '../../protocol/index.js';
import { CpuCollector } from './cpu.js';
import { EventLoopCollector } from './event-loop.js';
import { GcCollector } from './gc.js';
import { sampleMemory } from './memory.js';

export class Collectors {
  private readonly cpu = new CpuCollector();
  private readonly eventLoop = new EventLoopCollector();
  private readonly gc: GcCollector;
  private lastAt = Date.now();

  /** @param onPostGc receives the memory right after each major GC (the leak detector's input). */
  constructor(onPostGc?: (s: PostGcSample) => void) {
    this.gc = new GcCollector({ onPostGc });
  }

  /** @param expectedInterval the sampling period, to measure how late this sample is. */
  sample(expectedInterval: number): MetricsMessage {
    const t = Date.now();
    const interval = t - this.lastAt;
    this.lastAt = t;
    const m: MetricsMessage = {
      type: 'metrics',
      t,
      interval,
      ...sampleMemory(),
      cpu: this.cpu.sample(),
      eventLoop: this.eventLoop.sample(interval - expectedInterval),
      gc: this.gc.sample(),
    };
    const postGc = this.gc.takePostGc();
    if (postGc.length > 0) m.postGc = postGc;
    return m;
  }

  stop(): void {
    this.eventLoop.stop();
    this.gc.stop();
  }
}
