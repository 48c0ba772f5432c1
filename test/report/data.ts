// Report objects for the viewer tests, shaped exactly like src/diagnosis/types.ts. They model
// the seed's closure leak (Route → stack → [0] → Layer → handle → closureLeak → context → theThing …).
import type { ChainNode, ComparisonRow, HeapReport, Suspect, TreeNode } from '../../src/diagnosis/types.js';
import type { ClassSummary } from '../../src/engine/types.js';

let nextId = 100001;
function node(type: string, name: string, retainedSize: number, edge = '', edgeType = '', isSuspect = false): ChainNode {
  return { id: (nextId += 2), type, name, selfSize: Math.min(retainedSize, 64), retainedSize, edge, edgeType, isSuspect };
}
function tree(n: ChainNode, children: TreeNode[] = [], childCount = children.length): TreeNode {
  return { ...n, children, childCount };
}

/** The seed's closure-leak chain: `depth` generations of theThing → someMethod → context → leak. */
export function closureSuspect(depth = 4): Suspect {
  const MB = 8_000_000;
  const route = node('object', 'Route', depth * MB + 4000, '', '', true);
  const stack = node('array', 'Array', depth * MB + 3000, 'stack', 'property');
  const layer = node('object', 'Layer', depth * MB + 2500, '0', 'element');
  const handler = node('closure', 'closureLeak', depth * MB + 2000, 'handle', 'property');
  const ctx = node('object', 'system / Context', depth * MB + 1500, 'context', 'internal');
  const chain: ChainNode[] = [route, stack, layer, handler, ctx];
  // Side objects: siblings that make the graph more than a line (expandable ones have children).
  const side = (parentName: string, n: number): TreeNode[] =>
    Array.from({ length: n }, (_, i) => tree(node('object', `${parentName}Part${i}`, 2000 - i * 100, `part${i}`, 'property'), [tree(node('string', `leaf${i}`, 40, 'text', 'property'))]));
  let edge = 'theThing';
  let edgeType = 'context';
  const gens: ChainNode[][] = [];
  for (let g = 0; g < depth; g++) {
    const size = (depth - g) * MB;
    const thing = node('object', 'Object', size, edge, edgeType);
    const method = node('closure', 'someMethod', size - 100, 'someMethod', 'property');
    const mctx = node('object', 'system / Context', size - 200, 'context', 'internal');
    gens.push([thing, method, mctx]);
    chain.push(thing, method, mctx);
    edge = 'leak';
    edgeType = 'context';
  }
  // Build the dominator subtree: the chain, with a longStr array and side objects hanging off it.
  let tail: TreeNode | null = null;
  for (let g = depth - 1; g >= 0; g--) {
    const [thing, method, mctx] = gens[g];
    const mctxT = tree(mctx, tail ? [tail] : []);
    const methodT = tree(method, [mctxT]);
    const longStr = tree(node('array', 'Array', MB - 300, 'longStr', 'property'), [], 1000000);
    tail = tree(thing, [methodT, longStr]);
  }
  const ctxT = tree(ctx, [tail!]);
  const handlerT = tree(handler, [ctxT, ...side('handler', 2)]);
  const layerT = tree(layer, [handlerT, ...side('layer', 3)]);
  const stackT = tree(stack, [layerT]);
  const rootT = tree(route, [stackT, ...side('route', 2)]);
  const keys = ['stack', 'handle', 'closureLeak', 'theThing', 'someMethod', 'leak'];
  const path = [node('synthetic', '(GC roots)', 0), node('object', 'Router', route.retainedSize + 100, 'router', 'property'), { ...route, edge: 'stack', edgeType: 'element' }];
  return {
    id: route.id,
    type: route.type,
    name: route.name,
    selfSize: route.selfSize,
    retainedSize: route.retainedSize,
    share: 0.91,
    distance: 7,
    owner: 'app._router → stack → [0] → route',
    path,
    chain,
    tree: rootT,
    referenceList: [],
    pathReferenceList: [],
    keys,
    locations: [{ scriptId: 42, script: '/srv/app.js', line: 23, column: 9, functionName: 'closureLeak' }],
    cause: {
      kind: 'closure-context-chain',
      title: 'Closure context chain',
      explanation: 'Each new theThing keeps someMethod, whose context holds leak: the previous theThing.',
      fix: 'Do not capture `leak` in a closure that outlives replaceThing (or set it to null).',
    },
  };
}

