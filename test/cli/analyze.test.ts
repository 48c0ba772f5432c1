// `heapscope analyze` and `heapscope path` as a user runs them: the built CLI on a real snapshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { analyzeSnapshot, summarize, nodeById } from '../../src/engine/index.js';
import { renderHtmlReport } from '../../src/report/index.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
let dir: string;
let file: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapscope-cli-'));
  file = join(dir, 'app.heapsnapshot');
  execFileSync(process.execPath, ['-e', `
    class Session { constructor(i) { this.id = 'sess-' + i; this.payload = new Array(200).fill(i); } }
    globalThis.sessionStore = { sessions: [] };
    for (let i = 0; i < 3000; i++) globalThis.sessionStore.sessions.push(new Session(i));
    require('v8').writeHeapSnapshot(${JSON.stringify(file)});
  `]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

test('analyze --json: the public contract, agreeing with the engine', async () => {
  const r = cli('analyze', file, '--json', '--top', '7');
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  for (const k of ['nodeCount', 'edgeCount', 'totalSize', 'statistics', 'classes', 'largest']) assert.ok(k in doc, `has ${k}`);
  const a = await analyzeSnapshot(file);
  assert.equal(doc.nodeCount, a.graph.nodeCount);
  assert.equal(doc.totalSize, a.totalSize);
  assert.deepEqual(doc.statistics, a.statistics);
  assert.equal(doc.classes.length, 7);
  assert.deepEqual(doc.classes, summarize(a).slice(0, 7));
  for (let i = 1; i < doc.classes.length; i++) assert.ok(doc.classes[i - 1].retainedSize >= doc.classes[i].retainedSize);
  assert.equal(doc.largest.length, 7);
  // a HeapReport too: what the HTML viewer and the dashboard open (it used to lack "snapshot")
  assert.equal(doc.kind, 'analyze');
  assert.deepEqual(doc.snapshot, { file, nodeCount: a.graph.nodeCount, edgeCount: a.graph.edgeCount, totalSize: a.totalSize });
  assert.ok(Array.isArray(doc.suspects));
  assert.match(renderHtmlReport(doc), /id="heapscope-data"/);
  for (const o of doc.largest) {
    for (const k of ['id', 'type', 'name', 'selfSize', 'retainedSize', 'distance']) assert.ok(k in o);
    assert.notEqual(o.type, 'synthetic');
    assert.equal(o.retainedSize, a.retainedSize[nodeById(a, o.id)]);
  }
  // the session array is among the largest, reached through the global's sessionStore
  const sessions = doc.largest.find((o: { name: string; path?: string }) => o.name === 'Array' && o.path?.includes("' sessions"));
  assert.ok(sessions, JSON.stringify(doc.largest.map((o: { name: string }) => o.name)));
  assert.match(sessions.path, /\[object\] \(global::@\d+\) ' sessionStore\n---> \[object\] \(\{sessions\}::@\d+\) ' sessions\n---> \[object\] \(Array::@\d+\)/);
});

test('analyze text output: heap status, classes, largest objects with paths', () => {
  const r = cli('analyze', file, '--top', '5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Heap Status/);
  assert.match(r.stdout, /Top classes by retained size/);
  assert.match(r.stdout, /Session\s+3000\s/);
  assert.match(r.stdout, /Largest objects by retained size/);
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a TTY');
});

test('path @id prints the retainer path from the roots', async () => {
  const a = await analyzeSnapshot(file);
  let session = -1;
  for (let i = 0; i < a.graph.nodeCount && session < 0; i++) if (a.graph.strings.get(a.graph.nodeName[i]) === 'Session' && a.graph.nodeType[i] === a.graph.types.nodeObject) session = i;
  const id = a.graph.nodeId[session];
  const r = cli('path', file, `@${id}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`' sessionStore\\n---> .*' sessions\\n---> \\[object\\] \\(Array::@\\d+\\) ' \\[\\d+\\]\\n---> \\[object\\] \\(Session::@${id}\\)`));
  const j = cli('path', file, String(id), '--json');
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.path.at(-1).id, id);
  assert.equal(doc.path.at(-1).edgeType, 'element');
});

test('bad input: one clear line on stderr, non-zero exit, no stack trace', () => {
  const bad = join(dir, 'bad.heapsnapshot');
  writeFileSync(bad, '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"]]},"node_count":2,"edge_count":0},"nodes":[0,0,1,0,0,0,0,3');
  for (const [args, msg] of [
    [['analyze', bad], /heapscope: snapshot is truncated: input ended inside "nodes" \(read 7 values\) \(at byte \d+\)/],
    [['analyze', join(dir, 'missing.heapsnapshot')], /heapscope: cannot read .*missing\.heapsnapshot: no such file/],
    [['analyze', file, '--top', 'lots'], /positive whole number/],
    [['path', file, '@999999999'], /no object @999999999/],
    [['path', file, 'abc'], /not an object id/],
  ] as [string[], RegExp][]) {
    const r = cli(...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
