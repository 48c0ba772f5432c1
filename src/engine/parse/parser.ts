// Streaming parser for V8 .heapsnapshot JSON. Bytes go in chunk by chunk; numbers go straight into
// the graph's typed arrays and strings one by one into the string table. The file is never held as
// one buffer or one JS string (V8 strings stop at ~512 MB and real snapshots are larger).
import { HeapSnapshotError } from '../../shared/index.js';
import type { Sizes, SnapshotMeta } from '../graph.js';
import { EdgeStore, NodeStore } from './store.js';
import { EdgeRecords, NodeRecords, isStandardEdgeLayout } from './records.js';
import { StringBuilder } from '../strings.js';
import { allocateTargets, readHeader, NF, type EdgeLayout, type ParsedSnapshot, type ParserOptions, type ParseTargets } from './meta.js';
import { describe, skipWs } from './tokenizer.js';
import { validateSnapshot } from './validation.js';

export type { EdgeLayout, LocationIndex, ParsedSnapshot, ParserOptions, ParseTargets } from './meta.js';

const enum St {
  Open,
  Key,
  InKey,
  Colon,
  Value,
  AfterValue,
  Capture,
  Skip,
  NumStart,
  Numbers,
  StrStart,
  StrList,
  FastSkip,
  Done,
}

const enum Sec {
  Nodes,
  Edges,
  Locations,
}

const MAX_SAFE_DIGITS = 15;

export class SnapshotParser {
  private readonly opts: ParserOptions;
  private headerText = '';
  private rangeMode = false;
  private skipOpen = 0;
  private closedAt = -1; // offset of the ']' that ended the last numeric section
  constructor(opts: ParserOptions = {}) {
    this.opts = opts;
  }

  private st = St.Open;
  private pos = 0; // absolute byte offset of the current chunk's start
  private key = '';
  private keyBytes: number[] = [];
  private seen = new Set<string>();

  // generic value scanner (capture / skip)
  private depth = 0;
  private inString = false;
  private escape = false;
  private captured: Buffer[] = [];

  // numbers
  private sec = Sec.Nodes;
  private cur = 0;
  private digits = 0;
  private valuesRead = 0; // values of "nodes" / "edges" read so far

  // strings: kept as raw text, decoded on use (see strings.ts)
  private stringsBuilder = new StringBuilder();
  private stringsAt = 0;

  // layout
  private meta: SnapshotMeta | null = null;
  private header: Record<string, unknown> | null = null;
  private nodeCount = 0;
  private edgeCount = 0;
  private nfc = 0;
  private efc = 0;
  private nodeSlots: NF[] = [];
  private edgeTypeOff = 0;
  private edgeNameOff = 0;
  private edgeToOff = 0;
  private locFields = 0;
  private nodeTypeCount = 0;
  private edgeTypeCount = 0;

  private nodeType!: Uint8Array;
  private nodeName!: Uint32Array;
  private nodeId!: Uint32Array;
  private selfSize!: Sizes;
  private traceNodeId: Uint32Array | null = null;
  private detachedness: Uint8Array | null = null;
  private firstEdge!: Uint32Array;
  private edgeType!: Uint8Array;
  private edgeNameOrIndex!: Uint32Array;
  private edgeTo!: Uint32Array;
  private nameMax!: BigInt64Array;
  private locations = new Uint32Array(0);
  private locLen = 0;

