// More leak shapes than the seeds: many small objects in a Map, intervals never cleared, an
// emitter gaining a listener per request; and a healthy app whose cache plateaus (no finding).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runLeak } from './helpers.js';

describe('more leak shapes', { concurrency: 2 }, () => {
  test('map cache of many small objects is found (no single big object)', async () => {
    const { report } = await runLeak('map-cache', 100, 100);
    const s = report.suspects.find((x) => x.keys.includes('responseCache'));
    assert.ok(s, `suspects: ${report.suspects.map((x) => x.owner)}`);
    assert.equal(s.collection?.kind, 'map');
    assert.equal(s.collection?.count, 3000);
    assert.equal(s.cause?.kind, 'unbounded-collection');
    const g = report.growth![0];
    assert.match(g.owner, /^context of cachedHandler \(map-cache\.cjs:\d+\) → responseCache$/);
    assert.deepEqual(g.counts, [1000, 2000, 3000]);
    assert.equal(g.cause?.kind, 'unbounded-collection');
  });

  test('intervals never cleared keep their callbacks data', async () => {
    const { report } = await runLeak('timer-leak', 20, 20);
    const s = report.suspects[0];
    assert.equal(s.cause?.kind, 'timer');
    assert.match(s.cause!.title, /60 live timers calling pollJobStatus/);
    const g = report.growth!.find((x) => x.cause?.kind === 'timer');
    assert.ok(g, `growth: ${report.growth!.map((x) => `${x.owner} ${x.cause?.kind}`)}`);
  });

  test('emitter gaining a listener per request', async () => {
    const { report } = await runLeak('emitter-listener', 30, 30);
    const g = report.growth![0];
    assert.equal(g.owner, 'ConfigBus → _events → config-changed');
    assert.equal(g.cause?.kind, 'listener-leak');
    assert.deepEqual(g.counts, [30, 60, 90]);
    assert.ok(g.locations.length === 0 || g.locations.every((l) => l.line > 0));
    assert.match(g.cause!.explanation, /`onConfigChanged` \(emitter-listener\.cjs:\d+\)/);
  });

  test('healthy app with a plateaued LRU cache: no growth finding', async () => {
    // warm up past the cache's 200 entries, then steady state
    const { report } = await runLeak('healthy', 300, 150);
    assert.deepEqual(report.growth!.map((g) => `${g.owner} ${g.counts}`), []);
    // its suspects carry no leak cause either
    assert.ok(report.suspects.every((s) => s.cause === null), report.suspects.map((s) => s.cause?.title).join('; '));
  });
});
