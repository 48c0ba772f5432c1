// What a comparison keeps of an earlier snapshot once its analysis is dropped. `diff` and growth
// used to hold every snapshot's whole analysis (graph, edges, retainers, dominator tree: ~650 MB at
// 470 MB of snapshot) until the last was analysed; they need only a few numbers per node:
// - ids, sorted (with each one's ordinal): which objects the next snapshot still has;
// - each node's type and name (and the string table): the id check (checkIds);
// - first snapshot only: class and self size, for the per-class comparison;
// - growth (3+ snapshots): retained size and collection entry count, and, past the first, the new
//   objects per old owner (counted while the dominator tree is still there).
// About 25-33 bytes a node instead of ~110.
import { stableOrder, type HeapAnalysis, type HeapGraph, type SnapshotCensus, type Sizes, type StringTable } from '../engine/index.js';
import type { SnapshotInfo } from './types.js';
import { collectionCounts } from './collections.js';

/** Node ids in ascending order, and the ordinal of each (equal ids in ordinal order). */
export interface IdOrder {
  ids: Uint32Array;
  order: Uint32Array;
}

export function idOrder(g: HeapGraph): IdOrder {
  const order = stableOrder(g.nodeId);
  const ids = new Uint32Array(order.length);
  for (let k = 0; k < order.length; k++) ids[k] = g.nodeId[order[k]];
  return { ids, order };
}

/** Ordinal of the node with this id, or -1 (the binary search engine/query nodeById makes). */
export function ordinalOf(o: IdOrder, id: number): number {
  let lo = 0;
  let hi = o.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = o.ids[mid];
    if (v === id) return o.order[mid];
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Per ordinal of `a`'s nodes: 1 when the node's id is also one of `b`'s (a merge of both orders). */
export function presentIn(a: IdOrder, b: IdOrder): Uint8Array {
  const out = new Uint8Array(a.ids.length);
  const x = a.ids;
  const y = b.ids;
  for (let i = 0, j = 0; i < x.length; i++) {
    const id = x[i];
    while (j < y.length && y[j] < id) j++;
    if (j < y.length && y[j] === id) out[a.order[i]] = 1;
  }
  return out;
}

/** New objects (absent from the first snapshot) of one snapshot, per owner id, with the owner's ordinal (growth.ts). */
export type NewByOwner = Map<number, { node: number; count: number; size: number; via: number }>;

export interface SnapshotBase {
  info: SnapshotInfo;
  nodeCount: number;
  byId: IdOrder;
  /** Per ordinal (copies: the analysis's arrays live in shared buffers that would stay whole). */
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeTypeNames: string[];
  synthetic: number;
  /** Names, and class names by classIndex (the analysis appends them to the table). */
  strings: StringTable;
  /** For the comparison (the first snapshot). */
  classIndex?: Uint32Array;
  selfSize?: Sizes;
  /** For growth (32-bit while every size fits: they are whole bytes). */
  retainedSize?: Sizes;
  /** Entry count of each collection (collectionInfo), 0 for other nodes. */
  collectionCount?: Uint32Array;
  newByOwner?: NewByOwner;
  /** The whole analysis, when the caller holds it anyway (buildDiffReport). */
  analysis?: HeapAnalysis;
}

export interface BaseOptions {
  /** Keep class and self size per node (the comparison's base). */
  comparison?: boolean;
  /** Keep retained sizes and collection counts (growth). */
  growth?: boolean;
  /** Keep a reference to the whole analysis. */
  keepAnalysis?: boolean;
  byId?: IdOrder;
}

/** A census (engine/census.ts) serves a base without growth's data; growth needs the analysis. */
export function snapshotBase(a: HeapAnalysis | SnapshotCensus, info: SnapshotInfo, opts: BaseOptions = {}): SnapshotBase {
  const g = a.graph;
  const base: SnapshotBase = {
    info,
    nodeCount: g.nodeCount,
    byId: opts.byId ?? idOrder(g),
    nodeType: g.nodeType.slice(),
    nodeName: g.nodeName.slice(),
    nodeTypeNames: g.nodeTypeNames,
    synthetic: g.types.nodeSynthetic,
    strings: g.strings,
  };
  if (opts.comparison) {
    base.classIndex = a.classIndex.slice();
    base.selfSize = g.selfSize.slice();
  }
  if (opts.growth || opts.keepAnalysis) {
    if (!isAnalysis(a)) throw new Error('growth needs the whole analysis of an earlier snapshot, not its census');
    if (opts.growth) {
      base.retainedSize = compactSizes(a.retainedSize);
      base.collectionCount = collectionCounts(g);
    }
    if (opts.keepAnalysis) base.analysis = a;
  }
  return base;
}

const isAnalysis = (a: HeapAnalysis | SnapshotCensus): a is HeapAnalysis => 'retainedSize' in a;

/** The sizes in 32 bits when all fit (exactly: whole numbers below 4 GB), else a copy. */
function compactSizes(sizes: Float64Array): Sizes {
  let max = 0;
  for (let i = 0; i < sizes.length; i++) if (sizes[i] > max) max = sizes[i];
  return max < 2 ** 32 ? Uint32Array.from(sizes) : sizes.slice();
}
