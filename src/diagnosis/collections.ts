// Collections as a developer sees them: a JS Array's elements, a Map's/Set's entries (in its hash
// table), an object used as a map (many own properties). Leaks of many small objects live here.
import type { HeapAnalysis } from '../engine/types.js';
import type { CollectionKind } from './types.js';
import { edgeTarget, rawName } from './heap.js';

export interface CollectionInfo {
  kind: CollectionKind;
  count: number;
  /** Most common class among the entries' values. */
  entryClass?: string;
}

/** Objects with at least this many own properties count as "object used as a map". */
export const OBJECT_MAP_MIN_KEYS = 64;

/** Entry count of a collection node, or null when the node is not a collection. */
export function collectionInfo(a: HeapAnalysis, node: number, withEntryClass = true): CollectionInfo | null {
  const g = a.graph;
  const ty = g.types;
  if (g.nodeType[node] !== ty.nodeObject) return null;
  const name = rawName(g, node);
  const values: number[] = [];
  let kind: CollectionKind;
  if (name === 'Map' || name === 'Set') {
    const table = edgeTarget(g, node, 'table');
    if (table < 0) return null;
    let slots = 0;
    for (let e = g.firstEdge[table]; e < g.firstEdge[table + 1]; e++) {
      if (g.edgeType[e] === ty.edgeWeak) continue;
      const label = g.strings[g.edgeNameOrIndex[e]];
      if (g.edgeType[e] === ty.edgeInternal && label === 'map') continue;
      slots++;
      // Map tables list key, value, key, value...: keep the values
      if (name === 'Set' || slots % 2 === 0) values.push(g.edgeTo[e]);
    }
    kind = name === 'Map' ? 'map' : 'set';
    return finish(a, kind, name === 'Map' ? slots >> 1 : slots, values, withEntryClass);
  }
  let elements = 0;
  let props = 0;
  for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
    const t = g.edgeType[e];
    if (t === ty.edgeElement) {
      elements++;
      values.push(g.edgeTo[e]);
    } else if (t === ty.edgeProperty && g.strings[g.edgeNameOrIndex[e]] !== '__proto__') props++;
  }
  if (name === 'Array') kind = 'array';
  else if (props >= OBJECT_MAP_MIN_KEYS || elements >= OBJECT_MAP_MIN_KEYS) kind = 'object';
  else return null;
  if (kind === 'object') {
    for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
      if (g.edgeType[e] === ty.edgeProperty && g.strings[g.edgeNameOrIndex[e]] !== '__proto__') values.push(g.edgeTo[e]);
    }
  }
  return finish(a, kind, kind === 'array' ? elements : props + elements, values, withEntryClass);
}

function finish(a: HeapAnalysis, kind: CollectionKind, count: number, values: number[], withEntryClass: boolean): CollectionInfo {
  const info: CollectionInfo = { kind, count };
  if (withEntryClass && values.length) {
    const tally = new Map<number, number>();
    const step = Math.max(1, Math.floor(values.length / 1000));
    for (let i = 0; i < values.length; i += step) {
      const c = a.classIndex[values[i]];
      tally.set(c, (tally.get(c) ?? 0) + 1);
    }
    let best = -1;
    let bestCount = 0;
    for (const [c, n] of tally) if (n > bestCount) [best, bestCount] = [c, n];
    if (best >= 0) info.entryClass = a.graph.strings[best];
  }
  return info;
}
