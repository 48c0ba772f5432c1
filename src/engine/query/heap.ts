// Small read-only queries over an analysed heap that every diagnosis step shares: names, edges
// between a dominator and what it dominates, and which nodes are engine plumbing (never a suspect).
import { edgeName, type HeapGraph } from '../graph.js';
import type { HeapAnalysis } from '../types.js';
import type { StringTable } from '../strings.js';

export function rawName(g: HeapGraph, node: number): string {
  return g.strings.get(g.nodeName[node]) ?? '';
}

export function edgeTypeName(g: HeapGraph, edge: number): string {
  return g.edgeTypeNames[g.edgeType[edge]] ?? '';
}

/** Edge label as the seed writes it: `[0]` for elements, the property/variable name otherwise. */
export function edgeLabel(g: HeapGraph, edge: number): string {
  const t = g.edgeType[edge];
  const name = edgeName(g, edge);
  if (t === g.types.edgeElement || t === g.types.edgeHidden) return `[${name}]`;
  return name;
}

/** Dominated children of `node`, largest retained size first. */
export function domChildren(a: HeapAnalysis, node: number): number[] {
  const out: number[] = [];
  for (let i = a.firstDominated[node]; i < a.firstDominated[node + 1]; i++) out.push(a.dominated[i]);
  return out.sort((x, y) => a.retainedSize[y] - a.retainedSize[x]);
}

/** Nodes dominating at least this many children keep their largest children cached. */
const MANY_CHILDREN = 4096;
const CACHED_CHILDREN = 8;
const topCache = new WeakMap<HeapAnalysis, Map<number, number[]>>();

/**
 * The first `k` of domChildren(a, node), in its order (retained size, then dominated-list order),
 * without sorting all of them. A node may dominate a million array elements and the suspect
 * search asks about the same few nodes again and again, so big nodes' answers are kept.
 */
export function topChildren(a: HeapAnalysis, node: number, k: number): number[] {
  if (k > CACHED_CHILDREN || a.firstDominated[node + 1] - a.firstDominated[node] < MANY_CHILDREN) return selectChildren(a, node, k);
  let byNode = topCache.get(a);
  if (!byNode) topCache.set(a, (byNode = new Map()));
  let top = byNode.get(node);
  if (!top) byNode.set(node, (top = selectChildren(a, node, CACHED_CHILDREN)));
  return top.slice(0, k); // a prefix of the stable order is the stable order of the first k
}

function selectChildren(a: HeapAnalysis, node: number, k: number): number[] {
  const rs = a.retainedSize;
  const best: number[] = [];
  for (let i = a.firstDominated[node]; i < a.firstDominated[node + 1]; i++) {
    const c = a.dominated[i];
    const v = rs[c];
    if (best.length >= k && !(v > rs[best[k - 1]])) continue;
    let pos = best.length;
    while (pos > 0 && rs[best[pos - 1]] < v) pos--;
    best.splice(pos, 0, c);
    if (best.length > k) best.pop();
  }
  return best;
}

/** The dominated child with the largest retained size (the first of equals), or -1. */
export function largestChild(a: HeapAnalysis, node: number): number {
  // the first two in domChildren order: one of them isn't `node` itself
  for (const c of topChildren(a, node, 2)) if (c !== node) return c;
  return -1;
}

const EDGE_RANK: Record<string, number> = { property: 0, context: 0, element: 1, internal: 2, hidden: 3, shortcut: 4 };

/**
 * The graph edge from `from` to `to` a reader should see (named property/variable over internal
 * links; the first of equals), or -1 when `to` is only reached indirectly (dominated through
 * several paths). Reads `from`'s edges, after `to`'s retainers when those are fewer.
 */
