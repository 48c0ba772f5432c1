// DevTools' Summary view: per class count, minimum distance, self size, and retained size that
// doesn't double-count instances dominated by another instance of the same class (only a class's
// topmost instances add their retained size).
// Classes get dense ids in first-seen order, so the per-class arrays stay small and hot in cache
// while the passes stream over millions of nodes; no string or object exists per node or per
// location, only per row returned. Each analysis holds its per-class totals in a ClassTotals
// handle (HeapAnalysis.classTotals): handed in ready by the analysis worker, or computed on first use.
// Two passes: countClasses (count, self size, distance, and each node's dense class id) needs no
// dominator tree, so the analysis worker runs it while the main thread computes the tree;
// retainedByClass walks the finished tree.
import type { HeapGraph, Sizes } from '../graph.js';
import type { HeapAnalysis, ClassSummary, ClassTotals } from '../types.js';

/** Per-class results of countClasses, trimmed to `size` (plain typed arrays: they cross threads). */
export interface ClassCounts {
  /** Dense class ids 0..size-1. */
  size: number;
  /** The class name's string index. */
  names: Uint32Array;
  /**
   * Row order on ties: the class name's string index, or for a class split by constructor
   * location, the string table's length plus the location's first-seen rank (DevTools' order).
   */
  rank: Float64Array;
  count: Float64Array;
  self: Float64Array;
  minDist: Int32Array;
}

interface Totals extends ClassCounts {
  retained: Float64Array;
  /** All rows, sorted; built on the first call that asks for all of them. */
  rows: ClassSummary[] | null;
}

/**
 * Each node's dense class id << 1 | NOT_COUNTED. 16 bits while there are at most 32767 classes
 * (a few thousand is usual; the array is live at the analysis's peak when the worker fills it).
 */
export type PackedClasses = Uint16Array | Int32Array;

/** The most classes a Uint16Array of packed ids holds. */
const MAX_CLASSES_16 = 0x7fff;

/** What countClasses reads: typed arrays a worker can share, and the string table's length. */
export interface ClassCountInput extends Pick<HeapGraph, 'nodeCount' | 'nodeType' | 'locationNode' | 'locationScript' | 'locationLine' | 'locationColumn'> {
  selfSize: Sizes;
  classIndex: Uint32Array;
  distance: Int32Array;
  /** The node type id of `object` (only objects split by constructor location). */
  objectType: number;
  /** The string table's length (with the class names added): location-split classes rank after it. */
  stringCount: number;
}

/** What the Summary reads of an analysis. */
export type SummaryInput = Pick<HeapAnalysis, 'graph' | 'classIndex' | 'distance' | 'retainedSize' | 'firstDominated' | 'dominated'>;

function classCountInput(a: SummaryInput): ClassCountInput {
  const g = a.graph;
  const { nodeCount, nodeType, selfSize, locationNode, locationScript, locationLine, locationColumn } = g;
  return {
    nodeCount, nodeType, selfSize, locationNode, locationScript, locationLine, locationColumn,
    classIndex: a.classIndex, distance: a.distance, objectType: g.types.nodeObject, stringCount: g.strings.length,
  };
}

/**
 * Retained sizes by class that another thread sums (retainedByClass) while this one goes on:
 * `state[0]` is 0 until it starts, then one of the states below; `state[1]` ticks as it makes
 * progress.
 */
export interface PendingRetained {
  retained: Float64Array;
  state: Int32Array;
}
export const RETAINED_WORKING = 1;
export const RETAINED_DONE = 2;
/** How long a wait may pass without progress before this thread sums them itself. */
const STALLED_MS = 250;

/** Class counts computed ahead (by countClasses over the analysis's arrays, on the analysis worker). */
export interface ClassCountsAhead {
  counts: ClassCounts;
  packed: PackedClasses;
  /** The retained sizes by class, when another thread is summing them. */
  pending: PendingRetained | null;
}

/**
 * Waits for another thread's retained sizes by class; false when it stopped making progress (it
 * died, or never started): the caller sums them itself. Blocks this thread, which would
 * otherwise spend the time summing them.
 */
