// What will the next heap snapshot cost this process? V8's writer builds its own copy of the graph
// in native memory (entries, edges, an id map, names) before it writes a byte; glibc keeps most of
// it after the write and the next snapshot reuses it. Measured here (bench/snapshot-cost.ts, 45
// first snapshots of 19 heap shapes at 20-250 MB): ~200-250 B per object and ~30 per edge, a copy
// of each distinct string's first 1 KB, and one V8 quirk. The writer names each slot of a pointer
// array by its index, and StringsStorage::GetFormatted keeps a 1 KB buffer for every distinct index
// name: the longest array (or Map, Set, dictionary table) costs ~1.15 KB per slot, 160x its bytes,
// whatever it points to. So the cost follows what the heap holds, not its bytes, and is priced in
// three ways:
// - Before this process's first snapshot, the bound for any heap: objects at the worst measured per
//   byte, and names for as many slots as the large-object space could hold (an array over 128 KB
//   lives there; one under holds at most 16K slots), less what a listing of the scripts shows to be
//   source text (script-sources.ts). Never under; 1.1-2x where that space holds one long array or
//   nothing, up to 20x for several arrays or Maps, far over for big strings.
// - When that bound would refuse: a census of the heap (heap-census.ts: V8's count of its objects by
//   type, the longest arrays and the Maps read from JavaScript), priced per object, array element,
//   string byte and index name: 1.02-1.49x on every measured shape (see CENSUS_PRICE).
// - After the first snapshot: the ratio this process measured, the heap grown since at the worst
//   rates. Before it, the dashboard may send what the project's other processes measured
//   (adoptProfile): see projectCost; a census of this heap, when taken, wins over that.
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { COST_PROFILE_SAMPLES, checkCostSample, type CostBasis, type CostSample } from '../protocol/index.js';
import type { HeapCensus } from './heap-census.js';
import { spaceTotals } from './heap-spaces.js';

const MB = 1024 * 1024;

/** Writer bytes per byte of objects outside large-object space (worst measured: 10.1 beyond Node's own, boxed numbers and short strings held by small arrays). */
const SMALL_OBJECT_RATE = 12;
/** ... per byte of large-object space, for the edges out of its slots (8 B each, ~31 B per edge); names are apart. */
const LARGE_OBJECT_RATE = 5;
/** One distinct index name: the 1 KB buffer, its chunk header and hash-map share (measured 1.25 KB per slot with its edges). */
const INDEX_NAME_BYTES = 1350;
/** Slots of the longest array outside large-object space (objects over 128 KB go there): the names any heap may have. */
const REGULAR_ARRAY_SLOTS = 16 * 1024;
const SLOT_BYTES = 8;
/** The writer's floor, for Node's own ~40k objects (measured 24-30 MB), and the heap it covers. */
const BASE_BYTES = 30 * MB;
const BASE_HEAP = 3 * MB;
/**
 * Priced from a census (./heap-census.ts), bytes per thing the writer copies: objects, a second edge
 * per array element that may hold a pointer, string bytes, index names, and Node's own floor. Fitted
 * to the first snapshots of test/fixtures/snapshot-cost.jsonl (19 heap shapes, 20-250 MB) as the
 * least worst ratio that never under-predicts (a linear program; an index name at no less than the
 * 1.1 KB measured alone): 1.00-1.46x there, times CENSUS_MARGIN for noise between runs. Fitted on
 * all shapes but one, the model prices the left-out shape at 0.85x at worst (short strings held by
 * small arrays): so a refusal the census lifts keeps CENSUS_DECISION_MARGIN of room beyond it.
 */
