// DevTools' shallow sizes: an array or hidden node (or external string data) owned by exactly one
// object gets its size moved onto that owner, so a Map shows its backing store in its own size.
// Skipped when the snapshot has no user roots (taken with "expose internals").
import type { HeapGraph } from '../graph.js';

const UNVISITED = 0xffffffff;
const MULTIPLE = 0xfffffffe;

function hasUserRoots(g: HeapGraph): boolean {
  for (let e = g.firstEdge[0]; e < g.firstEdge[1]; e++) {
    if (g.nodeType[g.edgeTo[e]] !== g.types.nodeSynthetic) return true;
  }
  return false;
}

/** The graph arrays the pass reads (and selfSize, which it rewrites): shareable with a worker. */
export type ShallowGraph = Pick<HeapGraph, 'nodeCount' | 'nodeType' | 'nodeName' | 'firstEdge' | 'edgeType' | 'edgeTo' | 'selfSize' | 'types'>;

/** `scratch`: optional memory to work in (3 x nodeCount + 1 words; its contents are overwritten). */
export function computeShallowSizes(g: HeapGraph, scratch?: Uint32Array): void {
  if (hasUserRoots(g)) moveOwnedSizes(g, g.strings.indexOf('system / ExternalStringData'), scratch);
}

/** `externalData`: string index of "system / ExternalStringData", or -1. */
function moveOwnedSizes(g: ShallowGraph, externalData: number, scratch?: Uint32Array): void {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeTo, selfSize, types } = g;
  const mem = scratch && scratch.length >= nodeCount * 3 + 1 ? scratch : new Uint32Array(nodeCount * 3 + 1);
  const owners = mem.subarray(0, nodeCount); // every entry is set below
  const work = mem.subarray(nodeCount, nodeCount * 3 + 1); // each node enters at most twice
  let wl = 0;
  for (let i = 0; i < nodeCount; i++) {
    const t = nodeType[i];
    if (t === types.nodeHidden || t === types.nodeArray || (t === types.nodeNative && nodeName[i] === externalData && externalData >= 0)) {
      owners[i] = UNVISITED;
    } else {
      owners[i] = i;
      work[wl++] = i;
    }
  }
  const weak = types.edgeWeak;
  // DevTools pops from the end of its worklist; the order does not change the result.
  while (wl > 0) {
    const id = work[--wl];
    const owner = owners[id];
    const end = firstEdge[id + 1];
    for (let e = firstEdge[id]; e < end; e++) {
      if (edgeType[e] === weak) continue;
      const t = edgeTo[e];
      const o = owners[t];
      if (o === UNVISITED) {
        owners[t] = owner;
        work[wl++] = t;
      } else if (o === t || o === owner || o === MULTIPLE) {
        // owned by itself, by the same owner, or already shared
      } else {
        owners[t] = MULTIPLE;
        work[wl++] = t;
      }
    }
  }
  const synthetic = types.nodeSynthetic;
  let sizes = selfSize;
  for (let i = 0; i < nodeCount; i++) {
    const o = owners[i];
    if (o === UNVISITED || o === MULTIPLE || o === i) continue;
    if (nodeType[o] === synthetic || o === 0) continue;
    const sum = sizes[o] + sizes[i];
    // an owner of 4 GB or more: 32-bit sizes would wrap, so the graph's sizes become 64-bit
    if (sum > 0xffffffff && !(sizes instanceof Float64Array)) sizes = g.selfSize = Float64Array.from(sizes);
    sizes[o] = sum;
    sizes[i] = 0;
  }
}
