// The numeric sections' readers: one loop per section ("nodes", "edges", "locations") over a
// chunk's bytes, for the parser (parser.ts) once it is inside the section's '['. They share one
// shape: a number cut by the chunk boundary is carried in `carry`; the bytes up to the last
// non-digit of the chunk (so every number ends inside it) are read by whole-record runs
// (records.ts) from each record boundary, and value by value wherever a run stops: odd whitespace,
// the chunk's last record, or bad input, reported here.
// Hot path: each reader is its own class with fixed fields (the parser calls each from one site),
// and the loops keep their state in locals.
import { HeapSnapshotError } from '../../shared/index.js';
import { EdgeStore, NodeStore } from './store.js';
import { EdgeRecords, NodeRecords, isStandardEdgeLayout } from './records.js';
import type { EdgeLayout, NF, ParseTargets } from './meta.js';
import { describe } from './tokenizer.js';

const MAX_SAFE_DIGITS = 15;

/** A number whose digits run past the end of a chunk. */
class Carry {
  cur = 0;
  digits = 0;

  /** Adds the digits from buf[i]; returns where they end. */
  take(buf: Uint8Array, i: number, end: number): number {
    while (i < end) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      this.cur = this.cur * 10 + d;
      this.digits++;
      i++;
    }
    return i;
  }

  clear(): void {
    this.cur = 0;
    this.digits = 0;
  }
}

function badByte(key: string, c: number, at: number, k: number): HeapSnapshotError {
  return new HeapSnapshotError('BAD_VALUE', `unexpected ${describe(c)} in the "${key}" array (value #${k})`, at);
}

/** Where the last non-digit of buf[i..end) is followed only by digits: numbers before it end in the chunk. */
function safeEnd(buf: Uint8Array, i: number, end: number): number {
  let safe = end;
  while (safe > i && buf[safe - 1] >= 48 && buf[safe - 1] <= 57) safe--;
  return safe;
}

/** "nodes": values into the node arrays (see NodeStore), record by record. */
export class NodeSection {
  readonly carry = new Carry();
  /** Values read so far. */
  valuesRead = 0;
  /** Offset of the section's ']' once read, else -1. */
  closedAt = -1;
  private readonly nodeCount: number;
  private readonly nfc: number;
  private readonly slots: NF[];
  private readonly store: NodeStore;
  private readonly records: NodeRecords | null;

  constructor(nodeFields: readonly string[], slots: NF[], layout: EdgeLayout, nodeTypeCount: number, t: ParseTargets) {
    this.nodeCount = layout.nodeCount;
    this.nfc = layout.nfc;
    this.slots = slots;
    this.store = new NodeStore(t, nodeTypeCount, layout.edgeCount);
    this.records = NodeRecords.fits(nodeFields) ? new NodeRecords(nodeFields, layout.nodeCount, layout.edgeCount, nodeTypeCount, t) : null;
  }

  /** Reads from value #`valuesRead` on (a parse worker's range may start mid-section). */
  begin(valuesRead: number): void {
    this.carry.clear();
    this.valuesRead = valuesRead;
    this.closedAt = -1;
  }

  /** Whether any trace_node_id read was not 0. */
  get sawTrace(): boolean {
    return this.records?.sawTrace === true || this.store.sawTrace;
  }

