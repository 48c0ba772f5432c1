// Reverse CSR of the edge list: for each node, which nodes point at it. Two passes over the edges,
// no per-node allocation (as DevTools' buildRetainers). The arrays may live in shared memory so a
// worker can fill them while the main thread starts the dominator pass.
// The retaining edge of a slot is not stored (4 bytes per edge, the largest array of the index):
// a node's slots are ordered by source node, then by edge, so the j-th slot from one source is
// that source's j-th edge to the node, found again by a scan of the source's edges (retainerEdge).
import type { HeapGraph } from '../graph.js';

export interface Retainers {
  firstRetainer: Uint32Array;
  retainerNode: Uint32Array;
}

function allocRetainers(nodeCount: number, edgeCount: number, shared = false): Retainers {
  const u32 = (len: number) => (shared ? new Uint32Array(new SharedArrayBuffer(len * 4)) : new Uint32Array(len));
  return { firstRetainer: u32(nodeCount + 1), retainerNode: u32(edgeCount) };
}

/**
 * `scratch`: optional memory for the fill cursors (nodeCount words). `essential`: also copy each
 * edge's essential bit (essential.ts) to its retainer slot in `slots` (zeroed; a bit per edge).
 */
export function fillRetainers(
  firstEdge: Uint32Array, edgeTo: Uint32Array, out: Retainers, scratch?: Uint32Array, essential?: { edges: Uint8Array; slots: Uint8Array },
): void {
  const { firstRetainer, retainerNode } = out;
  const nodeCount = firstRetainer.length - 1;
  const edgeCount = edgeTo.length;
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTo[e] + 1]++;
  for (let i = 0; i < nodeCount; i++) firstRetainer[i + 1] += firstRetainer[i];
  // Fill using a moving cursor per target; retainers end up ordered by source node, like DevTools.
  const cursor = scratch && scratch.length >= nodeCount ? scratch : new Uint32Array(nodeCount);
  cursor.set(firstRetainer.subarray(0, nodeCount));
  const edges = essential?.edges;
  const slots = essential?.slots;
  for (let src = 0; src < nodeCount; src++) {
    const end = firstEdge[src + 1];
    for (let e = firstEdge[src]; e < end; e++) {
      const slot = cursor[edgeTo[e]]++;
      retainerNode[slot] = src;
      if (edges && edges[e >>> 3] & (1 << (e & 7))) slots![slot >>> 3] |= 1 << (slot & 7);
    }
  }
}

/**
 * The essential bit of every retainer slot's edge, in slot order: Lengauer-Tarjan walks retainers
 * and reads these in sequence instead of each edge's bit at random. Slots are visited in the order
 * fillRetainers filled them.
 */
export function essentialSlots(g: Pick<HeapGraph, 'nodeCount' | 'firstEdge' | 'edgeTo' | 'firstRetainer'>, essential: Uint8Array): Uint8Array {
  const { nodeCount, firstEdge, edgeTo, firstRetainer } = g;
  const slots = new Uint8Array((edgeTo.length + 7) >>> 3);
  const cursor = firstRetainer.slice(0, nodeCount);
  for (let src = 0; src < nodeCount; src++) {
    const end = firstEdge[src + 1];
    for (let e = firstEdge[src]; e < end; e++) {
      const slot = cursor[edgeTo[e]]++;
      if (essential[e >>> 3] & (1 << (e & 7))) slots[slot >>> 3] |= 1 << (slot & 7);
    }
  }
  return slots;
}

/** The edge behind retainer slot `k` of node `target` (see the file comment). */
export function retainerEdge(g: Pick<HeapGraph, 'firstEdge' | 'edgeTo' | 'firstRetainer' | 'retainerNode'>, target: number, k: number): number {
  const { firstEdge, edgeTo, firstRetainer, retainerNode } = g;
  const src = retainerNode[k];
  let j = 0; // earlier slots of `target` from the same source
  for (let q = k - 1; q >= firstRetainer[target] && retainerNode[q] === src; q--) j++;
  for (let e = firstEdge[src], end = firstEdge[src + 1]; e < end; e++) if (edgeTo[e] === target && j-- === 0) return e;
  throw new Error(`retainer slot ${k} of node ${target} has no edge: the retainer index is not this graph's`);
}

export function buildRetainers(nodeCount: number, firstEdge: Uint32Array, edgeTo: Uint32Array): Retainers {
  const r = allocRetainers(nodeCount, edgeTo.length);
  fillRetainers(firstEdge, edgeTo, r);
  return r;
}
/** A graph loaded without its retainer index (see loadUnindexed) has empty retainer arrays. */
export function hasRetainers(g: HeapGraph): boolean {
  return g.firstRetainer.length === g.nodeCount + 1;
}

/** Builds the retainer index on this thread if the graph lacks it. */
export function ensureRetainers(g: HeapGraph): void {
  if (!hasRetainers(g)) Object.assign(g, buildRetainers(g.nodeCount, g.firstEdge, g.edgeTo));
}
