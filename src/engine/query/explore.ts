// DevTools' drill-down over an analysed snapshot: a class's instances, an object's outgoing
// references (Containment) and its retainers, one page at a time. Reads the engine's flat arrays
// only; allocates per row returned (and, per class asked for, one sorted array of its instances).
// Semantics follow DevTools' JSHeapSnapshot:
// - instances: the nodes a Summary row counts (the class name of `classIndex`, self size > 0),
//   largest retained size first (then lower id);
// - retainers: every retaining edge but weak ones and the synthetic root's (retainingEdgesFilter),
//   closest to the roots first (the Retainers view's default sort: distance, then retainer name);
// - references: every outgoing edge (containmentEdgesFilter hides only `invisible` edges, which V8
//   does not emit), largest retained size first, then edge name.
import { edgeName, type HeapGraph } from '../graph.js';
import type { HeapAnalysis } from '../types.js';
import { retainerEdge } from '../passes/index.js';
import { nodeById, nodeDisplayName, nodeTypeName } from './nodes.js';
import { retainerPath } from './path.js';

/** One object as a drill-down row shows it. */
export interface ExploreNode {
  /** Snapshot object id (`@id`). */
  id: number;
  type: string;
  /** Display name (DevTools' rules), truncated to NAME_MAX characters. */
  name: string;
  /** Summary class (constructor) name. */
  className: string;
  selfSize: number;
  retainedSize: number;
  /** DevTools distance: -5 unreachable, 100000000+ reachable from system roots only. */
  distance: number;
  /** Primitive value shown beside the name: a string (quoted, truncated), a number, a boolean, ... */
  value?: string;
  /** Outgoing edges (Containment: whether the row can expand). */
  edgeCount: number;
  /** Retaining edges but the synthetic root's, weak ones included (whether the row can expand). */
  retainerCount: number;
}

/** A reference: `edge` (of `edgeType`) from a retainer to an object, or from an object to `node`. */
export interface ExploreEdge {
  edge: string;
  edgeType: string;
  node: ExploreNode;
}

export interface Page<T> {
  total: number;
  offset: number;
  items: T[];
}

export interface PageOptions {
  offset?: number;
  /** Rows per page (default 50, at most MAX_PAGE). */
  limit?: number;
}

export const NAME_MAX = 200;
export const VALUE_MAX = 120;
export const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;

/** Sorted instances per class name, for the last few classes asked for (paging re-reads them). */
const instanceCache = new WeakMap<HeapAnalysis, Map<string, Uint32Array>>();
const CLASSES_CACHED = 8;

function page(opts: PageOptions, total: number): { from: number; to: number; offset: number } {
  const offset = Math.max(0, Math.floor(opts.offset ?? 0));
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(opts.limit ?? DEFAULT_PAGE)));
  return { from: Math.min(offset, total), to: Math.min(total, offset + limit), offset };
}

/** Ordinals of the instances of class `name`, largest retained size first. */
export function instanceOrdinals(a: HeapAnalysis, name: string): Uint32Array {
  let byName = instanceCache.get(a);
  if (!byName) instanceCache.set(a, (byName = new Map()));
  const hit = byName.get(name);
  if (hit) {
    byName.delete(name); // most recent last
    byName.set(name, hit);
    return hit;
  }
  const g = a.graph;
  const { nodeCount, selfSize } = g;
  const classIndex = a.classIndex;
  // a class name may sit at several string indexes (snapshot strings, names the analysis added)
  const matches = new Map<number, boolean>();
  const isClass = (s: number): boolean => {
    let m = matches.get(s);
    if (m === undefined) matches.set(s, (m = g.strings.get(s) === name));
    return m;
  };
  let n = 0;
  for (let i = 1; i < nodeCount; i++) if (selfSize[i] && isClass(classIndex[i])) n++;
  const out = new Uint32Array(n);
  n = 0;
  for (let i = 1; i < nodeCount; i++) if (selfSize[i] && isClass(classIndex[i])) out[n++] = i;
  const rs = a.retainedSize;
  const ids = g.nodeId;
  out.sort((x, y) => rs[y] - rs[x] || ids[x] - ids[y]);
  byName.set(name, out);
  if (byName.size > CLASSES_CACHED) byName.delete(byName.keys().next().value!);
  return out;
}

