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

const internal = (n: ChainNode | undefined): boolean => !!n?.location?.script?.startsWith('node:');

/**
 * Distinct keys: the edge into the suspect, then the chain's, then the path's nearest-first; the
 * user's words before Node's (a variable of a `node:` scope, or a name that leads to Node's own
 * function, such as `timerListMap` or `clearInterval`, comes last).
 */
export function leakKeys(path: ChainNode[], chain: ChainNode[], max = 12): string[] {
  const mine: string[] = [];
  const node: string[] = [];
  const all = [...path, ...chain.slice(1)];
  const add = (i: number) => {
    const n = all[i];
    if (!n || !usable(n) || mine.includes(n.edge) || node.includes(n.edge)) return;
    // a scope's variable belongs to the function two hops back (closure -> context -> variable)
    const nodes = internal(n) || (n.edgeType === 'context' && internal(all[i - 2])) ? node : mine;
    nodes.push(n.edge);
  };
  add(path.length - 1);
  for (let i = path.length; i < all.length; i++) add(i);
  // the path's nearest few only: farther hops are framework plumbing
  const cap = mine.length + node.length + 3;
  for (let i = path.length - 2; i >= 0 && mine.length + node.length < cap; i--) add(i);
  return [...mine, ...node].slice(0, max);
}
