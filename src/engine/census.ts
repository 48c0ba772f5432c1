// The passes a per-class count needs, and no more: what `diff` keeps of an earlier snapshot when it
// only compares classes (two snapshots). DOM state (names), shallow sizes and class names, as
// analyzeSnapshot computes them; no retainers, dominator tree, distances or statistics, which are
// about half of an analysis's time and most of its memory.
import type { HeapAnalysis } from './types.js';
import { loadUnindexed, type LoadOptions, type SnapshotSource } from './parse/index.js';
import { computeClassIndex, computeShallowSizes, propagateDomState } from './passes/index.js';
import { collectGarbage } from './memory.js';

/** The part of an analysis a census has: equal to analyzeSnapshot's for the same snapshot. */
export type SnapshotCensus = Pick<HeapAnalysis, 'graph' | 'classIndex' | 'totalSize'>;

export async function censusSnapshot(source: SnapshotSource, opts: LoadOptions = {}): Promise<SnapshotCensus> {
  const g = await loadUnindexed(source, opts);
  collectGarbage(); // the load's leftovers (see memory.ts)
  opts.onProgress?.({ phase: 'names' });
  propagateDomState(g);
  computeShallowSizes(g);
  const classIndex = computeClassIndex(g);
  // every node is in the dominator tree (DevTools hangs the unreachable ones off the root), so the
  // root retains the sum of all shallow sizes: whole numbers, exact in any order below 2^53
  let sum = 0;
  const sizes = g.selfSize;
  for (let i = 0; i < sizes.length; i++) sum += sizes[i];
  return { graph: g, classIndex, totalSize: sum + g.extraNativeBytes };
}