export function edgeBetween(g: HeapGraph, from: number, to: number): number {
  const lo = g.firstEdge[from];
  const hi = g.firstEdge[from + 1];
  let best = -1;
  let bestRank = 99;
  const consider = (e: number) => {
    if (g.edgeType[e] === g.types.edgeWeak) return;
    const rank = EDGE_RANK[g.edgeTypeNames[g.edgeType[e]]] ?? 5;
    if (rank < bestRank || (rank === bestRank && e < best)) {
      best = e;
      bestRank = rank;
    }
  };
  if (g.firstRetainer[to + 1] - g.firstRetainer[to] < hi - lo) {
    // fewer retainers than edges: they say at once whether `from` holds `to` at all
    let retained = false;
    for (let k = g.firstRetainer[to]; k < g.firstRetainer[to + 1] && !retained; k++) retained = g.retainerNode[k] === from;
    if (!retained) return -1;
  }
  for (let e = lo; e < hi; e++) if (g.edgeTo[e] === to) consider(e);
  return best;
}

/** First outgoing edge of `node` named `name` (property, context variable or internal), or -1. */
export function findEdge(g: HeapGraph, node: number, name: string): number {
  for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
    const t = g.edgeType[e];
    if (t === g.types.edgeElement || t === g.types.edgeHidden || t === g.types.edgeWeak) continue;
    if (g.strings.get(g.edgeNameOrIndex[e]) === name) return e;
  }
  return -1;
}

export function edgeTarget(g: HeapGraph, node: number, name: string): number {
  const e = findEdge(g, node, name);
  return e < 0 ? -1 : g.edgeTo[e];
}

/**
 * The string indexes holding names that scans over every node test: comparing a node's name
 * index is far cheaper than loading its string. A list, as a table may repeat a text.
 */
export interface NameIndexes {
  nativeContext: number[];
  map: number[];
  set: number[];
  proto: number[];
  /** `map`: the hidden-class edge of a Map/Set table, skipped when counting entries. */
  mapEdge: number[];
}

const namesCache = new WeakMap<StringTable, { length: number; names: NameIndexes }>();

export function nameIndexes(g: HeapGraph): NameIndexes {
  const strings = g.strings;
  const hit = namesCache.get(strings);
  if (hit && hit.length === strings.length) return hit.names;
  // searched in the raw table: no string is decoded for this
  const names: NameIndexes = {
    nativeContext: strings.indexesOf('system / NativeContext'),
    map: strings.indexesOf('Map'),
    set: strings.indexesOf('Set'),
    proto: strings.indexesOf('__proto__'),
    mapEdge: strings.indexesOf('map'),
  };
  namesCache.set(strings, { length: strings.length, names });
  return names;
}

/** Nodes named by any of the string indexes `names`, ascending (TypedArray indexOf: no JS loop). */
export function nodesNamed(g: HeapGraph, names: number[]): number[] {
  const out: number[] = [];
  for (const s of names) for (let i = g.nodeName.indexOf(s); i !== -1; i = g.nodeName.indexOf(s, i + 1)) out.push(i);
  return names.length > 1 ? out.sort((x, y) => x - y) : out;
}

/**
 * Per-heap facts computed once: global objects (they hold everything, so never a suspect) and
 * string indexes of names we test often.
 */
export interface HeapFacts {
  globals: Set<number>;
}

const factsCache = new WeakMap<HeapAnalysis, HeapFacts>();

export function heapFacts(a: HeapAnalysis): HeapFacts {
  let f = factsCache.get(a);
  if (f) return f;
  const g = a.graph;
  const globals = new Set<number>();
  for (const n of nodesNamed(g, nameIndexes(g).nativeContext)) {
    for (const name of ['extension', 'global_proxy_object', 'global_object']) {
      const t = edgeTarget(g, n, name);
      if (t >= 0 && g.nodeType[t] === g.types.nodeObject) globals.add(t);
    }
  }
  f = { globals };
  factsCache.set(a, f);
  return f;
}

/**
 * Engine plumbing: the root, synthetic root groups, V8-internal (`system / ...`, hidden, code,
 * internal arrays) nodes and global objects. These hold memory on someone's behalf; the answer is
 * always something below them.
 */
export function isPlumbing(a: HeapAnalysis, node: number): boolean {
  const g = a.graph;
  if (node === 0) return true;
  const t = g.nodeType[node];
  const ty = g.types;
  if (t === ty.nodeSynthetic || t === ty.nodeHidden || t === ty.nodeCode || t === ty.nodeArray) return true;
  if (t === ty.nodeObject && rawName(g, node).startsWith('system /')) return true;
  return heapFacts(a).globals.has(node);
}