const CENSUS_PRICE = { base: 32.5 * MB, perObject: 257, perArraySlot: 54, perStringNameByte: 2, perIndexName: 1316 };
const CENSUS_MARGIN = 1.02;
/** Room a census-priced snapshot must leave beyond its prediction: the model's error on a shape it was not fitted to. */
export const CENSUS_DECISION_MARGIN = 1.15;
/** The writer's pause from the same census (never under on the fixtures, up to 2.2x: pauses there were measured two at a time). */
const CENSUS_PAUSE_NS = { perObject: 3800, perIndexName: 10_000 };
/** Before the first snapshot: pause per MB of heap used (worst measured here, on a loaded 2-core VM). */
const DEFAULT_PAUSE_MS_PER_MB = 2000;
/**
 * Learned predictions get these margins: on the writer's total (a second snapshot of the same
 * heap cost up to 9.4 % more than the first: 1.28M linked objects, 340 MB then 373 MB), and on the
 * new RSS once memory glibc kept from the last snapshot is subtracted.
 */
const LEARNED_MARGIN = 1.1;
/** On a sibling's measured writer: another process's heap of the same service differs more than one process's between two snapshots. */
const PROJECT_MARGIN = 1.1;
/**
 * A heap smaller than a sibling's measured one is priced at that writer times (heap / its heap)
 * to this power, not in proportion: the writer does not shrink with the heap on every shape
 * (replayed on test/fixtures/snapshot-cost.jsonl, maps at 20 MB cost 23 % of 250 MB's for 8 % of
 * the heap, 1M references in 27 MB 88 % of 51 MB's). 0.5 never under-predicts there; 1 does, by up to 2x.
 */
const PROJECT_SHRINK_EXPONENT = 0.5;
/**
 * Two processes' heap used, read at any moment, differ by young-generation garbage (V8 collects it
 * before writing): a heap this much above a sibling's is priced at its ratio, not as new growth.
 */
const PROJECT_SLACK = 0.1;
const PROJECT_SLACK_MIN = 2 * MB;
const slackOf = (heapUsed: number): number => Math.max(PROJECT_SLACK_MIN, PROJECT_SLACK * heapUsed);
const DELTA_MARGIN = 1.15;
/** A snapshot leaves this much more on the JS heap (measured 0.24 MB on every shape): not growth. */
const SNAPSHOT_RESIDUE = 1 * MB;
/** Allocator noise: a snapshot that reuses all it needs still moves RSS by a few MB. */
const NOISE_BYTES = 4 * MB;

/** The cheap in-process reading the model predicts from. Bytes. */
export interface HeapShape {
  heapUsed: number;
  /** Of heap used, the bytes in large-object spaces (objects over ~128 KB each). */
  largeObjects?: number;
  /** Of those, bytes known to be script source strings (./script-sources.ts), not arrays. */
  scriptSources?: number;
  /** Heap used outside the young generation (see heap-spaces.ts), to compare with the census's. */
  settledHeapUsed?: number;
  /** V8's census of this heap's objects, when one was taken (./heap-census.ts). */
  census?: HeapCensus;
  heapTotal: number;
  external: number;
  rss: number;
}

/** The heap now, with what the last survey (if any) showed of it. */
export function readHeapShape(survey?: { scriptSources?: number; census?: HeapCensus }): HeapShape {
  const heap = v8.getHeapStatistics();
  const mem = process.memoryUsage();
  const { largeObjects, settled } = spaceTotals();
  const scriptSources = survey?.scriptSources ?? 0;
  return {
    heapUsed: heap.used_heap_size,
    settledHeapUsed: settled,
    largeObjects,
    ...(scriptSources > 0 ? { scriptSources: Math.min(scriptSources, largeObjects) } : {}),
    ...(survey?.census ? { census: survey.census } : {}),
    heapTotal: heap.total_heap_size,
    external: mem.external,
    rss: mem.rss,
  };
}

export interface CostForecast {
  /** Native memory the writer will touch. */
  writerBytes: number;
  /** Of which glibc still holds free since this process's last snapshot (reused, not new RSS). */
  reusableBytes: number;
  /** Predicted peak RSS minus RSS now. */
  peakRssDelta: number;
  pauseMs: number;
  /** 'default' before this process's first snapshot, 'project' then with a project profile, 'learned' after. */
  basis: CostBasis;
}

