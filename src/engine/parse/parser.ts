// Streaming parser for V8 .heapsnapshot JSON. Bytes go in chunk by chunk; numbers go straight into
// the graph's typed arrays and strings one by one into the string table. The file is never held as
// one buffer or one JS string (V8 strings stop at ~512 MB and real snapshots are larger).
import { HeapSnapshotError } from '../../shared/index.js';
import type { Sizes, SnapshotMeta } from '../graph.js';
import { EdgeSection, LocationSection, NodeSection } from './sections.js';
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

  // numbers: the section being read, and each section's reader (see sections.ts)
  private sec = Sec.Nodes;
  private nodes: NodeSection | null = null;
  private edges: EdgeSection | null = null;
  private locations: LocationSection | null = null;

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
      if (key === 'nodes') this.nodeSection().begin(0);
      else if (key === 'edges') this.edgeSection().begin(0);
      else {
        const locations = (this.locations = new LocationSection(this.locFields));
        if (this.opts.totalBytes) {
          // room for every value the rest of the file could hold (up to 4 per node, V8 writes one
          // location per object): growing by copies leaves garbage for the analysis's peak (see
          // StringBuilder.reserve); room never written costs no memory
          const rest = Math.floor((this.opts.totalBytes - this.pos - i) / 2) + 1;
          locations.reserve(Math.min(rest, this.nodeCount * 4 + 1024));
        }
      }
      this.sec = key === 'nodes' ? Sec.Nodes : key === 'edges' ? Sec.Edges : Sec.Locations;
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

  /** Number arrays: one reader per section (sections.ts), each called from its own site. */
  private numbers(buf: Uint8Array, start: number, end: number): number {
    let i: number;
    let closedAt: number;
    if (this.sec === Sec.Edges) {
      const r = this.edges!;
      i = r.read(buf, start, end, this.pos);
      closedAt = r.closedAt;
    } else if (this.sec === Sec.Nodes) {
      const r = this.nodes!;
      i = r.read(buf, start, end, this.pos);
      closedAt = r.closedAt;
    } else {
      const r = this.locations!;
      i = r.read(buf, start, end, this.pos);
      closedAt = r.closedAt;
    }
    if (closedAt >= 0) {
      this.closedAt = closedAt;
      this.st = St.AfterValue;
    }
    return i;
  }

  /** The reader of "nodes" (one per parser: a parse worker may read the section in ranges). */
  private nodeSection(): NodeSection {
    if (this.nodes) return this.nodes;
    const { edgeLayout, targets } = this.targets();
    return (this.nodes = new NodeSection(this.meta!.node_fields, this.nodeSlots, edgeLayout, this.nodeTypeCount, targets));
  }

  private edgeSection(): EdgeSection {
    if (this.edges) return this.edges;
    const { edgeLayout, targets } = this.targets();
    return (this.edges = new EdgeSection(edgeLayout, targets));
  }

  /** The current section's reader: values read so far, and whether a number is cut at the end of the input. */
  private progress(): { valuesRead: number; carried: boolean } {
    const r = this.sec === Sec.Locations ? this.locations : this.sec === Sec.Nodes ? this.nodes : this.edges;
    if (!r) return { valuesRead: 0, carried: false };
    return { valuesRead: r instanceof LocationSection ? r.length : r.valuesRead, carried: r.carry.digits > 0 };
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
    (key === 'nodes' ? this.nodeSection() : this.edgeSection()).begin(valuesRead);
    this.pos = offset;
    this.st = St.NumStart;
    this.rangeMode = true;
  }

  /** Ends a partial range cut at a separator; returns how many values were read. */
  endRange(): number {
    const { valuesRead, carried } = this.progress();
    if (carried) throw new HeapSnapshotError('BAD_VALUE', `"${this.key}" range does not end at a separator`, this.pos);
    return valuesRead;
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
    return this.tracesElsewhere || this.nodes?.sawTrace === true;
  }

  private tracesElsewhere = false;

  /** A parse worker read "nodes" and saw trace ids. */
  noteTraceIds(): void {
    this.tracesElsewhere = true;
  }

  /** What buildLocationIndex reads, once "locations" is complete (after checkComplete, say). */
  locationsSoFar(): Pick<ParsedSnapshot, 'meta' | 'locations' | 'nodeFieldCount'> {
    return { meta: this.meta!, locations: this.locationValues(), nodeFieldCount: this.nfc };
  }

  private locationValues(): Uint32Array {
    return this.locations?.values() ?? new Uint32Array(0);
  }

  /** Call at end of input. Validates cross-references and returns the arrays. */
  finish(): ParsedSnapshot {
    this.checkComplete();
    return validateSnapshot({
      meta: this.meta, header: this.header, seen: this.seen, nodeCount: this.nodeCount, edgeCount: this.edgeCount, nfc: this.nfc,
      efc: this.efc, edgeTypeOff: this.edgeTypeOff, sawTraceIds: this.sawTraceIds, locations: this.locationValues(),
      strings: () => this.stringsBuilder.finish(this.stringsAt), ...this.targetArrays(),
    });
  }

  /** Throws the truncation error unless the whole document has been read. */
  checkComplete(): void {
    if (this.st !== St.Done) {
      const where = this.st === St.Numbers
        ? ` inside "${this.key}" (read ${this.progress().valuesRead} values)`
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
