// The snapshot's string table, kept as the raw JSON text of its "strings" section and decoded one
// string at a time, on first use. A snapshot holds millions of strings and an analysis reads a few
// thousand of them (class names, edge names on paths): making a JS string of each up front cost
// more time than parsing all the edges, and the young-generation GC then copied every one of them
// (all live) twice. Analyses append their own strings (class names) after the snapshot's.
import { isUtf8 } from 'node:buffer';
import { HeapSnapshotError } from '../shared/index.js';
import { sortedFloor, sortedIndexOf } from './sorted.js';

/** Text that reads the same raw and decoded: printable ASCII, no '"' or '\\' (which are escaped). */
const RAW_SEARCHABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/** The reads the class-name helpers make. */
export interface Strings {
  readonly length: number;
  get(i: number): string;
  indexOf(s: string): number;
}

/** What a worker needs to read the same table (shared memory, plus the strings added so far). */
export interface SharedStrings {
  raw: Uint8Array;
  start: Uint32Array;
  count: number;
  added: string[];
}

export class StringTable implements Strings {
  /** The section's bytes between '[' and ']': quoted strings and their separators. */
  private readonly raw: Buffer;
  /** Offset in `raw` of each snapshot string's first content byte (after its opening quote). */
  private readonly start: Uint32Array;
  private readonly count: number;
  private readonly decoded = new Map<number, string>();
  private readonly added: string[] = [];

  constructor(raw: Buffer, start: Uint32Array, count: number) {
    this.raw = raw;
    this.start = start;
    this.count = count;
  }

  /** The same table in another thread (see share). */
  static fromShared(s: SharedStrings): StringTable {
    const t = new StringTable(Buffer.from(s.raw.buffer, s.raw.byteOffset, s.raw.byteLength), s.start, s.count);
    t.added.push(...s.added);
    return t;
  }

  /** This table for a worker: its memory when shared (see StringBuilder.finish), else copies. */
  share(): SharedStrings {
    return { raw: this.raw, start: this.start, count: this.count, added: this.added.slice() };
  }

  /** Strings appended after the first `from` (a worker's additions, to replay here in order). */
  addedSince(length: number): string[] {
    return this.added.slice(length - this.count);
  }

  get length(): number {
    return this.count + this.added.length;
  }

  /** String `i` (undefined past the end, like an array). */
  get(i: number): string {
    if (i < this.count) {
      let s = this.decoded.get(i);
      if (s === undefined) {
        s = this.decode(i);
        this.decoded.set(i, s);
      }
      return s;
    }
    return this.added[i - this.count];
  }

  /** Appends `s`; returns the new length (as Array#push: `s` is at length - 1). */
  push(s: string): number {
    this.added.push(s);
    return this.length;
  }

  /** Index of the first string equal to `s`, or -1 (as Array#indexOf). */
  indexOf(s: string): number {
    const k = this.find(s, 1);
    if (k.length) return k[0];
    const j = this.added.indexOf(s);
    return j < 0 ? -1 : this.count + j;
  }

  /** Indexes of every string equal to `s`, ascending (V8 does not deduplicate every name). */
  indexesOf(s: string): number[] {
    const out = this.find(s, Infinity);
    for (let j = this.added.indexOf(s); j !== -1; j = this.added.indexOf(s, j + 1)) out.push(this.count + j);
    return out;
  }

  includes(s: string): boolean {
    return this.indexOf(s) !== -1;
  }

  /**
   * Snapshot strings that contain `sub` (printable ASCII without '"' or '\\'), ascending: a native
   * scan of the raw text, so a pass can pick out a few names without decoding millions.
   */
  containing(sub: string): number[] {
    if (!RAW_SEARCHABLE.test(sub)) throw new Error(`containing: unsupported pattern ${JSON.stringify(sub)}`);
    const out: number[] = [];
    const needle = Buffer.from(sub, 'latin1');
    const raw = this.raw;
    for (let at = raw.indexOf(needle); at !== -1; ) {
      const i = sortedFloor(this.start, at);
      const end = i < 0 ? -1 : this.endOf(i);
      if (end >= at + needle.length) out.push(i);
      at = raw.indexOf(needle, Math.max(at + 1, end + 1));
    }
    return out;
  }

