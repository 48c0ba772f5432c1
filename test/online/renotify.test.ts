// When a known finding notifies again (findings.ts decideNotification): only when it got worse than
// when someone last heard of it, a mute that expires, and the bounds (interval, per day). The rule
// is pure; the store's acknowledge/mute is exercised on a real data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { FindingStore, RENOTIFY, decideNotification, projectMsToLimit, type Finding } from '../../src/dashboard/findings.js';

const MB = 1024 * 1024;
const H = 3600_000;
const T0 = Date.UTC(2026, 0, 1);

function finding(heapUsed = 100 * MB, bytesPerMinute = 2 * MB): Finding {
  const heapLimit = 4096 * MB;
  return {
    signature: 'abcdef0123456789', project: 'orders-api', processes: [], detectedAt: T0, updatedAt: T0, state: 'open',
    bytesPerMinute, series: 'heap', heapUsed, heapLimit, projectedMsToLimit: projectMsToLimit(heapUsed, heapLimit, bytesPerMinute),
    reason: 'test', owner: 'Map registry', cause: { kind: 'unbounded-collection', title: 'a collection that only grows' },
    keys: [], referenceList: [], locations: [], sizes: [], counts: [], reportId: 'r1',
  };
}
/** The finding's trend as a later detection reports it. */
function grow(f: Finding, heapUsed: number, bytesPerMinute = f.bytesPerMinute): void {
  f.heapUsed = heapUsed;
  f.bytesPerMinute = bytesPerMinute;
  f.projectedMsToLimit = projectMsToLimit(heapUsed, f.heapLimit, bytesPerMinute);
}

test('a new finding notifies; the same leak growing a little does not; 1.5x the heap after 6 h does, once', () => {
  const f = finding();
  assert.equal(decideNotification(f, true, T0), 'new');
  grow(f, 130 * MB);
  assert.equal(decideNotification(f, false, T0 + 7 * H), undefined, '+30 % is not news');
  grow(f, 160 * MB);
  assert.equal(decideNotification(f, false, T0 + 1 * H), undefined, 'worse, but within 6 h of the last notice');
  assert.match(decideNotification(f, false, T0 + 7 * H)!, /heap 100\.0 MB -> 160\.0 MB since the last notice/);
  assert.equal(decideNotification(f, false, T0 + 14 * H), undefined, 'measured from the last notice now (160 MB)');
  assert.deepEqual(f.notifiedAt, [T0, T0 + 7 * H]);
});

test('acknowledged: silent until it is worse than when it was acknowledged, then back to open', async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'heapscope-renotify-'));
  try {
    const store = new FindingStore(dir);
    await store.open();
    const f = finding();
    decideNotification(f, true, T0);
    await store.put(f);
    grow(f, 140 * MB);
    await store.setState(f.signature, 'acknowledged', T0 + 8 * H); // acknowledged at 140 MB
    grow(f, 190 * MB);
    assert.equal(decideNotification(f, false, T0 + 9 * H), undefined, '190 MB is 1.36x what was acknowledged');
    assert.equal(f.state, 'acknowledged');
    grow(f, 190 * MB, 5 * MB);
    assert.match(decideNotification(f, false, T0 + 9 * H)!, /rate 2\.0 MB\/min -> 5\.0 MB\/min since it was acknowledged/);
    assert.equal(f.state, 'open', 'on the banner again');
    // Persisted with its bookkeeping.
    await store.put(f);
    const again = new FindingStore(dir);
    await again.open();
    assert.deepEqual(again.findings.get(f.signature)!.notifiedAt, [T0, T0 + 9 * H]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close to the heap limit: notifies within the hour, and not every hour after', () => {
  const f = finding(3000 * MB, 20 * MB); // limit in ~55 min
  f.projectedMsToLimit = undefined;
  decideNotification(f, true, T0);
  f.baseline = { heapUsed: 3000 * MB, bytesPerMinute: 5 * MB, at: T0 }; // notified while it was slower
  grow(f, 3000 * MB, 20 * MB);
  assert.equal(decideNotification(f, false, T0 + 30 * 60_000), undefined, 'an hour between notices even when urgent');
  assert.match(decideNotification(f, false, T0 + H)!, /rate/);
  grow(f, 3100 * MB, 20 * MB);
  assert.equal(decideNotification(f, false, T0 + 2 * H), undefined, 'urgent already at the last notice: no news');
});

test('a mute lasts 24 h; detected again after that, the finding reopens and notifies', async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'heapscope-renotify-'));
  try {
    const store = new FindingStore(dir);
    await store.open();
    const f = finding();
    decideNotification(f, true, T0);
    await store.put(f);
    await store.setState(f.signature, 'muted', T0 + H);
    assert.equal(f.mutedUntil, T0 + H + RENOTIFY.muteMs);
    grow(f, 500 * MB, 10 * MB);
    assert.equal(decideNotification(f, false, T0 + 20 * H), undefined, 'muted: silent however bad');
    assert.match(decideNotification(f, false, T0 + 26 * H)!, /the mute expired 1 h 0 min ago and the leak is still detected/);
    assert.equal(f.state, 'open');
    assert.equal(f.mutedUntil, undefined);
    // An old finding muted before mutes expired stays muted.
    const legacy = finding();
    legacy.state = 'muted';
    assert.equal(decideNotification(legacy, false, T0 + 100 * H), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('at most 4 notifications of one finding in any 24 h, whatever the policy interval', () => {
  const f = finding(10 * MB);
  const policy = { ...RENOTIFY, minIntervalMs: 0 };
  decideNotification(f, true, T0, policy);
  let sent = 1;
  for (let i = 1; i <= 10; i++) {
    grow(f, f.heapUsed * 2);
    if (decideNotification(f, false, T0 + i * 60_000, policy)) sent++;
  }
  assert.equal(sent, 4);
  grow(f, f.heapUsed * 2);
  assert.ok(decideNotification(f, false, T0 + 25 * H, policy), 'the next day it may again');
  assert.ok(f.notifiedAt!.length <= 4, 'bounded bookkeeping');
});
