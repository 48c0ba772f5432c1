// heapscope's per-process metrics in prom-client terms, read from the agent's metrics frames. One
// table serves the dashboard's /metrics (every live process, with process labels) and an app's own
// registry (this process, no labels). prom-client is handed in, never imported at run time here, so
// the agent loads it only when the app asks for it. Names follow prom-client's collectDefaultMetrics
// where one exists, so dashboards and alerts written for those work unchanged.
import type * as PromClient from 'prom-client';
export { LatestFrame } from './latest.js';
import { GC_DURATION_BUCKETS_MS, type DetectorState, type GcKind, type GcKindTotals, type MetricsMessage, type PostGcSample } from '../../protocol/index.js';

export type PromClientModule = typeof PromClient;
export type PromRegistry = PromClient.Registry;
export type Labels = Record<string, string | number>;

/** One process as the exporters see it. */
export interface ProcessState {
  /** Identifies the process in a shared registry (project, host, pid, ...); empty in the app's own. */
  labels: Labels;
  frame: MetricsMessage;
  /** The newest post-GC sample seen (frames carry one only when a major GC ran in their interval). */
  postGc?: PostGcSample;
  /** `process.version` of the process, e.g. v20.19.0. */
  nodeVersion: string;
  /** Process start, epoch ms. */
  startTime: number;
  /** Heap snapshots the dashboard stores for it (dashboard only). */
  snapshots?: number;
  /** Open leak findings for it (dashboard only). */
  findings?: number;
}

