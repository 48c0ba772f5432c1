// OpenTelemetry: when the app has registered a MeterProvider (@opentelemetry/api's
// metrics.setGlobalMeterProvider, as the SDK's setup does) or passes one, the agent records its
// measurements through it under the semantic-convention names and units. Nothing is imported:
// @opentelemetry/api keeps its global under Symbol.for('opentelemetry.js.api.1'), so an app without
// OpenTelemetry costs one property lookup per interval, and the app's own copy is what we use.
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { GcKind } from '../../protocol/index.js';
import { VERSION } from '../../version.js';
import type { GcCollector } from '../collectors/gc.js';
import { debug, guard } from '../log.js';
import type { LatestFrame } from './latest.js';

/** The part of an OpenTelemetry MeterProvider heapscope needs (any @opentelemetry/api 1.x one). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: object): unknown;
}

const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** The MeterProvider registered with @opentelemetry/api 1.x in this thread, if any. */
function globalMeterProvider(): MeterProviderLike | undefined {
  const api = (globalThis as Record<symbol, { metrics?: MeterProviderLike } | undefined>)[API_GLOBAL];
  const p = api?.metrics;
  return p && typeof p.getMeter === 'function' ? p : undefined;
}

/** Semantic conventions' v8js.gc.duration buckets, seconds. */
const GC_BUCKETS_S = [0.01, 0.1, 1, 10];
const DELAYS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;

export class OtelExporter {
  private provider?: MeterProviderLike;
  private unbind?: () => void;

  /** @param explicit a provider the app passed; otherwise the global one, whenever it appears. */
  constructor(
    private readonly latest: LatestFrame,
    private readonly gc: GcCollector,
    private readonly explicit?: MeterProviderLike,
  ) {}

  get active(): boolean {
    return this.unbind !== undefined;
  }

  /** Every agent tick: binds to the provider once the app has one (SDKs often start after us). */
  poll(): void {
    const p = this.explicit ?? globalMeterProvider();
    if (p === this.provider) return;
    this.stop();
    this.provider = p;
    if (!p) return;
    try {
      this.unbind = this.bind(p.getMeter('heapscope', VERSION) as Meter);
      debug('OpenTelemetry MeterProvider found: recording v8js.*, nodejs.eventloop.*, process.* metrics');
    } catch (err) {
      debug(`OpenTelemetry export off: ${(err as Error).message}`);
    }
  }

  stop(): void {
    this.unbind?.();
    this.unbind = undefined;
    this.provider = undefined;
  }

  private bind(meter: Meter): () => void {
    const bytes = (name: string, description: string) => meter.createObservableUpDownCounter(name, { unit: 'By', description });
    const heapUsed = bytes('v8js.memory.heap.used', 'Heap memory size allocated, by V8 heap space.');
    const spaceSize = bytes('v8js.memory.heap.space.size', 'Total heap memory size pre-allocated for a heap space.');
    const spaceAvailable = bytes('v8js.memory.heap.space.available_size', 'Heap space available size.');
    const spacePhysical = bytes('v8js.memory.heap.space.physical_size', 'Committed size of a heap space.');
    const rss = bytes('process.memory.usage', 'The amount of physical memory in use (RSS).');
    const cpuTime = meter.createObservableCounter('process.cpu.time', { unit: 's', description: 'Total CPU seconds broken down by CPU mode.' });
    const delays = DELAYS.map((k) => [k, meter.createObservableGauge(`nodejs.eventloop.delay.${k}`, { unit: 's', description: `Event loop ${k} delay over the agent's last interval.` })] as const);
    const utilization = meter.createObservableGauge('nodejs.eventloop.utilization', { unit: '1', description: "Event loop utilization over the agent's last interval." });
    const postGc = meter.createObservableGauge('heapscope.memory.heap.post_gc', { unit: 'By', description: 'JS heap used right after the latest major GC: the floor a leak raises.' });
    const trend = meter.createObservableGauge('heapscope.leak.trend', { unit: 'By/s', description: "The leak detector's trend of the post-GC floor." });
    const observables: Observable[] = [heapUsed, spaceSize, spaceAvailable, spacePhysical, rss, cpuTime, utilization, postGc, trend, ...delays.map(([, g]) => g)];

    const callback = guard('otel', (r: BatchObservableResult) => {
      const f = this.latest.frame;
      if (!f) return;
      for (const s of f.heapSpaces ?? []) {
        const a: Attributes = { 'v8js.heap.space.name': s.name };
        r.observe(heapUsed, s.used, a);
        r.observe(spaceSize, s.size, a);
        r.observe(spaceAvailable, s.available, a);
        r.observe(spacePhysical, s.physical, a);
      }
      r.observe(rss, f.rss);
      if (f.cpu?.totalUserMs !== undefined) r.observe(cpuTime, f.cpu.totalUserMs / 1000, { 'cpu.mode': 'user' });
      if (f.cpu?.totalSystemMs !== undefined) r.observe(cpuTime, f.cpu.totalSystemMs / 1000, { 'cpu.mode': 'system' });
      for (const [k, g] of delays) {
        const v = f.eventLoop?.[k];
        if (typeof v === 'number') r.observe(g, v / 1000);
      }
      if (typeof f.eventLoop?.utilization === 'number') r.observe(utilization, f.eventLoop.utilization);
      if (this.latest.postGc) r.observe(postGc, this.latest.postGc.heapUsed);
      if (f.detector) r.observe(trend, f.detector.bytesPerMinute / 60, { 'heapscope.leak.series': f.detector.series ?? 'heap' });
    });
    meter.addBatchObservableCallback(callback, observables);

    // A histogram cannot be observed: each pause is recorded as the GC observer sees it.
    const gcDuration = meter.createHistogram('v8js.gc.duration', { unit: 's', description: 'Garbage collection duration.', advice: { explicitBucketBoundaries: GC_BUCKETS_S } });
    const onPause = (kind: GcKind, ms: number): void => gcDuration.record(ms / 1000, { 'v8js.gc.type': kind });
    this.gc.onPause = onPause;

    return () => {
      meter.removeBatchObservableCallback(callback, observables);
      if (this.gc.onPause === onPause) this.gc.onPause = undefined;
    };
  }
}
