// What kinds of objects fill this heap, counted by V8 itself: the census the snapshot cost model
// prices before a process's first snapshot. V8's GC can classify every live object by type, with a
// size histogram per type (the `disabled-by-default-v8.gc_stats` trace category, the data behind
// chrome://tracing's "V8 heap stats"). Node's inspector serves trace events to an in-process
// session (NodeTracing), so the agent turns the category on, forces one full GC and reads the
// "V8.GC_Objects_Stats" event: no file, no flag at startup. It costs that GC plus V8's walk of every
// object, and a walk per kind read from JavaScript (below): measured alone on 250 MB heaps, 1.1 s for
// a linked list (7 % of its snapshot's pause), 5.9 s with one long array (15 %), 5.5 s with Maps
// (37 %). So the agent takes one only before a snapshot, when it matters (heap-survey.ts).
//
// What the writer's memory follows (measured, see snapshot-cost.ts): objects, edges, a copy of each
// string's first 1 KB, and the index names of pointer arrays (1 KB per distinct index). The census
// gives the first and third directly. For the names, its histogram says which types hold objects
// over 128 KB and bounds the longest one, but its top bucket is "512 KB or more": several long
// arrays, or an array of doubles, look like one array of all their slots. So where an array, Map or
// Set reaches large-object space they are read from the JavaScript side: listed with
// Runtime.queryObjects, their lengths and sizes read, and an array's element kind (doubles and small
// integers have no pointer slots, hence no names) with V8's own %Has*Elements, compiled while
// --allow-natives-syntax is briefly on (only the agent's functions, then off again).
import v8 from 'node:v8';
import { on, post } from './inspector.js';
import { debug, errorMessage } from './log.js';
import { spaceTotals } from './heap-spaces.js';

/** One type's row in V8's object stats ("type_data"). Sizes in bytes. */
interface TypeStats {
  overall: number;
  count: number;
  /** For V8's dictionaries: the bytes of their free entries. */
  over_allocated?: number;
  /** Objects per size bucket: bucket 0 is under 32 B, bucket i (0 < i < last) is [16 << i, 32 << i), the last is 512 KB or more. */
  histogram?: number[];
}

export interface ObjectStats {
  type_data: Record<string, TypeStats | Record<string, never>>;
}

/** What the census found, in the terms the cost model prices. */
export interface HeapCensus {
  /** Live objects (the snapshot's nodes, less its synthetic ones). */
  objects: number;
  /** Array elements that may be pointers: each pointer is a second edge (the array's, beside its store's slot). */
  arraySlots: number;
  /** Upper bound of the bytes the writer copies as the strings' names (at most 1 KB each). */
  stringNameBytes: number;
  /** Upper bound of the distinct indices of pointer slots over all arrays: the writer names each (1 KB apiece). */
  indexNames: number;
  /** Event-loop time the census took (its full GC included), ms. */
  ms: number;
  /** Heap used outside the young generation, and large-object space, right after the census's GC: growth since is priced apart. */
  heapUsed: number;
  largeObjects: number;
}

const LAST_BUCKET = 15;
const HEADER = 16;
const SLOT = 8;
/** The writer keeps at most this much of a string as its name (--heap-snapshot-string-limit). */
const NAME_LIMIT = 1024;
/** Objects of at least this size are in large-object space (V8's regular-object limit). */
const LARGE_OBJECT = 128 * 1024;

const bucketMin = (i: number): number => (i === 0 ? 0 : 16 << i);
const bucketMax = (i: number): number => (i >= LAST_BUCKET ? Infinity : (32 << i) - 1);

/** A string type: its objects' names are their characters. The caches named *_STRING_* are arrays. */
const isStringType = (t: string): boolean => /STRING_TYPE$/.test(t) && !/CACHE|TABLE|ITERATOR|VIEW/.test(t);
/**
 * Types whose objects hold no pointer slots the writer names by index: strings, raw bytes, code,
 * numbers, and script sources. ARRAY_ELEMENTS_TYPE mixes pointers with doubles and is read from the
 * JavaScript side; every other type is taken to be an array of pointers (safe: never under).
 */