  /** Feed the next chunk. Throws HeapSnapshotError on malformed input. */
  push(input: Uint8Array): void {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    let i = 0;
    const end = buf.length;
    while (i < end) {
      switch (this.st) {
        case St.Open: {
          i = skipWs(buf, i, end);
          if (i === end) break;
          const c = buf[i];
          if (c === 0x7b) {
            this.st = St.Key;
            i++;
          } else if (this.pos + i === 0 && c === 0xef && buf[1] === 0xbb) {
            i += 3; // UTF-8 BOM
          } else {
            throw new HeapSnapshotError('NOT_JSON', `not a heap snapshot: expected '{' but found ${describe(c)}`, this.pos + i);
          }
          break;
        }
        case St.Key: {
          i = skipWs(buf, i, end);
          if (i === end) break;
          const c = buf[i++];
          if (c === 0x22) {
            this.keyBytes.length = 0;
            this.st = St.InKey;
          } else if (c === 0x7d) {
            this.st = St.Done;
          } else {
            throw this.unexpected('a property name', c, i - 1);
          }
          break;
        }
        case St.InKey: {
          while (i < end) {
            const c = buf[i++];
            if (c === 0x22) {
              this.key = Buffer.from(this.keyBytes).toString('utf8');
              this.st = St.Colon;
              break;
            }
            if (this.keyBytes.length > 4096) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', 'not a heap snapshot: property name too long', this.pos + i);
            this.keyBytes.push(c);
          }
          break;
        }
        case St.Colon: {
          i = skipWs(buf, i, end);
          if (i === end) break;
          const c = buf[i++];
          if (c !== 0x3a) throw this.unexpected("':'", c, i - 1);
          this.st = St.Value;
          break;
        }
        case St.Value: {
          i = skipWs(buf, i, end);
          if (i === end) break;
          i = this.startValue(buf, i);
          break;
        }
        case St.AfterValue: {
          if (this.rangeMode) {
            i = end; // a worker's range ends with its section
            break;
          }
          i = skipWs(buf, i, end);
          if (i === end) break;
          const c = buf[i++];
          if (c === 0x2c) this.st = St.Key;
          else if (c === 0x7d) this.st = St.Done;
          else throw this.unexpected("',' or '}'", c, i - 1);
          break;
        }
        case St.Capture:
        case St.Skip:
          i = this.scanValue(buf, i, end);
          break;
        case St.NumStart: {
          i = skipWs(buf, i, end);
          if (i === end) break;
          const c = buf[i++];
          if (c !== 0x5b) throw this.unexpected(`'[' to start "${this.key}"`, c, i - 1);
          this.st = St.Numbers;
          break;
        }
        case St.Numbers:
          i = this.numbers(buf, i, end);
          break;
        case St.StrStart: {
          i = skipWs(buf, i, end);
          if (i === end) break;
          const c = buf[i++];
          if (c !== 0x5b) throw this.unexpected("'[' to start \"strings\"", c, i - 1);
          this.stringsAt = this.pos + i - 1;
          if (this.opts.totalBytes) this.stringsBuilder.reserve(this.opts.totalBytes - this.stringsAt);
          this.st = St.StrList;
          break;
        }
        case St.StrList: {
          const next = this.stringsBuilder.push(buf, i, end, this.pos);
          if (next < 0) i = end;
          else {
            i = next;
            this.st = St.AfterValue;
          }
          break;
        }
        case St.FastSkip: {
          // Numeric arrays hold no nested brackets or strings: the first ']' ends them.
          const close = buf.indexOf(0x5d, i);
          if (close < 0) {
            i = end;
            break;
          }
          this.opts.onSectionEnd?.(this.key, this.skipOpen, this.pos + close);
          this.st = St.AfterValue;
          i = close + 1;
          break;
        }
        case St.Done: {
          i = skipWs(buf, i, end);
          if (i < end) {
            if (buf[i] === 0) {
              i = end; // NUL padding from a crashed writer: tolerated after the end
            } else throw new HeapSnapshotError('NOT_JSON', `unexpected data after the end of the snapshot: ${describe(buf[i])}`, this.pos + i);
          }
          break;
        }
      }
    }
    this.pos += end;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.pos;
  }

  private unexpected(what: string, c: number, i: number): HeapSnapshotError {
    return new HeapSnapshotError('NOT_JSON', `malformed snapshot: expected ${what} but found ${describe(c)}`, this.pos + i);
  }

