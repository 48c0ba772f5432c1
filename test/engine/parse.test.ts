// The loader on real snapshots in every form it accepts, and on broken input of every kind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { loadSnapshot, analyzeSnapshot, HeapSnapshotError, nodeById, edgeName, summarize } from '../../src/engine/index.js';
import { retainerEdge } from '../../src/engine/passes/retainers.js';
import { stableOrder } from '../../src/engine/parse/build.js';
import { jsHeap, writeSnapshot } from '../support/synthetic.js';

let dir: string;
let file: string;
let text: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapscope-parse-'));
  file = join(dir, 'real.heapsnapshot');
  // A real snapshot of a real process, with a recognisable object and a non-ASCII string.
  execFileSync(process.execPath, ['-e', `
    globalThis.marker = { label: 'héllo wörld ✓ "quoted"\\n', list: [1, 2, 3].map((i) => ({ i })) };
    require('v8').writeHeapSnapshot(${JSON.stringify(file)});
  `]);
  text = readFileSync(file, 'utf8');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function markerNode(g: Awaited<ReturnType<typeof loadSnapshot>>): number {
  for (let i = 0; i < g.nodeCount; i++) {
    for (let e = g.firstEdge[i]; e < g.firstEdge[i + 1]; e++) {
      if (edgeName(g, e) === 'marker' && g.strings.get(g.nodeName[i]) === 'global') return g.edgeTo[e];
    }
  }
  return -1;
}

test('reads a real snapshot: counts match the header, strings decode, edges point at nodes', async () => {
  const g = await loadSnapshot(file);
  const meta = JSON.parse(text).snapshot;
  assert.equal(g.nodeCount, meta.node_count);
  assert.equal(g.edgeCount, meta.edge_count);
  assert.equal(g.firstEdge[g.nodeCount], g.edgeCount);
  assert.ok(g.strings.includes('héllo wörld ✓ "quoted"\n'), 'escaped and non-ASCII strings decode exactly');
  const m = markerNode(g);
  assert.ok(m > 0, 'global.marker is found through edges');
  let retainedByGlobal = false;
  for (let k = g.firstRetainer[m]; k < g.firstRetainer[m + 1]; k++) {
    if (g.strings.get(g.nodeName[g.retainerNode[k]]) === 'global') retainedByGlobal = true;
  }
  assert.ok(retainedByGlobal, 'the retainer index is the reverse of the edges');
  // every edge is behind exactly one retainer slot, and retainerEdge finds it again
  const seen = new Uint8Array(g.edgeCount);
  for (let n = 0; n < g.nodeCount; n++) {
    for (let k = g.firstRetainer[n]; k < g.firstRetainer[n + 1]; k++) {
      const e = retainerEdge(g, n, k);
      const from = g.retainerNode[k];
      assert.ok(g.edgeTo[e] === n && e >= g.firstEdge[from] && e < g.firstEdge[from + 1] && seen[e] === 0, `slot ${k} of node ${n}`);
      seen[e] = 1;
    }
  }
  assert.equal(seen.indexOf(0), -1, 'no edge is missing from the index');
});

test('locations come out ordered by node, a node\'s own in file order, on one thread and on two', async () => {
  const raw = JSON.parse(text) as { snapshot: { meta: { node_fields: string[]; location_fields: string[] } }; locations: number[] };
  const nfc = raw.snapshot.meta.node_fields.length;
  const lf = raw.snapshot.meta.location_fields;
  const lfc = lf.length;
  const rows: number[][] = [];
  for (let k = 0; k < raw.locations.length; k += lfc) rows.push(['object_index', 'script_id', 'line', 'column'].map((f) => raw.locations[k + lf.indexOf(f)]));
  const backwards = rows.filter((r, k) => k > 0 && r[0] < rows[k - 1][0]).length;
  assert.ok(backwards > 0, 'V8 wrote some locations out of node order (what the sort is for)');
  const want = rows.map((r, k) => ({ r, k })).sort((a, b) => a.r[0] - b.r[0] || a.k - b.k).map(({ r }) => [r[0] / nfc, r[1], r[2], r[3]]);
  for (const parallel of [false, true]) {
    const g = await loadSnapshot(file, { parallel });
    const got = Array.from(g.locationNode, (n, k) => [n, g.locationScript[k], g.locationLine[k], g.locationColumn[k]]);
    assert.deepEqual(got, want, `parallel: ${parallel}`);
  }
});