const NO_INDEX_NAMES =
  /STRING_TYPE$|^SCRIPT_SOURCE_|BYTE_ARRAY|BYTECODE|^CODE|_CODE_TYPE$|INSTRUCTION_STREAM|HEAP_NUMBER|BIGINT|FIXED_DOUBLE_ARRAY|FEEDBACK_METADATA|SOURCE_POSITION|FREE_SPACE|FILLER|EXTERNAL_POINTER|PREPARSE_DATA/;

/**
 * The longest object a type can hold, from its histogram and total: everything in the top bucket
 * less the smallest the others there can be. `known`: sizes (lower bounds) of objects of this type
 * known from elsewhere, to bound a top bucket several objects share.
 */
export function longestObject(s: TypeStats, known: readonly number[] = []): number {
  const h = s.histogram ?? [];
  let top = -1;
  for (let i = h.length - 1; i >= 0; i--) {
    if (h[i]! > 0) {
      top = i;
      break;
    }
  }
  if (top < 0) return 0;
  const topBytes = bytesFrom(s, top);
  const inTop = h[top]!;
  const min = bucketMin(top);
  const knownTop = known.filter((k) => k >= min).sort((a, b) => b - a).slice(0, inTop);
  const unknown = inTop - knownTop.length;
  const knownSum = knownTop.reduce((a, b) => a + b, 0);
  // The longest is either a known one (the others at their known or bucket minimum) or an unknown one.
  const asKnown = knownTop.length > 0 ? topBytes - (knownSum - knownTop[0]!) - unknown * min : 0;
  const asUnknown = unknown > 0 ? topBytes - knownSum - (unknown - 1) * min : 0;
  return Math.max(0, Math.min(bucketMax(top), Math.max(asKnown, asUnknown)));
}

/** A large Map or Set, read from the JavaScript side. */
export interface Collection {
  kind: 'map' | 'set';
  size: number;
  /** Whether any key, or any value, is a heap object (small integers and undefined/null/booleans are not: no names). */
  heapKeys: boolean;
  heapValues: boolean;
}

/** What the JavaScript side showed (each part read only where its type reaches large-object space). */
export interface Owners {
  /**
   * Arrays: the most index names they can have. Each names the indices of its slots that hold heap
   * objects; the union is at most the array reaching furthest (its names, plus the range of the
   * next furthest, which may name every index below it).
   */
  arrayNames?: number;
  /** Elements of the arrays that may hold pointers (each pointer is two edges: the array's and its store's). */
  arraySlots?: number;
  /** The Maps and Sets of OWNER_MIN_ENTRIES entries or more. */
  collections?: readonly Collection[];
}

/** Slots of an OrderedHashMap (3 per entry: key, value, chain) or OrderedHashSet (2) table for `n` entries, at least. */
export function collectionTableSlots(c: Pick<Collection, 'kind' | 'size'>): { capacity: number; slots: number } {
  let capacity = 4;
  while (capacity < c.size) capacity *= 2;
  return { capacity, slots: 3 + capacity / 2 + (c.kind === 'map' ? 3 : 2) * capacity };
}

/**
 * Index names the large Maps' and Sets' tables add past the first `from` indices. A table is laid
 * out as [3 counts, buckets (small integers), entries]: each entry's key, value and chain link sit
 * at fixed offsets, and only slots holding heap objects get a name. So a Map of objects keyed by
 * numbers names every third index of its entries, and tables of one capacity share their indices:
 * the names are the union of those positions, counted exactly here (a bitset over the indices).
 * A table bigger than its size needs (deletions leave it up to 4x) spreads its entries further:
 * `spare`, the table bytes the census saw beyond what the sizes need, counts as that many more.
 */
