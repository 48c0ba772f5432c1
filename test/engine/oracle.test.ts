// heapscope's engine against Chrome DevTools' own heap snapshot worker (the oracle), node by node:
// on real snapshots of real child processes and on hand-written graphs for the edge cases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithOracle } from '../support/oracle-compare.js';
import { ensureOracle } from '../support/oracle.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';
import { ephemeronEdge, jsHeap, writeSnapshot, type NodeSpec } from '../support/synthetic.js';

let dir: string;
before(async () => {
  dir = makeTempDir();
  await ensureOracle();
});
after(() => removeTempDir(dir));

async function assertMatchesOracle(file: string) {
  const { problems, oracle } = await compareWithOracle(file);
  assert.ok(oracle.nodeCount > 0);
  if (problems.length) assert.fail(`heapscope differs from DevTools on ${file}:\n${problems.join('\n')}`);
}

describe('real snapshots match DevTools', () => {
  // [app, units of leak work before the snapshot]
  const apps: [string, number][] = [
    ['plain', 10],
    ['http-load', 50],
    ['closure-leak', 15],
    ['socket-reconnect', 300],
    ['global-cache', 10],
    ['map-cache', 100],
    ['keepalive-listener', 30],
  ];
  for (const [app, work] of apps) {
    test(app, async () => {
      const [file] = await takeSnapshots(appPath(app), { count: 1, workPerStep: work, dir });
      await assertMatchesOracle(file);
    });
  }
});

