// Leak diagnosis: suspects, leak chains, reference lists, keys and named causes for one snapshot;
// comparison and growth across several. Public API; the JSON shapes are in types.ts.
export type * from './types.js';
export { diagnose, findSuspects, buildSuspect, largestObjects, pathToNode, type DiagnoseOptions } from './diagnose.js';
export { analyzeFile, type AnalyzeFileOptions } from './analyze.js';
export { diffSnapshots, buildDiffReport, type DiffOptions } from './diff.js';
export { compareAnalyses } from './compare.js';
export { findGrowth, type GrowthOptions } from './growth.js';
export { recognisers, recogniseCause, type Recogniser, type Subject } from './causes/index.js';
export { formatBytes } from '../shared/index.js';