/** A page of the instances of class `name` (the Summary row's objects), largest retained first. */
export function classInstances(a: HeapAnalysis, name: string, opts: PageOptions = {}): Page<ExploreNode> {
  const all = instanceOrdinals(a, name);
  const { from, to, offset } = page(opts, all.length);
  const items: ExploreNode[] = [];
  for (let i = from; i < to; i++) items.push(exploreNode(a, all[i]));
  return { total: all.length, offset, items };
}

/** The row of one object. */
export function exploreNode(a: HeapAnalysis, node: number): ExploreNode {
  const g = a.graph;
  let name = nodeDisplayName(g, node);
  if (name.length > NAME_MAX) name = name.slice(0, NAME_MAX - 1) + '…';
  const out: ExploreNode = {
    id: g.nodeId[node],
    type: nodeTypeName(g, node),
    name,
    className: g.strings.get(a.classIndex[node]),
    selfSize: g.selfSize[node],
    retainedSize: a.retainedSize[node],
    distance: a.distance[node],
    edgeCount: g.firstEdge[node + 1] - g.firstEdge[node],
    retainerCount: retainerCount(g, node),
  };
  const value = primitiveValue(g, node);
  if (value !== undefined) out.value = value;
  return out;
}

/** Node ordinal of `@id` (or `id`), or -1. */
export function findNode(a: HeapAnalysis, id: number | string): number {
  return nodeById(a, id);
}

/** A page of the object's outgoing references (Containment), largest retained size first. */
export function objectEdges(a: HeapAnalysis, node: number, opts: PageOptions = {}): Page<ExploreEdge> {
  const g = a.graph;
  const first = g.firstEdge[node];
  const count = g.firstEdge[node + 1] - first;
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = first + i;
  const rs = a.retainedSize;
  const names = new Map<number, string>();
  const name = (e: number): string => {
    let s = names.get(e);
    if (s === undefined) names.set(e, (s = edgeName(g, e)));
    return s;
  };
  // by retained size; edge names (strings) only break the ties the page overlaps
  order.sort((x, y) => rs[g.edgeTo[y]] - rs[g.edgeTo[x]] || x - y);
  const { from, to, offset } = page(opts, count);
  if (from < to) {
    const size = (i: number): number => rs[g.edgeTo[order[i]]];
    let lo = from;
    while (lo > 0 && size(lo - 1) === size(from)) lo--;
    let hi = to;
    while (hi < count && size(hi) === size(to - 1)) hi++;
    order.subarray(lo, hi).sort((x, y) => rs[g.edgeTo[y]] - rs[g.edgeTo[x]] || compareEdgeNames(g, x, y, name) || x - y);
  }
  const items: ExploreEdge[] = [];
  for (let i = from; i < to; i++) {
    const e = order[i];
    items.push({ edge: name(e), edgeType: g.edgeTypeNames[g.edgeType[e]] ?? '', node: exploreNode(a, g.edgeTo[e]) });
  }
  return { total: count, offset, items };
}

/** A page of the object's retainers, as DevTools' Retainers view lists them (see the file comment). */
export function objectRetainers(a: HeapAnalysis, node: number, opts: PageOptions = {}): Page<ExploreEdge> {
  const g = a.graph;
  const slots = retainerSlots(g, node);
  const dist = a.distance;
  // DevTools' comparator: the retainer's distance (unreachable ones last), its name, then its
  // retainer order, which runs backwards (buildRetainers fills each node's slots from the end).
  // Names cost (a plain object's is built from its properties): only the distance groups the page
  // overlaps are sorted by name.
  const key = (d: number): number => (d < 0 ? Number.MAX_SAFE_INTEGER : d);
  const rows = slots.map((k) => ({ k, e: retainerEdge(g, node, k), from: g.retainerNode[k], d: 0, name: '' }));
  for (const r of rows) r.d = key(dist[r.from]);
  rows.sort((x, y) => x.d - y.d || y.k - x.k);
  const { from, to, offset } = page(opts, rows.length);
  if (from < to) {
    let lo = from;
    while (lo > 0 && rows[lo - 1].d === rows[from].d) lo--;
    let hi = to;
    while (hi < rows.length && rows[hi].d === rows[to - 1].d) hi++;
    const group = rows.slice(lo, hi);
    for (const r of group) r.name = nodeDisplayName(g, r.from);
    group.sort((x, y) => x.d - y.d || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) || y.k - x.k);
    for (let i = lo; i < hi; i++) rows[i] = group[i - lo];
  }
  const items: ExploreEdge[] = [];
  for (let i = from; i < to; i++) {
    const r = rows[i];
    items.push({ edge: edgeName(g, r.e), edgeType: g.edgeTypeNames[g.edgeType[r.e]] ?? '', node: exploreNode(a, r.from) });
  }
  return { total: rows.length, offset, items };
}