test('a name that points past "strings" is an error naming the node or edge, whichever thread read it', async () => {
  const snap = JSON.parse(text);
  const meta = snap.snapshot.meta;
  const nfc = meta.node_fields.length;
  const efc = meta.edge_fields.length;
  const nameAt = meta.node_fields.indexOf('name');
  const edgeTypes = meta.edge_types[meta.edge_fields.indexOf('type')] as string[];
  const named = (e: number) => !['element', 'hidden'].includes(edgeTypes[snap.edges[e * efc]]);
  const edgeCount = snap.edges.length / efc;
  const firstNamed = Array.from({ length: edgeCount }, (_, e) => e).find(named)!;
  const lastNamed = Array.from({ length: edgeCount }, (_, e) => edgeCount - 1 - e).find(named)!;
  const past = snap.strings.length + 5;
  const cases: [string, (c: typeof snap) => void, RegExp][] = [
    ['first node', (c) => (c.nodes[nameAt] = past), new RegExp(`^node #0 \\(id \\d+\\) names string ${past}, but there are ${snap.strings.length} strings`)],
    ['last node', (c) => (c.nodes[c.nodes.length - nfc + nameAt] = past), new RegExp(`^node #${snap.nodes.length / nfc - 1} \\(id`)],
    ['first named edge', (c) => (c.edges[firstNamed * efc + 1] = past), new RegExp(`^edge #${firstNamed} names string ${past}`)],
    ['last named edge', (c) => (c.edges[lastNamed * efc + 1] = past), new RegExp(`^edge #${lastNamed} names string ${past}`)],
  ];
  for (const [what, spoil, message] of cases) {
    const copy = { ...snap, nodes: snap.nodes.slice(), edges: snap.edges.slice() };
    spoil(copy);
    const f = join(dir, `past-strings-${what.replace(/ /g, '-')}.heapsnapshot`);
    writeFileSync(f, JSON.stringify(copy));
    for (const parallel of [false, true]) {
      await assert.rejects(loadSnapshot(f, { parallel }), (e: unknown) => {
        assert.ok(e instanceof HeapSnapshotError && e.code === 'BAD_REFERENCE', `${what}, parallel ${parallel}: ${String(e)}`);
        assert.match(e.message, message, `${what}, parallel ${parallel}`);
        return true;
      });
    }
  }
  // element indexes past the string count are no error
  const arrayEdge = Array.from({ length: edgeCount }, (_, e) => e).find((e) => edgeTypes[snap.edges[e * efc]] === 'element')!;
  const copy = { ...snap, edges: snap.edges.slice() };
  copy.edges[arrayEdge * efc + 1] = past;
  const f = join(dir, 'element-index-past-strings.heapsnapshot');
  writeFileSync(f, JSON.stringify(copy));
  for (const parallel of [false, true]) assert.equal((await loadSnapshot(f, { parallel })).edgeNameOrIndex[arrayEdge], past);
});

test('stableOrder sorts by key and keeps equal keys in index order, keys of any 32 bits', () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (const [n, span] of [[0, 1], [1, 1], [1000, 3], [5000, 70000], [5000, 2 ** 32]] as const) {
    const keys = Uint32Array.from({ length: n }, () => (span === 2 ** 32 ? rand() : rand() % span));
    const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
    assert.deepEqual(Array.from(stableOrder(keys)), want, `${n} keys below ${span}`);
  }
});

