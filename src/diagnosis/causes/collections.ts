// Unbounded collections (seed 001, leak 3): an Array/Map/Set/object-as-map that entries are added
// to and never removed from, like a cache with no eviction.
import type { Recogniser, Subject } from './subject.js';
import { closureLocation, displayName } from '../describe.js';
import { formatBytes } from '../../shared/index.js';

/** A single snapshot cannot prove growth: only big collections qualify without it. */
const MIN_ENTRIES_SINGLE = 8;
const MIN_SHARE_SINGLE = 0.05;

/** Held only through Node's own code (every closure on the path lives in a `node:` script). */
function internalPath(s: Subject): boolean {
  let closures = 0;
  for (let i = 0; i <= s.at; i++) {
    const loc = closureLocation(s.a.graph, s.hops[i].node);
    if (!loc) continue;
    closures++;
    if (!loc.script || !loc.script.startsWith('node:')) return false;
  }
  return closures > 0;
}

export const collections: Recogniser = (s) => {
  const c = s.collection;
  if (!c) return null;
  const counts = s.growth?.counts;
  const grows = !!counts && counts.length > 1 && counts.every((n, i) => i === 0 || n > counts[i - 1]);
  const g = s.a.graph;
  if (!grows) {
    // one snapshot proves nothing: only a big user collection qualifies
    const share = s.a.totalSize > 0 ? s.a.retainedSize[s.node] / s.a.totalSize : 0;
    if (c.count < MIN_ENTRIES_SINGLE || (share < MIN_SHARE_SINGLE && c.count < 1000) || internalPath(s)) return null;
    if (c.kind === 'object' && g.strings.get(g.nodeName[s.node]) !== 'Object') return null;
  }
  const prevEdge = s.hops[s.at]?.edge;
  const label = prevEdge && !prevEdge.startsWith('[') ? `\`${prevEdge}\`` : displayName(g, s.node);
  const kind = { array: 'Array', map: 'Map', set: 'Set', object: 'object used as a map', listeners: 'listener array' }[c.kind];
  const size = s.a.retainedSize[s.node];
  const trend = grows ? ` and grew in every snapshot (${counts!.join(' → ')} entries)` : '';
  return {
    kind: 'unbounded-collection',
    title: `Unbounded collection ${label} (${kind}, ${c.count} entries, ${formatBytes(size)})`,
    explanation:
      `${label} is ${/^[AEIOU]/i.test(kind) ? 'an' : 'a'} ${kind} with ${c.count} entries${c.entryClass ? ` of ${c.entryClass}` : ''}${trend}. ` +
      `Entries are added and never removed, so it grows with every request or event until the process ` +
      `runs out of memory.`,
    fix:
      `Bound it: evict old entries (an LRU with a maximum size, or a TTL), delete entries when their ` +
      `work is done, or key by object in a WeakMap so entries die with their keys.`,
  };
};
