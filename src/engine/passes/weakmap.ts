// WeakMap ephemeron edges: V8 names both the table->value and key->value internal edges
// "N / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)". DevTools lets only the
// key's edge retain, and for distances takes the later of the two.
import type { HeapGraph } from '../graph.js';

const EPHEMERON = /^\d+(?<dup> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

export interface EphemeronInfo {
  /** For each string index that is an ephemeron edge name: the WeakMap table's node id. */
  tableId: Map<number, number>;
  /** For each such string index: the shared "duplicated part" that pairs the two edges. */
  dupKey: Map<number, string>;
}

/** Scans the internal edges' names once; strings are tested at most once each. */
export function findEphemeronEdgeNames(g: HeapGraph): EphemeronInfo {
  const tableId = new Map<number, number>();
  const dupKey = new Map<number, string>();
  const tested = new Uint8Array(g.strings.length);
  const internal = g.types.edgeInternal;
  const { edgeType, edgeNameOrIndex, strings } = g;
  for (let e = 0; e < g.edgeCount; e++) {
    if (edgeType[e] !== internal) continue;
    const s = edgeNameOrIndex[e];
    if (tested[s]) continue;
    tested[s] = 1;
    const str = strings[s];
    if (str.length < 40 || !str.includes('pair in WeakMap')) continue;
    const m = EPHEMERON.exec(str);
    if (m?.groups) {
      tableId.set(s, parseInt(m.groups.table, 10));
      dupKey.set(s, m.groups.dup);
    }
  }
  return { tableId, dupKey };
}
