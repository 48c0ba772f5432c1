// `heapscope analyze|diff --json`: the HeapReport as one JSON document. An `analyze` document keeps
// the fields it had before it was a HeapReport (file, nodeCount, edgeCount, totalSize first: see
// README), so it is a superset of both.
import type { HeapReport } from '../diagnosis/index.js';

export function renderJson(report: HeapReport): string {
  if (report.kind !== 'analyze') return JSON.stringify(report);
  const { snapshot, statistics, classes, largest, suspects, ...rest } = report;
  const { file, nodeCount, edgeCount, totalSize } = snapshot;
  return JSON.stringify({ file, nodeCount, edgeCount, totalSize, statistics, classes, largest: largest ?? [], suspects, ...rest, snapshot });
}