  private startValue(buf: Uint8Array, i: number): number {
    const key = this.key;
    if (this.seen.has(key)) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', `duplicate section "${key}"`, this.pos + i);
    this.seen.add(key);
    if (key === 'snapshot') {
      if (buf[i] !== 0x7b) throw this.unexpected('an object for "snapshot"', buf[i], i);
      this.beginScan(St.Capture);
      return i;
    }
    if (key === 'nodes' || key === 'edges' || key === 'locations') {
      if (!this.meta) throw new HeapSnapshotError('NOT_HEAP_SNAPSHOT', `not a heap snapshot: "${key}" comes before "snapshot" (no meta to read it with)`, this.pos + i);
      this.opts.onSectionStart?.(key, this.pos + i);
      if (this.opts.fastSkip?.has(key)) {
        if (buf[i] !== 0x5b) throw this.unexpected(`'[' to start "${key}"`, buf[i], i);
        this.skipOpen = this.pos + i;
        this.st = St.FastSkip;
        return i + 1;
      }
      this.sec = key === 'nodes' ? Sec.Nodes : key === 'edges' ? Sec.Edges : Sec.Locations;
      if (key === 'locations' && this.opts.totalBytes) {
        // room for every value the rest of the file could hold (up to 4 per node, V8 writes one
        // location per object): growing by copies leaves garbage for the analysis's peak (see
        // StringBuilder.reserve); room never written costs no memory
        const rest = Math.floor((this.opts.totalBytes - this.pos - i) / 2) + 1;
        this.growLocations(Math.min(rest, this.nodeCount * 4 + 1024));
      }
      this.cur = 0;
      this.digits = 0;
      this.valuesRead = 0;
      this.st = St.NumStart;
      return i;
    }
    if (key === 'strings') {
      this.st = St.StrStart;
      return i;
    }
    // Sections we don't use (samples, trace_tree, trace_function_infos, unknown ones): skip.
    this.beginScan(St.Skip);
    return i;
  }

  private beginScan(st: St.Capture | St.Skip): void {
    this.st = st;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.captured = [];
  }