export function collectionNames(collections: readonly Collection[], spare: number, from = 0): number {
  let top = 0;
  const used: Array<{ start: number; stride: number; count: number }> = [];
  for (const c of collections) {
    const { capacity } = collectionTableSlots(c);
    const entries = 3 + capacity / 2;
    const stride = c.kind === 'map' ? 3 : 2;
    if (c.heapKeys) used.push({ start: entries, stride, count: c.size });
    if (c.kind === 'map' && c.heapValues) used.push({ start: entries + 1, stride, count: c.size });
  }
  if (used.length === 0) return 0;
  for (const u of used) top = Math.max(top, u.start + u.stride * (u.count - 1) + 1);
  const bits = new Uint32Array(Math.ceil(Math.max(0, top - from) / 32));
  let names = 0;
  for (const u of used) {
    for (let i = 0, at = u.start; i < u.count; i++, at += u.stride) {
      if (at < from) continue;
      const k = at - from;
      const mask = 1 << (k & 31);
      if ((bits[k >>> 5]! & mask) === 0) {
        bits[k >>> 5]! |= mask;
        names++;
      }
    }
  }
  return names + Math.max(0, spare) / SLOT;
}

/**
 * Of a hash table's slots, the share that can hold names: a dictionary's entries are [key, value,
 * details] (details are small integers), a global dictionary's one property cell, a WeakMap's
 * [key, value]. Entries sit at hashed positions, so several tables of one capacity can together
 * fill any of them. V8 also reports a dictionary's free entries (`over_allocated`), so the slots
 * of the entries in use bound it too, all three of each: a dictionary of 183K entries in use by
 * that count got 465K names, more than two per entry (measured, not explained).
 */
function hashTableShare(type: string): number | undefined {
  if (type === 'EPHEMERON_HASH_TABLE_TYPE') return 1;
  if (!/DICTIONARY/.test(type) || /SIMPLE_NUMBER/.test(type)) return undefined;
  return /GLOBAL/.test(type) ? 1 : 2 / 3;
}

/**
 * The census from V8's object stats and what the JavaScript side showed. `lineEnds`: sizes of the
 * scripts' cached line-end arrays (small integers, no names), left out of FIXED_ARRAY_TYPE.
 *
 * The index names are the distinct indices of pointer slots across all arrays: an array of n
 * pointers names 0..n-1, a dictionary two thirds of its range, a Map's table its entries' fixed
 * offsets. So they are at most the longest range (dense arrays) plus what sparser tables add past
 * it, and never more than the highest index any array can have.
 */
