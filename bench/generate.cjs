// Builds a realistic object graph (objects, arrays, closures, Maps, Sets, class instances, strings,
// long linked chains) in this process until a heap snapshot of it would be about TARGET_MB, then
// writes that snapshot to OUT.  usage: node --max-old-space-size=16000 generate.cjs TARGET_MB OUT [EARLIER...]
// Each EARLIER file gets a snapshot of the same process taken before OUT, 2% of the units apart
// (oldest first): a series that grows at every step, for `diff` and growth in the bench.
'use strict';
const v8 = require('node:v8');
const fs = require('node:fs');

const [targetMB, out, ...earlier] = [Number(process.argv[2]), ...process.argv.slice(3)];
if (!(targetMB > 0) || !out) {
  console.error('usage: generate.cjs TARGET_MB OUT [EARLIER...]');
  process.exit(2);
}

class Session {
  constructor(id, user) {
    this.id = id;
    this.user = user;
    this.startedAt = Date.now() + id * 0.5; // a heap number
    this.events = [];
  }
}

const users = new Map();
const sessionsByDay = Object.create(null);
const handlers = [];
const tagSet = new Set();
const lru = { head: null, length: 0 };
const buffers = [];
const state = { users, sessionsByDay, handlers, tagSet, lru, buffers };
globalThis.__benchState = state;

let n = 0;
function unit() {
  const id = n++;
  const user = { id, name: `user-${id}`, email: `u${id}@example.test`, tags: ['a', `t${id % 50}`, 'b'], profile: { age: id % 90, score: id / 7 } };
  users.set(`u:${id}`, user);
  const s = new Session(id, user);
  s.events.push({ type: 'login', at: id }, { type: 'view', path: `/p/${id % 1000}` });
  const day = `d${id % 365}`;
  (sessionsByDay[day] ??= []).push(s);
  // a closure whose context keeps the session alive
  const label = `handler for ${id}`;
  handlers.push(function onEvent(e) {
    return label.length + s.events.length + (e ? 1 : 0);
  });
  if (id % 10 === 0) tagSet.add(`tag-${id}`);
  // a long chain: deep dominator trees and retainer paths
  lru.head = { key: id, value: user.profile, next: lru.head };
  lru.length++;
  if (id % 1000 === 0) buffers.push(new Float64Array(64));
}

function snapshotSize(file) {
  v8.writeHeapSnapshot(file);
  const size = fs.statSync(file).size;
  fs.unlinkSync(file);
  return size;
}

// Calibrate: snapshot bytes per unit, then build the rest and write the real one. A unit's bytes
// grow with its id's digits, so a second probe halfway measures the rate where the rest is built
// (one probe alone came out 5% over: 524 MB for 500).
const probe = `${out}.probe`;
const target = targetMB * 1e6;
const base = snapshotSize(probe);
const CAL = 20000;
for (let i = 0; i < CAL; i++) unit();
const atCal = snapshotSize(probe);
let perUnit = (atCal - base) / CAL;
let want = Math.max(0, Math.round((target - base) / perUnit));
const half = Math.round(want / 2);
if (half > CAL * 2) {
  for (let i = n; i < half; i++) unit();
  const atHalf = snapshotSize(probe);
  perUnit = (atHalf - atCal) / (half - CAL);
  want = half + Math.max(0, Math.round((target - atHalf) / perUnit));
}
const step = Math.round(want * 0.02);
for (const [k, file] of earlier.entries()) {
  const upTo = want - step * (earlier.length - k);
  for (let i = n; i < upTo; i++) unit();
  v8.writeHeapSnapshot(file);
}
for (let i = n; i < want; i++) unit();
v8.writeHeapSnapshot(out);
console.log(JSON.stringify({ units: n, bytes: fs.statSync(out).size, perUnit: Math.round(perUnit) }));
