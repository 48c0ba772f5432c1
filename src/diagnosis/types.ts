// The diagnosis report: public JSON contract (`heapscope analyze|diff --json`), rendered by
// src/report (text/HTML) and stored by the dashboard. Add fields freely, never rename.
import type { ClassSummary, ExploreSubset, NodeInfo, Statistics } from '../engine/index.js';

/** Where a closure's code lives (1-based line and column), when the snapshot records it. */
export interface SourceLocation {
  scriptId: number;
  /** Script name/URL (e.g. `/srv/app.js`), when resolvable from the snapshot. */
  script?: string;
  line: number;
  column: number;
  /** Function name of the closure at this location. */
  functionName?: string;
}

/** One object on a path, chain or tree (the force graph's node). */
export interface ChainNode {
  /** Snapshot object id (`@id`). */
  id: number;
  /** Node type: `object`, `closure`, `array`, `string`, `hidden`, ... */
  type: string;
  /** Display name as DevTools shows it (`Route`, `system / Context`, `someMethod`, ...). */
  name: string;
  selfSize: number;
  retainedSize: number;
  /** Name of the edge from the previous hop (parent) to this node; '' on the first hop. */
  edge: string;
  /** Type of that edge (`property`, `element`, `context`, `internal`, ...); '' on the first hop. */
  edgeType: string;
  /** True for the suspect itself (drawn in the suspect colour). */
  isSuspect: boolean;
  location?: SourceLocation;
}

/** A bounded dominator subtree under a suspect, so a viewer can expand beyond the chain. */
export interface TreeNode extends ChainNode {
  children: TreeNode[];
  /** Total number of dominated children in the heap (children[] keeps only the largest). */
  childCount: number;
}

export type CauseKind =
  | 'closure-context-chain'
  | 'listener-leak'
  | 'unbounded-collection'
  | 'global-variable'
  | 'timer'
  | 'growing-string'
  | 'large-object';

/** A recognised leak pattern in plain language. */
export interface Cause {
  kind: CauseKind;
  title: string;
  /**
   * The holder in the user's words when the recogniser knows it better than the retainer path
   * does (`60 intervals calling pollJobStatus (jobs.js:6)`, not `timerListMap → [600000]`).
   */
  owner?: string;
  /** The user's code behind it (the timers' callback, a leaking listener), listed first. */
  location?: SourceLocation;
  /** The user's words for it (the callback's name and what it captures), listed first in keys. */
  keys?: string[];
  explanation: string;
  fix: string;
}

/** One suspected leak point of a single snapshot. */
export interface Suspect {
  id: number;
  type: string;
  name: string;
  selfSize: number;
  retainedSize: number;
  /** retainedSize / total heap size, 0..1. */
  share: number;
  distance: number;
  /** Developer-recognisable owner, e.g. `context of arrayLeak (app.js:12) → _cached`. */
  owner: string;
  /** Retainer path from the GC roots down to the suspect (last node = the suspect). */
  path: ChainNode[];
  /** Leak chain from the suspect downwards (first node = the suspect). */
  chain: ChainNode[];
  /** Bounded dominator subtree rooted at the suspect (largest children first). */
  tree: TreeNode;
  /** Chain in the seed's notation, one line per hop: `[object] (Route::@122187) ' stack`, `---> [object] (Array::@1) ' [0]`, ... */
  referenceList: string[];
  /** Path from the GC roots to the suspect in the same notation. */
  pathReferenceList: string[];
  /** Property/variable names on path and chain: words to grep for in the code. */
  keys: string[];
  /** Closures on path and chain with their source locations. */
  locations: SourceLocation[];
  /** For collections: number of entries and what they are (aggregated many-small-objects leaks). */
  collection?: { kind: CollectionKind; count: number; entryClass?: string; entriesSize?: number };
  cause: Cause | null;
}

export type CollectionKind = 'array' | 'map' | 'set' | 'object' | 'listeners';