interface MeasuredCost {
  pauseMs: number;
  /** Peak RSS during the write minus RSS before, when measurable. */
  peakRssDelta?: number;
  rssAfterDelta: number;
  nodes?: number;
  edges?: number;
}

interface Learned {
  bytesPerHeapByte: number;
  pauseMsPerMb: number;
  /** Shape right before, and RSS kept right after, the last snapshot. */
  before: HeapShape;
  keptAfter: number;
}

/**
 * The worst-shape price of heap that grew since a measured snapshot: objects at the worst rate, and
 * the large-object space grown as new slots of the longest array (each a new index name at most).
 */
function worstCaseWriterBytes(heapUsed: number, largeObjects = 0): number {
  const large = Math.min(Math.max(0, largeObjects), heapUsed);
  return SMALL_OBJECT_RATE * Math.max(0, heapUsed - large) + (LARGE_OBJECT_RATE + INDEX_NAME_BYTES / SLOT_BYTES) * large;
}

/**
 * A whole heap at the worst shape: Node's own objects, the rest's objects, and names for the
 * longest array its large-object space can hold (less what a survey showed to be script sources).
 */
function defaultWriterBytes(s: Pick<HeapShape, 'heapUsed' | 'largeObjects' | 'scriptSources'>): number {
  const large = Math.min(Math.max(0, s.largeObjects ?? 0), s.heapUsed);
  const small = Math.max(0, s.heapUsed - large - BASE_HEAP);
  const arrays = large - Math.min(large, Math.max(0, s.scriptSources ?? 0));
  const longestArray = Math.max(REGULAR_ARRAY_SLOTS, arrays / SLOT_BYTES);
  return BASE_BYTES + SMALL_OBJECT_RATE * small + LARGE_OBJECT_RATE * arrays + INDEX_NAME_BYTES * longestArray;
}

/** The writer's memory for the heap a census counted. */
function censusWriterBytes(c: HeapCensus): number {
  const p = CENSUS_PRICE;
  const bytes = p.base + p.perObject * c.objects + p.perArraySlot * c.arraySlots + p.perStringNameByte * c.stringNameBytes + p.perIndexName * c.indexNames;
  return bytes * CENSUS_MARGIN;
}

function censusPauseMs(c: HeapCensus): number {
  return (CENSUS_PAUSE_NS.perObject * c.objects + CENSUS_PAUSE_NS.perIndexName * c.indexNames) / 1e6;
}

/**
 * Before the first snapshot, with a census: the heap it counted, plus what grew since at the
 * worst-shape rates (young-generation garbage left out: the snapshot's GC collects it). Never more
 * than the census-less bound, which holds for any heap.
 */
function censusForecast(s: HeapShape, c: HeapCensus): { writerBytes: number; pauseMs: number } {
  const grown = Math.max(0, (s.settledHeapUsed ?? s.heapUsed) - c.heapUsed);
  const grownLarge = Math.max(0, (s.largeObjects ?? 0) - c.largeObjects);
  return {
    writerBytes: Math.min(defaultWriterBytes(s), censusWriterBytes(c) + worstCaseWriterBytes(grown, grownLarge)),
    pauseMs: Math.min(DEFAULT_PAUSE_MS_PER_MB * (s.heapUsed / MB), censusPauseMs(c) + DEFAULT_PAUSE_MS_PER_MB * (grown / MB)),
  };
}

/**
 * A fresh process's writer and pause from siblings' measured snapshots: those whose heap covers
 * this one, scaled down by PROJECT_SHRINK_EXPONENT (the most expensive wins), else the largest
 * plus the heap beyond it at the worst-shape rates. `withinDefault`: every sample used cost no
 * more than the default model says for its heap, so the default still bounds this shape.
 */
