// The seeds' leak programs (001: closure context chain, socket reconnect, global cache; 002:
// implicit/explicit globals, keepAlive socket listeners), each run as a real child process with 3
// snapshots while the leak proceeds: the top findings must name the right owner, keys and cause.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runLeak } from './helpers.js';

describe('seed leaks are found and named', { concurrency: 2 }, () => {
  test('closure context chain: theThing / someMethod / leak', async () => {
    const { report } = await runLeak('closure-leak', 10, 10);
    const s = report.suspects[0];
    assert.equal(s.cause?.kind, 'closure-context-chain');
    for (const k of ['theThing', 'someMethod', 'leak']) assert.ok(s.keys.includes(k), `keys ${s.keys} lack ${k}`);
    assert.match(s.owner, /theThing$/);
    assert.ok(s.share > 0.5, `suspect holds ${s.share} of the heap`);
    // the seed's notation, hop by hop: Object ' someMethod ---> [closure] (someMethod::@id) ' context ...
    assert.match(s.referenceList[0], /^\[object\] \(Object::@\d+\) ' someMethod$/);
    assert.match(s.referenceList[1], /^---> \[closure\] \(someMethod::@\d+\) ' context$/);
    assert.match(s.referenceList[2], /^---> \[object\] \(system \/ Context::@\d+\) ' leak$/);
    assert.match(s.pathReferenceList.at(-2)!, /' theThing$/);
    // closures on the chain point at the source
    assert.ok(s.locations.some((l) => l.functionName === 'someMethod' && /closure-leak\.cjs$/.test(l.script ?? '') && l.line > 1));
    const g = report.growth![0];
    // the module scope's closures all share its context: it is named after the first in the source
    assert.match(g.owner, /^context of replaceThing \(closure-leak\.cjs:10\) → theThing$/);
    assert.equal(g.cause?.kind, 'closure-context-chain');
    assert.ok(g.sizes[2] > g.sizes[1] && g.sizes[1] > g.sizes[0]);
  });

  test('socket reconnect: Socket → _events → connect listeners', async () => {
    const { report } = await runLeak('socket-reconnect', 100, 100);
    const g = report.growth![0];
    assert.equal(g.owner, 'Socket → _events → connect');
    assert.equal(g.kind, 'listeners');
    assert.equal(g.cause?.kind, 'listener-leak');
    assert.ok(g.keys.includes('_events') && g.keys.includes('connect'), `keys ${g.keys}`);
    assert.ok(g.counts[0] < g.counts[1] && g.counts[1] < g.counts[2], `counts ${g.counts}`);
    assert.ok(g.counts[2] - g.counts[0] >= 150, `counts ${g.counts}`);
    assert.match(g.referenceList.at(-3)!, /\(Socket::@\d+\) ' _events$/);
    assert.match(g.referenceList.at(-2)!, /' connect$/);
    assert.match(g.referenceList.at(-1)!, /^---> \[object\] \(Array::@\d+\)$/);
  });

  test('global cache: _cached grows without bound', async () => {
    const { report } = await runLeak('global-cache', 5, 5);
    const s = report.suspects[0];
    assert.match(s.owner, /^context of arrayLeak \(global-cache\.cjs:\d+\) → _cached$/);
    assert.equal(s.keys[0], '_cached');
    assert.equal(s.cause?.kind, 'unbounded-collection');
    assert.equal(s.collection?.kind, 'array');
    assert.equal(s.collection?.count, 15);
    const g = report.growth![0];
    assert.equal(g.owner, s.owner);
    assert.deepEqual(g.counts, [5, 10, 15]);
    assert.equal(g.cause?.kind, 'unbounded-collection');
  });

  test('implicit and explicit globals: leakedItems, requestLog', async () => {
    const { report } = await runLeak('implicit-global', 50, 50);
    const s = report.suspects[0];
    assert.equal(s.owner, 'global → leakedItems');
    assert.equal(s.cause?.kind, 'global-variable');
    assert.match(s.cause!.title, /leakedItems/);
    const owners = report.growth!.map((g) => g.owner);
    assert.ok(owners.includes('global → leakedItems') && owners.includes('global → requestLog'), `growth: ${owners}`);
    for (const g of report.growth!.filter((x) => x.owner.startsWith('global →'))) assert.equal(g.cause?.kind, 'global-variable');
    // the standard globals of the app (setTimeout, process, ...) are not findings
    assert.ok(!report.growth!.some((g) => /setTimeout|process/.test(g.owner)));
  });

  test('keepAlive agent: close listeners pile up on the reused socket', async () => {
    const { report } = await runLeak('keepalive-listener', 30, 30);
    const s = report.suspects.find((x) => x.cause?.kind === 'listener-leak');
    assert.ok(s, `no listener suspect in ${report.suspects.map((x) => x.owner)}`);
    assert.equal(s.owner, 'Socket → _events → close');
    assert.match(s.cause!.title, /\d+ 'close' listeners on one Socket/);
    const g = report.growth!.find((x) => x.owner === 'Socket → _events → close');
    assert.ok(g, `growth: ${report.growth!.map((x) => x.owner)}`);
    assert.equal(g.cause?.kind, 'listener-leak');
    assert.ok(g.counts[2] >= 90);
  });
});
