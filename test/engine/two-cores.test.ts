// The two-core analysis (shallow sizes and distances in a worker over shared arrays) must give
// exactly what the single-thread passes give, on a real snapshot of a real child process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnapshot, summarize, type HeapGraph } from '../../src/engine/index.js';
import { analyzeGraph, analyzeGraphAsync } from '../../src/engine/analyze.js';
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
  const serial = analyzeGraph(await loadSnapshot(file));
  const g = shared(await loadSnapshot(file));
  const phases: string[] = [];
  const parallel = await analyzeGraphAsync(g, { twoCores: true, onProgress: (p) => phases.push(p.phase) });
  assert.ok(parallel.distance.buffer instanceof SharedArrayBuffer, 'distances were written to shared memory');
  assert.ok(phases.includes('dominators') && phases.includes('names'));
  for (const k of ['dominator', 'retainedSize', 'distance', 'firstDominated', 'dominated', 'classIndex', 'flags'] as const) {
    assert.deepEqual(Array.from(parallel[k]), Array.from(serial[k]), k);
  }
  assert.deepEqual(Array.from(parallel.graph.selfSize), Array.from(serial.graph.selfSize), 'shallow sizes');
  assert.deepEqual(parallel.statistics, serial.statistics);
  assert.deepEqual(summarize(parallel), summarize(serial));
});
