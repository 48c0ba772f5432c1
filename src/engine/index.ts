// Public engine API. Data flows one way:
// bytes -> loader (parse/) -> HeapGraph -> passes (dominators, distances, ...) -> HeapAnalysis -> queries.
export * from './graph.js';
export * from './types.js';
export { loadSnapshot, stableOrder, type LoadOptions, type SnapshotSource } from './parse/index.js';
export type { StringTable } from './strings.js';
export { HeapSnapshotError, type HeapSnapshotErrorCode } from '../shared/index.js';
export { analyzeGraph, analyzeSnapshot, type AnalyzeOptions } from './analyze.js';
export { censusSnapshot, type SnapshotCensus } from './census.js';
export { summarize, retainerEdge, NO_DISTANCE, BASE_SYSTEM_DISTANCE } from './passes/index.js';
// nodes, retainer paths, the largest objects, and the graph queries the diagnosis shares
export * from './query/index.js';
// for the CLI's start (see cli/main.ts) and the dashboard's analyses
export { allowGarbageCollection, collectGarbage } from './memory.js';
export { PARALLEL_MIN_BYTES, prewarmWorker } from './workers.js';