function awaitRetained(p: PendingRetained): boolean {
  let tick = -1;
  for (;;) {
    const s = Atomics.load(p.state, 0);
    if (s === RETAINED_DONE) return true;
    const now = Atomics.load(p.state, 1);
    if (now === tick) return false;
    tick = now;
    Atomics.wait(p.state, 0, s, STALLED_MS);
  }
}

/**
 * The Summary's per-class totals of one analysis: from the counts computed ahead when there are
 * any (waiting for the worker's retained sizes by class, or summing them here if it stalls),
 * otherwise computed on first use.
 */
export class SummaryTotals implements ClassTotals {
  private totals: Totals | null = null;

  constructor(
    private readonly a: SummaryInput,
    private ahead: ClassCountsAhead | null = null,
  ) {}

  get ready(): boolean {
    const pending = this.ahead?.pending;
    return this.totals !== null || (pending !== null && pending !== undefined && Atomics.load(pending.state, 0) === RETAINED_DONE);
  }

  rows(limit?: number): ClassSummary[] {
    const t = (this.totals ??= computeTotals(this.a, this.ahead));
    this.ahead = null;
    if (t.rows) return t.rows.slice(0, limit);
    if (limit !== undefined && limit >= 0 && limit < 1000) return topRows(this.a, t, Math.floor(limit));
    t.rows = allRows(this.a, t);
    return t.rows.slice(0, limit);
  }
}

/**
 * Rows sorted by retained size, largest first (then self size, then class order).
 * With `limit`, only the first `limit` rows: the same as `summarize(a).slice(0, limit)`, without
 * building rows nobody reads. Callers get their own array.
 */
export function summarize(a: Pick<HeapAnalysis, 'classTotals'>, limit?: number): ClassSummary[] {
  return a.classTotals.rows(limit);
}

/** Per-class arrays, grown (doubling) as dense ids are handed out. */
class ClassTable {
  size = 0;
  names = new Uint32Array(256);
  rank = new Float64Array(256);
  count = new Float64Array(256);
  self = new Float64Array(256);
  minDist = new Int32Array(256);
  retained = new Float64Array(256);

  add(name: number, rank: number): number {
    if (this.size === this.names.length) {
      const n = this.size * 2;
      this.names = grown(new Uint32Array(n), this.names);
      this.rank = grown(new Float64Array(n), this.rank);
      this.count = grown(new Float64Array(n), this.count);
      this.self = grown(new Float64Array(n), this.self);
      this.minDist = grown(new Int32Array(n), this.minDist);
      this.retained = grown(new Float64Array(n), this.retained);
    }
    this.names[this.size] = name;
    this.rank[this.size] = rank;
    return this.size++;
  }

  counts(): ClassCounts {
    const k = this.size;
    return {
      size: k, names: this.names.slice(0, k), rank: this.rank.slice(0, k), count: this.count.slice(0, k),
      self: this.self.slice(0, k), minDist: this.minDist.slice(0, k),
    };
  }
}

function grown<T extends Uint32Array | Int32Array | Float64Array>(to: T, from: T): T {
  to.set(from as never);
  return to;
}

/**
 * (script, line, column, class) -> key number in first-seen order; open addressing, grows. Classes
 * by name alone have a table of their own, with the location all zero.
 */
class ClassKeys {
  size = 0;
  private keys = new Uint32Array(64 * 4);
  private slots = new Int32Array(128).fill(-1);

  is(k: number, s: number, line: number, col: number, c: number): boolean {
    const k4 = k * 4;
    return this.keys[k4] === s && this.keys[k4 + 1] === line && this.keys[k4 + 2] === col && this.keys[k4 + 3] === c;
  }