  /** Scans one JSON value (any type), capturing its bytes when st is Capture. */
  private scanValue(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    let done = false;
    for (; i < end; i++) {
      const c = buf[i];
      if (inString) {
        if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) {
          inString = false;
          if (depth === 0) {
            i++;
            done = true;
            break;
          }
        }
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) {
          done = true; // end of a scalar at the enclosing object's end
          break;
        }
        depth--;
        if (depth === 0) {
          i++;
          done = true;
          break;
        }
      } else if (c === 0x2c && depth === 0) {
        done = true;
        break;
      }
    }
    if (this.st === St.Capture) {
      this.captured.push(Buffer.from(buf.subarray(start, i)));
      if (this.captured.reduce((n, b) => n + b.length, 0) > 64 << 20) {
        throw new HeapSnapshotError('BAD_META', '"snapshot" header is larger than 64 MB', this.pos + i);
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    if (done) {
      if (this.st === St.Capture) this.setMeta(Buffer.concat(this.captured).toString('utf8'), this.pos + i);
      this.captured = [];
      this.st = St.AfterValue;
    }
    return i;
  }

  private setMeta(text: string, offset: number, targets?: ParseTargets): void {
    this.headerText = text;
    const h = readHeader(text, offset);
    this.meta = h.meta;
    this.header = h.header;
    this.nodeCount = h.nodeCount;
    this.edgeCount = h.edgeCount;
    this.nfc = h.nfc;
    this.efc = h.efc;
    this.nodeSlots = h.nodeSlots;
    this.edgeTypeOff = h.edgeTypeOff;
    this.edgeNameOff = h.edgeNameOff;
    this.edgeToOff = h.edgeToOff;
    this.locFields = h.locFields;
    this.nodeTypeCount = h.nodeTypeCount;
    this.edgeTypeCount = h.edgeTypeCount;
    Object.assign(this, targets ?? allocateTargets(h, this.opts, offset));
  }

  /** Number arrays: one loop per section. */
  private numbers(buf: Uint8Array, start: number, end: number): number {
    if (this.sec === Sec.Edges) return this.edgeNumbers(buf, start, end);
    if (this.sec === Sec.Nodes) return this.nodeNumbers(buf, start, end);
    return this.locationNumbers(buf, start, end);
  }

  // The section loops below share one shape: a number cut by the chunk boundary is carried in
  // `cur`/`digits`; the bytes up to the last non-digit of the chunk (so every number ends inside
  // it) are read by whole-record runs (records.ts) from each record boundary, and value by value
  // wherever a run stops: odd whitespace, the chunk's last record, or bad input, reported here.

  /** Finishes a number carried over from the previous chunk; returns where its digits end. */
  private carry(buf: Uint8Array, i: number, end: number): number {
    while (i < end) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      this.cur = this.cur * 10 + d;
      this.digits++;
      i++;
    }
    return i;
  }

  private badByte(c: number, i: number, k: number): HeapSnapshotError {
    return new HeapSnapshotError('BAD_VALUE', `unexpected ${describe(c)} in the "${this.key}" array (value #${k})`, this.pos + i);
  }

  private edgeNumbers(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    if (this.digits > 0) {
      i = this.carry(buf, i, end);
      if (i === end) return end;
      this.edgeValue(this.cur, i);
      this.cur = 0;
      this.digits = 0;
    }
    let safe = end;
    while (safe > i && buf[safe - 1] >= 48 && buf[safe - 1] <= 57) safe--;
    let k = this.valuesRead;
    const efc = this.efc;
    const limit = this.edgeCount * efc;
    const store = this.edgeStore();
    const records = this.edgeRecords();
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
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw this.badByte(c, i, k);
        i++;
      }
      if (i >= safe) break;
      if (c > 57) {
        if (c !== 0x5d) throw this.badByte(c, i, k);
        this.valuesRead = k;
        this.endNumbers(this.pos + i);
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
      if (k >= limit) throw new HeapSnapshotError('COUNT_MISMATCH', `"edges" has more values than edge_count (${this.edgeCount}) x ${efc} fields`, this.pos + i);
      store.put(edge, field, v, this.pos + i);
      if (++field === efc) {
        field = 0;
        edge++;
      }
      k++;
    }
    this.valuesRead = k;
    // digits at the very end of the chunk: carried into the next one
    this.cur = 0;
    this.digits = 0;
    i = this.carry(buf, safe, end);
    return i;
  }

  private edgeStoreCache: EdgeStore | null = null;
  private nodeStoreCache: NodeStore | null = null;
  private edgeRecordsCache: EdgeRecords | null | undefined;
  private nodeRecordsCache: NodeRecords | null | undefined;

  private edgeStore(): EdgeStore {
    const { edgeLayout, targets } = this.targets();
    return (this.edgeStoreCache ??= new EdgeStore(edgeLayout, targets));
  }

  private nodeStore(): NodeStore {
    return (this.nodeStoreCache ??= new NodeStore(this.targets().targets, this.nodeTypeCount, this.edgeCount));
  }

  /** Whole-record runs for the edge layout; null for layouts only the value-by-value loop reads. */
  private edgeRecords(): EdgeRecords | null {
    if (this.edgeRecordsCache !== undefined) return this.edgeRecordsCache;
    const { edgeLayout, targets } = this.targets();
    return (this.edgeRecordsCache = isStandardEdgeLayout(edgeLayout) ? new EdgeRecords(edgeLayout, targets) : null);
  }

  private nodeRecords(): NodeRecords | null {
    if (this.nodeRecordsCache !== undefined) return this.nodeRecordsCache;
    const nf = this.meta!.node_fields;
    return (this.nodeRecordsCache = NodeRecords.fits(nf) ? new NodeRecords(nf, this.nodeCount, this.edgeCount, this.nodeTypeCount, this.targets().targets) : null);
  }

  /** One edge value (used for numbers that straddle chunks). */
  private edgeValue(v: number, i: number): void {
    const k = this.valuesRead;
    if (k >= this.edgeCount * this.efc) throw new HeapSnapshotError('COUNT_MISMATCH', `"edges" has more values than edge_count (${this.edgeCount}) x ${this.efc} fields`, this.pos + i);
    const edge = (k / this.efc) | 0;
    this.edgeStore().put(edge, k - edge * this.efc, v, this.pos + i);
    this.valuesRead = k + 1;
  }

  private nodeNumbers(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    if (this.digits > 0) {
      i = this.carry(buf, i, end);
      if (i === end) return end;
      this.valuesRead = this.nodeValues(this.cur, this.valuesRead, i);
      this.cur = 0;
      this.digits = 0;
    }
    let safe = end;
    while (safe > i && buf[safe - 1] >= 48 && buf[safe - 1] <= 57) safe--;
    let k = this.valuesRead;
    const nfc = this.nfc;
    const limit = this.nodeCount * nfc;
    const slots = this.nodeSlots;
    const store = this.nodeStore();
    const records = this.nodeRecords();
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
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw this.badByte(c, i, k);
        i++;
      }
      if (i >= safe) break;
      if (c > 57) {
        if (c !== 0x5d) throw this.badByte(c, i, k);
        this.valuesRead = k;
        this.endNumbers(this.pos + i);
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
      if (k >= limit) throw new HeapSnapshotError('COUNT_MISMATCH', `"nodes" has more values than node_count (${this.nodeCount}) x ${nfc} fields`, this.pos + i);
      store.put(node, slots[field], v, this.pos + i);
      if (++field === nfc) {
        field = 0;
        node++;
      }
      k++;
    }
    this.valuesRead = k;
    this.cur = 0;
    this.digits = 0;
    i = this.carry(buf, safe, end);
    return i;
  }

  /** One node value (used for numbers that straddle chunks); returns the next value index. */
  private nodeValues(v: number, k: number, i: number): number {
    const nfc = this.nfc;
    if (k >= this.nodeCount * nfc) throw new HeapSnapshotError('COUNT_MISMATCH', `"nodes" has more values than node_count (${this.nodeCount}) x ${nfc} fields`, this.pos + i);
    const node = (k / nfc) | 0;
    this.nodeStore().put(node, this.nodeSlots[k - node * nfc], v, this.pos + i);
    return k + 1;
  }

  /** "locations": plain values (no per-field checks), appended to a growing array. */
  private locationNumbers(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    if (this.digits > 0) {
      i = this.carry(buf, i, end);
      if (i === end) return end;
      this.location(this.cur, this.digits, buf, i);
      this.cur = 0;
      this.digits = 0;
    }
    let safe = end;
    while (safe > i && buf[safe - 1] >= 48 && buf[safe - 1] <= 57) safe--;
    // room for every value up to the section's end or the chunk's (each takes a digit and a separator)
    const close = buf.indexOf(0x5d, i);
    this.growLocations(this.locLen + (((close >= 0 && close < safe ? close : safe) - i) >> 1) + 1);
    for (;;) {
      if (i < safe) i = this.locationRun(buf, i, safe);
      let c = 0;
      while (i < safe) {
        c = buf[i];
        if (c >= 48) break;
        if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw this.badByte(c, i, this.locLen);
        i++;
      }
      if (i >= safe) break;
      if (c > 57) {
        if (c !== 0x5d) throw this.badByte(c, i, this.locLen);
        this.endNumbers(this.pos + i);
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
      this.location(v, i - from, buf, i);
    }
    this.cur = 0;
    this.digits = 0;
    return this.carry(buf, safe, end);
  }

  /** One location value of `digits` digits, ended by buf[i] (which must be a separator or ']'). */
  private location(v: number, digits: number, buf: Uint8Array, i: number): void {
    const c = buf[i];
    if (c !== 0x2c && c !== 0x5d && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) throw this.badByte(c, i, this.locLen);
    if (digits > MAX_SAFE_DIGITS) throw new HeapSnapshotError('BAD_VALUE', `number too large in "${this.key}"`, this.pos + i);
    this.growLocations(this.locLen + 1);
    this.locations[this.locLen++] = v;
  }

  private growLocations(want: number): void {
    if (want <= this.locations.length) return;
    const next = new Uint32Array(Math.max(1024, want, this.locations.length * 2));
    next.set(this.locations.subarray(0, this.locLen));
    this.locations = next;
  }

  /** As the runs in records.ts: values separated by ',' or '\n,' up to anything else; the array has room. */
  private locationRun(buf: Uint8Array, i: number, safe: number): number {
    const loc = this.locations;
    let len = this.locLen;
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
    this.locLen = len;
    return at;
  }

  private endNumbers(offset: number): void {
    if (this.sec === Sec.Nodes) {
      const want = this.nodeCount * this.nfc;
      if (this.valuesRead !== want) {
        throw new HeapSnapshotError('COUNT_MISMATCH', `"nodes" has ${this.valuesRead} values but node_count ${this.nodeCount} x ${this.nfc} fields = ${want}`, offset);
      }
    } else if (this.sec === Sec.Edges) {
      const want = this.edgeCount * this.efc;
      if (this.valuesRead !== want) {
        throw new HeapSnapshotError('COUNT_MISMATCH', `"edges" has ${this.valuesRead} values but edge_count ${this.edgeCount} x ${this.efc} fields = ${want}`, offset);
      }
    } else if (this.locLen % this.locFields !== 0) {
      throw new HeapSnapshotError('COUNT_MISMATCH', `"locations" has ${this.locLen} values, not a multiple of ${this.locFields} fields`, offset);
    }
    this.closedAt = offset;
    this.st = St.AfterValue;
  }

  // ---- range parsing, for parse workers: one numeric section (or part of it) at known offsets ----

  /** A parser that writes into existing arrays, set up from the "snapshot" header's JSON text. */
  static forTargets(headerText: string, targets: ParseTargets): SnapshotParser {
    const p = new SnapshotParser();
    p.setMeta(headerText, 0, targets);
    return p;
  }

  private targetArrays(): ParseTargets {
    return {
      nodeType: this.nodeType,
      nodeName: this.nodeName,
      nodeId: this.nodeId,
      selfSize: this.selfSize,
      traceNodeId: this.traceNodeId,
      detachedness: this.detachedness,
      firstEdge: this.firstEdge,
      edgeType: this.edgeType,
      edgeNameOrIndex: this.edgeNameOrIndex,
      edgeTo: this.edgeTo,
      nameMax: this.nameMax,
    };
  }

  /** The header text and the arrays, for handing to a worker. Valid once the header is parsed. */
  targets(): { headerText: string; targets: ParseTargets; edgeLayout: EdgeLayout } {
    return {
      headerText: this.headerText,
      targets: this.targetArrays(),
      edgeLayout: {
        efc: this.efc,
        nfc: this.nfc,
        nodeCount: this.nodeCount,
        edgeCount: this.edgeCount,
        typeOffset: this.edgeTypeOff,
        nameOffset: this.edgeNameOff,
        toOffset: this.edgeToOff,
        typeCount: this.edgeTypeCount,
      },
    };
  }

  get hasHeader(): boolean {
    return this.meta !== null;
  }

  /** Starts parsing `key`'s array at absolute byte `offset` (its '['), from value #`valuesRead`. */
  beginSection(key: 'nodes' | 'edges', offset: number, valuesRead = 0): void {
    this.key = key;
    this.sec = key === 'nodes' ? Sec.Nodes : Sec.Edges;
    this.cur = 0;
    this.digits = 0;
    this.valuesRead = valuesRead;
    this.pos = offset;
    this.st = St.NumStart;
    this.rangeMode = true;
  }

  /** Ends a partial range cut at a separator; returns how many values were read. */
  endRange(): number {
    if (this.digits > 0) throw new HeapSnapshotError('BAD_VALUE', `"${this.key}" range does not end at a separator`, this.pos);
    return this.valuesRead;
  }

  /** True once a section begun with beginSection reached its closing ']'. */
  get sectionDone(): boolean {
    return this.st === St.AfterValue;
  }

  /** Offset of the ']' that closed the section begun with beginSection (once sectionDone). */
  get sectionClose(): number {
    return this.closedAt;
  }

  /** The section being skipped with a native scan (see fastSkip), or null. */
  get fastSkipping(): string | null {
    return this.st === St.FastSkip ? this.key : null;
  }

  /**
   * While "nodes" is being fast-skipped: "nodes" and "edges" are parsed elsewhere, "edges" closes
   * at `close` (its ']'); the next push() continues with the byte after it.
   */
  jumpPastEdges(close: number): void {
    if (this.fastSkipping !== 'nodes') throw new Error('jumpPastEdges: not skipping "nodes"');
    this.seen.add('edges');
    this.st = St.AfterValue;
    this.pos = close + 1;
  }

  /** Records that another thread parsed `key` (so finish() doesn't call it missing). */
  markParsedElsewhere(key: string): void {
    this.seen.add(key);
  }

  /** Whether any trace_node_id read here (or noted from a worker) was not 0. */
  get sawTraceIds(): boolean {
    return this.tracesElsewhere || this.nodeRecordsCache?.sawTrace === true || this.nodeStoreCache?.sawTrace === true;
  }

  private tracesElsewhere = false;

  /** A parse worker read "nodes" and saw trace ids. */
  noteTraceIds(): void {
    this.tracesElsewhere = true;
  }

  /** What buildLocationIndex reads, once "locations" is complete (after checkComplete, say). */
  locationsSoFar(): Pick<ParsedSnapshot, 'meta' | 'locations' | 'nodeFieldCount'> {
    return { meta: this.meta!, locations: this.locations.subarray(0, this.locLen), nodeFieldCount: this.nfc };
  }

  /** Call at end of input. Validates cross-references and returns the arrays. */
  finish(): ParsedSnapshot {
    this.checkComplete();
    return validateSnapshot({
      meta: this.meta, header: this.header, seen: this.seen, nodeCount: this.nodeCount, edgeCount: this.edgeCount, nfc: this.nfc,
      efc: this.efc, edgeTypeOff: this.edgeTypeOff, sawTraceIds: this.sawTraceIds, locations: this.locations.subarray(0, this.locLen),
      strings: () => this.stringsBuilder.finish(this.stringsAt), ...this.targetArrays(),
    });
  }

  /** Throws the truncation error unless the whole document has been read. */
  checkComplete(): void {
    if (this.st !== St.Done) {
      const where = this.st === St.Numbers
        ? ` inside "${this.key}" (read ${this.sec === Sec.Locations ? this.locLen : this.valuesRead} values)`
        : this.st === St.FastSkip
          ? ` inside "${this.key}"`
          : this.st === St.StrList
          ? ` inside "strings" (read ${this.stringsBuilder.strings} strings)`
          : this.key
            ? ` after "${this.key}"`
            : '';
      if (this.pos === 0) throw new HeapSnapshotError('TRUNCATED', 'empty input: not a heap snapshot');
      throw new HeapSnapshotError('TRUNCATED', `snapshot is truncated: input ended${where}`, this.pos);
    }
  }
}
