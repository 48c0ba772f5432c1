// Small read-only queries over an analysed heap that every diagnosis step shares: names, edges
// between a dominator and what it dominates, and which nodes are engine plumbing (never a suspect).
import { edgeName, type HeapGraph } from '../engine/graph.js';
import type { HeapAnalysis } from '../engine/types.js';

export function rawName(g: HeapGraph, node: number): string {
  return g.strings[g.nodeName[node]] ?? '';
}

export function typeName(g: HeapGraph, node: number): string {
  return g.nodeTypeNames[g.nodeType[node]] ?? 'unknown';
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

/** The dominated child with the largest retained size, or -1. */
export function largestChild(a: HeapAnalysis, node: number): number {
  let best = -1;
  for (let i = a.firstDominated[node]; i < a.firstDominated[node + 1]; i++) {
    const c = a.dominated[i];
    if (c !== node && (best < 0 || a.retainedSize[c] > a.retainedSize[best])) best = c;
  }
  return best;
}

const EDGE_RANK: Record<string, number> = { property: 0, context: 0, element: 1, internal: 2, hidden: 3, shortcut: 4 };

/**
 * The graph edge from `from` to `to` a reader should see (named property/variable over internal
 * links), or -1 when `to` is only reached indirectly (dominated through several paths).
 */
export function edgeBetween(g: HeapGraph, from: number, to: number): number {
  let best = -1;
  let bestRank = 99;
  for (let e = g.firstEdge[from]; e < g.firstEdge[from + 1]; e++) {
    if (g.edgeTo[e] !== to || g.edgeType[e] === g.types.edgeWeak) continue;
    const rank = EDGE_RANK[g.edgeTypeNames[g.edgeType[e]]] ?? 5;
    if (rank < bestRank) {
      best = e;
      bestRank = rank;
    }
  }
  return best;
}

/** First outgoing edge of `node` named `name` (property, context variable or internal), or -1. */
export function findEdge(g: HeapGraph, node: number, name: string): number {
  for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
    const t = g.edgeType[e];
    if (t === g.types.edgeElement || t === g.types.edgeHidden || t === g.types.edgeWeak) continue;
    if (g.strings[g.edgeNameOrIndex[e]] === name) return e;
  }
  return -1;
}

export function edgeTarget(g: HeapGraph, node: number, name: string): number {
  const e = findEdge(g, node, name);
  return e < 0 ? -1 : g.edgeTo[e];
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
  for (let n = 0; n < g.nodeCount; n++) {
    if (rawName(g, n) !== 'system / NativeContext') continue;
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
