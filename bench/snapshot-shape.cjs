// One measurement of what v8.writeHeapSnapshot() costs a process: builds a heap of one shape and
// size, takes `--snapshots N` snapshots and prints one JSON line per snapshot.
//   node --expose-gc bench/snapshot-shape.cjs <shape> <heapMB> [snapshots]
// With SNAPSHOT_SHAPE_CENSUS=<heap-census.ts bundled as CommonJS> (bench/snapshot-cost.ts builds
// it) it takes the agent's heap census before the first snapshot, which the cost model prices, and
// records it with the measurement. SNAPSHOT_SHAPE_KEEP=<dir> keeps the snapshots there.
// Peak RSS is VmHWM after resetting it (writing "5" to /proc/self/clear_refs, Linux >= 4.0).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');

const [shape, mbArg, countArg] = process.argv.slice(2);
const MB = 1024 * 1024;
const target = Number(mbArg) * MB;
const snapshots = Number(countArg ?? 1);
const keep = [];
const used = () => v8.getHeapStatistics().used_heap_size;
const heapUsedExternal = () => used() + process.memoryUsage().external;

function status(field) {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

// Fill until heap used (plus external memory for buffers) reaches the target, checking every `batch`.
// Garbage counts in heap used until collected, so the target is checked again after a full GC.
function fill(make, batch, measure = used) {
  let i = 0;
  do {
    for (; measure() < target; i++) for (let j = 0; j < batch; j++) keep.push(make(i * batch + j));
    global.gc();
  } while (measure() < target);
}

// Like fill, but each object is held by an array of 1,000 (arrays of 8 KB, never in large-object space;
// null first, so that numbers are boxed heap numbers, not an unboxed double array).
function inChunks(make) {
  let a = [null];
  let i = 0;
  fill(() => {
    for (let j = 0; j < 10000; j++) {
      a.push(make(i++));
      if (a.length === 1000) { keep.push(a); a = [null]; }
    }
    return 0;
  }, 1);
  keep.push(a);
}

const shapes = {
  // Many small objects: the case that costs the most per byte.
  small: () => fill((i) => ({ id: i, name: 'n' + (i % 1000), flag: i & 1 }), 10000),
  // Small objects without strings: fields are small integers (no edges, no string nodes).
  plain: () => fill((i) => ({ a: i, b: i + 1, c: i & 1 }), 10000),
  // Many short distinct strings and nothing else.
  shortstrings: () => fill((i) => 's' + i, 10000),
  // Large arrays (1M slots, 8 MB each, large object space) all pointing at one object: edges
  // without objects, the worst case per byte of large object space.
  samerefs: () => { const one = { one: 1 }; fill(() => new Array(MB).fill(one), 1); },
  // The shape of the issue's measurement: small objects plus a fifth as many distinct strings.
  issue: () => fill((i) => (i % 7 === 0 ? `s-${i}-${'x'.repeat(40)}` : { id: i, v: i * 2 }), 10000),
  // Few large strings (512 KB each, flat, in large object space; Node makes strings of 1 MB and
  // more external).
  strings: () => fill((i) => Buffer.alloc(MB / 2, 97 + (i % 26)).toString('latin1'), 1),
  // Few large arrays of doubles (8 MB each).
  arrays: () => fill((i) => new Array(MB).fill(i + 0.5), 1),
  // Buffers: 1 MB each, memory outside the JS heap.
  buffers: () => fill((i) => Buffer.alloc(MB, i & 255), 8, heapUsedExternal),
  // One array of references to one object (a log of the same few strings): V8 names every
  // element slot of a pointer array by its index, and each distinct index name keeps a 1 KB buffer
  // (StringsStorage::GetFormatted), so the longest array costs ~1.25 KB per slot, 160x its bytes.
  onearray: () => { const one = { one: 1 }; fill(() => one, 10000); },
  // Small objects held by arrays of 1,000 (no array in large-object space, so no index names past
  // 1,000): what objects cost without the names. Boxed numbers (16 B each) and short strings are
  // the smallest objects there are, so the most nodes per byte.
  numchunks: () => inChunks((i) => i + 0.5),
  strchunks: () => inChunks((i) => 's' + i),
  chainchunks: () => { let head = null; inChunks(() => (head = { next: head, v: 0 })); },
  // One long linked list: a deep graph.
  chain: () => {
    let head = null;
    fill(() => { for (let j = 0; j < 10000; j++) head = { next: head, v: j }; return 0; }, 1);
    keep.push(head);
  },
  // The same chain with every link also held by one big array (element edges to distinct objects).
  chainkept: () => {
    let head = null;
    fill(() => { for (let j = 0; j < 10000; j++) keep.push(head = { next: head, v: j }); return 0; }, 1);
  },
  // WeakMaps keyed by small objects: the writer formats three names for every entry.
  weakmaps: () => {
    let w = new WeakMap();
    fill((i) => {
      const k = { i };
      w.set(k, { v: i });
      if (i % 100000 !== 99999) return k;
      keep.push(w);
      w = new WeakMap();
      return k;
    }, 10000);
    keep.push(w);
  },
  // An object used as a cache of many keys: a dictionary (a hash table of pointers) in large-object space.
  dict: () => {
    let d = {};
    fill((i) => {
      d['key-' + i] = i & 1 ? { i } : 'v' + i;
      if (i % 200000 !== 199999) return 0;
      const full = d;
      d = {};
      return full;
    }, 10000);
    keep.push(d);
  },
  // Many closures, each with its own context.
  closures: () => fill((i) => { const c = { i }; return () => c.i + i; }, 10000),
  // Maps and Sets of small entries.
  maps: () => {
    let m = new Map();
    let s = new Set();
    fill((k) => {
      m.set(k, { k });
      s.add('k' + k);
      if (m.size < 100000) return 0;
      const full = [m, s];
      m = new Map();
      s = new Set();
      return full;
    }, 10000);
    keep.push(m, s);
  },
  // A mix: a quarter each of small objects, strings, maps and closures.
  mix: () => {
    const part = target / 4;
    const step = (make) => {
      const stop = used() + part;
      do { while (used() < stop) for (let j = 0; j < 5000; j++) keep.push(make(j)); global.gc(); } while (used() < stop);
    };
    step((i) => ({ id: i, tag: 'a' }));
    step((i) => `str-${i}-${Math.random()}`);
    const m = new Map(); keep.push(m);
    step((i) => { m.set(m.size, [i]); return 0; });
    step((i) => () => i);
  },
};

if (!shapes[shape]) throw new Error(`unknown shape ${shape}; one of ${Object.keys(shapes).join(', ')}`);
shapes[shape]();
global.gc();
let census;
// What the census reads, trimmed to the types present (the cost tests replay summarize() on it).
if (process.env.SNAPSHOT_SHAPE_CENSUS) {
  census = require(process.env.SNAPSHOT_SHAPE_CENSUS).readCensusInputs().then((i) => ({
    ...i,
    stats: {
      type_data: Object.fromEntries(
        Object.entries(i.stats.type_data).flatMap(([k, v]) => (v.count > 0 ? [[k, { overall: v.overall, count: v.count, ...(v.over_allocated ? { over_allocated: v.over_allocated } : {}), histogram: v.histogram }]] : [])),
      ),
    },
  }));
}
(async () => {
  census = await census;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapcost-'));
  try {
    for (let n = 1; n <= snapshots; n++) {
      global.gc();
      const heap = v8.getHeapStatistics();
      const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
      const mem = process.memoryUsage();
      const rssBefore = status('VmRSS');
      fs.writeFileSync('/proc/self/clear_refs', '5');
      const file = path.join(dir, `${n}.heapsnapshot`);
      const t0 = process.hrtime.bigint();
      v8.writeHeapSnapshot(file);
      const pauseMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const peak = status('VmHWM');
      const rssAfter = status('VmRSS');
      const head = Buffer.alloc(64 * 1024);
      const fd = fs.openSync(file, 'r');
      fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      const text = head.toString('latin1');
      const nodes = Number(/"node_count":(\d+)/.exec(text)?.[1]);
      const edges = Number(/"edge_count":(\d+)/.exec(text)?.[1]);
      const after = v8.getHeapStatistics();
      console.log(JSON.stringify({
        shape, mb: Number(mbArg), n, pauseMs: Math.round(pauseMs), nodes, edges,
        fileBytes: fs.statSync(file).size,
        heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, heapLimit: heap.heap_size_limit,
        external: mem.external, nativeContexts: heap.number_of_native_contexts, spaces,
        rssBefore, peakRssDelta: peak - rssBefore, rssAfterDelta: rssAfter - rssBefore,
        heapUsedAfter: after.used_heap_size, heapTotalGrowth: after.total_heap_size - heap.total_heap_size,
        ...(n === 1 && census ? { censusInputs: census } : {}),
      }));
      if (process.env.SNAPSHOT_SHAPE_KEEP) fs.renameSync(file, path.join(process.env.SNAPSHOT_SHAPE_KEEP, `${shape}-${mbArg}-${n}.heapsnapshot`));
      else fs.rmSync(file);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