/**
 * DevTools' Comparison view: one row per class, objects matched by snapshot object id. When the
 * ids cannot be trusted (Comparison.idReset), new/deleted/alloc/freed are null (unknowable) and
 * the deltas are per-class count and size differences, which need no ids.
 */
export interface ComparisonRow {
  name: string;
  newCount: number | null;
  deletedCount: number | null;
  deltaCount: number;
  allocSize: number | null;
  freedSize: number | null;
  sizeDelta: number;
}

/** V8 renumbered its objects between two snapshots: same id no longer means same object. */
export interface IdReset {
  /** Plain-language statement for every renderer. */
  message: string;
  /** Indexes into HeapReport.snapshots of the pair found reset. */
  base: number;
  target: number;
  /** The evidence: target objects sampled, ids also in the base, of those naming another object. */
  sampled: number;
  shared: number;
  mismatched: number;
}

export interface Comparison {
  /** Indexes into HeapReport.snapshots. */
  base: number;
  target: number;
  rows: ComparisonRow[];
  totals: Omit<ComparisonRow, 'name'>;
  /** How objects were matched: by snapshot id, or (ids reset) only per class by count and size. */
  matchedBy?: 'id' | 'class';
  /** Set when the ids were reset between base and target. */
  idReset?: IdReset;
  /** The bounded drill-down subset an offline HTML report embeds (`analyze --html` only; never in --json). */
  explore?: ExploreSubset;
}

export type GrowthKind = 'collection' | 'listeners' | 'object' | 'new-objects';

/** Something that kept growing across 3+ snapshots of one process. */
export interface GrowthFinding {
  /** Developer-recognisable owner path, e.g. `Socket → _events → connect`. */
  owner: string;
  kind: GrowthKind;
  /** Object id of the growing owner in the last snapshot. */
  id: number;
  type: string;
  name: string;
  /** Per snapshot, in order: element/entry count (or object count for `new-objects`). */
  counts: number[];
  /** Per snapshot, in order: retained size in bytes (or self size sum for `new-objects`). */
  sizes: number[];
  /** Ranking score: bytes gained between first and last snapshot. */
  growth: number;
  /** How the owner was found in each snapshot: same id, or (ids reset) same retainer path. */
  matchedBy?: 'id' | 'path';
  path: ChainNode[];
  /** Path to the owner in the seed's notation (last snapshot). */
  referenceList: string[];
  keys: string[];
  locations: SourceLocation[];
  cause: Cause | null;
}

/** One of the largest objects, with its retainer path from the GC roots (one hop a line). */
export interface LargeObject extends NodeInfo {
  path: string;
}

export interface SnapshotInfo {
  file?: string;
  nodeCount: number;
  edgeCount: number;
  totalSize: number;
}

/** Everything a report viewer needs. `heapscope analyze --json` / `heapscope diff --json`. */
export interface HeapReport {
  version: 1;
  kind: 'analyze' | 'diff';
  generatedAt: string;
  /** The snapshot the suspects, statistics and classes come from (the last one for `diff`). */
  snapshot: SnapshotInfo;
  /** All snapshots, in order (`diff` only). */
  snapshots?: SnapshotInfo[];
  statistics: Statistics;
  classes: ClassSummary[];
  suspects: Suspect[];
  /** The objects with the largest retained size (`analyze` only). */
  largest?: LargeObject[];
  /** First vs last snapshot (`diff` only). */
  comparison?: Comparison;
  /** What kept growing (`diff` with 3+ snapshots). */
  growth?: GrowthFinding[];
  /**
   * Set when V8's object ids were reset between two of the snapshots: the comparison is per class
   * only, and growth matched objects by their retainer path from the GC roots instead of by id.
   */
  idReset?: IdReset;
  /** The bounded drill-down subset an offline HTML report embeds (`analyze --html` only; never in --json). */
  explore?: ExploreSubset;
}
