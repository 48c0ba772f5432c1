// The drill-down queries (engine/query/explore.ts) on a real snapshot of a real child process,
// checked against what the app built and against DevTools' own Retainers / Containment lists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { analyzeSnapshot, summarize, type HeapAnalysis } from '../../src/engine/index.js';
import { classInstances, exploreSubset, findNode, firstRetainerChain, objectEdges, objectRetainers } from '../../src/engine/query/explore.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';
import { oracleLists } from '../support/oracle-explore.js';

let dir: string;
let file: string;
let a: HeapAnalysis;
const SESSIONS = 30;

before(async () => {
  dir = makeTempDir();
  [file] = await takeSnapshots(appPath('session-store'), { count: 1, workPerStep: SESSIONS, dir });
  a = await analyzeSnapshot(file);
});
after(() => removeTempDir(dir));

describe('drill-down on a real snapshot', () => {
  test('instances of a class: the Summary row\'s objects, largest retained first, paged', () => {
    const row = summarize(a).find((c) => c.name === 'Session');
    assert.ok(row, 'Session is a Summary row');
    const first = classInstances(a, 'Session', { limit: 10 });
    assert.equal(first.total, row.count);
    assert.equal(first.total, SESSIONS);
    assert.equal(first.items.length, 10);
    const rest = classInstances(a, 'Session', { offset: 10, limit: 100 });
    assert.equal(rest.items.length, SESSIONS - 10);
    const all = [...first.items, ...rest.items];
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].retainedSize >= all[i].retainedSize, 'sorted by retained size');
    assert.equal(new Set(all.map((n) => n.id)).size, SESSIONS, 'pages do not overlap');
    // payloads grow with n: the largest Session is the last made, and it has the user name to prove it
    const top = all[0];
    assert.equal(top.className, 'Session');
    assert.ok(top.distance > 0 && top.distance < 100, `distance ${top.distance}`);
    const edges = objectEdges(a, findNode(a, `@${top.id}`), { limit: 100 }).items;
    const byName = new Map(edges.map((e) => [e.edge, e]));
    assert.equal(byName.get('user')?.node.value, JSON.stringify(`user-${SESSIONS}`));
    assert.equal(byName.get('active')?.node.value, String(SESSIONS % 2 === 0));
    // without exposeNumericValues V8 keeps the double in-object (a nameless `heap number`)
    assert.equal(edges.filter((e) => e.node.type === 'number').every((e) => e.node.value === undefined), true);
    assert.equal(byName.get('payload')?.node.name, 'Array');
    for (let i = 1; i < edges.length; i++) assert.ok(edges[i - 1].node.retainedSize >= edges[i].node.retainedSize);
  });

  test('numbers show their value when the snapshot has them (exposeNumericValues)', async () => {
    const numbers = join(dir, 'numbers.heapsnapshot');
    const script = `class Reading { constructor(v) { this.value = v; this.ok = false; } }
      globalThis.kept = [new Reading(1.25), new Reading(-7.5)];
      require('v8').writeHeapSnapshot(${JSON.stringify(numbers)}, { exposeNumericValues: true });`;
    await promisify(execFile)(process.execPath, ['-e', script]);
    const b = await analyzeSnapshot(numbers);
    const values = classInstances(b, 'Reading').items.map((r) => objectEdges(b, findNode(b, r.id)).items.filter((e) => e.edge === 'value' || e.edge === 'ok').map((e) => `${e.edge}=${e.node.value}`).sort().join(' '));
    assert.deepEqual(values.sort(), ['ok=false value=-7.5', 'ok=false value=1.25']);
  });

  test('the first-retainer chain of an instance reaches the store and the GC roots', () => {
    const top = classInstances(a, 'Session', { limit: 1 }).items[0];
    const chain = firstRetainerChain(a, findNode(a, top.id));
    const names = chain.map((n) => a.graph.strings.get(a.classIndex[n]));
    assert.ok(names.includes('SessionStore'), `chain: ${names.join(' <- ')}`);
    const last = chain[chain.length - 1];
    assert.equal(a.distance[last], 1, 'ends at a GC root (distance 1)');
    // the store's retainers name the module variable or the global property
    const store = chain[names.indexOf('SessionStore')];
    const edges = objectRetainers(a, store).items.map((r) => r.edge);
    assert.ok(edges.includes('sessionStore'), `store retained by ${edges.join(', ')}`);
  });

  test('retainers and references match DevTools\' lists (order, edges, objects)', { timeout: 120_000 }, async () => {
    const top = classInstances(a, 'Session', { limit: 1 }).items[0];
    const chain = firstRetainerChain(a, findNode(a, top.id)).map((n) => a.graph.nodeId[n]);
    const strings = classInstances(a, '(string)', { limit: 3 }).items.map((n) => n.id);
    const ids = [...new Set([...chain, ...strings])];
    const oracle = await oracleLists(file, ids);
    for (const id of ids) {
      const o = oracle[id];
      assert.ok(o, `DevTools knows @${id}`);
      const node = findNode(a, id);
      const mine = objectRetainers(a, node, { limit: 500 }).items.map((e) => ({ edge: e.edge, edgeType: e.edgeType, id: e.node.id }));
      assert.deepEqual(mine, o.retainers.slice(0, 500), `retainers of @${id}`);
      const refs = objectEdges(a, node, { limit: 500 }).items.map((e) => ({ edge: e.edge, edgeType: e.edgeType, id: e.node.id }));
      assert.deepEqual(refs, o.edges.slice(0, 500), `references of @${id}`);
    }
  });

  test('the offline subset is bounded and carries each instance\'s chain', () => {
    const classes = summarize(a, 5).map((c) => c.name);
    const s = exploreSubset(a, [...classes, 'Session'], { classes: 6, instances: 3, rows: 4, depth: 8 });
    assert.ok(Object.keys(s.classes).length <= 6);
    for (const p of Object.values(s.classes)) assert.ok(p.items.length <= 3);
    for (const p of [...Object.values(s.retainers), ...Object.values(s.edges)]) assert.ok(p.items.length <= 4);
    const top = s.classes.Session!.items[0];
    assert.ok(s.retainers[top.id], 'the top Session\'s retainers are in');
    let id = top.id;
    const seen: string[] = [];
    for (let hop = 0; hop < 8 && s.retainers[id]?.items.length; hop++) {
      const first = s.retainers[id]!.items[0];
      seen.push(first.node.className);
      id = first.node.id;
    }
    assert.ok(seen.includes('SessionStore'), `offline chain: ${seen.join(' <- ')}`);
    assert.ok(JSON.stringify(s).length < 200_000);
  });
});
