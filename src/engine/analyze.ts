// Runs DevTools' passes over a loaded graph, in DevTools' order: DOM state -> flags -> shallow sizes ->
// dominators + retained sizes -> distances -> class names -> statistics.
import type { HeapGraph } from './graph.js';
import type { HeapAnalysis, ProgressFn } from './types.js';
import { loadSnapshot, type LoadOptions, type SnapshotSource } from './parse/load.js';
import { computeFlags } from './passes/flags.js';
import { propagateDomState } from './passes/domstate.js';
import { computeShallowSizes } from './passes/shallow.js';
import { findEphemeronEdgeNames } from './passes/weakmap.js';
import { computeEssentialEdges } from './passes/essential.js';
import { computeDominators, buildDominatedNodes } from './passes/dominators.js';
import { computeDistances } from './passes/distances.js';
import { computeClassIndex } from './passes/classes.js';
import { computeStatistics } from './passes/statistics.js';

export interface AnalyzeOptions {
  onProgress?: ProgressFn;
}

export function analyzeGraph(g: HeapGraph, opts: AnalyzeOptions = {}): HeapAnalysis {
  const p = opts.onProgress ?? (() => {});
  p({ phase: 'flags' });
  propagateDomState(g);
  const flags = computeFlags(g);
  p({ phase: 'shallow' });
  computeShallowSizes(g);
  const eph = findEphemeronEdgeNames(g);
  p({ phase: 'dominators' });
  const essential = computeEssentialEdges(g, flags, eph);
  const { dominator, retainedSize } = computeDominators(g, essential, g.selfSize);
  p({ phase: 'retained' });
  const { firstDominated, dominated } = buildDominatedNodes(dominator);
  p({ phase: 'distances' });
  const distance = computeDistances(g, eph);
  p({ phase: 'names' });
  const classIndex = computeClassIndex(g);
  const totalSize = retainedSize[0] + g.extraNativeBytes;
  const statistics = computeStatistics(g, totalSize);
  return { graph: g, dominator, retainedSize, distance, firstDominated, dominated, classIndex, flags, totalSize, statistics };
}

export async function analyzeSnapshot(source: SnapshotSource, opts: LoadOptions & AnalyzeOptions = {}): Promise<HeapAnalysis> {
  const g = await loadSnapshot(source, opts);
  return analyzeGraph(g, opts);
}
