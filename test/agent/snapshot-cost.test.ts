// The cost model replayed on measured snapshots (test/fixtures/snapshot-cost.jsonl, recorded by
// bench/snapshot-cost.ts on Node 20: each line one real v8.writeHeapSnapshot(), two per process).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHeadroom, parseBytes } from '../../src/agent/headroom.js';
import { SnapshotCostModel, snapshotCounts, type HeapShape } from '../../src/agent/snapshot-cost.js';
import { censusOf, largeOf, loadRuns, pairs, runsByKey, sampleOf, shapeOf } from '../support/snapshot-cost-runs.js';

// One process's snapshots, in order, by "shape MB" (66 snapshots, 2 per process).
const runs = runsByKey();
const MB = 1024 * 1024;

test('the first prediction never under-estimates the peak, on every shape and size measured', () => {
  assert.ok(runs.size >= 30);
  // The shapes that cost the most per byte are all here (20-250 MB heaps).
  // onearray is the index names alone (one array of references to one object), strchunks and
  // numchunks the costliest objects per byte without them.
  for (const k of ['shortstrings 50', 'samerefs 20', 'chainkept 50', 'small 250', 'chain 250', 'strings 250', 'maps 250', 'onearray 50', 'strchunks 50', 'numchunks 50']) assert.ok(runs.has(k), k);
  for (const [key, [first]] of runs) {
    const f = new SnapshotCostModel().forecast(shapeOf(first!));
    assert.equal(f.basis, 'default');
    assert.ok(f.peakRssDelta >= first!.peakRssDelta, `${key}: predicted ${f.peakRssDelta / MB} MB < measured ${first!.peakRssDelta / MB} MB`);
  }
});

test('without large objects (no array over 16K slots) the first prediction is within 2.5x the measured peak', () => {
  // The worst objects per byte (boxed numbers, short strings) cost 10.9x; a linked list 6.8x. No
  // cheaper reading than the snapshot tells them apart, so that spread stays in the first prediction.
  let checked = 0;
  for (const [key, [first]] of runs) {
    if (largeOf(first!) > MB || first!.peakRssDelta < 100 * MB) continue;
    const f = new SnapshotCostModel().forecast(shapeOf(first!));
    assert.ok(f.peakRssDelta <= 2.5 * first!.peakRssDelta, `${key}: ${(f.peakRssDelta / first!.peakRssDelta).toFixed(2)}x`);
    checked++;
  }
  assert.ok(checked >= 8, `${checked} shapes`);
});

// With a census (the agent takes one when the bound above would refuse): the heap's objects, boxed
// numbers, slots, strings, index names and WeakMap entries, each at its measured price.
test('with a census of the heap, the first prediction is within [1, 1.5] x the measured peak on every shape', () => {
  const rows: string[] = [];
  let checked = 0;
  for (const [key, [first]] of runs) {
    const c = censusOf(first!);
    if (!c) continue;
    const f = new SnapshotCostModel().forecast(shapeOf(first!, c));
    assert.equal(f.basis, 'census');
    const measured = first!.peakRssDelta;
    assert.ok(f.peakRssDelta >= measured, `${key}: predicted ${(f.peakRssDelta / MB).toFixed(0)} MB < measured ${(measured / MB).toFixed(0)} MB`);
    // Peaks of a few tens of MB are Node's own objects, and how much free memory the allocator
    // happened to hold decides them (strings 50 measured 16 MB, strings 20 27 MB): under 80 MB there.
    const limit = measured >= 64 * MB ? 1.5 * measured : 80 * MB;
    assert.ok(f.peakRssDelta <= limit, `${key}: predicted ${(f.peakRssDelta / MB).toFixed(0)} MB for ${(measured / MB).toFixed(0)} MB measured`);
    // and never above the bound without a census, which holds for any heap
    assert.ok(f.peakRssDelta <= new SnapshotCostModel().forecast(shapeOf(first!)).peakRssDelta + 1);
    rows.push(`${key}: ${(f.peakRssDelta / measured).toFixed(2)}x`);
    checked++;
  }
  assert.ok(checked >= 40, `${checked} shapes with a census`);
  if (process.env.HEAPSCOPE_TEST_VERBOSE) console.log(rows.join('\n'));
});

test('heap grown since the census is priced at the worst shape', () => {
  // The census of a 20 MB heap, the heap then grown to 50 MB of the same shape: at least that
  // 50 MB process's measured first snapshot.
  let checked = 0;
  for (const [key, [small]] of runs) {
    const [large] = runs.get(key.replace(/ 20$/, ' 50')) ?? [];
    const c = censusOf(small!);
    if (!key.endsWith(' 20') || !large || !c) continue;
    const f = new SnapshotCostModel().forecast({ ...shapeOf(large, c), settledHeapUsed: large.heapUsed });
    assert.equal(f.basis, 'census');
    assert.ok(f.peakRssDelta >= large.peakRssDelta, `${key} grown to 50 MB: predicted ${(f.peakRssDelta / MB).toFixed(0)} MB < measured ${(large.peakRssDelta / MB).toFixed(0)} MB`);
    checked++;
  }
  assert.ok(checked >= 15, `${checked} shapes`);
});