  /** Reads buf[start..end) (`pos`: the chunk's offset); returns end, or the byte after the section's ']'. */
  read(buf: Uint8Array, start: number, end: number, pos: number): number {
    let i = start;
    const carry = this.carry;
    if (carry.digits > 0) {
      i = carry.take(buf, i, end);
      if (i === end) return end;
      this.valuesRead = this.value(carry.cur, this.valuesRead, pos + i);
      carry.clear();
    }
    const safe = safeEnd(buf, i, end);
    let k = this.valuesRead;
    const nfc = this.nfc;
    const limit = this.nodeCount * nfc;
    const slots = this.slots;
    const store = this.store;
    const records = this.records;
    let node = (k / nfc) | 0;
    let field = k - node * nfc;
    for (;;) {
      if (field === 0 && i < safe && records !== null) {
        i = records.run(buf, i, safe, node);
        k += (records.n - node) * nfc;
        node = records.n;
      }
      let c = 0;
      while (i < safe) {
        c = buf[i];
        if (c >= 48) break;
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw badByte('nodes', c, pos + i, k);
        i++;
      }
      if (i >= safe) break;
      if (c > 57) {
        if (c !== 0x5d) throw badByte('nodes', c, pos + i, k);
        this.valuesRead = k;
        this.close(pos + i);
        return i + 1;
      }
      let v = c - 48;
      i++;
      // terminates: buf[safe - 1] is not a digit
      for (;;) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        i++;
      }
      if (k >= limit) throw this.tooMany(pos + i);
      store.put(node, slots[field], v, pos + i);
      if (++field === nfc) {
        field = 0;
        node++;
      }
      k++;
    }
    this.valuesRead = k;
    // digits at the very end of the chunk: carried into the next one
    carry.clear();
    return carry.take(buf, safe, end);
  }

  /** One value (a number that straddled chunks); returns the next value index. */
  private value(v: number, k: number, at: number): number {
    const nfc = this.nfc;
    if (k >= this.nodeCount * nfc) throw this.tooMany(at);
    const node = (k / nfc) | 0;
    this.store.put(node, this.slots[k - node * nfc], v, at);
    return k + 1;
  }

  private tooMany(at: number): HeapSnapshotError {
    return new HeapSnapshotError('COUNT_MISMATCH', `"nodes" has more values than node_count (${this.nodeCount}) x ${this.nfc} fields`, at);
  }

  private close(at: number): void {
    const want = this.nodeCount * this.nfc;
    if (this.valuesRead !== want) {
      throw new HeapSnapshotError('COUNT_MISMATCH', `"nodes" has ${this.valuesRead} values but node_count ${this.nodeCount} x ${this.nfc} fields = ${want}`, at);
    }
    this.closedAt = at;
  }
}

/** "edges": values into the edge arrays (see EdgeStore), record by record. */
export class EdgeSection {
  readonly carry = new Carry();
  valuesRead = 0;
  closedAt = -1;
  private readonly edgeCount: number;
  private readonly efc: number;
  private readonly store: EdgeStore;
  /** Whole-record runs; null for layouts only the value-by-value loop reads. */
  private readonly records: EdgeRecords | null;

  constructor(layout: EdgeLayout, t: ParseTargets) {
    this.edgeCount = layout.edgeCount;
    this.efc = layout.efc;
    this.store = new EdgeStore(layout, t);
    this.records = isStandardEdgeLayout(layout) ? new EdgeRecords(layout, t) : null;
  }

  begin(valuesRead: number): void {
    this.carry.clear();
    this.valuesRead = valuesRead;
    this.closedAt = -1;
  }

  read(buf: Uint8Array, start: number, end: number, pos: number): number {
    let i = start;
    const carry = this.carry;
    if (carry.digits > 0) {
      i = carry.take(buf, i, end);
      if (i === end) return end;
      this.value(carry.cur, pos + i);
      carry.clear();
    }
    const safe = safeEnd(buf, i, end);
    let k = this.valuesRead;
    const efc = this.efc;
    const limit = this.edgeCount * efc;
    const store = this.store;
    const records = this.records;
    let edge = (k / efc) | 0;
    let field = k - edge * efc;
    for (;;) {
      if (field === 0 && i < safe && records !== null) {
        i = records.run(buf, i, safe, edge);
        k += (records.e - edge) * efc;
        edge = records.e;
      }
      let c = 0;
      while (i < safe) {
        c = buf[i];
        if (c >= 48) break;
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw badByte('edges', c, pos + i, k);
        i++;
      }
      if (i >= safe) break;
      if (c > 57) {
        if (c !== 0x5d) throw badByte('edges', c, pos + i, k);
        this.valuesRead = k;
        this.close(pos + i);
        return i + 1;
      }
      let v = c - 48;
      i++;
      for (;;) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        i++;
      }
      if (k >= limit) throw this.tooMany(pos + i);
      store.put(edge, field, v, pos + i);
      if (++field === efc) {
        field = 0;
        edge++;
      }
      k++;
    }
    this.valuesRead = k;
    carry.clear();
    return carry.take(buf, safe, end);
  }

  /** One value (a number that straddled chunks). */
  private value(v: number, at: number): void {
    const k = this.valuesRead;
    if (k >= this.edgeCount * this.efc) throw this.tooMany(at);
    const edge = (k / this.efc) | 0;
    this.store.put(edge, k - edge * this.efc, v, at);
    this.valuesRead = k + 1;
  }

  private tooMany(at: number): HeapSnapshotError {
    return new HeapSnapshotError('COUNT_MISMATCH', `"edges" has more values than edge_count (${this.edgeCount}) x ${this.efc} fields`, at);
  }

  private close(at: number): void {
    const want = this.edgeCount * this.efc;
    if (this.valuesRead !== want) {
      throw new HeapSnapshotError('COUNT_MISMATCH', `"edges" has ${this.valuesRead} values but edge_count ${this.edgeCount} x ${this.efc} fields = ${want}`, at);
    }
    this.closedAt = at;
  }
}

