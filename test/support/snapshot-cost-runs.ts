// The measured snapshots of test/fixtures/snapshot-cost.jsonl (recorded by bench/snapshot-cost.ts on
// Node 20: each line one real v8.writeHeapSnapshot(), two per process), and the project cost profile
// replayed on them: a profile learned from one process's snapshot (what its agent reports to the
// dashboard) applied to ANOTHER process of the same shape before its first snapshot (another size,
// or the same size: then the profile comes from the process's second snapshot, whose writer bytes
// include the memory it reused). Used by test/agent/snapshot-cost.test.ts and the bench scripts.
import { readFileSync } from 'node:fs';
import type { CostSample } from '../../src/protocol/index.js';
import { summarize, type CensusInputs, type HeapCensus } from '../../src/agent/heap-census.js';
import { SnapshotCostModel, writerBytes, type HeapShape } from '../../src/agent/snapshot-cost.js';

export interface Measured {
  shape: string;
  mb: number;
  n: number;
  pauseMs: number;
  nodes: number;
  edges: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  rssBefore: number;
  peakRssDelta: number;
  rssAfterDelta: number;
  spaces: Record<string, number>;
  /** What the agent's census read right before the process's first snapshot (V8's object stats, arrays, Maps and Sets). */
  censusInputs?: CensusInputs;
}

/** The census the agent makes of those readings. */
export const censusOf = (m: Measured): HeapCensus | undefined => {
  const i = m.censusInputs;
  return i ? summarize(i.stats, i.owners, i.lineEnds, i.at) : undefined;
};

const MB = 1024 * 1024;
export const largeOf = (m: Measured): number => Object.entries(m.spaces).reduce((n, [k, v]) => (k.endsWith('large_object_space') ? n + v : n), 0);
/** The reading the agent prices, with the census when `census` (the first snapshot's, taken right before it). */
export const shapeOf = (m: Measured, census?: HeapCensus): HeapShape => ({
  heapUsed: m.heapUsed,
  largeObjects: largeOf(m),
  heapTotal: m.heapTotal,
  external: m.external,
  rss: m.rssBefore,
  ...(census ? { census, settledHeapUsed: census.heapUsed } : {}),
});

/** One process's snapshots, in order, by "shape MB" (e.g. "small 20"). */
export function runsByKey(): Map<string, Measured[]> {
  const out = new Map<string, Measured[]>();
  for (const list of loadRuns().values()) for (const run of list) out.set(`${run[0]!.shape} ${run[0]!.mb}`, run);
  return out;
}

/** shape -> its runs (one process each), each the process's snapshots in order. */
export function loadRuns(): Map<string, Measured[][]> {
  const byKey = new Map<string, Measured[]>();
  for (const line of readFileSync(new URL('../fixtures/snapshot-cost.jsonl', import.meta.url), 'utf8').trim().split('\n')) {
    const m = JSON.parse(line) as Measured;
    const key = `${m.shape} ${m.mb}`;
    if (m.n === 1) byKey.set(key, [m]);
    else byKey.get(key)?.push(m);
  }
  const byShape = new Map<string, Measured[][]>();
  for (const run of byKey.values()) byShape.set(run[0]!.shape, [...(byShape.get(run[0]!.shape) ?? []), run]);
  return byShape;
}

/** What the agent of `run` reports after its snapshot `index` (0-based), as the dashboard keeps it. */
export function sampleOf(run: Measured[], index: number): CostSample {
  const model = new SnapshotCostModel();
  for (let i = 0; i < index; i++) model.learn(shapeOf(run[i]!), model.forecast(shapeOf(run[i]!)), run[i]!);
  const m = run[index]!;
  const f = model.forecast(shapeOf(m));
  return { heapUsed: m.heapUsed, largeObjects: largeOf(m), writerBytes: writerBytes(f, m)!, pauseMs: m.pauseMs, at: 0 };
}

export interface Pair {
  shape: string;
  /** "50 MB #1": the run and snapshot the profile comes from. */
  from: string;
  fromHeap: number;
  /** The fresh process's heap, its first snapshot's measured and predicted peak RSS delta. */
  heap: number;
  measured: number;
  predicted: number;
  defaultPredicted: number;
  pauseMeasured: number;
  pausePredicted: number;
  basis: string;
}

export function pairs(): Pair[] {
  const out: Pair[] = [];
  for (const [shape, runs] of loadRuns()) {
    for (const src of runs) {
      for (const [index, m] of src.entries()) {
        const sample = sampleOf(src, index);
        for (const dst of runs) {
          // the same process's first snapshot is not another process; its second stands for a sibling's
          if (dst === src && index === 0) continue;
          const target = dst[0]!;
          const model = new SnapshotCostModel();
          const fresh = new SnapshotCostModel().forecast(shapeOf(target));
          model.adoptProfile([sample]);
          const f = model.forecast(shapeOf(target));
          out.push({
            shape,
            from: `${src[0]!.mb} MB #${index + 1}`,
            fromHeap: m.heapUsed,
            heap: target.heapUsed,
            measured: target.peakRssDelta,
            predicted: f.peakRssDelta,
            defaultPredicted: fresh.peakRssDelta,
            pauseMeasured: target.pauseMs,
            pausePredicted: f.pauseMs,
            basis: f.basis,
          });
        }
      }
    }
  }
  return out;
}
