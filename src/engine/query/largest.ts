// The objects with the largest retained size, for the report. The analysis finds the first
// LARGEST_KEPT (HeapAnalysis.largest: the two-core one while it waits for the worker's
// dominated-nodes index); asking for more costs one scan of the retained sizes.
import type { HeapGraph } from '../graph.js';
import type { HeapAnalysis } from '../types.js';

/** How many the analysis finds ahead (more than any report lists by default). */
export const LARGEST_KEPT = 64;

/** The `n` nodes with the largest retained size (ties: lower ordinal first), skipping the root and synthetic nodes. */
export function largestNodes(a: Pick<HeapAnalysis, 'graph' | 'retainedSize' | 'largest'>, n: number): number[] {
  const k = a.largest;
  if (n >= 0 && (n <= k.length || k.length < LARGEST_KEPT)) return k.slice(0, n);
  return largestByRetained(a.graph, a.retainedSize, n);
}

/** One scan; a small sorted array is the selection, so nothing is allocated per node. */
export function largestByRetained(g: Pick<HeapGraph, 'nodeCount' | 'nodeType' | 'types'>, rs: Float64Array, n: number): number[] {
  const { nodeCount, nodeType } = g;
  const synthetic = g.types.nodeSynthetic;
  const best: number[] = [];
  let floor = -Infinity; // the smallest kept size once `best` is full
  for (let i = 1; i < nodeCount; i++) {
    const v = rs[i];
    if (v <= floor || nodeType[i] === synthetic) continue;
    let pos = best.length;
    while (pos > 0 && rs[best[pos - 1]] < v) pos--;
    best.splice(pos, 0, i);
    if (best.length > n) best.pop();
    if (best.length >= n) floor = rs[best[best.length - 1]];
  }
  return best;
}
