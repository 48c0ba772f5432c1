// Which edges may retain, for the dominator tree (DevTools' computeIsEssentialEdge):
// weak edges never retain; self edges don't; shortcut edges only from the root; a WeakMap's own
// edge to a value doesn't (its key's edge does); an edge from a non-page object into a page object
// doesn't (so engine/debugger references don't become dominators of user objects).
import type { HeapGraph } from '../graph.js';
import { PAGE_OBJECT } from './flags.js';
import { sortedFloor } from '../sorted.js';
import type { EphemeronInfo } from './weakmap.js';

/** The graph arrays the pass reads: all typed arrays, so a worker can share them. */
export type EssentialGraph = Pick<HeapGraph, 'nodeCount' | 'firstEdge' | 'edgeType' | 'edgeTo' | 'edgeNameOrIndex' | 'nodeId' | 'types'>;

export interface EssentialEdges {
  /** A bit per edge. */
  essential: Uint8Array;
  /** A bit per node: some essential edge points at it. */
  retained: Uint8Array;
}

export function computeEssentialEdges(g: HeapGraph, flags: Uint8Array, eph: Pick<EphemeronInfo, 'tableId'>): EssentialEdges {
  const retained = new Uint8Array((g.nodeCount + 7) >>> 3);
  return { essential: computeEssentialInto(g, flags, eph, new Uint8Array((g.edgeCount + 7) >>> 3), retained), retained };
}

/**
 * One bit per edge into `bits` (zeroed, then filled). `retained` (a bit per node, zeroed here):
 * set for every node some essential edge points at, which the dominator DFS needs to find
 * the nodes only weak edges reach; a bitset small enough to stay in cache costs little here and
 * saves that pass another walk over every edge.
 */
export function computeEssentialInto(
  g: EssentialGraph, flags: Uint8Array, eph: Pick<EphemeronInfo, 'tableId'>, bits: Uint8Array, retained: Uint8Array,
): Uint8Array {
  bits.fill(0);
  retained.fill(0);
  return computeEssentialRange(g, flags, eph, bits, retained, 0, g.firstEdge[g.nodeCount]);
}

/**
 * As computeEssentialInto for the edges [from, to) only, adding to `bits` and `retained` (neither
 * is cleared). Two threads may fill one `bits` at once over ranges that split it at a multiple of
 * 8 (no byte is shared), each with a `retained` of its own.
 */
export function computeEssentialRange(
  g: EssentialGraph, flags: Uint8Array, eph: Pick<EphemeronInfo, 'tableId'>, bits: Uint8Array, retained: Uint8Array, from: number, to: number,
): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTo, edgeNameOrIndex, nodeId, types } = g;
  const weak = types.edgeWeak;
  const shortcut = types.edgeShortcut;
  const internal = types.edgeInternal;
  const tables = eph.tableId;
  const checkTables = tables.size > 0;
  // the nodes whose edges meet the range, from the one holding edge `from`
  for (let n = from > 0 ? sortedFloor(firstEdge, from) : 0; n < nodeCount && firstEdge[n] < to; n++) {
    const end = Math.min(firstEdge[n + 1], to);
    const nodePage = flags[n] & PAGE_OBJECT;
    for (let e = Math.max(firstEdge[n], from); e < end; e++) {
      const t = edgeType[e];
      if (t === weak) continue;
      if (checkTables && t === internal) {
        const table = tables.get(edgeNameOrIndex[e]);
        if (table !== undefined && table === nodeId[n]) continue;
      }
      const c = edgeTo[e];
      if (c === n) continue;
      if (n !== 0) {
        if (t === shortcut) continue;
        if (flags[c] & PAGE_OBJECT && !nodePage) continue;
      }
      bits[e >>> 3] |= 1 << (e & 7);
      retained[c >>> 3] |= 1 << (c & 7);
    }
  }
  return bits;
}
