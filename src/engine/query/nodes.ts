// Per-node queries. These allocate (strings, small objects) and are meant for the few nodes a
// report shows, never for loops over the whole graph.
import type { HeapGraph } from '../graph.js';
import type { HeapAnalysis, NodeInfo } from '../types.js';
import { formatPropertyName } from '../passes/index.js';

const idIndexCache = new WeakMap<HeapGraph, Uint32Array>();

function graphOf(x: HeapGraph | HeapAnalysis): HeapGraph {
  return 'graph' in x ? x.graph : x;
}

/** Node ordinal for a snapshot object id (`@123` or 123), or -1. */
export function nodeById(x: HeapGraph | HeapAnalysis, id: number | string): number {
  const g = graphOf(x);
  const want = typeof id === 'string' ? Number(id.replace(/^@/, '')) : id;
  if (!Number.isFinite(want)) return -1;
  let order = idIndexCache.get(g);
  if (!order) {
    order = new Uint32Array(g.nodeCount);
    for (let i = 0; i < g.nodeCount; i++) order[i] = i;
    const ids = g.nodeId;
    order.sort((a, b) => ids[a] - ids[b]);
    idIndexCache.set(g, order);
  }
  let lo = 0;
  let hi = order.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = g.nodeId[order[mid]];
    if (v === want) return order[mid];
    if (v < want) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function nodeTypeName(g: HeapGraph, node: number): string {
  return g.nodeTypeNames[g.nodeType[node]] ?? 'unknown';
}

/** The name DevTools shows: flattened concatenated strings, `{a, b, …, z}` for plain objects. */
export function nodeDisplayName(g: HeapGraph, node: number): string {
  const t = g.nodeType[node];
  if (t === g.types.nodeConsString) return consStringName(g, node);
  const raw = g.strings.get(g.nodeName[node]);
  if (t === g.types.nodeObject && raw === 'Object') return plainObjectName(g, node);
  return raw;
}

export function className(a: HeapAnalysis, node: number): string {
  return a.graph.strings.get(a.classIndex[node]);
}

export function nodeInfo(a: HeapAnalysis, node: number): NodeInfo {
  const g = a.graph;
  return {
    id: g.nodeId[node],
    type: nodeTypeName(g, node),
    name: nodeDisplayName(g, node),
    selfSize: g.selfSize[node],
    retainedSize: a.retainedSize[node],
    distance: a.distance[node],
  };
}

function consStringName(g: HeapGraph, node: number): string {
  const { firstEdge, edgeType, edgeNameOrIndex, edgeTo, strings, nodeType, nodeName, types } = g;
  const first = strings.indexOf('first');
  const second = strings.indexOf('second');
  const stack = [node];
  let name = '';
  while (stack.length && name.length < 1024) {
    const n = stack.pop()!;
    if (nodeType[n] !== types.nodeConsString) {
      name += strings.get(nodeName[n]);
      continue;
    }
    let a = -1;
    let b = -1;
    for (let e = firstEdge[n]; e < firstEdge[n + 1] && (a < 0 || b < 0); e++) {
      if (edgeType[e] !== types.edgeInternal) continue;
      if (edgeNameOrIndex[e] === first) a = edgeTo[e];
      else if (edgeNameOrIndex[e] === second) b = edgeTo[e];
    }
    if (b >= 0) stack.push(b);
    if (a >= 0) stack.push(a);
  }
  return name;
}

function plainObjectName(g: HeapGraph, node: number): string {
  const { firstEdge, edgeType, edgeNameOrIndex, strings, types } = g;
  let start = '{';
  let end = '}';
  let from = firstEdge[node];
  let to = firstEdge[node + 1] - 1;
  let fromEnd = false;
  while (from <= to) {
    const e = fromEnd ? to : from;
    const en = edgeType[e] === types.edgeProperty ? strings.get(edgeNameOrIndex[e]) : null;
    if (en === null || en === '__proto__') {
      if (fromEnd) to--;
      else from++;
      continue;
    }
    const f = formatPropertyName(en);
    if (start.length > 1 && start.length + end.length + f.length > 100) break;
    if (fromEnd) {
      to--;
      if (end.length > 1) end = ', ' + end;
      end = f + end;
    } else {
      from++;
      if (start.length > 1) start += ', ';
      start += f;
    }
    fromEnd = !fromEnd;
  }
  if (from <= to) start += ', …';
  if (end.length > 1) start += ', ';
  return start + end;
}
