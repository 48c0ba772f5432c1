// The dashboard's per-project cost profiles: what it keeps from agents' measured snapshots, what it
// refuses, and that a dashboard opening the same storage later has them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COST_PROFILE_SAMPLES } from '../../src/protocol/index.js';
import { CostProfiles } from '../../src/dashboard/cost-profiles.js';
import { DirStorage } from '../../src/dashboard/storage.js';
import { tempDir } from './support.js';

const MB = 1024 * 1024;
const cost = (i: number) => ({ pauseMs: 100 + i, peakRssDelta: 300 * MB, heapUsed: (20 + i) * MB, largeObjects: MB, writerBytes: (300 + i) * MB });

test('cost profiles: the last samples per project, nonsense refused, kept in the storage', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const profiles = new CostProfiles(new DirStorage(tmp.dir));
  await profiles.open();
  assert.equal(profiles.get('api'), undefined);
  // an older agent (no writer bytes), a peak it could not measure, numbers that make no sense
  for (const bad of [{ pauseMs: 1, peakRssDelta: MB }, { ...cost(0), writerBytes: undefined }, { ...cost(0), writerBytes: Number.NaN }, { ...cost(0), heapUsed: -1 }, { ...cost(0), writerBytes: 1e6 * 20 * MB }]) {
    assert.equal(await profiles.record('api', bad), undefined, JSON.stringify(bad));
  }
  assert.equal(profiles.get('api'), undefined);
  for (let i = 0; i < COST_PROFILE_SAMPLES + 3; i++) await profiles.record('api', cost(i), 1000 + i);
  await profiles.record('billing', cost(0));
  const api = profiles.get('api')!;
  assert.equal(api.length, COST_PROFILE_SAMPLES);
  assert.deepEqual(api.at(-1), { heapUsed: (20 + COST_PROFILE_SAMPLES + 2) * MB, largeObjects: MB, writerBytes: (300 + COST_PROFILE_SAMPLES + 2) * MB, pauseMs: 100 + COST_PROFILE_SAMPLES + 2, at: 1000 + COST_PROFILE_SAMPLES + 2 });
  // another dashboard's samples are checked too
  assert.equal(profiles.apply('api', [{ heapUsed: 'x' }]), undefined);
  assert.equal(profiles.get('api')!.length, COST_PROFILE_SAMPLES);

  const reopened = new CostProfiles(new DirStorage(tmp.dir));
  await reopened.open();
  assert.deepEqual(reopened.get('api'), api);
  assert.equal(reopened.get('billing')?.length, 1);
});