export function summarize(
  stats: ObjectStats,
  owners: Owners | undefined,
  lineEnds: readonly number[] = [],
  at: Pick<HeapCensus, 'ms' | 'heapUsed' | 'largeObjects'> = { ms: 0, heapUsed: 0, largeObjects: 0 },
): HeapCensus {
  let objects = 0;
  let stringNameBytes = 0;
  /** Highest index any pointer array can have, and the longest range named densely. */
  let highest = 0;
  let dense = 0;
  const sparse: Array<{ range: number; share: number; inUse: number }> = [];
  let numberCache = 0;
  /** Without the arrays read, all of their stores (no array reaches large-object space then). */
  let arrayElementBytes = 0;
  let listed: { collections: readonly Collection[]; spare: number } | undefined;
  const slotsOf = (bytes: number): number => Math.max(0, Math.ceil((bytes - HEADER) / SLOT));
  for (const [type, row] of Object.entries(stats.type_data)) {
    if (!('count' in row) || typeof row.count !== 'number') continue;
    const s = row as TypeStats;
    objects += s.count;
    if (type === 'ARRAY_ELEMENTS_TYPE') arrayElementBytes = s.overall;
    if (isStringType(type)) {
      // Each string's name: its characters up to 1 KB (external ones keep theirs off the heap).
      const h = s.histogram ?? [];
      let capped = 0;
      for (let i = 0; i < h.length; i++) capped += h[i]! * Math.min(bucketMax(i), NAME_LIMIT + HEADER);
      stringNameBytes += /EXTERNAL/.test(type) ? s.count * NAME_LIMIT : Math.min(s.overall, capped);
      continue;
    }
    if (NO_INDEX_NAMES.test(type)) continue;
    if (type === 'ARRAY_ELEMENTS_TYPE' && owners?.arrayNames !== undefined) {
      // Read from the arrays themselves; the census bounds it too (an array past its length holds holes).
      const n = Math.min(slotsOf(longestObject(s)), owners.arrayNames);
      highest = Math.max(highest, n);
      dense = Math.max(dense, n);
    } else if (type === 'JS_COLLECTION_TABLE_TYPE' && owners?.collections) {
      const known = owners.collections.map((c) => HEADER + SLOT * collectionTableSlots(c).slots);
      highest = Math.max(highest, slotsOf(longestObject(s, known)));
      listed = { collections: owners.collections, spare: spareBytes(s, known) };
      // Tables too small for the listing (under OWNER_MIN_ENTRIES entries) name a short range densely at most.
      dense = Math.max(dense, collectionTableSlots({ kind: 'map', size: OWNER_MIN_ENTRIES }).slots);
    } else if (type === 'NUMBER_STRING_CACHE_TYPE') {
      // [number, string] pairs: the strings, and the keys that are heap numbers (not small integers).
      const n = slotsOf(longestObject(s));
      highest = Math.max(highest, n);
      numberCache = Math.ceil(n / 2) + Math.min(Math.floor(n / 2), numbersOf(stats));
    } else {
      const n = slotsOf(longestObject(type === 'FIXED_ARRAY_TYPE' ? withoutObjects(s, lineEnds) : s));
      highest = Math.max(highest, n);
      const share = hashTableShare(type);
      if (share === undefined) dense = Math.max(dense, n);
      else {
        // Every slot of the entries V8 reports in use (total less its free entries, `over_allocated`).
        const inUse = s.over_allocated !== undefined ? Math.max(0, s.overall - s.over_allocated) / SLOT : Infinity;
        sparse.push({ range: n, share, inUse });
      }
    }
  }
  dense = Math.max(dense, numberCache);
  let names = dense + (listed ? collectionNames(listed.collections, listed.spare, dense) : 0);
  // Hash tables' names past the dense range: their share of that part, at most their names in use.
  for (const t of sparse) if (t.range > dense) names += Math.ceil(Math.min((t.range - dense) * t.share, t.inUse)) + 3;
  return {
    objects,
    arraySlots: owners?.arraySlots ?? Math.round(arrayElementBytes / SLOT),
    stringNameBytes,
    indexNames: Math.min(highest, names),
    ...at,
  };
}

/**
 * Table bytes beyond the known tables' least sizes: the census's bytes from the smallest known
 * table's bucket up, less the unknown (smaller) tables there at their bucket's least.
 */
function spareBytes(s: TypeStats, known: readonly number[]): number {
  if (known.length === 0) return 0;
  const h = s.histogram ?? [];
  const from = bucketOf(Math.min(...known));
  const bytes = bytesFrom(s, from);
  const inRegion = h.slice(from).reduce((a, b) => a + b, 0);
  const knownSum = known.reduce((a, b) => a + b, 0);
  return Math.max(0, bytes - knownSum - Math.max(0, inRegion - known.length) * bucketMin(from));
}

/** At most the bytes of a type's objects from bucket `from` up: the total less every lower bucket at its smallest. */
function bytesFrom(s: TypeStats, from: number): number {
  const h = s.histogram ?? [];
  let bytes = s.overall;
  for (let i = 0; i < from && i < h.length; i++) bytes -= h[i]! * bucketMin(i);
  return bytes;
}

const bucketOf = (size: number): number => Math.min(LAST_BUCKET, Math.max(0, Math.floor(Math.log2(size)) - 4));

function numbersOf(stats: ObjectStats): number {
  const row = stats.type_data['HEAP_NUMBER_TYPE'];
  return row && 'count' in row && typeof row.count === 'number' ? row.count : 0;
}

/** A type's stats without some objects of known size (each removed from its bucket, if there). */
function withoutObjects(s: TypeStats, sizes: readonly number[]): TypeStats {
  const h = [...(s.histogram ?? [])];
  let overall = s.overall;
  let count = s.count;
  for (const size of sizes) {
    const i = bucketOf(size);
    if ((h[i] ?? 0) > 0 && overall >= size) {
      h[i]!--;
      overall -= size;
      count--;
    }
  }
  return { overall, count, histogram: h };
}