  /** Every string, decoded (tests, small snapshots). */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }

  /**
   * Snapshot strings equal to `s` (at most `limit`). Plain ASCII is searched in the raw bytes with a
   * native scan and each hit checked against the string boundaries; anything a writer may escape
   * is compared decoded, one string at a time.
   */
  private find(s: string, limit: number): number[] {
    const out: number[] = [];
    if (!RAW_SEARCHABLE.test(s)) {
      for (let i = 0; i < this.count && out.length < limit; i++) if (this.get(i) === s) out.push(i);
      return out;
    }
    const needle = Buffer.from(s + '"', 'latin1');
    const raw = this.raw;
    for (let at = raw.indexOf(needle); at !== -1 && out.length < limit; at = raw.indexOf(needle, at + 1)) {
      const i = sortedIndexOf(this.start, at);
      // a hit counts when it is a whole string: it starts at a string's first byte (the closing
      // quote in the needle then is that string's own, as ASCII without '"' or '\' has no escapes)
      if (i >= 0) out.push(i);
    }
    return out;
  }

  /** Offset of string i's closing quote. */
  private endOf(i: number): number {
    const raw = this.raw;
    let j = this.start[i];
    for (;;) {
      const c = raw[j];
      if (c === 0x22) return j;
      j += c === 0x5c ? 2 : 1;
    }
  }

  private decode(i: number): string {
    const raw = this.raw;
    const from = this.start[i];
    let j = from;
    let high = false;
    let escape = false;
    for (;;) {
      const c = raw[j];
      if (c === 0x22) break;
      if (c === 0x5c) {
        escape = true;
        j++; // the escaped byte can't end the string
      } else if (c >= 0x80) high = true;
      j++;
    }
    const s = raw.toString(high ? 'utf8' : 'latin1', from, j);
    return escape ? unescapeJson(s) : s;
  }
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse('"' + s + '"') as string;
  } catch {
    // V8 writes raw control characters in some versions; keep the text rather than fail.
    return s.replace(/\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])/g, (_m, hex: string, ch: string) =>
      hex ? String.fromCharCode(parseInt(hex, 16)) : ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[ch] ?? ch,
    );
  }
}

const enum S {
  Between,
  In,
  Escape,
  /** Inside the 4 hex digits of a \u escape. */
  Hex,
  Done,
}

/** Bytes JSON allows after a backslash, besides 'u'. */
const ESCAPABLE = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/**
 * Collects the "strings" section as it streams past: push() takes the bytes after its '[' in any
 * chunks and returns where the closing ']' was found (or -1 while the section goes on). The text
 * goes into shared memory; reserve() with the section's likely size saves growing (and copying) it.
 */
export class StringBuilder {
  private raw: Buffer = Buffer.from(new SharedArrayBuffer(1 << 16));
  private len = 0;
  private start: Uint32Array = new Uint32Array(1 << 12);
  private count = 0;
  private st = S.Between;
  private hexLeft = 0;

  get strings(): number {
    return this.count;
  }

  /**
   * Room for `bytes` of text (e.g. what is left of the file when the section starts), and for
   * the strings in it at 8 bytes each. Growing by copies would leave the old arrays for the
   * garbage collector, which may not run before the analysis reaches its peak; room never
   * written costs address space, not memory.
   */
  reserve(bytes: number): void {
    if (this.len !== 0 || this.count !== 0) return;
    if (bytes > this.raw.length) this.raw = Buffer.from(new SharedArrayBuffer(Math.min(bytes, 0xffffffff)));
    const strings = Math.ceil(bytes / 8);
    if (strings > this.start.length) this.start = new Uint32Array(new SharedArrayBuffer(strings * 4));
  }

