// Runs DevTools' passes over a loaded graph, in DevTools' order: DOM state -> flags -> shallow sizes ->
// dominators + retained sizes -> distances -> class names -> statistics. analyzeSnapshot uses two
// cores when it can: a worker computes flags, half the essential edges, the retainer index,
// distances, class names, the Summary's class counts and the dominated index while this thread
// moves shallow sizes, computes the dominator tree (the critical path) and, while the worker
// indexes the tree, the Statistics (see passes/parallel.ts).
import type { Worker } from 'node:worker_threads';
import type { HeapGraph } from './graph.js';
import type { HeapAnalysis, ProgressFn, Statistics } from './types.js';
import { loadUnindexed, type LoadOptions, type SnapshotSource } from './parse/index.js';
import { computeFlags } from './passes/index.js';
import { propagateDomState } from './passes/index.js';
import { computeShallowSizes } from './passes/index.js';
import { findEphemeronEdgeNames, type EphemeronInfo } from './passes/index.js';
import { computeEssentialEdges } from './passes/index.js';
import { allocDominatorMemory, dominatorDfs, finishDominatorTree, retainedSizes, buildDominatedNodes, type DominatorMemory, type DominatorTree } from './passes/index.js';
import { computeDistances } from './passes/index.js';
import { computeClassIndex } from './passes/index.js';
import { computeStatistics } from './passes/index.js';
import { ensureRetainers } from './passes/index.js';
import { startSideWork, stepTimer, type SideWork } from './passes/index.js';
import { SummaryTotals } from './passes/index.js';
import { largestByRetained, LARGEST_KEPT } from './query/index.js';
import { collectGarbage } from './memory.js';

export interface AnalyzeOptions {
  onProgress?: ProgressFn;
  /** analyzeSnapshot only: use a worker even for small graphs (tests); default: by graph size. */
  twoCores?: boolean;
  /**
   * Sees the analysis worker when it is handed its job (tests kill it mid-run to check the
   * fallback). analyzeSnapshot's loader calls it with the parse worker too.
   */
  onWorker?: (worker: Worker) => void;
  /**
   * false: the two-core analysis skips distances (left zero) and the Summary's class counts, which
   * need them: for a snapshot that only feeds a comparison (diagnosis/diff.ts), whose dominator
   * pass would otherwise wait for the worker to finish them.
   */
  distances?: boolean;
}

/** All passes on this thread. */
export function analyzeGraph(g: HeapGraph, opts: AnalyzeOptions = {}): HeapAnalysis {
  const p = opts.onProgress ?? (() => {});
  p({ phase: 'flags' });
  propagateDomState(g);
  return passesHere(g, findEphemeronEdgeNames(g), p);
}

/** The passes after DOM state, in DevTools' order, on this thread. */
function passesHere(g: HeapGraph, eph: EphemeronInfo, p: ProgressFn): HeapAnalysis {
  ensureRetainers(g);
  const flags = computeFlags(g);
  p({ phase: 'shallow' });
  computeShallowSizes(g);
  p({ phase: 'dominators' });
  const { essential, retained } = computeEssentialEdges(g, flags, eph);
  const tree = finishDominatorTree(g, essential, dominatorDfs(g, essential, { retained }));
  p({ phase: 'retained' });
  const retainedSize = retainedSizes(tree, g.selfSize);
  const { firstDominated, dominated } = buildDominatedNodes(tree.dominator);
  p({ phase: 'distances' });
  const distance = computeDistances(g, eph);
  p({ phase: 'names' });
  const classIndex = computeClassIndex(g);
  const totalSize = retainedSize[0] + g.extraNativeBytes;
  const parts = { graph: g, dominator: tree.dominator, retainedSize, distance, firstDominated, dominated, classIndex, flags, totalSize };
  return {
    ...parts,
    statistics: computeStatistics(g, totalSize),
    largest: largestByRetained(g, retainedSize, LARGEST_KEPT),
    classTotals: new SummaryTotals(parts),
  };
}

/**
 * The same passes, with part of the work on a second core when the graph allows (see
 * passes/parallel.ts); otherwise passesHere.
 */
export async function analyzeGraphAsync(g: HeapGraph, opts: AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const p = opts.onProgress ?? (() => {});
  p({ phase: 'flags' });
  propagateDomState(g);
  const eph = findEphemeronEdgeNames(g);
  const side = startSideWork(g, eph, opts.twoCores ? 0 : undefined, opts.onWorker, opts.distances !== false);
  if (!side) return passesHere(g, eph, p);
  const lap = stepTimer('main');
  try {
    p({ phase: 'shallow' });
    // while the worker computes flags and essential edges; in the dominator pass's scratch memory:
    // nothing new to allocate (or page in)
    const memory = allocDominatorMemory(g.nodeCount, true);
    computeShallowSizes(g, memory.scratch);
    side.shallowDone();
    lap('shallow sizes');
    const flags = (await side.flags).flags;
    p({ phase: 'dominators' });
    const tree = await dominatorTree(g, side, memory, lap);
    p({ phase: 'retained' });
    let largest: number[] = [];
    let statistics: Statistics | null = null;
    const { retainedSize, firstDominated, dominated } = await side.treeSizes(tree, g.selfSize, (rs) => {
      largest = largestByRetained(g, rs, LARGEST_KEPT); // for the report
      statistics = computeStatistics(g, rs[0] + g.extraNativeBytes);
      // (the worker is busy: meanwhile, what the dominator pass left goes, before the peak)
      collectGarbage();
    });
    const distance = await side.distance;
    p({ phase: 'names' });
    const classIndex = await side.classIndex;
    lap('retained sizes, wait for the dominated index');
    const totalSize = retainedSize[0] + g.extraNativeBytes;
    const parts = { graph: g, dominator: tree.dominator, retainedSize, distance, firstDominated, dominated, classIndex, flags, totalSize };
    const counts = await side.classCounts;
    // the worker sums retained sizes by class while the caller goes on (to the diagnosis, say)
    const ahead = counts && { ...counts, pending: side.classRetained(counts.counts.size) };
    return { ...parts, statistics: statistics ?? computeStatistics(g, totalSize), largest, classTotals: new SummaryTotals(parts, ahead) };
  } finally {
    side.close();
  }
}

/**
 * The dominator pass over the worker's essential edges and retainer index. (A function of its own:
 * the edge bits are garbage once it returns, not held by the caller's suspended frame.)
 */
async function dominatorTree(g: HeapGraph, side: SideWork, memory: DominatorMemory, lap: (step: string) => void): Promise<DominatorTree> {
  const { essential, retained } = await side.flags;
  lap('wait for flags');
  const dfs = dominatorDfs(g, essential, { memory, retained });
  lap('dominator DFS');
  const { slots } = await side.retainers;
  lap('wait for retainers');
  const tree = finishDominatorTree(g, essential, dfs, slots ?? undefined);
  side.treeBuilt();
  lap('Lengauer-Tarjan');
  return tree;
}

export async function analyzeSnapshot(source: SnapshotSource, opts: LoadOptions & AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const g = await loadUnindexed(source, opts);
  collectGarbage(); // the load's leftovers, before the analysis's peak (see memory.ts)
  return analyzeGraphAsync(g, opts);
}