export function projectCost(samples: readonly CostSample[], now: Pick<HeapShape, 'heapUsed' | 'largeObjects'>): { writerBytes: number; pauseMs: number; withinDefault: boolean } {
  const covering = samples.filter((s) => s.heapUsed + slackOf(s.heapUsed) >= now.heapUsed);
  if (covering.length > 0) {
    let writerBytes = 0;
    let pauseMs = 0;
    for (const s of covering) {
      const x = now.heapUsed / s.heapUsed;
      const shrink = x > 1 ? x : x ** PROJECT_SHRINK_EXPONENT;
      writerBytes = Math.max(writerBytes, s.writerBytes * shrink * PROJECT_MARGIN);
      pauseMs = Math.max(pauseMs, s.pauseMs * shrink * PROJECT_MARGIN);
    }
    return { writerBytes, pauseMs, withinDefault: covering.every((s) => s.writerBytes <= defaultWriterBytes(s)) };
  }
  const s = samples.reduce((a, b) => (b.heapUsed > a.heapUsed ? b : a));
  const grown = now.heapUsed - s.heapUsed - slackOf(s.heapUsed);
  const grownLarge = Math.max(0, (now.largeObjects ?? 0) - s.largeObjects);
  const within = (s.heapUsed + slackOf(s.heapUsed)) / s.heapUsed;
  return {
    writerBytes: s.writerBytes * within * PROJECT_MARGIN + worstCaseWriterBytes(grown, grownLarge),
    pauseMs: s.pauseMs * within * PROJECT_MARGIN + DEFAULT_PAUSE_MS_PER_MB * (grown / MB),
    withinDefault: s.writerBytes <= defaultWriterBytes(s),
  };
}

/** Per-process model: predicts, then learns from what each snapshot really cost. */
export class SnapshotCostModel {
  private learned: Learned | undefined;
  private project: CostSample[] = [];

  /**
   * The project's measured snapshots, from the dashboard (replaces the last ones). Samples that
   * are not sane numbers are dropped; anything else leaves the model as it was. Used only until
   * this process has measured its own snapshot.
   */
  adoptProfile(samples: unknown): number {
    if (!Array.isArray(samples)) return this.project.length;
    this.project = samples.slice(-COST_PROFILE_SAMPLES).flatMap((s) => checkCostSample(s) ?? []);
    return this.project.length;
  }

  /** True once this process measured a snapshot of its own. */
  get hasLearned(): boolean {
    return this.learned !== undefined;
  }

  forecast(now: HeapShape = readHeapShape()): CostForecast {
    const l = this.learned;
    // A census of this very heap prices it closer than siblings' snapshots (a different heap).
    if (!l && now.census) {
      const c = censusForecast(now, now.census);
      return { writerBytes: c.writerBytes, reusableBytes: 0, peakRssDelta: c.writerBytes, pauseMs: Math.round(c.pauseMs), basis: 'census' };
    }
    if (!l && this.project.length > 0) {
      const p = projectCost(this.project, now);
      // A fresh process: nothing of an earlier snapshot's memory to reuse. At least the writer's
      // floor for Node's own objects (a small heap of large strings costs that, whatever a larger
      // one cost); never above the worst shape measured while the project's heaps stayed within it.
      const def = defaultWriterBytes(now);
      const peak = Math.max(BASE_BYTES, p.writerBytes * DELTA_MARGIN + NOISE_BYTES);
      return {
        writerBytes: p.withinDefault ? Math.min(p.writerBytes, def) : p.writerBytes,
        reusableBytes: 0,
        peakRssDelta: p.withinDefault ? Math.min(peak, def) : peak,
        pauseMs: Math.round(p.withinDefault ? Math.min(p.pauseMs, DEFAULT_PAUSE_MS_PER_MB * (now.heapUsed / MB)) : p.pauseMs),
        basis: 'project',
      };
    }
    const writerBytes = l ? this.learnedWriter(l, now) : defaultWriterBytes(now);
    const reusableBytes = this.reusable(now);
    const pauseMs = (l ? l.pauseMsPerMb * LEARNED_MARGIN : DEFAULT_PAUSE_MS_PER_MB) * (now.heapUsed / MB);
    return {
      writerBytes,
      reusableBytes,
      peakRssDelta: l ? Math.max(0, writerBytes - reusableBytes) * DELTA_MARGIN + NOISE_BYTES : writerBytes,
      pauseMs: Math.round(pauseMs),
      basis: l ? 'learned' : 'default',
    };
  }

