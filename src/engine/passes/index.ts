// DevTools' passes over a HeapGraph (for engine/analyze.ts, the engine worker and the queries).
export * from './classes.js';
export * from './distances.js';
export * from './dominators.js';
export * from './domstate.js';
export * from './essential.js';
export * from './flags.js';
export * from './parallel.js';
export * from './retainers.js';
export * from './shallow.js';
export * from './statistics.js';
export * from './step-timer.js';
export * from './summary.js';
export * from './weakmap.js';
