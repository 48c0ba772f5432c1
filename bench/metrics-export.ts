// What the metrics exports cost: one agent sample (the collectors every frame runs, now with CPU
// and GC totals and event-loop utilization), and rendering /metrics for N processes through
// prom-client. Medians of interleaved rounds.
//   node --import tsx bench/metrics-export.ts [--processes 200] [--rounds 15]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import * as client from 'prom-client';
import { Collectors } from '../src/agent/collectors/index.js';
import { registerProcessMetrics, type ProcessState } from '../src/agent/exporters/prom-metrics.js';
import { PROCESS_LABELS } from '../src/dashboard/prometheus.js';

const { values } = parseArgs({ options: { processes: { type: 'string', default: '200' }, rounds: { type: 'string', default: '15' } } });
const N = Number(values.processes);
const ROUNDS = Number(values.rounds);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const collectors = new Collectors();
const frame = collectors.sample(1000);
// Every GC kind seen, as in a busy process.
for (const kind of ['minor', 'major', 'incremental', 'weakcb'] as const) frame.gcTotals![kind] ??= { count: 10, pauseMs: 12.5, buckets: [5, 9, 10, 10, 10, 10] };
frame.detector = { state: 'watching', bytesPerMinute: 1200, samples: 12, reason: 'no significant growth' };
frame.postGc = [{ t: Date.now(), heapUsed: frame.heapUsed, external: frame.external, arrayBuffers: frame.arrayBuffers, rss: frame.rss }];

const states: ProcessState[] = Array.from({ length: N }, (_, i) => ({
  labels: { project: `svc-${i % 10}`, host: `host-${i % 20}`, pid: 1000 + i },
  frame,
  postGc: frame.postGc![0],
  nodeVersion: process.version,
  startTime: Date.now(),
  snapshots: 1,
  findings: 0,
}));
const registry = new client.Registry();
registerProcessMetrics(client, registry, () => states, { labelNames: PROCESS_LABELS });

const sampleUs: number[] = [];
const renderMs: number[] = [];
let bytes = 0;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) collectors.sample(1000);
  sampleUs.push(((performance.now() - t0) / 100) * 1000);
  const t1 = performance.now();
  const text = await registry.metrics();
  renderMs.push(performance.now() - t1);
  bytes = text.length;
}
collectors.stop();
console.log(`agent sample (all collectors, one frame): median ${median(sampleUs).toFixed(1)} µs over ${ROUNDS} rounds of 100`);
console.log(`/metrics for ${N} processes: median ${median(renderMs).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KB, ${bytes ? registry.getMetricsAsArray().length : 0} families`);
