// DevTools' passes over a loaded graph, in DevTools' order, as one list (analyzeGraph): DOM state ->
// flags -> shallow sizes -> dominators + retained sizes -> distances -> class names -> statistics.
// When the graph is big enough and its arrays are shared, a worker helps (see passes/parallel.ts):
// it computes flags, half the essential edges, the retainer index, distances, class names, the
// Summary's class counts and the dominated index while this thread moves shallow sizes, computes
// the dominator tree (the critical path) and, while the worker indexes the tree, the Statistics.
// Without it, each step runs here.
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
import { startSideWork, stepTimer, type EdgeBits, type SideWork, type TreeSizes } from './passes/index.js';
import { SummaryTotals } from './passes/index.js';
import { largestByRetained, LARGEST_KEPT } from './query/index.js';
import { collectGarbage } from './memory.js';

export interface AnalyzeOptions {
  onProgress?: ProgressFn;
  /** true: a worker helps even for small graphs (tests); false: every pass on this thread; default: by graph size. */
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

type Lap = (step: string) => void;

/** DevTools' passes in DevTools' order; a step the worker takes is awaited from it, else run here. */
export async function analyzeGraph(g: HeapGraph, opts: AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const p = opts.onProgress ?? (() => {});
  p({ phase: 'flags' });
  propagateDomState(g);
  const eph = findEphemeronEdgeNames(g);
  const side = opts.twoCores === false ? null : startSideWork(g, eph, opts.twoCores ? 0 : undefined, opts.onWorker, opts.distances !== false);
  const lap = side ? stepTimer('main') : () => {};
  try {
    p({ phase: 'shallow' });
    const memory = shallowSizes(g, side);
    lap('shallow sizes');
    const edges = await edgeBits(g, eph, side);
    const flags = edges.flags;
    p({ phase: 'dominators' });
    const tree = await dominatorTree(g, edges, memory, side, lap);
    p({ phase: 'retained' });
    const { retainedSize, firstDominated, dominated, largest, statistics } = await treeSizes(g, tree, side);
    p({ phase: 'distances' });
    const distance = side ? await side.distance : computeDistances(g, eph);
    p({ phase: 'names' });
    const classIndex = side ? await side.classIndex : computeClassIndex(g);
    lap('retained sizes, wait for the dominated index');
    const totalSize = retainedSize[0] + g.extraNativeBytes;
    const parts = { graph: g, dominator: tree.dominator, retainedSize, distance, firstDominated, dominated, classIndex, flags, totalSize };
    const counts = side && (await side.classCounts);
    // the worker sums retained sizes by class while the caller goes on (to the diagnosis, say)
    const ahead = counts && { ...counts, pending: side.classRetained(counts.counts.size) };
    return {
      ...parts,
      statistics: statistics ?? computeStatistics(g, totalSize),
      largest: largest ?? largestByRetained(g, retainedSize, LARGEST_KEPT),
      classTotals: new SummaryTotals(parts, ahead),
    };
  } finally {
    side?.close();
  }
}

/**
 * Moves owned sizes (see shallow.ts). With the worker, in the dominator pass's scratch memory
 * (nothing new to allocate, or page in) while it computes flags and essential edges.
 */
function shallowSizes(g: HeapGraph, side: SideWork | null): DominatorMemory | undefined {
  if (!side) {
    computeShallowSizes(g);
    return undefined;
  }
  const memory = allocDominatorMemory(g.nodeCount, true);
  computeShallowSizes(g, memory.scratch);
  side.shallowDone();
  return memory;
}

/** DevTools' node flags and the essential edges (edges the dominator pass follows). */
async function edgeBits(g: HeapGraph, eph: EphemeronInfo, side: SideWork | null): Promise<EdgeBits> {
  if (side) return side.flags;
  ensureRetainers(g);
  const flags = computeFlags(g);
  return { flags, ...computeEssentialEdges(g, flags, eph) };
}

/**
 * The dominator pass: DFS, then Lengauer-Tarjan over the retainer index (the worker builds it
 * during the DFS). A function of its own: the edge bits are garbage once it returns, not held by
 * the caller's suspended frame.
 */
async function dominatorTree(g: HeapGraph, edges: EdgeBits, memory: DominatorMemory | undefined, side: SideWork | null, lap: Lap): Promise<DominatorTree> {
  const { essential, retained } = edges;
  lap('wait for flags');
  const dfs = dominatorDfs(g, essential, { memory, retained });
  lap('dominator DFS');
  if (!side) return finishDominatorTree(g, essential, dfs);
  const { slots } = await side.retainers;
  lap('wait for retainers');
  const tree = finishDominatorTree(g, essential, dfs, slots ?? undefined);
  side.treeBuilt();
  lap('Lengauer-Tarjan');
  return tree;
}

/**
 * Retained sizes and the dominated-nodes index. With the worker (which builds the index), also
 * the largest objects and the Statistics meanwhile; without it those come last, as in DevTools.
 */
async function treeSizes(g: HeapGraph, tree: DominatorTree, side: SideWork | null): Promise<TreeSizes & { largest?: number[]; statistics?: Statistics }> {
  if (!side) return { retainedSize: retainedSizes(tree, g.selfSize), ...buildDominatedNodes(tree.dominator) };
  let largest: number[] | undefined;
  let statistics: Statistics | undefined;
  const sizes = await side.treeSizes(tree, g.selfSize, (rs) => {
    largest = largestByRetained(g, rs, LARGEST_KEPT); // for the report
    statistics = computeStatistics(g, rs[0] + g.extraNativeBytes);
    // (the worker is busy: meanwhile, what the dominator pass left goes, before the peak)
    collectGarbage();
  });
  return { ...sizes, largest, statistics };
}

export async function analyzeSnapshot(source: SnapshotSource, opts: LoadOptions & AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const g = await loadUnindexed(source, opts);
  collectGarbage(); // the load's leftovers, before the analysis's peak (see memory.ts)
  return analyzeGraph(g, opts);
}
