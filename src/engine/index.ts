// Public engine API. Data flows one way:
// bytes -> loader (parse/) -> HeapGraph -> passes (dominators, distances, ...) -> HeapAnalysis -> queries.
export * from './graph.js';
export * from './types.js';
export { loadSnapshot, type LoadOptions, type SnapshotSource } from './parse/load.js';
export { HeapSnapshotError, type HeapSnapshotErrorCode } from './parse/errors.js';
export { analyzeGraph, analyzeSnapshot, type AnalyzeOptions } from './analyze.js';
export { summarize } from './passes/summary.js';
export { NO_DISTANCE, BASE_SYSTEM_DISTANCE } from './passes/distances.js';
export { nodeById, nodeInfo, nodeDisplayName, className, nodeTypeName } from './query/nodes.js';
export { retainerPath, formatPath, formatNode, formatEdge } from './query/path.js';
export { buildAnalyzeReport, largestNodes, type ReportOptions } from './query/report.js';
export {
  classInstances, objectEdges, objectRetainers, exploreNode, findNode, firstRetainerChain, exploreSubset, pathRows, analysisBytes,
  type ExploreNode, type ExploreEdge, type ExploreSubset, type Page, type PageOptions, type SubsetOptions,
} from './query/explore.js';
