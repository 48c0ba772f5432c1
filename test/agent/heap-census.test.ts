// The heap census against the snapshot it prices: a real process builds a heap with every kind of
// pointer table (a long array, a longer array of doubles, a Map keyed by numbers, a Set of strings,
// a dictionary, a WeakMap), takes the agent's census, then writes a heap snapshot. What the writer
// really made is in the file: its nodes, and the index names are the numeric strings of its string
// table ("0", "1", ...).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectionNames, collectionTableSlots, longestObject, summarize, type ObjectStats } from '../../src/agent/heap-census.js';

interface ChildOut {
  census: { objects: number; indexNames: number; ms: number; heapUsed: number } | null;
  nodes: number;
  numericNames: number;
  nativesAfter: string;
  symbolsAdded: number;
}

function censusChild(build: string): ChildOut {
  const dir = mkdtempSync(join(os.tmpdir(), 'heapscope-census-'));
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    import v8 from 'node:v8';
    import { takeHeapCensus } from ${JSON.stringify(new URL('../../src/agent/heap-census.ts', import.meta.url).href)};
    const keep = [];
    ${build}
    const symbols = Object.getOwnPropertySymbols(globalThis).length;
    const census = await takeHeapCensus();
    const symbolsAdded = Object.getOwnPropertySymbols(globalThis).length - symbols;
    let nativesAfter = 'allowed';
    try { new Function('return %IsSmi(1)'); } catch (e) { nativesAfter = e.name; }
    const file = v8.writeHeapSnapshot(${JSON.stringify(join(dir, 'census.heapsnapshot'))});
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    const numericNames = snap.strings.filter((s) => /^(0|[1-9][0-9]*)$/.test(s)).length;
    writeFileSync(1, JSON.stringify({ census, nodes: snap.snapshot.node_count, numericNames, nativesAfter, symbolsAdded, kept: keep.length }));
  `;
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--max-old-space-size=2048', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (process.env.HEAPSCOPE_TEST_VERBOSE) console.log(out);
    return JSON.parse(out) as ChildOut;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the census counts what the snapshot writer then makes: its objects, and at least every index name', () => {
  const out = censusChild(`
    const one = { one: 1 };
    keep.push(Array.from({ length: 200_000 }, (_, i) => ({ i })));          // 200K pointers: names 0..199999
    keep.push(new Array(1_000_000).fill(0.5));                              // longer, but doubles: no names
    keep.push(new Array(600_000).fill(7));                                  // small integers: no names
    const m = new Map(); for (let i = 0; i < 150_000; i++) m.set(i, one);   // numbers -> objects: every third index
    const s = new Set(); for (let i = 0; i < 100_000; i++) s.add('k' + i);  // strings: every second index
    const d = {}; for (let i = 0; i < 50_000; i++) d['p' + i] = one;        // a dictionary
    const w = new WeakMap(); for (const o of keep[0].slice(0, 20_000)) w.set(o, one);
    keep.push(m, s, d, w);
  `);
  assert.ok(out.census, 'a census was taken');
  const c = out.census;
  assert.ok(Math.abs(c.objects - out.nodes) <= 0.05 * out.nodes, `census ${c.objects} objects, snapshot ${out.nodes} nodes`);
  // never fewer names than the writer made; not the 1M doubles nor the 600K small integers
  assert.ok(out.numericNames >= 200_000, `${out.numericNames} index names in the snapshot`);
  assert.ok(c.indexNames >= out.numericNames, `census bound ${c.indexNames} < ${out.numericNames} names made`);
  assert.ok(c.indexNames <= 1.5 * out.numericNames, `census bound ${c.indexNames} > 1.5 x ${out.numericNames} names made`);
  assert.ok(c.ms > 0 && c.heapUsed > 0);
  // no trace left in the process: natives syntax off again, no global added
  assert.equal(out.nativesAfter, 'SyntaxError');
  assert.equal(out.symbolsAdded, 0);
});

test('several long arrays do not add up, and a Map keyed by objects names two thirds of its entries', () => {
  const out = censusChild(`
    const one = { one: 1 };
    for (let k = 0; k < 4; k++) keep.push(new Array(300_000).fill(one));     // the same 300K names, four times
    const m = new Map(); for (let i = 0; i < 120_000; i++) m.set({ i }, one); // keys and values both objects
    keep.push(m);
  `);
  const c = out.census!;
  assert.ok(out.numericNames >= 300_000, `${out.numericNames} index names`);
  assert.ok(c.indexNames >= out.numericNames && c.indexNames <= 1.5 * out.numericNames, `census bound ${c.indexNames} for ${out.numericNames} names made`);
});

test('bounds from the histogram: the top bucket shared by several objects, and known sizes', () => {
  // buckets: i in [16 << i, 32 << i), the last (15) is 512 KB and more
  const h = (top: number, n: number): number[] => Array.from({ length: 16 }, (_, i) => (i === top ? n : 0));
  assert.equal(longestObject({ overall: 8 << 20, count: 1, histogram: h(15, 1) }), 8 << 20);
  // two objects of 8 MB in all: the longest is at most 8 MB - 512 KB
  assert.equal(longestObject({ overall: 8 << 20, count: 2, histogram: h(15, 2) }), (8 << 20) - (512 << 10));
  // ... and exactly 4 MB when both are known to be at least 4 MB
  assert.equal(longestObject({ overall: 8 << 20, count: 2, histogram: h(15, 2) }, [4 << 20, 4 << 20]), 4 << 20);
  // never past its bucket
  assert.equal(longestObject({ overall: 300_000, count: 2, histogram: h(13, 2) }), 300_000 - (128 << 10));
  assert.equal(longestObject({ overall: 0, count: 0, histogram: h(0, 0) }), 0);
  // a Map's table: 3 counts, capacity/2 buckets, 3 slots per entry
  assert.deepEqual(collectionTableSlots({ kind: 'map', size: 100_000 }), { capacity: 131_072, slots: 3 + 65_536 + 3 * 131_072 });
  assert.deepEqual(collectionTableSlots({ kind: 'set', size: 3 }), { capacity: 4, slots: 3 + 2 + 8 });
  // numbers -> objects names every third index of the entries; a Set of strings every second
  const map = { kind: 'map' as const, size: 1000, heapKeys: false, heapValues: true };
  assert.equal(collectionNames([map], 0), 1000);
  assert.equal(collectionNames([map, map], 0), 1000, 'two tables of one capacity share their indices');
  assert.equal(collectionNames([{ ...map, heapKeys: true }], 0), 2000);
  assert.equal(collectionNames([map], 0, 10_000), 0, 'all below the dense range');
  assert.equal(collectionNames([map], 800), 1100, 'spare table bytes count as more names');
});

test('summarize: strings are names up to 1 KB, doubles and script sources are no arrays, and line ends are left out', () => {
  const row = (overall: number, count: number, bucket: number) => ({ overall, count, histogram: Array.from({ length: 16 }, (_, i) => (i === bucket ? count : 0)) });
  const stats: ObjectStats = {
    type_data: {
      ONE_BYTE_STRING_TYPE: row(10 << 20, 10, 15), // ten 1 MB strings: 1 KB of name each
      FIXED_DOUBLE_ARRAY_TYPE: row(8 << 20, 1, 15),
      SCRIPT_SOURCE_NON_EXTERNAL_ONE_BYTE_TYPE: row(9 << 20, 1, 15),
      FIXED_ARRAY_TYPE: row(16 + 8 * 200_000, 1, 15), // a line-ends array of 200K lines
      END: {},
    },
  };
  const c = summarize(stats, undefined, [16 + 8 * 200_000]);
  assert.equal(c.objects, 13);
  assert.ok(c.stringNameBytes >= 10 * 1024 && c.stringNameBytes <= 10 * 1040 + 16 * 10);
  assert.equal(c.indexNames, 0);
  assert.equal(c.arraySlots, 0);
  assert.equal(summarize(stats, undefined, []).indexNames, 200_000, 'not known as line ends: an array of pointers');
});