const TRACE_CATEGORY = 'disabled-by-default-v8.gc_stats';
/** Arrays, Maps and Sets smaller than this cannot decide the longest array (regular-object arrays hold 16K slots at most). */
const OWNER_MIN_ENTRIES = 4096;

/** V8's object stats at a full GC forced now, through the agent's inspector session (NodeTracing). */
async function objectStats(): Promise<ObjectStats> {
  let live: string | undefined;
  const offData = on<{ value: Array<{ name?: string; args?: { live?: string } }> }>('NodeTracing.dataCollected', (p) => {
    for (const e of p.value) if (e.name === 'V8.GC_Objects_Stats' && typeof e.args?.live === 'string') live = e.args.live;
  });
  let offDone: () => void = () => {};
  const complete = new Promise<void>((resolve) => {
    offDone = on('NodeTracing.tracingComplete', () => resolve());
  });
  try {
    await post('NodeTracing.start', { traceConfig: { includedCategories: [TRACE_CATEGORY] } });
    try {
      await post('HeapProfiler.collectGarbage');
    } finally {
      await post('NodeTracing.stop');
    }
    await complete;
  } finally {
    offData();
    offDone();
  }
  if (!live) throw new Error('V8 reported no object stats (gc_stats tracing unsupported here)');
  return JSON.parse(live) as ObjectStats;
}

/** Reads the arrays' lengths and element kinds (see the header) and the Maps' and Sets' sizes. */
async function readOwners(need: { arrays: boolean; collections: boolean }): Promise<Owners> {
  const group = 'heapscope-census';
  const listed = async (proto: string): Promise<string> => {
    const p = await post<{ result: { objectId?: string } }>('Runtime.evaluate', { expression: proto, objectGroup: group, silent: true });
    if (!p.result.objectId) throw new Error(`${proto} not found`);
    const q = await post<{ objects: { objectId?: string } }>('Runtime.queryObjects', { prototypeObjectId: p.result.objectId, objectGroup: group });
    if (!q.objects.objectId) throw new Error(`no objects of ${proto}`);
    return q.objects.objectId;
  };
  const call = async <T>(objectId: string, fn: string): Promise<T> => {
    const r = await post<{ result: { value?: T }; exceptionDetails?: { text?: string } }>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: fn,
      returnByValue: true,
      silent: true,
    });
    if (r.exceptionDetails || r.result.value === undefined) throw new Error(`census read failed: ${r.exceptionDetails?.text ?? 'no value'}`);
    return r.result.value;
  };
  try {
    const owners: Owners = {};
    // In-process sessions dispatch synchronously, so the functions are compiled while the flag is on.
    // %IsSmi tells a small integer (no name) from a heap number; undefined, null and booleans are
    // V8's oddballs (no name either). Only real arrays are read (Array.isArray: a prototype or
    // look-alike could run a getter); doubles and small-integer arrays hold no pointers at all.
    const HEAP = `const heap = (v) => v !== undefined && v !== null && typeof v !== 'boolean' && !%IsSmi(v);`;
    if (need.arrays) {
      const arrays = await listed('Array.prototype');
      [owners.arrayNames, owners.arraySlots] = await withNativesSyntax(() =>
        call<[number, number]>(
          arrays,
          `function () { ${HEAP}
             let far = null, farEnd = 0, nextEnd = 0, slots = 0;
             for (let i = 0; i < this.length; i++) {
               const a = this[i];
               if (!Array.isArray(a) || %HasDoubleElements(a) || %HasSmiElements(a)) continue;
               slots += a.length;
               if (a.length <= nextEnd) continue;
               let end = a.length;
               while (end > nextEnd && !heap(a[end - 1])) end--;
               if (end > farEnd) { nextEnd = farEnd; farEnd = end; far = a; } else if (end > nextEnd) nextEnd = end;
             }
             let names = 0;
             if (far) for (let i = 0; i < farEnd; i++) if (heap(far[i])) names++;
             return [Math.min(farEnd, names + nextEnd), slots]; }`,
        ),
      );
    }
    // Sizes and entries through Map's and Set's own methods, never a subclass's (user code).
    const read = (id: string, kind: 'map' | 'set') =>
      withNativesSyntax(() =>
        call<Collection[]>(
          id,
          `function () { ${HEAP}
           const P = ${kind === 'map' ? 'Map' : 'Set'}.prototype, size = Object.getOwnPropertyDescriptor(P, 'size').get, forEach = P.forEach;
           const out = [];
           for (let i = 0; i < this.length; i++) {
             let n; try { n = size.call(this[i]); } catch { continue; }
             if (n < ${OWNER_MIN_ENTRIES}) continue;
             let heapKeys = false, heapValues = false;
             forEach.call(this[i], (v, k) => { if (!heapKeys && heap(k)) heapKeys = true; if (!heapValues && heap(v)) heapValues = true; });
             out.push({ kind: '${kind}', size: n, heapKeys, heapValues });
           }
           return out; }`,
        ),
      );
    if (need.collections) owners.collections = [...(await read(await listed('Map.prototype'), 'map')), ...(await read(await listed('Set.prototype'), 'set'))];
    return owners;
  } finally {
    await post('Runtime.releaseObjectGroup', { objectGroup: group }).catch(() => {});
  }
}

