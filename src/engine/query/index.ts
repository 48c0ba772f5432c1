// Read-only queries over an analysed heap: nodes, retainer paths, the largest objects, and the
// helpers the diagnosis shares.
export * from './heap.js';
export * from './largest.js';
export * from './nodes.js';
export * from './path.js';
// DevTools-like drill-down (instances, retainers, references, containment) and its offline subset
export * from './explore.js';