/** "locations": plain values (no per-field checks), appended to a growing array. */
export class LocationSection {
  readonly carry = new Carry();
  closedAt = -1;
  private locations = new Uint32Array(0);
  /** Values read so far. */
  length = 0;

  constructor(private readonly fields: number) {}

  /** The values read so far. */
  values(): Uint32Array {
    return this.locations.subarray(0, this.length);
  }

  read(buf: Uint8Array, start: number, end: number, pos: number): number {
    let i = start;
    const carry = this.carry;
    if (carry.digits > 0) {
      i = carry.take(buf, i, end);
      if (i === end) return end;
      this.value(carry.cur, carry.digits, buf, i, pos);
      carry.clear();
    }
    const safe = safeEnd(buf, i, end);
    // room for every value up to the section's end or the chunk's (each takes a digit and a separator)
    const close = buf.indexOf(0x5d, i);
    this.reserve(this.length + (((close >= 0 && close < safe ? close : safe) - i) >> 1) + 1);
    for (;;) {
      if (i < safe) i = this.run(buf, i, safe);
      let c = 0;
      while (i < safe) {
        c = buf[i];
        if (c >= 48) break;
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw badByte('locations', c, pos + i, this.length);
        i++;
      }
      if (i >= safe) break;
      if (c > 57) {
        if (c !== 0x5d) throw badByte('locations', c, pos + i, this.length);
        this.close(pos + i);
        return i + 1;
      }
      const from = i;
      let v = c - 48;
      i++;
      for (;;) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        i++;
      }
      this.value(v, i - from, buf, i, pos);
    }
    carry.clear();
    return carry.take(buf, safe, end);
  }

  /** Room for `want` values. */
  reserve(want: number): void {
    if (want <= this.locations.length) return;
    const next = new Uint32Array(Math.max(1024, want, this.locations.length * 2));
    next.set(this.locations.subarray(0, this.length));
    this.locations = next;
  }

  /** One value of `digits` digits, ended by buf[i] (which must be a separator or ']'). */
  private value(v: number, digits: number, buf: Uint8Array, i: number, pos: number): void {
    const c = buf[i];
    if (c !== 0x2c && c !== 0x5d && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw badByte('locations', c, pos + i, this.length);
    if (digits > MAX_SAFE_DIGITS) throw new HeapSnapshotError('BAD_VALUE', 'number too large in "locations"', pos + i);
    this.reserve(this.length + 1);
    this.locations[this.length++] = v;
  }

  /** As the runs in records.ts: values separated by ',' or '\n,' up to anything else; the array has room. */
  private run(buf: Uint8Array, i: number, safe: number): number {
    const loc = this.locations;
    let len = this.length;
    const lim = safe - 2;
    let at = i;
    while (i < lim) {
      at = i;
      let d = buf[i] - 48;
      if (d >>> 0 > 9) break;
      let v = d;
      while (((d = buf[++i] - 48) >>> 0) <= 9) v = v * 10 + d;
      let c = buf[i];
      if (i - at > MAX_SAFE_DIGITS || (c !== 0x2c && c !== 0x0a)) break;
      loc[len++] = v;
      at = i;
      if (i >= lim) break;
      if (c === 0x0a) c = buf[++i];
      if (c !== 0x2c) break;
      i++;
    }
    this.length = len;
    return at;
  }

  private close(at: number): void {
    if (this.length % this.fields !== 0) {
      throw new HeapSnapshotError('COUNT_MISMATCH', `"locations" has ${this.length} values, not a multiple of ${this.fields} fields`, at);
    }
    this.closedAt = at;
  }
}
