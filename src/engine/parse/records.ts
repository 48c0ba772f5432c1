// Whole-record fast paths for "nodes" and "edges" (nearly all of a snapshot's bytes). A run parses
// one record (all of its fields) per iteration straight into the typed arrays, with all of the
// record's checks in one branch. It expects what V8 writes: numbers separated by exactly one ',',
// records by ',' or '\n,'. At the first record that is anything else (other whitespace, a ']', a
// bad byte, a value that fails a check, the end of the bytes it may read) it stops at that
// record's first byte, and the caller's value-by-value path (sections.ts, store.ts) goes on from there: it
// accepts any JSON whitespace and reports the exact error and offset.
//
// Reads stay in bounds without per-byte checks: a digit loop always ends at buf[safe - 1], a
// non-digit (forward), or at buf[low] (backward), and the byte after a separator is only read
// when the separator is not the last byte allowed. `(d >>> 0) > 9` is d < 0 || d > 9 in one compare.
// Values are computed as the value-by-value path computes them, so the arrays are identical.
import type { EdgeLayout, ParseTargets } from './meta.js';
import { EdgeTargets, raiseNameMax } from './store.js';

/** Field layouts with a dedicated loop. */
export function isStandardEdgeLayout(l: EdgeLayout): boolean {
  // every V8 so far writes [type, name_or_index, to_node]
  return l.efc === 3 && l.typeOffset === 0 && l.nameOffset === 1 && l.toOffset === 2;
}

/** Past JSON whitespace and ',' from `i` (below `safe`); -1 at `safe` or at any other non-digit. */
function skipSep(buf: Uint8Array, i: number, safe: number): number {
  for (;;) {
    const c = buf[i];
    if (c >= 48) return c <= 57 ? i : -1;
    if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) return -1;
    if (++i === safe) return -1;
  }
}

/** Forward runs over "edges" laid out as [type, name_or_index, to_node]. */
export class EdgeRecords extends EdgeTargets {
  /** The edge after the last one a run wrote. */
  e = 0;

  /**
   * Parses records from buf[i] (the byte after a record or after '['; i < safe) as edge `e`.
   * buf[safe - 1] must not be a digit. Returns where it stopped; `this.e` is the next edge.
   */
  run(buf: Uint8Array, i: number, safe: number, e: number): number {
    const nfc = this.nfc;
    const maxTo = this.maxTo;
    const typeCount = this.typeCount;
    const edgeCount = this.edgeCount;
    const et = this.edgeType;
    const en = this.edgeNameOrIndex;
    const eto = this.edgeTo;
    const lim = safe - 2; // a separator below lim may be followed by two more bytes
    let maxName = 0;
    let rec = skipSep(buf, i, safe);
    if (rec < 0) rec = i;
    else i = rec;
    while (e < edgeCount && i < lim) {
      rec = i;
      let d = buf[i] - 48;
      if (d >>> 0 > 9) break;
      let t = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) t = t * 10 + d;
      if (buf[i] !== 0x2c || i >= lim) break;
      d = buf[++i] - 48;
      if (d >>> 0 > 9) break;
      let n = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) n = n * 10 + d;
      if (buf[i] !== 0x2c || i >= lim) break;
      d = buf[++i] - 48;
      if (d >>> 0 > 9) break;
      let to = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) to = to * 10 + d;
      const node = (to / nfc) >>> 0;
      if (t >= typeCount || n > 0xffffffff || to >= maxTo || node * nfc !== to) break;
      et[e] = t;
      en[e] = n;
      eto[e] = node;
      if (n > maxName) maxName = n;
      e++;
      rec = i;
      if (i >= lim) break;
      let c = buf[i];
      if (c === 0x0a) c = buf[++i];
      if (c !== 0x2c) break;
      i++;
    }
    this.e = e;
    raiseNameMax(this.nameMax, 1, maxName);
    return rec;
  }
}

