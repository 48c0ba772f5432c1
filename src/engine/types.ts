// Results of the engine's passes over a HeapGraph. The JSON shapes here are parts of public
// contracts (`heapscope analyze --json`, see diagnosis/types.ts): add fields freely, never rename.
import type { HeapGraph } from './graph.js';

/** Progress of long work, for progress bars (CLI) and job state (dashboard). */
export interface Progress {
  phase: 'reading' | 'indexing' | 'flags' | 'shallow' | 'dominators' | 'retained' | 'distances' | 'names' | 'summary' | 'diagnosis' | string;
  /** 0..1 within the phase, when known. */
  ratio?: number;
  /** Bytes read so far / total bytes, during `reading`. */
  done?: number;
  total?: number;
}
export type ProgressFn = (p: Progress) => void;

/** A graph with DevTools' passes applied. All arrays are indexed by node ordinal. */
export interface HeapAnalysis {
  graph: HeapGraph;
  /** Immediate dominator ordinal; the root (0) is its own dominator. */
  dominator: Uint32Array;
  retainedSize: Float64Array;
  /** DevTools distance: user roots at 1, system-only nodes offset by 100000000, unreached -5. */
  distance: Int32Array;
  /** Dominator tree as CSR: children of i are dominated[firstDominated[i] .. firstDominated[i+1]-1]. */
  firstDominated: Uint32Array;
  dominated: Uint32Array;
  /** Class name of each node as a `strings` index (DevTools' Summary grouping). */
  classIndex: Uint32Array;
  /** DevTools' node flags; bit 4 = owned by the page (reachable from a user root). */
  flags: Uint8Array;
  /** Root's retained size plus extra native bytes, as DevTools' "total". */
  totalSize: number;
  statistics: Statistics;
  /** The LARGEST_KEPT nodes with the largest retained size, largest first (see query/largest.ts). */
  largest: number[];
  /** DevTools' Summary: per-class totals, ready or computed on first use (see passes/summary.ts). */
  classTotals: ClassTotals;
}

/**
 * The Summary's per-class totals of one analysis. The two-core analysis returns while its worker
 * still sums retained sizes by class: `ready` says whether rows() will answer at once.
 */
export interface ClassTotals {
  readonly ready: boolean;
  /** Rows by retained size, largest first; with `limit`, only the first `limit`. */
  rows(limit?: number): ClassSummary[];
}

/** DevTools' Statistics view. */
export interface Statistics {
  total: number;
  native: { total: number; typedArrays: number };
  v8heap: { total: number; code: number; jsArrays: number; strings: number; system: number };
}

/** One row of DevTools' Summary view. */
export interface ClassSummary {
  name: string;
  count: number;
  distance: number;
  selfSize: number;
  retainedSize: number;
}

/** One object in `largest` / path output. */
export interface NodeInfo {
  id: number;
  type: string;
  name: string;
  selfSize: number;
  retainedSize: number;
  distance: number;
}

/** One hop of a retainer path: `node` is retained by the previous step through `edge` (name). */
export interface PathStep {
  node: number;
  /** Edge from the previous step's node to this one; empty on the first step. */
  edgeName: string;
  edgeType: string;
}