// The upper bound's slack: 20 MB for peaks of a few MB; and where glibc still holds most of the
// last writer, the new RSS is a small difference of two big numbers, so the model's own margins
// (10 % on the writer, 15 % and 4 MB on the new RSS) are allowed on top: onearray 50 predicts
// 1,022 MB for 679 MB of new RSS, a 5.4 GB writer of which glibc held 4.5 GB.
test("after a process's first snapshot the prediction is within [1, 1.5] x the measured peak (or 20 MB, or the model's margins, over)", () => {
  for (const [key, [first, second]] of runs) {
    if (!second) continue;
    const model = new SnapshotCostModel();
    const f1 = model.forecast(shapeOf(first!));
    model.learn(shapeOf(first!), f1, first!);
    const f2 = model.forecast(shapeOf(second));
    assert.equal(f2.basis, 'learned');
    const measured = second.peakRssDelta;
    assert.ok(f2.peakRssDelta >= measured, `${key}: predicted ${f2.peakRssDelta / MB} MB < measured ${measured / MB} MB`);
    assert.ok(f2.peakRssDelta <= Math.max(1.5 * measured, measured + 20 * MB, 1.2 * measured + 0.12 * f2.writerBytes + 4 * MB), `${key}: predicted ${f2.peakRssDelta / MB} MB > 1.5 x ${measured / MB} MB`);
  }
});

test('after a snapshot, heap grown since is priced at the worst shape, not at the ratio learned on the old heap', () => {
  // A process measured at 20 MB whose heap then grows to 50 MB of the same shape: the learned ratio
  // alone would under-price the shapes whose longest array grew (the index names), so the growth
  // is priced at the worst rates. Against the 50 MB process's own first snapshot (nothing reused).
  let checked = 0;
  for (const [key, [small]] of runs) {
    const [large] = runs.get(key.replace(/ 20$/, ' 50')) ?? [];
    if (!key.endsWith(' 20') || !large) continue;
    const model = new SnapshotCostModel();
    model.learn(shapeOf(small!), model.forecast(shapeOf(small!)), small!);
    const grown = model.forecast({ ...shapeOf(large), rss: small!.rssBefore });
    assert.equal(grown.reusableBytes, 0);
    assert.ok(grown.peakRssDelta >= large.peakRssDelta, `${key} grown to 50 MB: predicted ${(grown.peakRssDelta / MB).toFixed(0)} MB < measured ${(large.peakRssDelta / MB).toFixed(0)} MB`);
    checked++;
  }
  assert.ok(checked >= 15, `${checked} shapes`);
});

test('memory a snapshot left with glibc counts as reusable only while RSS still holds it', () => {
  const [first] = runs.get('small 100')!;
  const model = new SnapshotCostModel();
  model.learn(shapeOf(first!), model.forecast(shapeOf(first!)), first!);
  const held = model.forecast({ ...shapeOf(first!), rss: first!.rssBefore + first!.rssAfterDelta });
  const returned = model.forecast(shapeOf(first!)); // RSS back where it was: nothing to reuse
  assert.ok(held.reusableBytes > 1000 * MB);
  assert.equal(returned.reusableBytes, 0);
  assert.ok(returned.peakRssDelta > held.peakRssDelta + 1000 * MB);
});

test('snapshot header counts and byte sizes parse', () => {
  const head = Buffer.from('{"snapshot":{"meta":{"node_fields":["type"]},"node_count":123,"edge_count":4567,"trace_function_count":0}');
  assert.deepEqual(snapshotCounts(head), { nodes: 123, edges: 4567 });
  assert.deepEqual(snapshotCounts(Buffer.from('{}')), { nodes: undefined, edges: undefined });
  assert.equal(parseBytes('512M'), 512 * MB);
  assert.equal(parseBytes('1.5g'), 1.5 * 1024 * MB);
  assert.equal(parseBytes('1048576'), MB);
  assert.equal(parseBytes('lots'), undefined);
  assert.equal(parseBytes('0'), undefined);
});