  /** Scans `buf[from, end)`; returns the index just past the closing ']' or -1. `at` = file offset of buf[0], for errors. */
  push(buf: Uint8Array, from = 0, end = buf.length, at = 0): number {
    let st = this.st;
    let i = from;
    const base = this.len - from; // raw offset of buf[x] is base + x
    let start = this.start;
    let count = this.count;
    let close = -1;
    while (i < end) {
      if (st === S.In) {
        // the string's body: only '"', '\\' and raw control characters (invalid JSON) matter
        let c = buf[i];
        while (c > 0x1f && c !== 0x22 && c !== 0x5c && ++i < end) c = buf[i];
        if (i === end) break;
        if (c < 0x20) {
          this.count = count;
          throw new HeapSnapshotError('NOT_JSON', `malformed snapshot: raw control character ${describeByte(c)} in string #${count - 1} of "strings" (JSON needs \\u${c.toString(16).padStart(4, '0')})`, at + i);
        }
        i++;
        st = c === 0x22 ? S.Between : S.Escape;
      } else if (st === S.Escape) {
        // escapes are rare: checking them costs nothing measurable
        const c = buf[i++];
        if (c === 0x75) {
          st = S.Hex;
          this.hexLeft = 4;
        } else if (ESCAPABLE.has(c)) st = S.In;
        else {
          this.count = count;
          throw new HeapSnapshotError('NOT_JSON', `malformed snapshot: invalid escape \\${String.fromCharCode(c)} in string #${count - 1} of "strings"`, at + i - 1);
        }
      } else if (st === S.Hex) {
        const c = buf[i++];
        if (!((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))) {
          this.count = count;
          throw new HeapSnapshotError('NOT_JSON', `malformed snapshot: invalid \\u escape (${describeByte(c)} is not a hex digit) in string #${count - 1} of "strings"`, at + i - 1);
        }
        if (--this.hexLeft === 0) st = S.In;
      } else {
        const c = buf[i++];
        if (c === 0x22) {
          if (count === start.length) start = this.start = grown(start);
          start[count++] = base + i;
          st = S.In;
        } else if (c === 0x5d) {
          close = i - 1;
          st = S.Done;
          break;
        } else if (c !== 0x2c && c !== 0x0a && c !== 0x20 && c !== 0x0d && c !== 0x09) {
          this.count = count;
          throw new HeapSnapshotError('NOT_JSON', `malformed snapshot: expected a string in "strings" but found ${describeByte(c)}`, at + i - 1);
        }
      }
    }
    this.count = count;
    this.st = st;
    this.append(buf, from, close >= 0 ? close : end);
    return close >= 0 ? close + 1 : -1;
  }

  private append(buf: Uint8Array, from: number, end: number): void {
    const n = end - from;
    if (this.len + n > this.raw.length) {
      const want = Math.max(this.raw.length * 2, this.len + n);
      if (want > 0xffffffff) throw new HeapSnapshotError('TOO_LARGE', '"strings" is larger than 4 GB');
      const more = Buffer.from(new SharedArrayBuffer(want));
      this.raw.copy(more, 0, 0, this.len);
      this.raw = more;
    }
    this.raw.set(buf.subarray(from, end), this.len);
    this.len += n;
  }

  /**
   * The table; checks that every string is valid UTF-8. `offset`: the section's file offset, for
   * errors. The text stays in shared memory, so a worker can read the same table.
   */
  finish(offset: number): StringTable {
    // more than a quarter unused (a reserve() that guessed high): copy to size
    const fit = this.raw.length - this.len > this.len >> 2;
    const raw = fit ? Buffer.from(new SharedArrayBuffer(this.len)) : this.raw.subarray(0, this.len);
    if (fit) this.raw.copy(raw, 0, 0, this.len);
    // (the reserved array as it is: its unwritten end costs no memory)
    let start = this.start.subarray(0, this.count);
    if (!(start.buffer instanceof SharedArrayBuffer)) {
      const shared = new Uint32Array(new SharedArrayBuffer(this.count * 4));
      shared.set(start);
      start = shared;
    }
    this.raw = Buffer.alloc(0);
    this.start = new Uint32Array(0);
    if (!isUtf8(raw)) {
      const t = new StringTable(raw, start, this.count);
      const bad = firstInvalid(raw, start, this.count);
      throw new HeapSnapshotError('BAD_UTF8', `invalid UTF-8 in "strings" (string #${bad}${bad >= 0 ? `, after ${JSON.stringify(t.get(Math.max(0, bad - 1))).slice(0, 40)}` : ''})`, offset);
    }
    return new StringTable(raw, start, this.count);
  }
}

function grown(a: Uint32Array): Uint32Array {
  const more = new Uint32Array(a.length * 2);
  more.set(a);
  return more;
}

function firstInvalid(raw: Buffer, start: Uint32Array, count: number): number {
  for (let i = 0; i < count; i++) {
    const end = i + 1 < count ? start[i + 1] : raw.length;
    if (!isUtf8(raw.subarray(start[i], end))) return i;
  }
  return -1;
}

function describeByte(c: number): string {
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
