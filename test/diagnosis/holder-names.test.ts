// A holder is named by what the user wrote. An http server whose request handler logs every
// request in a module-level array and adds a 'close' listener to the server per request: from the
// roots, the server is held by Node's own connection-check timer (`checkConnections.bind(server)`,
// a function V8 calls `native_bind`), which is no name a user knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLeak } from './helpers.js';
import type { HeapAnalysis } from '../../src/engine/index.js';
import { ownerName } from '../../src/diagnosis/describe.js';
import { pathFromRoots } from '../../src/diagnosis/suspects.js';

test('a server held by a bound timer callback is named by the variable and handler that hold it', async () => {
  const { analyses, report } = await runLeak('server-listeners', 100, 100);
  const a = analyses[2];
  const g = a.graph;
  const servers: number[] = [];
  for (let n = 0; n < g.nodeCount; n++) if (g.nodeType[n] === g.types.nodeObject && g.strings.get(g.nodeName[n]) === 'Server') servers.push(n);
  // the instance, not http.Server's prototype: the one holding the 'close' listeners
  const server = servers.reduce((x, y) => (a.retainedSize[y] > a.retainedSize[x] ? y : x));
  const hops = pathFromRoots(a, server);
  const names = hops.map((h) => g.strings.get(g.nodeName[h.node]));
  assert.ok(names.includes('native_bind'), `the path no longer passes a bound function: ${names.join(' → ')}`);
  assert.match(ownerName(a, hops), /^context of handleRequest \(server-listeners\.cjs:\d+\) → server$/);
  // the report: each leak named in the user's words, nothing by V8's name for bound functions
  const findings = [...report.suspects, ...report.growth!];
  const owners = findings.map((f) => f.owner).join('\n');
  assert.doesNotMatch(owners, /native_bind/);
  const listeners = report.suspects.find((s) => s.cause?.kind === 'listener-leak');
  assert.equal(listeners?.owner, 'Server → _events → close', owners);
  assert.match(listeners.cause!.title, /^Listener leak: 300 'close' listeners on one Server$/);
  const array = report.suspects.find((s) => s.keys.includes('recentRequests'));
  assert.match(array?.owner ?? '', /^context of handleRequest \(server-listeners\.cjs:\d+\) → recentRequests$/, owners);
  assert.equal(array!.cause?.kind, 'unbounded-collection');
  // a scope of Node's own (queueMicrotask's, holding `process`) is no name either: `process` is the
  // global the user knows, which Node defines as a getter (`get process` → its scope → `_process`)
  const proc = findNode(a, (n) => g.nodeType[n] === g.types.nodeObject && g.strings.get(g.nodeName[n]) === 'process');
  const procHops = pathFromRoots(a, proc);
  assert.equal(ownerName(a, procHops), 'global → process', procHops.map((h) => h.edge).join(' → '));
  // nor is `process` a suspect: what it holds is Node's (its build config), but the harness's one listener
  assert.deepEqual(report.suspects.filter((s) => s.name === 'process').map((s) => s.owner), []);
  for (const owner of owners.split('\n')) {
    for (const [, where] of owner.matchAll(/context of [^(]*\(([^)]*)\)/g)) assert.match(where, /^server-listeners\.cjs:\d+$/, owner);
  }
});

function findNode(a: HeapAnalysis, match: (n: number) => boolean): number {
  for (let n = 0; n < a.graph.nodeCount; n++) if (match(n)) return n;
  throw new Error('no such node');
}