/**
 * Forward runs over "nodes" laid out as [type, name, id, self_size, edge_count] followed by
 * trace_node_id and/or detachedness (every V8 version so far). Edge counts become the CSR prefix
 * sums as they arrive.
 */
export class NodeRecords {
  /** The node after the last one a run wrote. */
  n = 0;
  /** Whether any trace_node_id was not 0 (most snapshots have none: the array is then dropped). */
  sawTrace = false;
  private readonly nodeCount: number;
  private readonly edgeCount: number;
  private readonly typeCount: number;
  private readonly hasTrace: boolean;
  private readonly hasDet: boolean;
  private readonly t: ParseTargets;

  constructor(nodeFields: readonly string[], nodeCount: number, edgeCount: number, typeCount: number, t: ParseTargets) {
    this.nodeCount = nodeCount;
    this.edgeCount = edgeCount;
    this.typeCount = typeCount;
    this.hasTrace = nodeFields[5] === 'trace_node_id';
    this.hasDet = nodeFields[nodeFields.length - 1] === 'detachedness';
    this.t = t;
  }

  /** True when `nodeFields` is a layout run() reads (and the constructor's flags describe). */
  static fits(nodeFields: readonly string[]): boolean {
    const tail = nodeFields.slice(5).join();
    return (
      nodeFields.slice(0, 5).join() === 'type,name,id,self_size,edge_count' &&
      (tail === '' || tail === 'trace_node_id' || tail === 'detachedness' || tail === 'trace_node_id,detachedness')
    );
  }

  /** As EdgeRecords.run, for node `n`. */
  run(buf: Uint8Array, i: number, safe: number, n: number): number {
    const nodeCount = this.nodeCount;
    const edgeCount = this.edgeCount;
    const typeCount = this.typeCount;
    const hasTrace = this.hasTrace;
    const hasDet = this.hasDet;
    const t = this.t;
    const nodeType = t.nodeType;
    const nodeName = t.nodeName;
    const nodeId = t.nodeId;
    const selfSize = t.selfSize;
    const firstEdge = t.firstEdge;
    const trace = t.traceNodeId;
    const det = t.detachedness;
    const wide = selfSize instanceof Float64Array;
    const lim = safe - 2;
    let sum = firstEdge[n];
    let maxName = 0;
    let rec = skipSep(buf, i, safe);
    if (rec < 0) rec = i;
    else i = rec;
    while (n < nodeCount && i < lim) {
      rec = i;
      let d = buf[i] - 48;
      if (d >>> 0 > 9) break;
      let type = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) type = type * 10 + d;
      if (buf[i] !== 0x2c || i >= lim) break;
      d = buf[++i] - 48;
      if (d >>> 0 > 9) break;
      let name = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) name = name * 10 + d;
      if (buf[i] !== 0x2c || i >= lim) break;
      d = buf[++i] - 48;
      if (d >>> 0 > 9) break;
      let id = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) id = id * 10 + d;
      if (buf[i] !== 0x2c || i >= lim) break;
      d = buf[++i] - 48;
      if (d >>> 0 > 9) break;
      let size = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) size = size * 10 + d;
      if (buf[i] !== 0x2c || i >= lim) break;
      d = buf[++i] - 48;
      if (d >>> 0 > 9) break;
      let count = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) count = count * 10 + d;
      let tr = 0;
      if (hasTrace) {
        if (buf[i] !== 0x2c || i >= lim) break;
        d = buf[++i] - 48;
        if (d >>> 0 > 9) break;
        tr = d;
        while (((d = buf[++i] - 48) >>> 0) <= 9) tr = tr * 10 + d;
      }
      let dt = 0;
      if (hasDet) {
        if (buf[i] !== 0x2c || i >= lim) break;
        d = buf[++i] - 48;
        if (d >>> 0 > 9) break;
        dt = d;
        while (((d = buf[++i] - 48) >>> 0) <= 9) dt = dt * 10 + d;
      }
      const next = sum + count;
      // a size that doesn't fit a Uint32Array: the careful path says so (WIDE_SIZES); an id too (BAD_VALUE)
      if (type >= typeCount || next > edgeCount || (size > 0xffffffff && !wide) || id > 0xffffffff) break;
      nodeType[n] = type;
      nodeName[n] = name;
      if (name > maxName) maxName = name;
      nodeId[n] = id;
      selfSize[n] = size;
      // the arrays start zeroed: most snapshots have no traces, and most nodes are attached
      if (tr !== 0) {
        trace![n] = tr;
        this.sawTrace = true;
      }
      if (dt !== 0) det![n] = dt;
      firstEdge[n + 1] = next;
      sum = next;
      n++;
      rec = i;
      if (i >= lim) break;
      let c = buf[i];
      if (c === 0x0a) c = buf[++i];
      if (c !== 0x2c) break;
      i++;
    }
    this.n = n;
    raiseNameMax(t.nameMax, 0, maxName);
    return rec;
  }
}