test('same graph from a file, a Buffer, a Readable in odd-sized chunks, and gzip', async () => {
  const a = await loadSnapshot(file);
  const buf = readFileSync(file);
  const b = await loadSnapshot(buf);
  // 7-byte chunks split every token somewhere
  const chunks: Buffer[] = [];
  const cut = Math.min(buf.length, 400000);
  for (let i = 0; i < cut; i += 7) chunks.push(buf.subarray(i, Math.min(i + 7, cut)));
  const rest = buf.subarray(cut);
  const c = await loadSnapshot(Readable.from([...chunks, rest]));
  const gzFile = join(dir, 'real.heapsnapshot.gz');
  writeFileSync(gzFile, gzipSync(buf));
  const d = await loadSnapshot(gzFile);
  const e = await loadSnapshot(createReadStream(gzFile));
  for (const g of [b, c, d, e]) {
    assert.equal(g.nodeCount, a.nodeCount);
    assert.equal(g.edgeCount, a.edgeCount);
    assert.deepEqual(g.nodeId, a.nodeId);
    assert.deepEqual(g.edgeTo, a.edgeTo);
    assert.deepEqual(g.strings.toArray(), a.strings.toArray());
  }
});

test('newer V8 layout (6 node fields, no trace_node_id) and unknown sections are read by name', async () => {
  const snap = JSON.parse(text);
  const nf: string[] = snap.snapshot.meta.node_fields;
  const drop = nf.indexOf('trace_node_id');
  assert.ok(drop >= 0);
  const n = nf.length;
  const nodes: number[] = [];
  for (let i = 0; i < snap.nodes.length; i += n) for (let f = 0; f < n; f++) if (f !== drop) nodes.push(snap.nodes[i + f]);
  const edges = snap.edges.slice();
  const toOff = snap.snapshot.meta.edge_fields.indexOf('to_node');
  for (let i = toOff; i < edges.length; i += snap.snapshot.meta.edge_fields.length) edges[i] = (edges[i] / n) * (n - 1);
  const newer = {
    snapshot: { ...snap.snapshot, meta: { ...snap.snapshot.meta, node_fields: nf.filter((f) => f !== 'trace_node_id') }, extra_native_bytes: 12345, future_field: { x: [1, '}]'] } },
    nodes,
    edges,
    future_section: [{ a: '"]}' }, [[]], 'x'],
    locations: [],
    strings: snap.strings,
  };
  const f2 = join(dir, 'newer.heapsnapshot');
  writeFileSync(f2, JSON.stringify(newer));
  const a = await analyzeSnapshot(file);
  const b = await analyzeSnapshot(f2);
  assert.equal(b.graph.traceNodeId, null);
  assert.equal(b.graph.extraNativeBytes, 12345);
  assert.equal(b.totalSize, a.totalSize + 12345);
  assert.deepEqual(b.retainedSize, a.retainedSize);
  assert.deepEqual(b.distance, a.distance);
});