async function withNativesSyntax<T>(fn: () => Promise<T>): Promise<T> {
  v8.setFlagsFromString('--allow-natives-syntax');
  let p: Promise<T>;
  try {
    p = fn();
  } finally {
    v8.setFlagsFromString('--no-allow-natives-syntax');
  }
  return p;
}

/** What a census reads (kept by bench/snapshot-shape.cjs, so the fixture replays summarize on real V8 data). */
export interface CensusInputs {
  stats: ObjectStats;
  owners?: Owners;
  lineEnds: readonly number[];
  at: Pick<HeapCensus, 'ms' | 'heapUsed' | 'largeObjects'>;
}

/** Whether the JavaScript side can tighten the census: a type whose objects it reads reaches large-object space. */
function reachesLargeObjects(stats: ObjectStats, type: string): boolean {
  const row = stats.type_data[type];
  const h = row && 'histogram' in row ? (row.histogram ?? []) : [];
  return h.some((n, i) => n > 0 && bucketMin(i) >= LARGE_OBJECT);
}

/** Reads V8's object stats (a forced full GC) and, where they leave the longest array open, the arrays, Maps and Sets. Throws. */
export async function readCensusInputs(lineEnds: readonly number[] = []): Promise<CensusInputs> {
  const t0 = performance.now();
  const stats = await objectStats();
  const { settled: heapUsed, largeObjects } = spaceTotals();
  let owners: Owners | undefined;
  // Each listing walks the heap once: only what the histogram leaves open is read.
  const need = { arrays: reachesLargeObjects(stats, 'ARRAY_ELEMENTS_TYPE'), collections: reachesLargeObjects(stats, 'JS_COLLECTION_TABLE_TYPE') };
  if (need.arrays || need.collections) {
    try {
      owners = await readOwners(need);
    } catch (err) {
      debug(`census: arrays not read (${errorMessage(err)}); priced from V8's counts alone`);
    }
  }
  return { stats, ...(owners ? { owners } : {}), lineEnds, at: { ms: Math.round(performance.now() - t0), heapUsed, largeObjects } };
}

/**
 * Counts this heap (see the header). Never throws: undefined where the inspector or the trace
 * category is unavailable; then the model prices the large-object space as array slots.
 * `lineEnds`: see summarize.
 */
export async function takeHeapCensus(lineEnds: readonly number[] = []): Promise<HeapCensus | undefined> {
  try {
    const i = await readCensusInputs(lineEnds);
    const census = summarize(i.stats, i.owners, i.lineEnds, i.at);
    debug(`census: ${JSON.stringify(census)}; array names ${i.owners?.arrayNames}, ${i.owners?.collections?.length} large Maps/Sets`);
    return census;
  } catch (err) {
    debug(`heap census failed (large objects priced as arrays): ${errorMessage(err)}`);
    return undefined;
  }
}