/**
 * Backward runs over "edges" laid out as [type, name_or_index, to_node], for the backward parser:
 * from buf[i] (i > low: a record's last byte, or a separator after it) towards the front, writing
 * edges downwards from `e`. buf[low] must not be a digit; bytes below it are not read.
 */
export class BackEdgeRecords extends EdgeTargets {
  /** The edge below the last one a run wrote (-1 once edge 0 is written). */
  e = 0;

  /** Returns the byte where it stopped (the careful path goes on from there); `this.e` is the next edge. */
  run(buf: Uint8Array, i: number, low: number, e: number): number {
    const nfc = this.nfc;
    const maxTo = this.maxTo;
    const typeCount = this.typeCount;
    const et = this.edgeType;
    const en = this.edgeNameOrIndex;
    const eto = this.edgeTo;
    const lim = low + 2; // a separator above lim may be preceded by two more bytes
    this.e = e;
    // separators after the record (V8: '\n' before the next ',' or the closing ']')
    for (;;) {
      const c = buf[i];
      if (c !== 0x2c && c !== 0x0a) break;
      if (--i <= low) return i + 1;
    }
    let rec = i;
    let maxName = 0;
    while (e >= 0 && i > lim) {
      rec = i;
      let d = buf[i] - 48;
      if (d >>> 0 > 9) break;
      let to = d;
      let mul = 10;
      while (((d = buf[--i] - 48) >>> 0) <= 9) {
        to += d * mul;
        mul *= 10;
      }
      if (buf[i] !== 0x2c || i <= lim) break;
      d = buf[--i] - 48;
      if (d >>> 0 > 9) break;
      let n = d;
      let nmul = 10;
      while (((d = buf[--i] - 48) >>> 0) <= 9) {
        n += d * nmul;
        nmul *= 10;
      }
      if (buf[i] !== 0x2c || i <= lim) break;
      d = buf[--i] - 48;
      if (d >>> 0 > 9) break;
      let t = d;
      let tmul = 10;
      while (((d = buf[--i] - 48) >>> 0) <= 9) {
        t += d * tmul;
        tmul *= 10;
      }
      const node = (to / nfc) >>> 0;
      // more than 15 digits: the careful path says so
      if (mul > 1e15 || nmul > 1e15 || tmul > 1e15) break;
      if (t >= typeCount || n > 0xffffffff || to >= maxTo || node * nfc !== to) break;
      et[e] = t;
      en[e] = n;
      eto[e] = node;
      if (n > maxName) maxName = n;
      e--;
      rec = i;
      if (i <= lim) break;
      let c = buf[i];
      if (c !== 0x2c) break;
      c = buf[--i];
      if (c === 0x0a) i--;
    }
    this.e = e;
    raiseNameMax(this.nameMax, 1, maxName);
    return rec;
  }
}
