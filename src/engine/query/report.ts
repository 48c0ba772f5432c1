// The `heapscope analyze --json` document (public contract: add fields, never rename).
import type { AnalyzeReport, HeapAnalysis } from '../types.js';
import { summarize } from '../passes/summary.js';
import { largestNodes } from './largest.js';
import { nodeInfo } from './nodes.js';
import { retainerPath, formatPath } from './path.js';

export { largestNodes };

export interface ReportOptions {
  /** How many classes and objects to list (default 20). */
  top?: number;
  /** Include a reference path for each of the largest objects (default true). */
  paths?: boolean;
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
