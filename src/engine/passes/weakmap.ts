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

/**
 * The ephemeron names, found by a scan of the raw string table (only strings that mention a
 * WeakMap pair are decoded). Callers look names up for internal edges only.
 */
export function findEphemeronEdgeNames(g: HeapGraph): EphemeronInfo {
  const tableId = new Map<number, number>();
  const dupKey = new Map<number, string>();
  for (const s of g.strings.containing('pair in WeakMap')) {
    const m = EPHEMERON.exec(g.strings.get(s));
    if (m?.groups) {
      tableId.set(s, parseInt(m.groups.table, 10));
      dupKey.set(s, m.groups.dup);
    }
  }
  return { tableId, dupKey };
}