/** Retainer slots but the synthetic root's: no edge lookups, so cheap for objects every instance shares. */
function retainerCount(g: HeapGraph, node: number): number {
  let n = 0;
  for (let k = g.firstRetainer[node]; k < g.firstRetainer[node + 1]; k++) if (g.retainerNode[k] !== 0) n++;
  return n;
}

/** Retainer slots of `node` the Retainers view lists: not weak, not the synthetic root's. */
function retainerSlots(g: HeapGraph, node: number): number[] {
  const out: number[] = [];
  const weak = g.types.edgeWeak;
  for (let k = g.firstRetainer[node]; k < g.firstRetainer[node + 1]; k++) {
    if (g.retainerNode[k] === 0) continue;
    if (weak >= 0 && g.edgeType[retainerEdge(g, node, k)] === weak) continue;
    out.push(k);
  }
  return out;
}

/**
 * DevTools' `!edgeName` order: `__proto__` last, named edges before indexed ones (element, hidden),
 * names as text, indexes as numbers.
 */
function compareEdgeNames(g: HeapGraph, x: number, y: number, name: (e: number) => string): number {
  const indexed = (e: number): boolean => g.edgeType[e] === g.types.edgeElement || g.edgeType[e] === g.types.edgeHidden;
  const ix = indexed(x);
  const iy = indexed(y);
  if (ix && iy) return g.edgeNameOrIndex[x] - g.edgeNameOrIndex[y];
  const a = ix ? '' : name(x);
  const b = iy ? '' : name(y);
  if (b === '__proto__') return -1;
  if (a === '__proto__') return 1;
  if (ix !== iy) return ix ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const ODDBALLS = new Set(['true', 'false', 'undefined', 'null']);

/** Strings (quoted, truncated), heap numbers, bigints and the oddballs DevTools prints as values. */
function primitiveValue(g: HeapGraph, node: number): string | undefined {
  const t = g.nodeType[node];
  const { types } = g;
  if (t === types.nodeString || t === types.nodeConsString || t === types.nodeSlicedString) {
    const s = nodeDisplayName(g, node);
    return JSON.stringify(s.length > VALUE_MAX ? s.slice(0, VALUE_MAX) + '…' : s);
  }
  if (t === types.nodeNumber || t === types.nodeBigInt) {
    const s = g.strings.get(g.nodeName[node]);
    if (s !== 'heap number') return s;
    // with exposeNumericValues, V8 hangs the number's text off an internal `value` edge
    for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
      if (g.edgeType[e] === types.edgeInternal && g.nodeType[g.edgeTo[e]] === types.nodeString && g.strings.get(g.edgeNameOrIndex[e]) === 'value') {
        return g.strings.get(g.nodeName[g.edgeTo[e]]);
      }
    }
    return undefined;
  }
  if (t === types.nodeHidden || t === types.nodeNative || t === types.nodeObject) {
    const s = g.strings.get(g.nodeName[node]);
    if (ODDBALLS.has(s)) return s;
    // older V8 names every oddball `system / Oddball`: its string form (edge `to_string`, or
    // hidden `[0]`) says which
    if (s === 'system / Oddball') {
      for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
        const to = g.edgeTo[e];
        if (g.nodeType[to] !== types.nodeString) continue;
        const v = g.strings.get(g.nodeName[to]);
        if (ODDBALLS.has(v)) return v;
      }
    }
  }
  return undefined;
}

/**
 * DevTools' auto-expanded retainer chain (expandRetainersChain): from `node`, the first retainer
 * in the Retainers view's order, again and again, until the GC roots (distance 1) or `maxDepth`.
 * Returns the ordinals along it, `node` first.
 */