async function expectError(content: string | Buffer, code: string, message: RegExp) {
  const f = join(dir, `bad-${Math.random().toString(36).slice(2)}.heapsnapshot`);
  writeFileSync(f, content);
  await assert.rejects(loadSnapshot(f), (e: unknown) => {
    assert.ok(e instanceof HeapSnapshotError, `expected HeapSnapshotError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('bad input: clear errors with a reason and a byte offset', async () => {
  await expectError('', 'TRUNCATED', /empty input/);
  await expectError('hello world', 'NOT_JSON', /expected '\{' but found 'h' \(at byte 0\)/);
  await expectError('{"foo": 1}', 'NOT_HEAP_SNAPSHOT', /no "snapshot" section/);
  await expectError('[1,2,3]', 'NOT_JSON', /expected '\{'/);
  await expectError('{"nodes":[1,2]}', 'NOT_HEAP_SNAPSHOT', /"nodes" comes before "snapshot"/);
  await expectError('{"snapshot":{"meta":{}}}', 'BAD_META', /node_fields/);
  await expectError(text.slice(0, Math.floor(text.length / 2)), 'TRUNCATED', /truncated: input ended inside "(edges|nodes|strings)"/);
  await expectError(text.slice(0, text.length - 3), 'TRUNCATED', /truncated/);
  // counts that disagree with the arrays
  const snap = JSON.parse(text);
  await expectError(JSON.stringify({ ...snap, snapshot: { ...snap.snapshot, node_count: snap.snapshot.node_count + 1 } }), 'COUNT_MISMATCH', /"nodes" has \d+ values but node_count/);
  await expectError(JSON.stringify({ ...snap, edges: snap.edges.slice(0, -3) }), 'COUNT_MISMATCH', /edges/);
  const badTo = snap.edges.slice();
  badTo[2] = snap.nodes.length + 7;
  await expectError(JSON.stringify({ ...snap, edges: badTo }), 'BAD_REFERENCE', /edge #0 points to/);
  await expectError(JSON.stringify({ ...snap, strings: snap.strings.slice(0, 3) }), 'BAD_REFERENCE', /names string/);
  await expectError(text.replace('"nodes":[', '"nodes":[x'), 'BAD_VALUE', /unexpected 'x' in the "nodes" array \(value #0\) \(at byte \d+\)/);
  // non-UTF-8 garbage inside a string
  const i = text.indexOf('"strings":[') + 12;
  const garbage = Buffer.concat([Buffer.from(text.slice(0, i)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text.slice(i))]);
  await expectError(garbage, 'BAD_UTF8', /invalid UTF-8/);
  // gzip cut short
  const gz = gzipSync(readFileSync(file));
  await expectError(gz.subarray(0, gz.length >> 1), 'TRUNCATED', /gzip/);
  await expectError(Buffer.concat([Buffer.from(text), Buffer.from(' trailing')]), 'NOT_JSON', /after the end/);
});

test('leniencies closed: bad \\u escapes, raw control characters, ids past 32 bits, negative counts, a directory (one thread and two, and the CLI)', async () => {
  const snap = JSON.parse(text);
  const s0 = text.indexOf('"strings":[') + 11;
  // a string with an invalid escape, injected as the first string's text
  const inject = (raw: string): string => text.slice(0, s0 + 1) + raw + text.slice(s0 + 1);
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['\\uZZZZ', inject('\\uZZZZ'), 'NOT_JSON', /invalid \\u escape \('Z' is not a hex digit\) in string #0 of "strings"/],
    ['\\q', inject('\\q'), 'NOT_JSON', /invalid escape \\q in string #0/],
    ['raw control', inject('a\u0001b'), 'NOT_JSON', /raw control character byte 0x01 in string #0 of "strings" \(JSON needs \\u0001\)/],
    ['raw newline', inject('a\nb'), 'NOT_JSON', /raw control character byte 0x0a/],
    ['id 2^64', JSON.stringify({ ...snap, nodes: [...snap.nodes.slice(0, 2), '__ID__', ...snap.nodes.slice(3)] }).replace('"__ID__"', '18446744073709551616'), 'BAD_VALUE', /node #0 has id 1\.845e\+19, more than 32 bits/],
    ['id 2^32', JSON.stringify({ ...snap, nodes: [...snap.nodes.slice(0, 2), 2 ** 32, ...snap.nodes.slice(3)] }), 'BAD_VALUE', /node #0 has id 4294967296, more than 32 bits/],
    ['trace_function_count -1', JSON.stringify({ ...snap, snapshot: { ...snap.snapshot, trace_function_count: -1 } }), 'BAD_META', /snapshot\.trace_function_count is -1: must be a non-negative integer/],
  ];
  for (const [what, content, code, message] of cases) {
    const f = join(dir, `lenient-${what.replace(/\W/g, '_')}.heapsnapshot`);
    writeFileSync(f, content);
    for (const parallel of [false, true]) {
      await assert.rejects(loadSnapshot(f, { parallel }), (e: unknown) => {
        assert.ok(e instanceof HeapSnapshotError, `${what}: expected HeapSnapshotError, got ${String(e)}`);
        assert.equal(e.code, code, `${what}: ${e.message}`);
        assert.match(e.message, message, what);
        return true;
      });
    }
  }
  // the valid escapes still read (the marker's label has \" and \n escapes)
  assert.ok(markerNode(await loadSnapshot(file)) >= 0);
  await assert.rejects(loadSnapshot(dir), (e: HeapSnapshotError) => e.code === 'IO' && /it is a directory, not a \.heapsnapshot file/.test(e.message));
  // one line from the CLI, no stack
  const cli = join(process.cwd(), 'dist', 'cli', 'main.js');
  for (const input of [dir, join(dir, 'lenient-id_2_64.heapsnapshot'), join(dir, 'lenient-trace_function_count__1.heapsnapshot')]) {
    const r = spawnSync(process.execPath, [cli, 'analyze', input], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^heapscope: /);
  }
});

test('unknown node ids are -1; ids resolve to the right node', async () => {
  const a = await analyzeSnapshot(file);
  const g = a.graph;
  const m = markerNode(g);
  assert.equal(nodeById(a, g.nodeId[m]), m);
  assert.equal(nodeById(a, `@${g.nodeId[m]}`), m);
  assert.equal(nodeById(a, 2 ** 31 + 1), -1);
  assert.equal(nodeById(a, 'nope'), -1);
});

test('two-thread parse of a file gives the same graph, and the same errors', async () => {
  const seq = await loadSnapshot(file, { parallel: false });
  const par = await loadSnapshot(file, { parallel: true });
  for (const k of ['nodeType', 'nodeName', 'nodeId', 'selfSize', 'firstEdge', 'edgeType', 'edgeNameOrIndex', 'edgeTo', 'firstRetainer', 'retainerNode'] as const) {
    assert.deepEqual(Array.from(par[k]), Array.from(seq[k]), k);
  }
  assert.deepEqual(par.strings, seq.strings);
  // truncated inside the edges, and a bad byte in the front and in the back half of the edges
  const cut = join(dir, 'cut.heapsnapshot');
  writeFileSync(cut, text.slice(0, text.indexOf('"edges"') + 5000));
  await assert.rejects(loadSnapshot(cut, { parallel: true }), (e: HeapSnapshotError) => e.code === 'TRUNCATED' && /inside "edges"/.test(e.message));
  const edgesAt = text.indexOf('"edges":[') + 9;
  const edgesEnd = text.indexOf(']', edgesAt);
  for (const at of [edgesAt + 100, edgesEnd - 100]) {
    const p = at + text.slice(at).search(/\d/);
    const bad = join(dir, `bad-edge-${at}.heapsnapshot`);
    writeFileSync(bad, text.slice(0, p) + 'x' + text.slice(p + 1));
    await assert.rejects(loadSnapshot(bad, { parallel: true }), (e: HeapSnapshotError) => e.code === 'BAD_VALUE' && /'x'/.test(e.message) && e.offset === Buffer.byteLength(text.slice(0, p)));
  }
});

/** Loads on two threads with HEAPSCOPE_DEBUG_PARSE on; returns the graph and which mode ran. */
async function loadTwoThreads(path: string): Promise<{ g: Awaited<ReturnType<typeof loadSnapshot>>; mode: string }> {
  const write = process.stderr.write;
  const prev = process.env.HEAPSCOPE_DEBUG_PARSE;
  let mode = 'none';
  process.env.HEAPSCOPE_DEBUG_PARSE = '1';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const m = /^parse \(([^)]+)\)|^parse fallback/.exec(String(chunk));
    // a two-thread parse that went wrong, then read again on one thread, is "fallback"
    if (m) mode = m[1] ?? 'fallback';
    else return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { g: await loadSnapshot(path, { parallel: true }), mode };
  } finally {
    process.stderr.write = write;
    if (prev === undefined) delete process.env.HEAPSCOPE_DEBUG_PARSE;
    else process.env.HEAPSCOPE_DEBUG_PARSE = prev;
  }
}

const GRAPH_KEYS = ['nodeType', 'nodeName', 'nodeId', 'selfSize', 'firstEdge', 'edgeType', 'edgeNameOrIndex', 'edgeTo', 'locationNode', 'locationLine'] as const;

test('tail mode: the main thread jumps from the header to the end of "edges"; layouts it does not expect are read another way, the same', async () => {
  // big enough that the main thread claims part of "edges" from the end before the worker gets there
  const big = join(dir, 'big.heapsnapshot');
  execFileSync(process.execPath, ['-e', `
    globalThis.keep = Array.from({ length: 50000 }, (_, i) => ({ i, s: 'k' + i, a: [i, { j: i }] }));
    require('v8').writeHeapSnapshot(${JSON.stringify(big)});
  `]);
  const bigText = readFileSync(big, 'utf8');
  const seq = await loadSnapshot(big, { parallel: false });
  const { g, mode } = await loadTwoThreads(big);
  assert.equal(mode, 'tail', 'V8 layout: the main thread skipped "nodes" and "edges" entirely');
  for (const k of GRAPH_KEYS) assert.deepEqual(Array.from(g[k]), Array.from(seq[k]), `tail: ${k}`);
  assert.deepEqual(g.strings.toArray(), seq.strings.toArray());

  const variant = async (name: string, edit: (t: string) => string, wantMode: string) => {
    const path = join(dir, `${name}.heapsnapshot`);
    const edited = edit(bigText);
    assert.notEqual(edited, bigText, name);
    writeFileSync(path, edited);
    const r = await loadTwoThreads(path);
    assert.equal(r.mode, wantMode, name);
    const s = await loadSnapshot(path, { parallel: false });
    for (const k of GRAPH_KEYS) {
      assert.deepEqual(Array.from(r.g[k]), Array.from(s[k]), `${name}: ${k}`);
      assert.deepEqual(Array.from(s[k]), Array.from(seq[k]), `${name} (one thread): ${k}`);
    }
  };
  // a section between "nodes" and "edges": the worker does not find "edges" after "nodes"
  await variant('between-nodes-and-edges', (t) => t.replace(/\],\s*"edges":\[/, '],"extra":[7,8,9],\n"edges":['), 'fallback');
  // a numeric section between "edges" and "trace_function_infos": the tail's guess is wrong, and
  // the backward parser meets '['
  await variant('between-edges-and-tail', (t) => t.replace(/\],\s*"trace_function_infos":/, '],"extra":[1,2,3],"trace_function_infos":'), 'fallback');
  // the marker's text in a string after it (escaped, so it is not the marker)
  await variant('marker-in-a-string', (t) => t.replace(/\]\}\s*$/, ',"9],\\"trace_function_infos\\":["]}'), 'tail');
});

test('tail mode with a slow main thread: the worker reads on past where the main thread aimed, and the shares still meet at a separator', async () => {
  const big = join(dir, 'bigger.heapsnapshot');
  execFileSync(process.execPath, ['-e', `
    globalThis.keep = Array.from({ length: 150000 }, (_, i) => ({ i, s: 'k' + i, a: [i, { j: i }] }));
    require('v8').writeHeapSnapshot(${JSON.stringify(big)});
  `]);
  const seq = await loadSnapshot(big, { parallel: false });
  process.env.HEAPSCOPE_TEST_CLAIM_DELAY_MS = '200';
  try {
    const { g, mode } = await loadTwoThreads(big);
    // before the reservation check, the worker went past the limit set after the delay and the
    // parse failed ("edges" range does not end at a separator); now it is the same graph
    assert.equal(mode, 'tail', 'two threads, no fallback to one');
    for (const k of GRAPH_KEYS) assert.deepEqual(Array.from(g[k]), Array.from(seq[k]), k);
  } finally {
    delete process.env.HEAPSCOPE_TEST_CLAIM_DELAY_MS;
  }
});

test('self sizes are 32-bit until one reaches 4 GB: then the input is read again with exact 64-bit sizes', async () => {
  const small = writeSnapshot(dir, 'sizes-small', jsHeap({ globalEdges: [['property', 'a', 'a']], nodes: [{ key: 'a', type: 'object', name: 'A', id: 9, size: 0xffffffff }] }));
  const g = await loadSnapshot(small);
  assert.ok(g.selfSize instanceof Uint32Array, 'everything fits: half the memory');
  assert.equal(g.selfSize[nodeById({ graph: g } as never, 9)], 0xffffffff);

  // a 5 GB buffer, and an object whose two owned arrays add up past 32 bits
  const big = writeSnapshot(dir, 'sizes-big', jsHeap({
    globalEdges: [['property', 'buf', 'buf'], ['property', 'owner', 'owner']],
    nodes: [
      { key: 'buf', type: 'native', name: 'system / JSArrayBufferData', id: 9, size: 5_000_000_000 },
      { key: 'owner', type: 'object', name: 'Owner', id: 11, size: 32, edges: [['internal', 'elements', 'arr1'], ['internal', 'properties', 'arr2']] },
      { key: 'arr1', type: 'array', name: '', id: 13, size: 3_000_000_000 },
      { key: 'arr2', type: 'array', name: '', id: 15, size: 3_000_000_000 },
    ],
  }));
  for (const parallel of [false, true]) {
    const w = await loadSnapshot(big, { parallel });
    assert.ok(w.selfSize instanceof Float64Array, `64-bit sizes (parallel: ${parallel})`);
    assert.equal(w.selfSize[nodeById({ graph: w } as never, 9)], 5_000_000_000);
  }
  const a = await analyzeSnapshot(big);
  const owner = nodeById(a, 11);
  assert.equal(a.graph.selfSize[owner], 6_000_000_032, "the arrays' sizes moved onto their owner, not wrapped");
  assert.equal(a.retainedSize[nodeById(a, 9)], 5_000_000_000);
  assert.ok(a.totalSize > 11_000_000_000);

  // only the owner's sum is past 32 bits: the sizes are widened during the analysis
  // an object (@11) owning two 3 GB nodes of one type (their sizes move onto it)
  const ownerOfTwo = (type: 'array' | 'hidden') =>
    writeSnapshot(dir, `sizes-sum-${type}`, jsHeap({
      globalEdges: [['property', 'owner', 'owner']],
      nodes: [
        { key: 'owner', type: 'object', name: 'Owner', id: 11, size: 32, edges: [['internal', 'elements', 'o1'], ['internal', 'properties', 'o2']] },
        { key: 'o1', type, name: type === 'hidden' ? 'system / X' : '', id: 13, size: 3_000_000_000 },
        { key: 'o2', type, name: type === 'hidden' ? 'system / Y' : '', id: 15, size: 3_000_000_000 },
      ],
    }));
  const s = await analyzeSnapshot(ownerOfTwo('array'));
  assert.equal(s.graph.selfSize[nodeById(s, 11)], 6_000_000_032);
  assert.equal(s.retainedSize[nodeById(s, 11)], 6_000_000_032);
  // the same on two threads, with owned system objects: the worker, which counts classes over the
  // 32-bit sizes it shares, must leave that to the main thread (else the Summary's self sizes would
  // miss the sizes that moved)
  const hidden = ownerOfTwo('hidden');
  const one = await analyzeSnapshot(hidden);
  let jobs = 0;
  const two = await analyzeSnapshot(hidden, { parallel: true, twoCores: true, onWorker: () => jobs++ });
  assert.equal(jobs, 2, 'a worker parsed, and a worker analysed');
  assert.equal(two.graph.selfSize[nodeById(two, 11)], 6_000_000_032);
  assert.equal(one.statistics.v8heap.system, 0, 'the system objects moved onto their owner');
  assert.deepEqual(two.statistics, one.statistics);
  assert.deepEqual(summarize(two), summarize(one));
});
