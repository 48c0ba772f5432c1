// Runs DevTools' passes over a loaded graph, in DevTools' order: DOM state -> flags -> shallow sizes ->
// dominators + retained sizes -> distances -> class names -> statistics. analyzeSnapshot uses two
// cores when it can: shallow sizes and distances run in a worker during the dominator pass.
import type { HeapGraph } from './graph.js';
import type { HeapAnalysis, ProgressFn } from './types.js';
import { loadSnapshot, type LoadOptions, type SnapshotSource } from './parse/load.js';
import { computeFlags } from './passes/flags.js';
import { propagateDomState } from './passes/domstate.js';
import { computeShallowSizes } from './passes/shallow.js';
import { findEphemeronEdgeNames } from './passes/weakmap.js';
import { computeEssentialEdges } from './passes/essential.js';
import { computeDominatorTree, retainedSizes, buildDominatedNodes } from './passes/dominators.js';
import { computeDistances } from './passes/distances.js';
import { computeClassIndex } from './passes/classes.js';
import { computeStatistics } from './passes/statistics.js';
import { startSideWork } from './passes/parallel.js';

export interface AnalyzeOptions {
  onProgress?: ProgressFn;
  /** analyzeSnapshot only: use a worker even for small graphs (tests); default: by graph size. */
  twoCores?: boolean;
}

/** All passes on this thread. */
export function analyzeGraph(g: HeapGraph, opts: AnalyzeOptions = {}): HeapAnalysis {
  const p = opts.onProgress ?? (() => {});
  p({ phase: 'flags' });
  propagateDomState(g);
  const flags = computeFlags(g);
  p({ phase: 'shallow' });
  computeShallowSizes(g);
  const eph = findEphemeronEdgeNames(g);
  p({ phase: 'dominators' });
  const tree = computeDominatorTree(g, computeEssentialEdges(g, flags, eph));
  p({ phase: 'retained' });
  const retainedSize = retainedSizes(tree, g.selfSize);
  const { firstDominated, dominated } = buildDominatedNodes(tree.dominator);
  p({ phase: 'distances' });
  const distance = computeDistances(g, eph);
  return finish(g, tree.dominator, retainedSize, firstDominated, dominated, distance, flags, p);
}

/** The same passes, with shallow sizes and distances on a second core when the graph allows. */
export async function analyzeGraphAsync(g: HeapGraph, opts: AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const p = opts.onProgress ?? (() => {});
  p({ phase: 'flags' });
  propagateDomState(g);
  const eph = findEphemeronEdgeNames(g);
  const side = startSideWork(g, eph, opts.twoCores ? 0 : undefined);
  if (!side) {
    // DOM state is done; run the rest serially (as analyzeGraph, minus what's done).
    const flags = computeFlags(g);
    p({ phase: 'shallow' });
    computeShallowSizes(g);
    return rest(g, flags, eph, p, computeDistances(g, eph));
  }
  const flags = computeFlags(g);
  return rest(g, flags, eph, p, null, side);
}

async function rest(
  g: HeapGraph, flags: Uint8Array, eph: ReturnType<typeof findEphemeronEdgeNames>, p: ProgressFn,
  distanceHere: Int32Array | null, side?: NonNullable<ReturnType<typeof startSideWork>>,
): Promise<HeapAnalysis> {
  p({ phase: 'dominators' });
  const tree = computeDominatorTree(g, computeEssentialEdges(g, flags, eph));
  const { firstDominated, dominated } = buildDominatedNodes(tree.dominator);
  p({ phase: 'retained' });
  if (side) await side.shallow;
  const retainedSize = retainedSizes(tree, g.selfSize);
  p({ phase: 'distances' });
  const distance = distanceHere ?? (await side!.distance);
  return finish(g, tree.dominator, retainedSize, firstDominated, dominated, distance, flags, p);
}

function finish(
  g: HeapGraph, dominator: Uint32Array, retainedSize: Float64Array, firstDominated: Uint32Array, dominated: Uint32Array,
  distance: Int32Array, flags: Uint8Array, p: ProgressFn,
): HeapAnalysis {
  p({ phase: 'names' });
  const classIndex = computeClassIndex(g);
  const totalSize = retainedSize[0] + g.extraNativeBytes;
  const statistics = computeStatistics(g, totalSize);
  return { graph: g, dominator, retainedSize, distance, firstDominated, dominated, classIndex, flags, totalSize, statistics };
}

export async function analyzeSnapshot(source: SnapshotSource, opts: LoadOptions & AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const g = await loadSnapshot(source, opts);
  return analyzeGraphAsync(g, opts);
}
