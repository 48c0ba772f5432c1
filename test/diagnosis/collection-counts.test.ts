// Growth reads the entry count of every collection of each snapshot in one pass by string index
// (collectionCounter); it must answer what collectionInfo answers node by node, on a real heap
// with Maps, Sets, Arrays and objects used as maps (the app's and Node's own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSnapshot } from '../../src/engine/index.js';
import { collectionCounts, collectionInfo } from '../../src/diagnosis/collections.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

test('one pass of collection counts equals collectionInfo for every node', async () => {
  const dir = makeTempDir();
  try {
    const [file] = await takeSnapshots(appPath('map-cache'), { count: 1, dir });
    const a = await analyzeSnapshot(file);
    const counts = collectionCounts(a.graph);
    const kinds = new Map<string, number>();
    for (let n = 0; n < a.graph.nodeCount; n++) {
      const info = collectionInfo(a, n, false);
      assert.equal(counts[n], info?.count ?? 0, `node @${a.graph.nodeId[n]} (${a.graph.strings.get(a.graph.nodeName[n])}, ${info?.kind})`);
      if (info && info.count > 0) kinds.set(info.kind, (kinds.get(info.kind) ?? 0) + 1);
    }
    // every kind of collection was there to compare
    assert.deepEqual([...kinds.keys()].sort(), ['array', 'map', 'object', 'set'], JSON.stringify([...kinds]));
  } finally {
    removeTempDir(dir);
  }
});