export function listenerSuspect(): Suspect {
  const socket = node('object', 'Socket', 3_000_000, '', '', true);
  const events = node('object', 'EventHandlers', 2_900_000, '_events', 'property');
  const arr = node('array', 'Array', 2_800_000, 'connect', 'property');
  const listeners = Array.from({ length: 6 }, (_, i) => tree(node('closure', 'callbackListener', 400_000 - i, String(i), 'element')));
  return {
    id: socket.id, type: 'object', name: 'Socket', selfSize: 200, retainedSize: socket.retainedSize, share: 0.05, distance: 5,
    owner: 'Socket → _events → connect',
    path: [node('synthetic', '(GC roots)', 0), { ...socket, edge: 'client', edgeType: 'context' }],
    chain: [socket, events, arr],
    tree: tree(socket, [tree(events, [tree(arr, listeners, 5000)])]),
    referenceList: [], pathReferenceList: [],
    keys: ['_events', 'connect'], locations: [],
    collection: { kind: 'listeners', count: 5000, entryClass: 'callbackListener' },
    cause: { kind: 'listener-leak', title: 'Listener array keeps growing', explanation: '_events.connect holds 5000 listeners.', fix: 'Remove the listener, or add it once.' },
  };
}

export function manyClasses(n: number): ClassSummary[] {
  return Array.from({ length: n }, (_, i) => ({ name: `Class${String(i).padStart(5, '0')}`, count: (i * 7919) % 1000 + 1, distance: (i % 9) + 1, selfSize: ((i * 104729) % 50000) + 16, retainedSize: ((i * 1299709) % 900000) + 32 }));
}

export function comparisonRows(n: number): ComparisonRow[] {
  return Array.from({ length: n }, (_, i) => {
    const newCount = (i * 31) % 200;
    const deletedCount = (i * 17) % 150;
    return { name: `Cmp${i}`, newCount, deletedCount, deltaCount: newCount - deletedCount, allocSize: newCount * 48, freedSize: deletedCount * 40, sizeDelta: newCount * 48 - deletedCount * 40 };
  });
}

export function syntheticReport(opts: { classes?: number } = {}): HeapReport {
  const suspects = [closureSuspect(), listenerSuspect()];
  const total = 40_000_000;
  const rows = comparisonRows(300);
  const sum = (k: keyof Omit<ComparisonRow, 'name'>) => rows.reduce((s, r) => s + (r[k] ?? 0), 0);
  return {
    version: 1,
    kind: 'diff',
    generatedAt: new Date(0).toISOString(),
    snapshot: { file: '/tmp/c.heapsnapshot', nodeCount: 412345, edgeCount: 1654321, totalSize: total },
    snapshots: [
      { file: '/tmp/a.heapsnapshot', nodeCount: 300000, edgeCount: 1200000, totalSize: 20_000_000 },
      { file: '/tmp/b.heapsnapshot', nodeCount: 360000, edgeCount: 1400000, totalSize: 30_000_000 },
      { file: '/tmp/c.heapsnapshot', nodeCount: 412345, edgeCount: 1654321, totalSize: total },
    ],
    statistics: { total, native: { total: 3_000_000, typedArrays: 1_000_000 }, v8heap: { total: 37_000_000, code: 2_000_000, jsArrays: 20_000_000, strings: 5_000_000, system: 4_000_000 } },
    classes: manyClasses(opts.classes ?? 12_000),
    suspects,
    comparison: {
      base: 0, target: 2, rows,
      totals: { newCount: sum('newCount'), deletedCount: sum('deletedCount'), deltaCount: sum('deltaCount'), allocSize: sum('allocSize'), freedSize: sum('freedSize'), sizeDelta: sum('sizeDelta') },
    },
    growth: [
      {
        owner: 'context of arrayLeak (app.js:12) → _cached', kind: 'collection', id: 777, type: 'array', name: 'Array',
        counts: [10, 20, 30], sizes: [8_000_000, 16_000_000, 24_000_000], growth: 16_000_000,
        path: [], referenceList: ["[closure] (arrayLeak::@771) ' context", "---> [object] (system / Context::@773) ' _cached", '---> [array] (Array::@777)'],
        keys: ['arrayLeak', '_cached'], locations: [{ scriptId: 3, script: '/srv/app.js', line: 12, column: 3, functionName: 'arrayLeak' }],
        cause: { kind: 'unbounded-collection', title: 'Unbounded collection', explanation: '_cached only grows.', fix: 'Bound or evict the cache.' },
      },
    ],
  };
}
