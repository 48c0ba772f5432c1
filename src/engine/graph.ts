// The heap graph: every node and edge of a V8 heap snapshot in flat typed arrays (struct of arrays),
// indexed by node ordinal (0..nodeCount-1) and edge ordinal (0..edgeCount-1). Node 0 is V8's
// synthetic root. Nothing here allocates per node; passes (dominators, distances, ...) add arrays.
import type { StringTable } from './strings.js';
import { sortedIndexOf } from './sorted.js';

/** Field layout of the snapshot as declared by its own `snapshot.meta`. */
export interface SnapshotMeta {
  node_fields: string[];
  node_types: (string[] | string)[];
  edge_fields: string[];
  edge_types: (string[] | string)[];
  location_fields?: string[];
  trace_function_info_fields?: string[];
  trace_node_fields?: string[];
  sample_fields?: string[];
  [key: string]: unknown;
}

/** Per-node sizes: Uint32Array until one needs more (see HeapGraph.selfSize). */
export type Sizes = Uint32Array | Float64Array;

export interface HeapGraph {
  meta: SnapshotMeta;
  nodeCount: number;
  edgeCount: number;
  /** Names of node types (`hidden`, `array`, `string`, `object`, ...), indexed by `nodeType[i]`. */
  nodeTypeNames: string[];
  /** Names of edge types (`context`, `element`, `property`, `internal`, `hidden`, `shortcut`, `weak`). */
  edgeTypeNames: string[];

  // ---- nodes ----
  nodeType: Uint8Array;
  /** Index into `strings`. */
  nodeName: Uint32Array;
  /** The snapshot's object id (`@id` in DevTools). Stable across snapshots of one process. */
  nodeId: Uint32Array;
  /**
   * Shallow size. After analysis this holds DevTools' adjusted value (hidden/array nodes owned by
   * one object moved onto it), which is what DevTools shows and sums. 32-bit, as DevTools keeps
   * them, unless a size (or an owner's sum) reaches 4 GB: then 64-bit floats, exact.
   */
  selfSize: Sizes;
  /** Null when the snapshot has no such field (newer V8 drops it) or it is all zero. */
  traceNodeId: Uint32Array | null;
  detachedness: Uint8Array | null;
  /** CSR: edges of node i are firstEdge[i] .. firstEdge[i+1]-1. Length nodeCount+1. */
  firstEdge: Uint32Array;

  // ---- edges ----
  edgeType: Uint8Array;
  /** String index for named edges, the element index for `element` and `hidden` edges. */
  edgeNameOrIndex: Uint32Array;
  /** Target node ordinal (the file stores a field offset; we divide on read). */
  edgeTo: Uint32Array;

  // ---- retainers (reverse CSR), built after parsing ----
  /** Retainers of node i are firstRetainer[i] .. firstRetainer[i+1]-1. Length nodeCount+1. */
  firstRetainer: Uint32Array;
  /** Retaining node ordinal per retainer slot (the edge: passes/retainers.ts retainerEdge). */
  retainerNode: Uint32Array;

  /** The snapshot's string table, decoded on use; analyses may append (class names). */
  strings: StringTable;

  /** Script locations: node ordinals sorted ascending, with script id, line, column (0-based). */
  locationNode: Uint32Array;
  locationScript: Uint32Array;
  locationLine: Uint32Array;
  locationColumn: Uint32Array;

  /** `snapshot.extra_native_bytes` (newer V8), else 0. */
  extraNativeBytes: number;
  /** Resolved type ids used on hot paths; -1 when the snapshot does not declare the type. */
  types: TypeIds;
}

export interface TypeIds {
  nodeHidden: number;
  nodeArray: number;
  nodeString: number;
  nodeObject: number;
  nodeCode: number;
  nodeClosure: number;
  nodeRegExp: number;
  nodeNumber: number;
  nodeNative: number;
  nodeSynthetic: number;
  nodeConsString: number;
  nodeSlicedString: number;
  nodeSymbol: number;
  nodeBigInt: number;
  edgeContext: number;
  edgeElement: number;
  edgeProperty: number;
  edgeInternal: number;
  edgeHidden: number;
  edgeShortcut: number;
  edgeWeak: number;
}

export function resolveTypeIds(nodeTypeNames: string[], edgeTypeNames: string[]): TypeIds {
  const n = (s: string) => nodeTypeNames.indexOf(s);
  const e = (s: string) => edgeTypeNames.indexOf(s);
  return {
    nodeHidden: n('hidden'),
    nodeArray: n('array'),
    nodeString: n('string'),
    nodeObject: n('object'),
    nodeCode: n('code'),
    nodeClosure: n('closure'),
    nodeRegExp: n('regexp'),
    nodeNumber: n('number'),
    nodeNative: n('native'),
    nodeSynthetic: n('synthetic'),
    nodeConsString: n('concatenated string'),
    nodeSlicedString: n('sliced string'),
    nodeSymbol: n('symbol'),
    nodeBigInt: n('bigint'),
    edgeContext: e('context'),
    edgeElement: e('element'),
    edgeProperty: e('property'),
    edgeInternal: e('internal'),
    edgeHidden: e('hidden'),
    edgeShortcut: e('shortcut'),
    edgeWeak: e('weak'),
  };
}

/** Edge name as text: element/hidden edges are numeric indexes, the rest index `strings`. */
export function edgeName(g: HeapGraph, edge: number): string {
  const t = g.edgeType[edge];
  const v = g.edgeNameOrIndex[edge];
  if (t === g.types.edgeElement || t === g.types.edgeHidden) return String(v);
  return v < g.strings.length ? g.strings.get(v) : String(v);
}

/** Location index of a node (into the location* arrays) or -1. */
export function locationIndex(g: HeapGraph, node: number): number {
  return sortedIndexOf(g.locationNode, node);
}