type Sample = [labels: Labels, value: number];
interface Def {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labelNames?: string[];
  /** One value (no extra labels), several labelled ones, or undefined when the frame lacks it. */
  read: (p: ProcessState) => number | Sample[] | undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const seconds = (ms: unknown): number | undefined => {
  const v = num(ms);
  return v === undefined ? undefined : Math.round(v * 1000) / 1e6; // µs resolution, no float noise
};
/** prom-client's space label: the V8 space name without `_space` (old, new, code, ...). */
const spaceLabel = (name: string): string => (name.endsWith('_space') ? name.slice(0, -'_space'.length) : name);
const DETECTOR_STATES: DetectorState[] = ['warming', 'watching', 'growing', 'leak', 'off'];

function heapSpaces(key: 'size' | 'used' | 'available'): Def['read'] {
  return (p) => (Array.isArray(p.frame.heapSpaces) ? p.frame.heapSpaces.flatMap((s): Sample[] => (num(s[key]) === undefined ? [] : [[{ space: spaceLabel(String(s.name)) }, s[key]]])) : undefined);
}

function eventLoop(key: 'min' | 'max' | 'mean' | 'stddev' | 'p50' | 'p90' | 'p99'): Def {
  return {
    name: `nodejs_eventloop_lag_${key}_seconds`,
    help: `The ${key} of the event-loop delay over the agent's last interval, in seconds.`,
    type: 'gauge',
    read: (p) => seconds(p.frame.eventLoop?.[key]),
  };
}

const PROCESS_METRICS: readonly Def[] = [
  // ---- prom-client's default names
  { name: 'process_cpu_user_seconds_total', help: 'Total user CPU time spent in seconds.', type: 'counter', read: (p) => seconds(p.frame.cpu?.totalUserMs) },
  { name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', type: 'counter', read: (p) => seconds(p.frame.cpu?.totalSystemMs) },
  {
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    type: 'counter',
    read: (p) => {
      const u = num(p.frame.cpu?.totalUserMs);
      const s = num(p.frame.cpu?.totalSystemMs);
      return u === undefined || s === undefined ? undefined : (u + s) / 1000;
    },
  },
  { name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', type: 'gauge', read: (p) => Math.round(p.startTime / 1000) },
  { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', read: (p) => num(p.frame.rss) },
  { name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.', type: 'gauge', read: (p) => num(p.frame.heapTotal) },
  { name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', type: 'gauge', read: (p) => num(p.frame.heapUsed) },
  { name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.', type: 'gauge', read: (p) => num(p.frame.external) },
  { name: 'nodejs_heap_space_size_total_bytes', help: 'Process heap space size total from Node.js in bytes.', type: 'gauge', labelNames: ['space'], read: heapSpaces('size') },
  { name: 'nodejs_heap_space_size_used_bytes', help: 'Process heap space size used from Node.js in bytes.', type: 'gauge', labelNames: ['space'], read: heapSpaces('used') },
  { name: 'nodejs_heap_space_size_available_bytes', help: 'Process heap space size available from Node.js in bytes.', type: 'gauge', labelNames: ['space'], read: heapSpaces('available') },
  eventLoop('min'),
  eventLoop('max'),
  eventLoop('mean'),
  eventLoop('stddev'),
  eventLoop('p50'),
  eventLoop('p90'),
  eventLoop('p99'),
  {
    name: 'nodejs_version_info',
    help: 'Node.js version info.',
    type: 'gauge',
    labelNames: ['version', 'major', 'minor', 'patch'],
    read: (p) => {
      const [major = 0, minor = 0, patch = 0] = p.nodeVersion.replace(/^v/, '').split('.').map(Number);
      return p.nodeVersion ? [[{ version: p.nodeVersion, major, minor, patch }, 1]] : undefined;
    },
  },
  // ---- heapscope's own
  { name: 'heapscope_heap_limit_bytes', help: "V8's heap size limit (heap_size_limit) in bytes.", type: 'gauge', read: (p) => num(p.frame.heapLimit) },
  { name: 'heapscope_array_buffers_bytes', help: 'Memory of ArrayBuffers and SharedArrayBuffers (part of external) in bytes.', type: 'gauge', read: (p) => num(p.frame.arrayBuffers) },
  { name: 'heapscope_eventloop_utilization_ratio', help: 'Event-loop utilization over the last interval (0..1).', type: 'gauge', read: (p) => num(p.frame.eventLoop?.utilization) },
  { name: 'heapscope_post_gc_heap_used_bytes', help: 'JS heap used right after the latest major GC, in bytes: the floor a leak raises.', type: 'gauge', read: (p) => num(p.postGc?.heapUsed) },
  { name: 'heapscope_post_gc_external_bytes', help: 'External memory right after the latest major GC, in bytes.', type: 'gauge', read: (p) => num(p.postGc?.external) },
  {
    name: 'heapscope_leak_trend_bytes_per_second',
    help: "The leak detector's trend of the post-GC floor of the deciding series (heap or external), bytes per second.",
    type: 'gauge',
    labelNames: ['series'],
    read: (p) => {
      const d = p.frame.detector;
      const v = num(d?.bytesPerMinute);
      return d && v !== undefined ? [[{ series: d.series ?? 'heap' }, v / 60]] : undefined;
    },
  },
  {
    name: 'heapscope_leak_detector_state',
    help: "The leak detector's state: 1 for the current one (warming, watching, growing, leak, off), 0 for the others.",
    type: 'gauge',
    labelNames: ['state'],
    read: (p) => {
      const s = p.frame.detector?.state;
      return s ? DETECTOR_STATES.map((state): Sample => [{ state }, state === s ? 1 : 0]) : undefined;
    },
  },
  { name: 'heapscope_findings', help: 'Open leak findings for the process.', type: 'gauge', read: (p) => p.findings },
  { name: 'heapscope_snapshots_stored', help: 'Heap snapshots of the process the dashboard stores.', type: 'gauge', read: (p) => p.snapshots },
];

const GC_HISTOGRAM = {
  name: 'nodejs_gc_duration_seconds',
  help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
};

interface RegisterOptions {
  /** Label names every process carries (its `labels` keys may be a subset). */
  labelNames: string[];
  /** Return true to leave a metric out (e.g. one the registry already has). */
  skip?: (name: string) => boolean;
}

/**
 * Registers every metric of the table (and the GC histogram) in `registry`, each reading `source()`
 * when scraped; returns the names registered. Processes missing from `source()` have no series.
 */
export function registerProcessMetrics(client: PromClientModule, registry: PromRegistry, source: () => Iterable<ProcessState>, opts: RegisterOptions): string[] {
  const names: string[] = [];
  for (const def of PROCESS_METRICS) {
    if (opts.skip?.(def.name)) continue;
    const labelNames = [...opts.labelNames, ...(def.labelNames ?? [])];
    const fill = (put: (labels: Labels, value: number) => void): void => {
      for (const p of source()) {
        const v = def.read(p);
        if (typeof v === 'number') put(p.labels, v);
        else if (v) for (const [l, x] of v) put({ ...p.labels, ...l }, x);
      }
    };
    if (def.type === 'counter') {
      new client.Counter({
        name: def.name,
        help: def.help,
        labelNames,
        registers: [registry],
        collect() {
          // The frames carry the totals; a counter is reset and set to them on every scrape.
          this.reset();
          fill((l, v) => this.inc(l, v));
        },
      });
    } else {
      new client.Gauge({
        name: def.name,
        help: def.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          fill((l, v) => this.set(l, v));
        },
      });
    }
    names.push(def.name);
  }
  if (!opts.skip?.(GC_HISTOGRAM.name)) {
    registerGcHistogram(client, registry, source, opts.labelNames);
    names.push(GC_HISTOGRAM.name);
  }
  return names;
}

interface HistogramValue {
  labels: Labels;
  value: number;
  metricName: string;
}

/**
 * nodejs_gc_duration_seconds from the frames' cumulative bucket counts. prom-client's Histogram only
 * counts observations it makes itself, so this subclass reports the agent's counts through the
 * same value objects Histogram.get() returns; prom-client still writes the exposition text.
 */
function registerGcHistogram(client: PromClientModule, registry: PromRegistry, source: () => Iterable<ProcessState>, labelNames: string[]): void {
  const bounds = GC_DURATION_BUCKETS_MS.map((ms) => ms / 1000);
  class GcHistogram extends client.Histogram<string> {
    values(): HistogramValue[] {
      const out: HistogramValue[] = [];
      for (const p of source()) {
        for (const [kind, t] of Object.entries(p.frame.gcTotals ?? {}) as [GcKind, GcKindTotals][]) {
          if (!t || !Array.isArray(t.buckets) || t.buckets.length !== bounds.length) continue;
          const labels = { ...p.labels, kind };
          bounds.forEach((le, i) => out.push({ labels: { ...labels, le }, value: t.buckets[i]!, metricName: `${GC_HISTOGRAM.name}_bucket` }));
          out.push({ labels: { ...labels, le: '+Inf' }, value: t.count, metricName: `${GC_HISTOGRAM.name}_bucket` });
          out.push({ labels, value: t.pauseMs / 1000, metricName: `${GC_HISTOGRAM.name}_sum` });
          out.push({ labels, value: t.count, metricName: `${GC_HISTOGRAM.name}_count` });
        }
      }
      return out;
    }

    override async get(): Promise<PromClient.MetricObjectWithValues<PromClient.MetricValueWithName<string>>> {
      return { name: GC_HISTOGRAM.name, help: GC_HISTOGRAM.help, type: 'histogram' as unknown as PromClient.MetricType, aggregator: 'sum', values: this.values() } as unknown as PromClient.MetricObjectWithValues<
        PromClient.MetricValueWithName<string>
      >;
    }

    /** What the registry formats (prom-client ≥ 15 prefers it to get()). */
    async getForPromString(): Promise<unknown> {
      return this.get();
    }
  }
  new GcHistogram({ name: GC_HISTOGRAM.name, help: GC_HISTOGRAM.help, labelNames: [...labelNames, 'kind'], buckets: bounds, registers: [registry] });
}
