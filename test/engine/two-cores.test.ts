// The two-core analysis (flags, essential edges, the retainer index, distances and the dominated
// index in a worker over shared arrays) must give exactly what the single-thread passes give, on a
// real snapshot of a real child process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnapshot, summarize, largestNodes, type HeapGraph } from '../../src/engine/index.js';
import { largestByRetained } from '../../src/engine/query/largest.js';
import { analyzeGraph } from '../../src/engine/analyze.js';
import { loadUnindexed } from '../../src/engine/parse/load.js';
import { propagateDomState } from '../../src/engine/passes/domstate.js';
import { computeFlags } from '../../src/engine/passes/flags.js';
import { findEphemeronEdgeNames } from '../../src/engine/passes/weakmap.js';
import { computeEssentialEdges, computeEssentialRange } from '../../src/engine/passes/essential.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

let dir: string;
before(() => {
  dir = makeTempDir();
});
after(() => removeTempDir(dir));

/** The graph with every typed array moved into shared memory (as the parallel parser leaves it). */
function shared(g: HeapGraph): HeapGraph {
  const out: Record<string, unknown> = { ...g };
  for (const [k, v] of Object.entries(g)) {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as Uint8Array;
      const copy = new (a.constructor as Uint8ArrayConstructor)(new SharedArrayBuffer(a.byteLength));
      copy.set(a);
      out[k] = copy;
    }
  }
  return out as unknown as HeapGraph;
}

test('worker passes agree with the single-thread passes on every node', async () => {
  const [file] = await takeSnapshots(appPath('map-cache'), { count: 1, workPerStep: 100, dir });
  const serial = await analyzeGraph(await loadSnapshot(file), { twoCores: false });
  const g = shared(await loadSnapshot(file));
  const phases: string[] = [];
  const messages: { type: string; counts?: unknown }[] = [];
  const parallel = await analyzeGraph(g, {
    twoCores: true,
    onProgress: (p) => phases.push(p.phase),
    onWorker: (w) => w.on('message', (m: { type: string }) => messages.push(m)),
  });
  assert.ok(messages.some((m) => m.type === 'counts' && m.counts), 'the worker counted the classes');
  assert.ok(parallel.distance.buffer instanceof SharedArrayBuffer, 'distances were written to shared memory');
  assert.ok(phases.includes('dominators') && phases.includes('names'));
  for (const k of ['dominator', 'retainedSize', 'distance', 'firstDominated', 'dominated', 'classIndex', 'flags'] as const) {
    assert.deepEqual(Array.from(parallel[k]), Array.from(serial[k]), k);
  }
  assert.deepEqual(Array.from(parallel.graph.selfSize), Array.from(serial.graph.selfSize), 'shallow sizes');
  assert.deepEqual(parallel.statistics, serial.statistics);
  assert.deepEqual(summarize(parallel), summarize(serial));
  await new Promise((r) => setTimeout(r, 50)); // (its last message)
  assert.ok(messages.some((m) => m.type === 'class-retained'), 'the worker summed the retained sizes by class');
  assert.deepEqual(parallel.graph.strings.toArray(), serial.graph.strings.toArray(), 'the worker added the same class names, in order');
  // the largest objects, found while the worker built the dominated index, as one scan finds them
  assert.deepEqual(largestNodes(parallel, 30), largestByRetained(serial.graph, serial.retainedSize, 30));
});

test('more classes than 16 bits number: the class counts fall back to 32-bit ids, on the worker and here', async () => {
  const [file] = await takeSnapshots(appPath('many-classes'), { count: 1, workPerStep: 1, dir });
  const serial = await analyzeGraph(await loadSnapshot(file), { twoCores: false });
  const rows = summarize(serial);
  assert.ok(rows.filter((r) => /^Shape\d+$/.test(r.name)).length > 32767, `${rows.length} classes`);
  const messages: { type: string; counts?: unknown }[] = [];
  const parallel = await analyzeGraph(shared(await loadSnapshot(file)), {
    twoCores: true,
    onWorker: (w) => w.on('message', (m: { type: string }) => messages.push(m)),
  });
  assert.ok(messages.some((m) => m.type === 'counts' && m.counts === null), 'the worker gave up on 16 bits');
  assert.deepEqual(summarize(parallel), rows);
});

