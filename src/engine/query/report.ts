// The `heapscope analyze --json` document (public contract: add fields, never rename).
import type { AnalyzeReport, HeapAnalysis } from '../types.js';
import { largestKept, summarize } from '../passes/summary.js';
import { nodeInfo } from './nodes.js';
import { retainerPath, formatPath } from './path.js';

export interface ReportOptions {
  /** How many classes and objects to list (default 20). */
  top?: number;
  /** Include a reference path for each of the largest objects (default true). */
  paths?: boolean;
}

/**
 * The N nodes with the largest retained size, skipping the root and synthetic nodes. The summary's
 * pass over every node collects the first few; otherwise one scan here.
 */
export function largestNodes(a: HeapAnalysis, n: number): number[] {
  const kept = largestKept(a, n);
  if (kept) return kept;
  const g = a.graph;
  const { nodeCount, nodeType } = g;
  const synthetic = g.types.nodeSynthetic;
  const rs = a.retainedSize;
  // Bounded selection: keep a small sorted array; the scan itself allocates nothing per node.
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

export function buildAnalyzeReport(a: HeapAnalysis, opts: ReportOptions = {}): AnalyzeReport {
  const top = opts.top ?? 20;
  const g = a.graph;
  const classes = summarize(a, top);
  const largest = largestNodes(a, top).map((i) => {
    const info = nodeInfo(a, i);
    return opts.paths === false ? info : { ...info, path: formatPath(a, retainerPath(a, i)) };
  });
  return {
    nodeCount: g.nodeCount,
    edgeCount: g.edgeCount,
    totalSize: a.totalSize,
    statistics: a.statistics,
    classes,
    largest,
  };
}
