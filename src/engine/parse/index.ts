// The streaming loader: snapshot bytes -> HeapGraph (for engine/analyze.ts and the engine worker).
export { stableOrder } from './build.js';
export { loadSnapshot, loadUnindexed, type LoadOptions, type SnapshotSource } from './load.js';
export { WorkerJob, type ParseJob } from './worker-job.js';