  /**
   * The heap this process's last snapshot covered at its measured ratio; what grew since at the
   * worst-shape rates (a leak can change the heap's shape: a Set of short strings costs 2-3x a
   * service's mix per byte).
   */
  private learnedWriter(l: Learned, now: HeapShape): number {
    const known = l.bytesPerHeapByte * Math.min(now.heapUsed, l.before.heapUsed) * LEARNED_MARGIN;
    const grown = Math.max(0, now.heapUsed - l.before.heapUsed - SNAPSHOT_RESIDUE);
    const grownLarge = Math.max(0, (now.largeObjects ?? 0) - (l.before.largeObjects ?? 0));
    return known + worstCaseWriterBytes(grown, grownLarge);
  }

  /** Record what the snapshot taken from `before` cost; `forecast` is what was predicted from it. */
  learn(before: HeapShape, forecast: CostForecast, measured: MeasuredCost): void {
    if (before.heapUsed <= 0) return;
    const writer = writerBytes(forecast, measured);
    const prev = this.learned;
    this.learned = {
      bytesPerHeapByte: writer !== undefined ? writer / before.heapUsed : (prev?.bytesPerHeapByte ?? defaultWriterBytes(before) / before.heapUsed),
      pauseMsPerMb: measured.pauseMs / Math.max(1, before.heapUsed / MB),
      before,
      keptAfter: Math.max(0, measured.rssAfterDelta),
    };
  }

  /**
   * Free memory glibc probably still holds from the last snapshot: what it kept, less any RSS
   * returned since, less what the process grew into since outside V8's heap (Buffers and other
   * native allocations may have reused it; the V8 heap has its own mappings and never does).
   */
  private reusable(now: HeapShape): number {
    const l = this.learned;
    if (!l) return 0;
    const rssSince = now.rss - l.before.rss;
    const heapGrowth = Math.max(0, now.heapTotal - l.before.heapTotal);
    const externalGrowth = Math.max(0, now.external - l.before.external);
    return Math.max(0, Math.min(l.keptAfter, rssSince - heapGrowth - externalGrowth));
  }
}

/** What the writer touched: the new RSS at its peak plus the free memory it found and reused. */
export function writerBytes(forecast: Pick<CostForecast, 'reusableBytes'>, measured: Pick<MeasuredCost, 'peakRssDelta'>): number | undefined {
  return measured.peakRssDelta === undefined ? undefined : measured.peakRssDelta + forecast.reusableBytes;
}

/** This process's model (one V8 heap per process; workers' snapshots are not taken by the agent). */
export const costModel = new SnapshotCostModel();

/**
 * Peak RSS tracking for one snapshot: resets Linux's VmHWM so that after the write it holds the
 * peak of the write itself. Undefined where that is not possible (not Linux, /proc read-only).
 */
export function resetPeakRss(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function peakRss(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** node_count and edge_count from a snapshot file's header (first 64 KB). */
export function snapshotCounts(head: Buffer): { nodes?: number; edges?: number } {
  const text = head.toString('latin1');
  const nodes = /"node_count":(\d+)/.exec(text)?.[1];
  const edges = /"edge_count":(\d+)/.exec(text)?.[1];
  return { nodes: nodes ? Number(nodes) : undefined, edges: edges ? Number(edges) : undefined };
}
