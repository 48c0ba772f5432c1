// Read-only queries over an analysed heap: nodes, retainer paths, the largest objects, and the
// helpers the diagnosis shares.
export * from './heap.js';
export * from './largest.js';
export * from './nodes.js';
export * from './path.js';
