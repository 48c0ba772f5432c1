// The checks a parse ends with: every section there, the edge counts adding up, and every name
// pointing into "strings" (searched only when the largest name written says one may not).
import { HeapSnapshotError } from '../../shared/index.js';
import type { SnapshotMeta } from '../graph.js';
import type { StringTable } from '../strings.js';
import type { ParsedSnapshot, ParseTargets } from './meta.js';

/** What the parser read, before the checks. */
export interface ParsedParts extends ParseTargets {
  meta: SnapshotMeta | null;
  header: Record<string, unknown> | null;
  /** The top-level sections seen. */
  seen: ReadonlySet<string>;
  nodeCount: number;
  edgeCount: number;
  nfc: number;
  efc: number;
  edgeTypeOff: number;
  /** Whether any trace id was non-zero (all zero: no allocation tracking, and no trace ids). */
  sawTraceIds: boolean;
  locations: Uint32Array;
  /** The string table, finished once the cheaper checks have passed. */
  strings: () => StringTable;
}

export function validateSnapshot(p: ParsedParts): ParsedSnapshot {
  const meta = p.meta;
  if (!meta) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', 'not a heap snapshot: no "snapshot" section');
  for (const s of ['nodes', 'edges', 'strings']) {
    if (!p.seen.has(s)) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', `not a heap snapshot: no "${s}" section`);
  }
  const edgesSum = p.firstEdge[p.nodeCount];
  if (edgesSum !== p.edgeCount) {
    throw new HeapSnapshotError('COUNT_MISMATCH', `node edge counts add up to ${edgesSum} but edge_count is ${p.edgeCount}`);
  }
  const strings = p.strings();
  const strCount = strings.length;
  const nameMax = p.nameMax;
  const nn = p.nodeName;
  const n = p.nodeCount;
  if (Atomics.load(nameMax, 0) >= BigInt(strCount)) {
    for (let i = 0; i < n; i++) {
      if (nn[i] >= strCount) throw new HeapSnapshotError('BAD_REFERENCE', `node #${i} (id ${p.nodeId[i]}) names string ${nn[i]}, but there are ${strCount} strings`);
    }
  }
  const et = p.edgeType;
  const en = p.edgeNameOrIndex;
  const types = meta.edge_types[p.edgeTypeOff] as string[];
  const element = types.indexOf('element');
  const hidden = types.indexOf('hidden');
  const m = p.edgeCount;
  // element and hidden edges hold an index, not a string (the maximum counts those too)
  if (Atomics.load(nameMax, 1) >= BigInt(strCount)) {
    for (let e = 0; e < m; e++) {
      if (en[e] >= strCount && et[e] !== element && et[e] !== hidden) {
        throw new HeapSnapshotError('BAD_REFERENCE', `edge #${e} names string ${en[e]}, but there are ${strCount} strings`);
      }
    }
  }
  return {
    meta,
    header: p.header!,
    nodeCount: p.nodeCount,
    edgeCount: p.edgeCount,
    nodeFieldCount: p.nfc,
    edgeFieldCount: p.efc,
    nodeType: p.nodeType,
    nodeName: p.nodeName,
    nodeId: p.nodeId,
    selfSize: p.selfSize,
    // all zero (no allocation tracking) is no trace ids: an array nobody reads, left untouched
    traceNodeId: p.sawTraceIds ? p.traceNodeId : null,
    detachedness: p.detachedness,
    firstEdge: p.firstEdge,
    edgeType: p.edgeType,
    edgeNameOrIndex: p.edgeNameOrIndex,
    edgeTo: p.edgeTo,
    locations: p.locations,
    strings,
  };
}