test("a project's profile from one process prices another process's first snapshot: never under, within 1.5x near the profile's heap", () => {
  const all = pairs();
  assert.ok(all.length >= 90, `${all.length} pairs`);
  const rows: string[] = [];
  let near = 0;
  for (const p of all) {
    const label = `${p.shape} ${(p.heap / MB).toFixed(0)} MB from ${p.from}`;
    assert.equal(p.basis, 'project', label);
    assert.ok(p.predicted >= p.measured, `${label}: predicted ${(p.predicted / MB).toFixed(0)} MB < measured ${(p.measured / MB).toFixed(0)} MB`);
    // never worse than pricing the worst shape, when the profile's own snapshot was within it (every first one here)
    if (p.from.endsWith('#1')) assert.ok(p.predicted <= p.defaultPredicted + 1, `${label}: ${(p.predicted / MB).toFixed(0)} MB > default ${(p.defaultPredicted / MB).toFixed(0)} MB`);
    // a sibling's heap of about the profile's size (the same size: the profile from the second snapshot)
    if (p.heap <= p.fromHeap * 1.02 && p.heap >= 0.7 * p.fromHeap) {
      near++;
      assert.ok(p.predicted <= Math.max(1.5 * p.measured, p.measured + 20 * MB), `${label}: ${(p.predicted / p.measured).toFixed(2)}x`);
    }
    rows.push(`${label}: ${(p.predicted / p.measured).toFixed(2)}x`);
  }
  assert.ok(near >= 30, `${near} pairs near the profile's heap`);
  if (process.env.HEAPSCOPE_TEST_VERBOSE) console.log(rows.join('\n'));
});

test('the project profile: bad samples are dropped, own learning wins, an empty or malformed profile changes nothing', () => {
  const [first, second] = loadRuns().get('small')!.find((r) => r[0]!.mb === 50)!;
  const sample = sampleOf([first!, second!], 0);
  const model = new SnapshotCostModel();
  const fresh = model.forecast(shapeOf(first!));
  assert.equal(fresh.basis, 'default');
  for (const bad of [
    { ...sample, writerBytes: Number.NaN },
    { ...sample, writerBytes: -1 },
    { ...sample, heapUsed: Number.POSITIVE_INFINITY },
    { ...sample, writerBytes: sample.heapUsed * 2000 },
    { ...sample, largeObjects: sample.heapUsed * 2 },
    { ...sample, pauseMs: '12' },
    { heapUsed: sample.heapUsed },
    null,
    'x',
  ]) {
    assert.equal(model.adoptProfile([bad]), 0, JSON.stringify(bad));
    assert.equal(model.forecast(shapeOf(first!)).basis, 'default');
  }
  assert.equal(model.adoptProfile('not a list'), 0);
  assert.equal(model.adoptProfile([{ ...sample, writerBytes: 0 }, sample]), 1);
  const project = model.forecast(shapeOf(first!));
  assert.equal(project.basis, 'project');
  assert.equal(project.reusableBytes, 0);
  assert.ok(project.peakRssDelta >= first!.peakRssDelta && project.peakRssDelta < fresh.peakRssDelta, `${project.peakRssDelta / MB} MB vs ${fresh.peakRssDelta / MB} MB`);
  // heap beyond the profile's is priced at the worst shape: at least what the costliest objects
  // measured without long arrays (boxed numbers, short strings) cost per byte
  const worstPerByte = Math.max(...['numchunks 50', 'strchunks 50'].map((k) => runs.get(k)![0]!).map((m) => m.peakRssDelta / m.heapUsed));
  const bigger = model.forecast({ ...shapeOf(first!), heapUsed: first!.heapUsed + 100 * MB });
  assert.ok(bigger.peakRssDelta - project.peakRssDelta >= 100 * MB * worstPerByte);
  // this process's own snapshot: the profile no longer counts, even a new one
  model.learn(shapeOf(first!), project, first!);
  model.adoptProfile([{ ...sample, writerBytes: sample.writerBytes * 10 }]);
  const own = model.forecast(shapeOf(second!));
  assert.equal(own.basis, 'learned');
  const alone = new SnapshotCostModel();
  alone.learn(shapeOf(first!), alone.forecast(shapeOf(first!)), first!);
  assert.equal(own.peakRssDelta, alone.forecast(shapeOf(second!)).peakRssDelta);
});

test("the headroom refusal names the project's processes as the basis of its prediction", () => {
  const model = new SnapshotCostModel();
  const heap = process.memoryUsage().heapUsed;
  // a sibling with twice this heap whose snapshot cost 40x it
  model.adoptProfile([{ heapUsed: 2 * heap, largeObjects: 0, writerBytes: 80 * heap, pauseMs: 1000, at: Date.now() }]);
  const rss = process.memoryUsage.rss();
  const check = checkHeadroom({ factor: 1, maxHeapFraction: 1, memoryLimit: rss + 5 * MB }, model);
  assert.equal(check.forecast.basis, 'project');
  assert.match(check.refusal ?? '', /predicted from \d+ MB of heap used, snapshots of this project's other processes\) but only \d+ MB is available: room under HEAPSCOPE_MEMORY_LIMIT/);
});
