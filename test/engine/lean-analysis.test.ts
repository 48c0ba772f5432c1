// An analysis without distances (AnalyzeOptions.distances: false, what diff makes of an earlier
// snapshot in growth): the worker skips distances and the Summary's class counts, and everything
// else is exactly the whole analysis's, on a real snapshot read and analysed on two threads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSnapshot } from '../../src/engine/index.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

let dir: string;
before(() => {
  dir = makeTempDir();
});
after(() => removeTempDir(dir));

test('two-core analysis without distances: the same tree, sizes and classes', async () => {
  const [file] = await takeSnapshots(appPath('map-cache'), { count: 1, workPerStep: 100, dir });
  const whole = await analyzeSnapshot(file, { parallel: true, twoCores: true });
  const messages: { type: string; counts?: unknown }[] = [];
  const lean = await analyzeSnapshot(file, {
    parallel: true,
    twoCores: true,
    distances: false,
    onWorker: (w) => w.on('message', (m: { type: string }) => messages.push(m)),
  });
  assert.ok(messages.some((m) => m.type === 'tree'), 'the worker indexed the dominator tree');
  assert.ok(messages.some((m) => m.type === 'counts' && m.counts === null), 'the worker counted no classes');
  assert.ok(lean.distance.every((d) => d === 0), 'no distances');
  assert.ok(whole.distance.some((d) => d !== 0));
  for (const k of ['dominator', 'retainedSize', 'firstDominated', 'dominated', 'classIndex', 'flags'] as const) {
    assert.deepEqual(Array.from(lean[k]), Array.from(whole[k]), k);
  }
  assert.deepEqual(Array.from(lean.graph.selfSize), Array.from(whole.graph.selfSize), 'shallow sizes');
  assert.equal(lean.totalSize, whole.totalSize);
  assert.deepEqual(lean.statistics, whole.statistics);
  assert.deepEqual(lean.largest, whole.largest);
});