  id(s: number, line: number, col: number, c: number): number {
    const mask = this.slots.length - 1;
    let p = ClassKeys.hash(s, line, col, c) & mask;
    for (let k = this.slots[p]; k !== -1; k = this.slots[p]) {
      if (this.is(k, s, line, col, c)) return k;
      p = (p + 1) & mask;
    }
    const k = this.size++;
    if (k * 4 === this.keys.length) {
      const keys = new Uint32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    const k4 = k * 4;
    this.keys[k4] = s;
    this.keys[k4 + 1] = line;
    this.keys[k4 + 2] = col;
    this.keys[k4 + 3] = c;
    this.slots[p] = k;
    if (this.size * 2 > this.slots.length) this.rehash();
    return k;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let k = 0; k < this.size; k++) {
      const k4 = k * 4;
      let p = ClassKeys.hash(this.keys[k4], this.keys[k4 + 1], this.keys[k4 + 2], this.keys[k4 + 3]) & mask;
      while (this.slots[p] !== -1) p = (p + 1) & mask;
      this.slots[p] = k;
    }
  }

  private static hash(s: number, line: number, col: number, c: number): number {
    let h = Math.imul(s ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ line, 0xc2b2ae35);
    h = Math.imul(h ^ col, 0x85ebca6b);
    h = Math.imul(h ^ c, 0xc2b2ae35);
    return h ^ (h >>> 15);
  }
}

/** Slots of countClasses' cache of the class per name (a power of 2; 64 KB, in the L2 cache). */
const NAME_CACHE = 8192;

// A packed class: dense id << 1 | NOT_COUNTED (self size 0: neither counted nor hiding instances
// of its class below it).
const NOT_COUNTED = 1;

function computeTotals(a: SummaryInput, ahead: ClassCountsAhead | null): Totals {
  let counts: ClassCounts;
  let packed: PackedClasses;
  if (ahead) ({ counts, packed } = ahead);
  else {
    const input = classCountInput(a);
    packed = new Uint16Array(input.nodeCount);
    let c = countClasses(input, packed);
    if (!c) {
      packed = new Int32Array(input.nodeCount);
      c = countClasses(input, packed)!;
    }
    counts = c;
  }
  if (ahead?.pending && awaitRetained(ahead.pending)) return { ...counts, retained: ahead.pending.retained, rows: null };
  const retained = new Float64Array(counts.size);
  retainedByClass(a, packed, retained);
  return { ...counts, retained, rows: null };
}

/**
 * One pass in node order: each node's packed class into `packed`, and per class the count, self
 * size and minimum distance (retained sizes come from the dominator tree, in retainedByClass).
 * Null when `packed` is 16-bit and there are more than MAX_CLASSES_16 classes.
 * Objects with a constructor location get a class per distinct (script, line, column, class
 * name), ranked after every string index in the order first seen.
 */
export function countClasses(input: ClassCountInput, packed: PackedClasses): ClassCounts | null {
  const { nodeCount, selfSize, nodeType, locationNode, locationScript, locationLine, locationColumn, classIndex, distance, stringCount } = input;
  const object = input.objectType;
  const maxClasses = packed instanceof Uint16Array ? MAX_CLASSES_16 : 0x3fffffff;
  const classes = new ClassTable();
  let { count, self, minDist } = classes;
  const names = new ClassKeys(); // class name string index -> key
  const nameClass: number[] = []; // dense id per name key
  const keys = new ClassKeys();
  const keyClass: number[] = []; // dense id per location key
  let lastKey = -1;
  // The class of a name in a direct-mapped cache in front of the hash: neighbouring nodes are of
  // few classes, but seldom the same one twice in a row.
  const cachedName = new Int32Array(NAME_CACHE).fill(-1);
  const cachedClass = new Int32Array(NAME_CACHE);
  const locations = locationNode.length;
  let l = 0; // locations are sorted by node: walk them alongside the nodes
  let nextLocated = locations > 0 ? locationNode[0] : -1;
  for (let i = 0; i < nodeCount; i++) {
    const name = classIndex[i];
    let c = -1;
    if (i === nextLocated) {
      if (nodeType[i] === object) {
        // a node's first location counts; objects from one constructor tend to come in runs
        const s = locationScript[l];
        const line = locationLine[l];
        const col = locationColumn[l];
        if (lastKey === -1 || !keys.is(lastKey, s, line, col, name)) lastKey = keys.id(s, line, col, name);
        if (lastKey === keyClass.length) {
          if (classes.size === maxClasses) return null;
          keyClass.push(classes.add(name, stringCount + lastKey));
          ({ count, self, minDist } = classes); // they may have grown
        }
        c = keyClass[lastKey];
      }
      while (l < locations && locationNode[l] === i) l++;
      nextLocated = l < locations ? locationNode[l] : -1;
    }
    if (c === -1) {
      const slot = name & (NAME_CACHE - 1);
      if (cachedName[slot] === name) c = cachedClass[slot];
      else {
        const k = names.id(0, 0, 0, name);
        if (k === nameClass.length) {
          if (classes.size === maxClasses) return null;
          nameClass.push(classes.add(name, name));
          ({ count, self, minDist } = classes);
        }
        c = nameClass[k];
        cachedName[slot] = name;
        cachedClass[slot] = c;
      }
    }
    const s = selfSize[i];
    if (!s) {
      packed[i] = (c << 1) | NOT_COUNTED;
      continue;
    }
    packed[i] = c << 1;
    const d = distance[i];
    if (count[c]++ === 0 || d < minDist[c]) minDist[c] = d;
    self[c] += s;
  }
  return classes.counts();
}