describe('hand-written graphs match DevTools', () => {
  test('weak-only retained nodes, unreachable and reachable cycles, self edges', async () => {
    const specs = jsHeap({
      globalEdges: [
        ['property', 'a', 'A'],
        ['weak', 'w', 'W'],
      ],
      nodes: [
        { key: 'A', type: 'object', name: 'A', id: 101, size: 32, edges: [['property', 'child', 'B'], ['property', 'self', 'A'], ['property', 'cyc', 'D1'], ['weak', 'wb', 'W2']] },
        { key: 'B', type: 'object', name: 'B', id: 103, size: 16 },
        { key: 'W', type: 'object', name: 'WeakOnly', id: 105, size: 24, edges: [['property', 'x', 'W2']] },
        { key: 'W2', type: 'object', name: 'WeakOnly', id: 107, size: 8 },
        { key: 'C1', type: 'object', name: 'Cycle', id: 109, size: 40, edges: [['property', 'next', 'C2'], ['property', 'a', 'A']] },
        { key: 'C2', type: 'object', name: 'Cycle', id: 111, size: 40, edges: [['property', 'next', 'C1']] },
        { key: 'D1', type: 'object', name: 'Ring', id: 113, size: 20, edges: [['property', 'next', 'D2']] },
        { key: 'D2', type: 'object', name: 'Ring', id: 115, size: 20, edges: [['property', 'next', 'D1'], ['property', 'b', 'B']] },
      ],
    });
    await assertMatchesOracle(writeSnapshot(dir, 'weak-cycles', specs));
  });

  test('WeakMap ephemeron edges from the table and from the key', async () => {
    const T = 301;
    const K1: NodeSpec = { key: 'K1', type: 'object', name: 'Key', id: 311, size: 16 };
    const V1: NodeSpec = { key: 'V1', type: 'object', name: 'Value', id: 313, size: 100 };
    const K2: NodeSpec = { key: 'K2', type: 'object', name: 'Key', id: 321, size: 16 };
    const V2: NodeSpec = { key: 'V2', type: 'object', name: 'Value', id: 323, size: 200 };
    const K3: NodeSpec = { key: 'K3', type: 'object', name: 'Key', id: 331, size: 16 };
    const V3: NodeSpec = { key: 'V3', type: 'object', name: 'Value', id: 333, size: 300 };
    const e1 = ephemeronEdge(1, K1, V1, T);
    const e2 = ephemeronEdge(3, K2, V2, T);
    const e3 = ephemeronEdge(5, K3, V3, T);
    K1.edges = [['internal', e1, 'V1']];
    K2.edges = [['internal', e2, 'V2']];
    K3.edges = [['internal', e3, 'V3']];
    const specs = jsHeap({
      globalEdges: [
        ['property', 'wm', 'WM'],
        ['property', 'k1', 'K1'],
        ['property', 'p1', 'P1'],
      ],
      nodes: [
        { key: 'WM', type: 'object', name: 'WeakMap', id: 201, size: 24, edges: [['internal', 'table', 'T']] },
        {
          key: 'T', type: 'array', name: 'system / EphemeronHashTable', id: T, size: 128,
          edges: [
            ['weak', 0, 'K1'], ['internal', e1, 'V1'],
            ['weak', 2, 'K2'], ['internal', e2, 'V2'],
            ['weak', 4, 'K3'], ['internal', e3, 'V3'],
          ],
        },
        K1, V1, K2, V2, K3, V3,
        // K2 sits deeper than the table: V2's distance must be key's + 1, not table's + 1.
        { key: 'P1', type: 'object', name: 'Holder', id: 401, size: 8, edges: [['property', 'p2', 'P2']] },
        { key: 'P2', type: 'object', name: 'Holder', id: 403, size: 8, edges: [['property', 'p3', 'P3']] },
        { key: 'P3', type: 'object', name: 'Holder', id: 405, size: 8, edges: [['property', 'k2', 'K2']] },
      ],
    });
    await assertMatchesOracle(writeSnapshot(dir, 'weakmap', specs));
  });

  test('shortcut edges from the root and elsewhere, system-only retainers, owned arrays', async () => {
    const specs = jsHeap({
      // a second user root (another context's global), reached only through a root shortcut
      rootEdges: [['shortcut', 3, 'G2']],
      strongEdges: [['internal', 'sys', 'SYS']],
      globalEdges: [
        ['property', 'a', 'A'],
        ['property', 'shared', 'SH'],
      ],
      nodes: [
        { key: 'G2', type: 'object', name: 'Window', id: 9, size: 40, edges: [['property', 'g2child', 'G2C'], ['property', 'shared', 'SH']] },
        { key: 'G2C', type: 'object', name: 'Child', id: 501, size: 12 },
        // A reaches S through a hidden node and also by a (non-root) shortcut, which must not dominate
        { key: 'A', type: 'object', name: 'A', id: 503, size: 32, edges: [['shortcut', 'sc', 'S'], ['internal', 'elements', 'ARR'], ['hidden', 1, 'H'], ['internal', 'shared_arr', 'SARR']] },
        { key: 'H', type: 'hidden', name: 'system / Hidden', id: 505, size: 16, edges: [['internal', 's', 'S']] },
        { key: 'S', type: 'object', name: 'Shortcutted', id: 507, size: 24 },
        { key: 'ARR', type: 'array', name: '(object elements)', id: 509, size: 64 },
        { key: 'SARR', type: 'array', name: '(object elements)', id: 511, size: 48 },
        { key: 'SH', type: 'object', name: 'Shared', id: 513, size: 10, edges: [['internal', 'arr', 'SARR']] },
        // retained only from (Strong roots): system distance; its edge to the page-owned A is skipped
        { key: 'SYS', type: 'object', name: 'SystemThing', id: 515, size: 56, edges: [['property', 'a', 'A'], ['property', 'own', 'SYSC']] },
        { key: 'SYSC', type: 'object', name: 'SystemChild', id: 517, size: 8 },
      ],
    });
    await assertMatchesOracle(writeSnapshot(dir, 'shortcuts', specs));
  });

  test('map descriptors: descriptor links skipped for distance', async () => {
    const specs = jsHeap({
      globalEdges: [['property', 'o', 'O']],
      nodes: [
        { key: 'O', type: 'object', name: 'Obj', id: 601, size: 24, edges: [['internal', 'map', 'MAP']] },
        { key: 'MAP', type: 'hidden', name: 'system / Map', id: 603, size: 80, edges: [['internal', 'descriptors', 'DESC']] },
        {
          key: 'DESC', type: 'array', name: '(map descriptors)', id: 605, size: 96,
          edges: [['element', 0, 'N0'], ['element', 2, 'KEY'], ['element', 3, 'TYPE'], ['element', 4, 'VAL']],
        },
        { key: 'N0', type: 'number', name: 'heap number', id: 607, size: 16 },
        { key: 'KEY', type: 'string', name: 'x', id: 609, size: 20 },
        { key: 'TYPE', type: 'object', name: 'FieldType', id: 611, size: 12 },
        { key: 'VAL', type: 'object', name: 'DescValue', id: 613, size: 12 },
      ],
    });
    await assertMatchesOracle(writeSnapshot(dir, 'descriptors', specs));
  });

  test('detached native nodes: detachedness propagates to native children and renames them', async () => {
    const specs = jsHeap({
      globalEdges: [['property', 'w', 'W1'], ['property', 'd', 'D1']],
      nodes: [
        { key: 'W1', type: 'object', name: 'Wrapper', id: 701, size: 16, edges: [['internal', 'native', 'N1']] },
        { key: 'N1', type: 'native', name: 'Node / Attached', id: 703, size: 64, detachedness: 1, edges: [['property', 'child', 'N3']] },
        { key: 'D1', type: 'object', name: 'Wrapper', id: 705, size: 16, edges: [['internal', 'native', 'N2']] },
        { key: 'N2', type: 'native', name: 'Node / Thing', id: 707, size: 64, detachedness: 2, edges: [['property', 'child', 'N4'], ['property', 'js', 'J1'], ['weak', 'w', 'N5']] },
        { key: 'N3', type: 'native', name: 'Node / Child', id: 709, size: 32 },
        { key: 'N4', type: 'native', name: 'Node / Child', id: 711, size: 32, edges: [['property', 'grandchild', 'N6']] },
        { key: 'J1', type: 'object', name: 'JsBehindNative', id: 713, size: 8, edges: [['property', 'n', 'N7']] },
        { key: 'N5', type: 'native', name: 'Node / Child', id: 715, size: 32 },
        { key: 'N6', type: 'native', name: 'Node / Thing', id: 717, size: 24 },
        { key: 'N7', type: 'native', name: 'Node / Thing', id: 719, size: 24 },
      ],
    });
    await assertMatchesOracle(writeSnapshot(dir, 'detached', specs));
  });
});
