// Leak keys: the property and variable names along a leak's path and chain, i.e. the words a
// developer greps the codebase for. Array indexes and V8/Node internals are left out.
import type { ChainNode } from './types.js';

/** Names that are never in user code, or in every object. */
const STOP = new Set(['__proto__', 'constructor', 'prototype', 'map', '_idleNext', '_idlePrev', 'length']);

function usable(n: ChainNode): boolean {
  if (n.edgeType !== 'property' && n.edgeType !== 'context') return false;
  const e = n.edge;
  return !!e && !STOP.has(e) && !e.startsWith('<symbol') && !/^\[?\d+\]?$/.test(e) && !e.startsWith('get ') && !e.startsWith('set ');
}

/** Distinct keys: the edge into the suspect, then the chain's, then the path's nearest-first. */
export function leakKeys(path: ChainNode[], chain: ChainNode[], max = 12): string[] {
  const out: string[] = [];
  const add = (n: ChainNode | undefined) => {
    if (n && usable(n) && !out.includes(n.edge) && out.length < max) out.push(n.edge);
  };
  add(path[path.length - 1]);
  for (const n of chain) add(n);
  // the path's nearest few only: farther hops are framework plumbing
  const cap = out.length + 3;
  for (let i = path.length - 2; i >= 0 && out.length < cap; i--) add(path[i]);
  return out;
}
