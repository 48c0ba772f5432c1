// DevTools' Comparison view by object id, and the `heapscope diff` CLI end to end (text, JSON,
// clear errors on bad input).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { analyzeSnapshot, type HeapAnalysis } from '../../src/engine/index.js';
import { compareAnalyses, diagnose, type HeapReport } from '../../src/diagnosis/index.js';
import { renderDiagnosisText } from '../../src/report/index.js';
import { appPath, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

const run = promisify(execFile);
const cli = resolve(import.meta.dirname, '../../dist/cli/main.js');
let dir: string;
let files: string[];
let a: HeapAnalysis[];

before(async () => {
  dir = makeTempDir();
  files = await takeSnapshots(appPath('global-cache'), { count: 3, warmup: 4, workPerStep: 4, dir });
  a = [];
  for (const f of files) a.push(await analyzeSnapshot(f));
});
after(() => removeTempDir(dir));

describe('comparison by object id', () => {
  test('a snapshot against itself: nothing new, nothing deleted', () => {
    const c = compareAnalyses(a[0], a[0]);
    assert.equal(c.rows.length, 0);
    assert.equal(c.totals.newCount! + c.totals.deletedCount!, 0);
  });

  test('first vs last: the cached arrays are new, reversed they are deleted', () => {
    const c = compareAnalyses(a[0], a[2]);
    const arr = c.rows.find((r) => r.name === 'Array')!;
    assert.ok(arr.newCount! - arr.deletedCount! >= 8, JSON.stringify(arr));
    assert.ok(arr.sizeDelta >= 8 * 800_000, JSON.stringify(arr));
    for (const r of c.rows) {
      assert.equal(r.deltaCount, r.newCount! - r.deletedCount!);
      assert.equal(r.sizeDelta, r.allocSize! - r.freedSize!);
    }
    const back = compareAnalyses(a[2], a[0]);
    const rev = back.rows.find((r) => r.name === 'Array')!;
    assert.equal(rev.newCount, arr.deletedCount);
    assert.equal(rev.deletedCount, arr.newCount);
    assert.equal(back.totals.sizeDelta, -c.totals.sizeDelta);
  });

  test('text rendering fits 100 columns', () => {
    const r: HeapReport = diagnose(a[2], { top: 5 });
    const text = renderDiagnosisText(r);
    assert.match(text, /_cached/);
    for (const line of text.split('\n')) assert.ok(line.length <= 100, `too wide: ${line}`);
  });
});

describe('heapscope diff', () => {
  test('text: comparison, growth and suspects', async () => {
    const { stdout } = await run(process.execPath, [cli, 'diff', ...files, '--no-progress']);
    assert.match(stdout, /Comparison \(snapshot 1 → 3/);
    assert.match(stdout, /Growing across snapshots\n 1\. context of arrayLeak \(global-cache\.cjs:\d+\) → _cached/);
    assert.match(stdout, /entries: 4 → 8 → 12/);
    assert.match(stdout, /Suspected leaks/);
  });

  test('--json: the public contract', async () => {
    const { stdout } = await run(process.execPath, [cli, 'diff', files[0], files[2], '--json', '--no-progress']);
    const r = JSON.parse(stdout) as HeapReport;
    assert.equal(r.kind, 'diff');
    assert.equal(r.snapshots!.length, 2);
    assert.equal(r.growth, undefined); // growth needs 3+ snapshots
    const s = r.suspects[0];
    for (const k of ['id', 'type', 'name', 'retainedSize', 'share', 'path', 'chain', 'referenceList', 'keys', 'cause']) assert.ok(k in s, k);
    assert.ok(r.comparison!.rows.length > 0);
  });

  test('bad input: one clear line, no stack trace', async () => {
    const bad = resolve(dir, 'bad.heapsnapshot');
    writeFileSync(bad, '{"not": "a snapshot"}');
    for (const args of [[files[0]], [files[0], resolve(dir, 'missing.heapsnapshot')], [files[0], bad]]) {
      const err = await run(process.execPath, [cli, 'diff', ...args, '--no-progress']).then(() => null, (e: { code: number; stderr: string }) => e);
      assert.ok(err, `diff ${args} should fail`);
      assert.notEqual(err.code, 0);
      assert.match(err.stderr, /^heapscope: /);
      assert.doesNotMatch(err.stderr, /\n\s+at /);
    }
  });
});
