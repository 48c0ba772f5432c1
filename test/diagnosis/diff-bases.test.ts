// `diff` from files keeps a compact base of each earlier snapshot (diagnosis/base.ts), not its
// analysis: the report must be the one made from every analysis held in memory, with ids kept and
// with ids reset from outside between snapshots (growth then reads the earlier files again to
// match collections by retainer path).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSnapshot, type HeapAnalysis } from '../../src/engine/index.js';
import { buildDiffReport, diffSnapshots, type HeapReport } from '../../src/diagnosis/index.js';
import { appPath, fixturesDir, makeTempDir, removeTempDir, takeSnapshots } from '../support/snapshot.js';

let dir: string;
const runs: Record<string, { files: string[]; analyses: HeapAnalysis[] }> = {};

before(async () => {
  dir = makeTempDir();
  const take = async (name: string, execArgv: string[] = []) => {
    mkdirSync(join(dir, name));
    const files = await takeSnapshots(appPath('handler-leaks'), { count: 3, warmup: 100, workPerStep: 100, dir: join(dir, name), execArgv });
    const analyses: HeapAnalysis[] = [];
    for (const f of files) analyses.push(await analyzeSnapshot(f));
    runs[name] = { files, analyses };
  };
  await take('kept');
  await take('reset', ['--require', join(fixturesDir, 'lib/reset-ids.cjs')]);
});
after(() => removeTempDir(dir));

/** The report without its timestamp. */
const stable = (r: HeapReport) => ({ ...r, generatedAt: '' });

describe('diff from files equals diff of analyses in memory', () => {
  for (const name of ['kept', 'reset']) {
    test(`${name} ids: two and three snapshots`, async () => {
      const { files, analyses } = runs[name];
      for (const pick of [[0, 2], [0, 1, 2]]) {
        const fromFiles = await diffSnapshots(pick.map((i) => files[i]), { top: 5 });
        const inMemory = buildDiffReport(pick.map((i) => analyses[i]), pick.map((i) => files[i]), { top: 5 });
        assert.deepEqual(stable(fromFiles), stable(inMemory));
        if (pick.length === 2) continue;
        // both leaks grow, matched by id, or by retainer path once ids were reset
        const growth = fromFiles.growth!;
        assert.deepEqual(growth.map((g) => g.counts), [[100, 200, 300], [100, 200, 300]], growth.map((g) => g.owner).join('\n'));
        assert.ok(growth.every((g) => g.matchedBy === (name === 'reset' ? 'path' : 'id')));
        assert.equal(fromFiles.idReset !== undefined, name === 'reset');
        assert.equal(fromFiles.comparison!.matchedBy, name === 'reset' ? 'class' : 'id');
      }
    });
  }
});
