// Collections as a developer sees them: a JS Array's elements, a Map's/Set's entries (in its hash
// table), an object used as a map (many own properties). Leaks of many small objects live here.
import { edgeTarget, nameIndexes, rawName, type HeapAnalysis, type HeapGraph } from '../engine/index.js';
import type { CollectionKind } from './types.js';

export interface CollectionInfo {
  kind: CollectionKind;
  count: number;
  /** Most common class among the entries' values. */
  entryClass?: string;
}

/** Objects with at least this many own properties count as "object used as a map". */
const OBJECT_MAP_MIN_KEYS = 64;

/** Entry count of a collection node, or null when the node is not a collection. */
export function collectionInfo(a: HeapAnalysis, node: number, withEntryClass = true): CollectionInfo | null {
  const g = a.graph;
  const ty = g.types;
  if (g.nodeType[node] !== ty.nodeObject) return null;
  const name = rawName(g, node);
  if (name === 'Map' || name === 'Set') {
    const table = edgeTarget(g, node, 'table');
    if (table < 0) return null;
    // Map tables list key, value, key, value...: the values are the even slots (1-based)
    const set = name === 'Set';
    const slots = eachTableSlot(a, table, set, null);
    const info: CollectionInfo = { kind: set ? 'set' : 'map', count: set ? slots : slots >> 1 };
    const values = set ? slots : slots >> 1;
    if (withEntryClass && values) addEntryClass(a, info, values, (visit) => eachTableSlot(a, table, set, visit));
    return info;
  }
  // `__proto__` by string index: an object used as a map may have a million property edges
  const proto = nameIndexes(g).proto;
  const isProto = (name: number) => proto.length === 1 ? name === proto[0] : proto.includes(name);
  let elements = 0;
  let props = 0;
  for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
    const t = g.edgeType[e];
    if (t === ty.edgeElement) elements++;
    else if (t === ty.edgeProperty && !isProto(g.edgeNameOrIndex[e])) props++;
  }
  let kind: CollectionKind;
  if (name === 'Array') kind = 'array';
  else if (props >= OBJECT_MAP_MIN_KEYS || elements >= OBJECT_MAP_MIN_KEYS) kind = 'object';
  else return null;
  const info: CollectionInfo = { kind, count: kind === 'array' ? elements : props + elements };
  // values: the elements' targets, then (object used as a map) the properties'
  const values = kind === 'array' ? elements : props + elements;
  if (withEntryClass && values) {
    addEntryClass(a, info, values, (visit) => {
      for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) if (g.edgeType[e] === ty.edgeElement) visit(g.edgeTo[e]);
      if (kind !== 'object') return;
      for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
        if (g.edgeType[e] === ty.edgeProperty && !isProto(g.edgeNameOrIndex[e])) visit(g.edgeTo[e]);
      }
    });
  }
  return info;
}

/** Counts a Map/Set table's entry slots; with `visit`, calls it with each value's target. */
function eachTableSlot(a: HeapAnalysis, table: number, set: boolean, visit: ((t: number) => void) | null): number {
  const g = a.graph;
  const ty = g.types;
  const mapEdge = nameIndexes(g).mapEdge;
  let slots = 0;
  for (let e = g.firstEdge[table]; e < g.firstEdge[table + 1]; e++) {
    if (g.edgeType[e] === ty.edgeWeak) continue;
    if (g.edgeType[e] === ty.edgeInternal && mapEdge.includes(g.edgeNameOrIndex[e])) continue;
    slots++;
    if (visit && (set || slots % 2 === 0)) visit(g.edgeTo[e]);
  }
  return slots;
}

/** Most common class among about 1000 evenly spaced values (of `count`, listed by `each`). */
function addEntryClass(a: HeapAnalysis, info: CollectionInfo, count: number, each: (visit: (t: number) => void) => void): void {
  const tally = new Map<number, number>();
  const step = Math.max(1, Math.floor(count / 1000));
  let i = 0;
  each((t) => {
    if (i++ % step !== 0) return;
    const c = a.classIndex[t];
    tally.set(c, (tally.get(c) ?? 0) + 1);
  });
  let best = -1;
  let bestCount = 0;
  for (const [c, n] of tally) if (n > bestCount) [best, bestCount] = [c, n];
  if (best >= 0) info.entryClass = a.graph.strings.get(best);
}

/**
 * collectionInfo(a, n, false)?.count (0 where it is null) by string index rather than by name:
 * growth asks it of every object of each snapshot, and loading a name per node took a second at
 * 6 M nodes.
 */
export function collectionCounter(g: HeapGraph): (node: number) => number {
  const ty = g.types;
  const { nodeType, nodeName, firstEdge, edgeType, edgeNameOrIndex, edgeTo } = g;
  const flag = (texts: string[], value: number, into = new Uint8Array(g.strings.length)) => {
    for (const t of texts) for (const i of g.strings.indexesOf(t)) into[i] = value;
    return into;
  };
  const kindOf = flag(['Map'], MAP, flag(['Set'], SET, flag(['Array'], ARRAY))); // by name index
  const isProto = flag(['__proto__'], 1);
  const isTable = flag(['table'], 1);
  const isMapEdge = flag(['map'], 1);
  return (n) => {
    if (nodeType[n] !== ty.nodeObject) return 0;
    const kind = kindOf[nodeName[n]];
    const end = firstEdge[n + 1];
    if (kind === MAP || kind === SET) {
      // as edgeTarget(g, n, 'table') and eachTableSlot
      let t = -1;
      for (let e = firstEdge[n]; e < end; e++) {
        const et = edgeType[e];
        if (et === ty.edgeElement || et === ty.edgeHidden || et === ty.edgeWeak) continue;
        if (isTable[edgeNameOrIndex[e]]) {
          t = edgeTo[e];
          break;
        }
      }
      if (t < 0) return 0;
      let slots = 0;
      for (let e = firstEdge[t]; e < firstEdge[t + 1]; e++) {
        const et = edgeType[e];
        if (et === ty.edgeWeak || (et === ty.edgeInternal && isMapEdge[edgeNameOrIndex[e]])) continue;
        slots++;
      }
      return kind === SET ? slots : slots >> 1;
    }
    let elements = 0;
    let props = 0;
    for (let e = firstEdge[n]; e < end; e++) {
      const et = edgeType[e];
      if (et === ty.edgeElement) elements++;
      else if (et === ty.edgeProperty && !isProto[edgeNameOrIndex[e]]) props++;
    }
    if (kind === ARRAY) return elements;
    return props >= OBJECT_MAP_MIN_KEYS || elements >= OBJECT_MAP_MIN_KEYS ? props + elements : 0;
  };
}

const MAP = 1;
const SET = 2;
const ARRAY = 3;

/** collectionCounter's answer for every node. */
export function collectionCounts(g: HeapGraph): Uint32Array {
  const count = collectionCounter(g);
  const out = new Uint32Array(g.nodeCount);
  for (let n = 0; n < out.length; n++) out[n] = count(n);
  return out;
}