export function firstRetainerChain(a: HeapAnalysis, node: number, maxDepth = 20): number[] {
  const chain = [node];
  const seen = new Set(chain);
  let n = node;
  while (chain.length <= maxDepth) {
    const d = a.distance[n];
    if (d <= 1 || d === BASE_SYSTEM + 1) break;
    const first = objectRetainers(a, n, { limit: 1 }).items[0];
    if (!first) break;
    const next = nodeById(a, first.node.id);
    if (next < 0 || seen.has(next)) break;
    chain.push(next);
    seen.add(next);
    n = next;
  }
  return chain;
}
const BASE_SYSTEM = 100000000;

/** What an offline report carries so its drill-down works without the snapshot (bounded). */
export interface ExploreSubset {
  /** Instances per class name (the first page of each of the top classes). */
  classes: Record<string, Page<ExploreNode>>;
  /** Per object id: its retainers' first page (along each instance's retainer chain) and references. */
  retainers: Record<string, Page<ExploreEdge>>;
  edges: Record<string, Page<ExploreEdge>>;
  /** The root's references (Containment's first level). */
  roots: Page<ExploreEdge>;
  limits: { classes: number; instances: number; rows: number; depth: number; maxBytes: number };
  /** Classes left out because the subset reached maxBytes. */
  truncated?: string[];
}

export interface SubsetOptions {
  /** Classes (by retained size, from `classNames`) that get instances (default 20). */
  classes?: number;
  /** Instances per class (default 10). */
  instances?: number;
  /** Rows of each retainers / references list (default 10). */
  rows?: number;
  /** Length of each instance's retainer chain (default 10). */
  depth?: number;
  /** Stop adding classes once the subset's JSON passes this (default 1.5 MB). */
  maxBytes?: number;
}

/** The bounded drill-down data for `classNames` (Summary order): see ExploreSubset. */
export function exploreSubset(a: HeapAnalysis, classNames: string[], opts: SubsetOptions = {}): ExploreSubset {
  const limits = { classes: opts.classes ?? 20, instances: opts.instances ?? 5, rows: opts.rows ?? 8, depth: opts.depth ?? 10, maxBytes: opts.maxBytes ?? 1_500_000 };
  const out: ExploreSubset = { classes: {}, retainers: {}, edges: {}, roots: objectEdges(a, 0, { limit: limits.rows * 5 }), limits };
  const g = a.graph;
  let size = JSON.stringify(out.roots).length;
  const add = <T>(into: Record<string, Page<T>>, key: string | number, p: Page<T>): void => {
    into[key] = p;
    size += JSON.stringify(p).length;
  };
  for (const name of classNames.slice(0, limits.classes)) {
    if (out.classes[name]) continue;
    if (size > limits.maxBytes) {
      (out.truncated ??= []).push(name);
      continue;
    }
    const inst = classInstances(a, name, { limit: limits.instances });
    add(out.classes, name, inst);
    for (const row of inst.items) {
      const node = nodeById(a, row.id);
      if (!out.edges[row.id]) add(out.edges, row.id, objectEdges(a, node, { limit: limits.rows }));
      for (const n of firstRetainerChain(a, node, limits.depth)) {
        const id = g.nodeId[n];
        if (!out.retainers[id]) add(out.retainers, id, objectRetainers(a, n, { limit: limits.rows }));
      }
    }
  }
  return out;
}

/** Retainer path from the roots (shortest, as the report's paths) of `node`, as rows. */
export function pathRows(a: HeapAnalysis, node: number): ExploreEdge[] {
  return retainerPath(a, node)
    .filter((s) => s.node !== 0)
    .map((s) => ({ edge: s.edgeName, edgeType: s.edgeType, node: exploreNode(a, s.node) }));
}

/** Bytes an analysis holds in typed arrays (what a cache of loaded analyses budgets by). */
export function analysisBytes(a: HeapAnalysis): number {
  const seen = new Set<ArrayBufferLike>();
  let total = 0;
  const add = (o: object): void => {
    for (const v of Object.values(o)) {
      if (ArrayBuffer.isView(v) && !seen.has(v.buffer)) {
        seen.add(v.buffer);
        total += v.buffer.byteLength;
      }
    }
  };
  add(a);
  add(a.graph);
  add(a.graph.strings as unknown as object);
  return total;
}
