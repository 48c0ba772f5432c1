// DevTools' distances: BFS from the user roots (the root's non-synthetic children, distance 1),
// then from the root for what only the system reaches (offset by 100000000); -5 = unreached.
// Weak edges are skipped; the filter mirrors JSHeapSnapshot.calculateDistances.
import type { HeapGraph } from '../graph.js';
import type { EphemeronInfo } from './weakmap.js';

export const NO_DISTANCE = -5;
export const BASE_SYSTEM_DISTANCE = 100000000;

/** The graph arrays the BFS reads: all typed arrays, so a worker can share them. */
export type DistanceGraph = Pick<HeapGraph, 'nodeCount' | 'firstEdge' | 'edgeType' | 'edgeTo' | 'edgeNameOrIndex' | 'nodeType' | 'nodeName' | 'types'>;

/** What the BFS needs from the string table, resolved up front (plain data a worker can receive). */
export interface DistanceInputs {
  nativeContextName: number;
  sloppyMapName: number;
  descriptorsName: number;
  domTrees: number;
  /** Numeric value of the string-named edges of descriptor arrays, by string index. */
  namedIndex: Map<number, number>;
  dupKey: Map<number, string>;
}

export function distanceInputs(g: HeapGraph, eph: EphemeronInfo): DistanceInputs {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeNameOrIndex, strings, types } = g;
  const descriptorsName = strings.indexOf('(map descriptors)');
  const namedIndex = new Map<number, number>();
  if (descriptorsName >= 0) {
    for (let n = 0; n < nodeCount; n++) {
      if (nodeType[n] !== types.nodeArray || nodeName[n] !== descriptorsName) continue;
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        const t = edgeType[e];
        if (t === types.edgeElement || t === types.edgeHidden) continue;
        const s = edgeNameOrIndex[e];
        if (!namedIndex.has(s)) namedIndex.set(s, parseInt(strings.get(s), 10));
      }
    }
  }
  return {
    nativeContextName: strings.indexOf('system / NativeContext'),
    sloppyMapName: strings.indexOf('sloppy_function_map'),
    descriptorsName,
    domTrees: strings.indexOf('(Document DOM trees)'),
    namedIndex,
    dupKey: eph.dupKey,
  };
}

export function computeDistances(g: HeapGraph, eph: EphemeronInfo): Int32Array {
  return bfsDistances(g, distanceInputs(g, eph));
}

/** Words the BFS queue may need: every node once, plus the root's edges (as DevTools, a user root reached twice from the root is queued twice). */
export function distanceQueueLength(g: Pick<HeapGraph, 'nodeCount' | 'firstEdge'>): number {
  return g.nodeCount + (g.firstEdge[1] - g.firstEdge[0]);
}

/**
 * Writes into `out` when given (e.g. shared memory a worker fills), else allocates. `scratch`:
 * optional memory for the queue (distanceQueueLength words).
 */
export function bfsDistances(g: DistanceGraph, inputs: DistanceInputs, out?: Int32Array, scratch?: Uint32Array): Int32Array {
  const { nodeCount, firstEdge, edgeType, edgeTo, edgeNameOrIndex, nodeType, nodeName, types } = g;
  const { nativeContextName, sloppyMapName, descriptorsName, domTrees, namedIndex, dupKey } = inputs;
  const distances = (out ?? new Int32Array(nodeCount)).fill(NO_DISTANCE);
  const queueLength = distanceQueueLength(g);
  const queue = scratch && scratch.length >= queueLength ? scratch : new Uint32Array(queueLength);
  let qlen = 0;
  const pending = new Set<string>();
  const hasEphemerons = dupKey.size > 0;

  const allowed = (n: number, e: number): boolean => {
    const t = edgeType[e];
    const nt = nodeType[n];
    if (nt === types.nodeHidden && nodeName[n] === nativeContextName && nativeContextName >= 0 && sloppyMapName >= 0 &&
        t !== types.edgeElement && t !== types.edgeHidden && edgeNameOrIndex[e] === sloppyMapName) {
      return false;
    }
    if (nt === types.nodeArray && nodeName[n] === descriptorsName && descriptorsName >= 0) {
      // Descriptor arrays are shared between maps: skip their descriptor links (crbug.com/413608).
      const index = t === types.edgeElement || t === types.edgeHidden ? edgeNameOrIndex[e] : namedIndex.get(edgeNameOrIndex[e])!;
      return index < 2 || index % 3 !== 1;
    }
    if (hasEphemerons && t === types.edgeInternal) {
      const dup = dupKey.get(edgeNameOrIndex[e]);
      if (dup !== undefined) {
        // Take the later of the WeakMap's and the key's edge to the value (crbug.com/1290800).
        if (!pending.delete(dup)) {
          pending.add(dup);
          return false;
        }
      }
    }
    return true;
  };

  const weak = types.edgeWeak;
  const bfs = (start: number) => {
    let head = start;
    while (head < qlen) {
      const n = queue[head++];
      const d = distances[n] + 1;
      const end = firstEdge[n + 1];
      for (let e = firstEdge[n]; e < end; e++) {
        if (edgeType[e] === weak) continue;
        const c = edgeTo[e];
        if (distances[c] !== NO_DISTANCE) continue;
        if (!allowed(n, e)) continue;
        distances[c] = d;
        queue[qlen++] = c;
      }
    }
  };

  const synthetic = types.nodeSynthetic;
  for (let e = firstEdge[0]; e < firstEdge[1]; e++) {
    const c = edgeTo[e];
    const userRoot = nodeType[c] !== synthetic || (domTrees >= 0 && nodeName[c] === domTrees);
    if (userRoot) {
      distances[c] = 1;
      queue[qlen++] = c;
    }
  }
  const userRoots = qlen;
  bfs(0);
  distances[0] = userRoots > 0 ? BASE_SYSTEM_DISTANCE : 0;
  const start = qlen = 0;
  queue[qlen++] = 0;
  bfs(start);
  return distances;
}
