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
    // the headline is the user's callback, not Node's timer lists
    assert.match(s.owner, /^60 intervals calling pollJobStatus \(timer-leak\.cjs:\d+\)$/);
    assert.match(s.cause!.title, /^Timers never cleared: 60 intervals calling pollJobStatus/);
    assert.ok(!/^node:/.test(s.locations[0]?.script ?? ''), `first location is Node's: ${JSON.stringify(s.locations[0])}`);
    assert.ok(!['timerListMap', 'clearInterval', 'setInterval'].includes(s.keys[0]), `keys: ${s.keys}`);
    const g = report.growth!.find((x) => x.cause?.kind === 'timer');
    assert.ok(g, `growth: ${report.growth!.map((x) => `${x.owner} ${x.cause?.kind}`)}`);
    assert.match(g.owner, /intervals calling pollJobStatus \(timer-leak\.cjs:\d+\)$/);
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

describe('the right cause for the right object', () => {
  test('a growing array and a listener leak under one handler: two suspects, each its own cause', async () => {
    const { report } = await runLeak('handler-leaks', 100, 100);
    const describe = (xs: { owner: string; cause: { kind: string; title: string } | null }[]) => xs.map((x) => `${x.owner}: ${x.cause?.kind} ${x.cause?.title}`).join('\n');
    const array = report.suspects.find((s) => s.keys.includes('recentRequests'));
    const listeners = report.suspects.find((s) => s.cause?.kind === 'listener-leak');
    assert.ok(array && listeners && array !== listeners, `suspects:\n${describe(report.suspects)}`);
    assert.equal(array.collection?.count, 300);
    assert.equal(array.cause?.kind, 'unbounded-collection', describe([array]));
    assert.match(listeners.cause!.title, /^Listener leak: 300 'connect' listeners on one Socket$/);
    // what grows is named by its own cause, never the timer or emitter its path passes through
    const growth = report.growth!;
    assert.ok(growth.every((g) => g.cause?.kind !== 'timer'), describe(growth));
    const grownArray = growth.find((g) => g.keys.includes('recentRequests'));
    assert.ok(grownArray, describe(growth));
    assert.deepEqual(grownArray.counts, [100, 200, 300]);
    assert.equal(grownArray.cause?.kind, 'unbounded-collection');
    const grownListeners = growth.find((g) => g.cause?.kind === 'listener-leak');
    assert.ok(grownListeners, describe(growth));
    assert.match(grownListeners.cause!.title, /300 'connect' listeners on one Socket/);
    // one finding per leak: not again through the scope that holds both, nor a synthetic root
    assert.equal(growth.length, 2, describe(growth));
  });
});

test('an audit log kept in one string: a cause that says it grows by concatenation', async () => {
  const { report } = await runLeak('string-log', 200, 200);
  const s = report.suspects[0];
  assert.equal(s.cause?.kind, 'growing-string', `${s.owner}: ${s.cause?.title}`);
  assert.match(s.cause!.title, /^String grown by concatenation: `auditLog` holds [\d.]+ KB of text from 6\d\d concatenations$/);
  assert.equal(s.keys[0], 'auditLog');
  assert.match(s.cause!.fix, /auditLog = ''/);
  const g = report.growth!.find((x) => x.cause?.kind === 'growing-string');
  assert.ok(g, `growth: ${report.growth!.map((x) => `${x.owner} ${x.cause?.kind}`)}`);
  assert.match(g.owner, /auditLog/);
});