/**
 * DFS over the dominator tree: adds the retained size of each topmost counted instance of a class
 * (one dominated by another instance of its class is already inside that one's retained size).
 * `progress`: when given, [1] ticks every 2^16 nodes (see PendingRetained).
 */
export function retainedByClass(
  a: Pick<HeapAnalysis, 'retainedSize' | 'firstDominated' | 'dominated'>, packed: PackedClasses, retained: Float64Array, progress?: Int32Array,
): void {
  const { retainedSize, firstDominated, dominated } = a;
  const open = new Uint8Array(retained.length);
  const stack = new Int32Array(retainedSize.length + 1);
  let sp = 0;
  let visits = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const n = stack[--sp];
    if (n < 0) {
      open[~n] = 0;
      continue;
    }
    if ((++visits & 0xffff) === 0 && progress) Atomics.add(progress, 1, 1);
    const p = packed[n];
    const from = firstDominated[n];
    const to = firstDominated[n + 1];
    if ((p & NOT_COUNTED) === 0 && !open[p >> 1]) {
      retained[p >> 1] += retainedSize[n];
      if (from !== to) {
        open[p >> 1] = 1;
        stack[sp++] = ~(p >> 1);
      }
    }
    for (let j = from; j < to; j++) stack[sp++] = dominated[j];
  }
}

function row(a: SummaryInput, t: Totals, c: number): ClassSummary {
  return { name: a.graph.strings.get(t.names[c]), count: t.count[c], distance: t.minDist[c], selfSize: t.self[c], retainedSize: t.retained[c] };
}

/** True when class x's row comes before class y's. */
function before(t: Totals, x: number, y: number): boolean {
  const { retained, self, rank } = t;
  if (retained[x] !== retained[y]) return retained[x] > retained[y];
  if (self[x] !== self[y]) return self[x] > self[y];
  return rank[x] < rank[y];
}

function counted(t: Totals): number[] {
  const out: number[] = [];
  for (let c = 0; c < t.size; c++) if (t.count[c] !== 0) out.push(c);
  return out;
}

function allRows(a: SummaryInput, t: Totals): ClassSummary[] {
  return counted(t)
    .sort((x, y) => (before(t, x, y) ? -1 : 1))
    .map((c) => row(a, t, c));
}

/** The first `limit` rows of allRows' order, by a bounded selection. */
function topRows(a: SummaryInput, t: Totals, limit: number): ClassSummary[] {
  const best: number[] = []; // class ids, in row order
  for (const c of counted(t)) {
    if (limit === 0 || (best.length === limit && !before(t, c, best[limit - 1]))) continue;
    let pos = best.length;
    while (pos > 0 && before(t, c, best[pos - 1])) pos--;
    best.splice(pos, 0, c);
    if (best.length > limit) best.pop();
  }
  return best.map((c) => row(a, t, c));
}