test('the worker builds the retainer index while the dominator DFS runs, identical to the serial one', async () => {
  const [file] = await takeSnapshots(appPath('closure-leak'), { count: 1, workPerStep: 50, dir });
  const indexed = await loadSnapshot(file);
  const serial = await analyzeGraph(await loadSnapshot(file), { twoCores: false });
  const g = shared(await loadUnindexed(file));
  assert.equal(g.firstRetainer.length, 0, 'loaded without the index');
  const parallel = await analyzeGraph(g, { twoCores: true });
  assert.ok(g.firstRetainer.buffer instanceof SharedArrayBuffer, 'the worker filled shared arrays');
  for (const k of ['firstRetainer', 'retainerNode'] as const) {
    assert.deepEqual(Array.from(g[k]), Array.from(indexed[k]), k);
  }
  for (const k of ['dominator', 'retainedSize', 'distance', 'dominated'] as const) {
    assert.deepEqual(Array.from(parallel[k]), Array.from(serial[k]), k);
  }
  assert.deepEqual(parallel.statistics, serial.statistics);
});

test('a worker killed at any stage costs time, not the analysis: the main thread redoes what it had not delivered', async () => {
  const [file] = await takeSnapshots(appPath('map-cache'), { count: 1, workPerStep: 100, dir });
  const indexed = await loadSnapshot(file);
  const serial = await analyzeGraph(await loadSnapshot(file), { twoCores: false });
  let fellBack = 0;
  // 'posted': as the dominator tree is handed over, so the worker dies counting, waiting for the
  // main thread to free the memory of `dominated`, or filling it
  // 'tree': as it reports the dominated index, before it is asked for the retained sizes by class;
  // 'posted-classes': as it is asked, so it dies summing them (the Summary then waits for progress
  // that never comes, and sums them itself)
  const stages = ['online', 'ready', 'flags', 'essential', 'retainers', 'distances', 'classes', 'counts', 'done', 'posted', 'tree', 'posted-classes', 'class-retained'];
  for (const stage of stages) {
    const g = shared(await loadUnindexed(file));
    const seen: string[] = [];
    const parallel = await analyzeGraph(g, {
      twoCores: true,
      onWorker: (w) => {
        const kill = () => void w.terminate();
        if (stage === 'online') w.once('online', kill);
        if (stage === 'posted' || stage === 'posted-classes') {
          const post = w.postMessage.bind(w);
          w.postMessage = (m: unknown) => {
            post(m);
            if (stage === 'posted' || (m as { pending?: unknown }).pending) kill();
          };
        }
        w.on('message', (m: { type: string }) => {
          seen.push(m.type);
          if (m.type === stage) kill();
        });
      },
    });
    if (!seen.includes('tree')) fellBack++;
    for (const k of ['firstRetainer', 'retainerNode'] as const) assert.deepEqual(Array.from(g[k]), Array.from(indexed[k]), `${stage}: ${k}`);
    for (const k of ['dominator', 'retainedSize', 'distance', 'firstDominated', 'dominated', 'flags', 'classIndex'] as const) {
      assert.deepEqual(Array.from(parallel[k]), Array.from(serial[k]), `${stage}: ${k}`);
    }
    assert.deepEqual(parallel.statistics, serial.statistics, stage);
    assert.deepEqual(summarize(parallel), summarize(serial), `${stage}: class names`);
  }
  assert.ok(fellBack >= 2, `the worker was killed before it finished in ${fellBack} of ${stages.length} runs`);
});

test('the essential edges split at any multiple of 8 give the bits of one pass', async () => {
  const [file] = await takeSnapshots(appPath('map-cache'), { count: 1, workPerStep: 20, dir });
  const g = await loadSnapshot(file);
  propagateDomState(g);
  const flags = computeFlags(g);
  const eph = findEphemeronEdgeNames(g);
  const whole = computeEssentialEdges(g, flags, eph);
  const E = g.edgeCount;
  for (const split of [0, 8, Math.floor(E / 16) * 8, Math.floor(E / 8) * 8 - 8, Math.floor(E / 8) * 8]) {
    const bits = new Uint8Array(whole.essential.length);
    const low = new Uint8Array(whole.retained.length);
    const high = new Uint8Array(whole.retained.length);
    computeEssentialRange(g, flags, eph, bits, low, 0, split);
    computeEssentialRange(g, flags, eph, bits, high, split, E);
    assert.deepEqual(bits, whole.essential, `split at ${split}`);
    assert.deepEqual(low.map((b, i) => b | high[i]), whole.retained, `split at ${split}: retained`);
  }
});
