// The .cpuprofile model: self time from samples/timeDeltas, total time with recursion counted once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCpuModel, CpuProfileError, type CpuProfile } from '../../src/report/index.js';

const frame = (functionName: string, url = '/app.js', lineNumber = 0) => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 4 });

test('self and total time come from samples and timeDeltas; recursion counts once', () => {
  // (root) -> a -> a' (recursive a) -> b ; (root) -> c
  const profile: CpuProfile = {
    startTime: 1000,
    endTime: 1060,
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
      { id: 2, callFrame: frame('a', '/app.js', 9), children: [3] },
      { id: 3, callFrame: frame('a', '/app.js', 9), children: [4] },
      { id: 4, callFrame: frame('b', '/lib.js', 2) },
      { id: 5, callFrame: frame('c', '/app.js', 20) },
    ],
    // Samples at t = 1000, 1010, 1030, 1040, 1050 (each lasts until the next; the last until endTime).
    samples: [4, 4, 3, 5, 2],
    timeDeltas: [0, 10, 20, 10, 10],
  };
  const m = buildCpuModel(profile);
  const fn = (name: string) => m.functions.find((f) => f.name === name)!;
  assert.equal(m.duration, 60);
  assert.equal(fn('b').self, 30); // 10 + 20
  assert.equal(fn('a').self, 10 + 10); // node 3 (10) + node 2 (10, the last sample to endTime)
  assert.equal(fn('c').self, 10);
  assert.equal(fn('a').total, 50, 'a recursing into itself must not be counted twice');
  assert.equal(fn('b').line, 3, 'lines are shown 1-based');
  assert.equal(m.sampleCount, 5);
  // Flame frames tile their parent: children start where the previous sibling ends.
  const root = m.frames[0];
  assert.equal(root.total, 60);
  const kids = m.frames.filter((f) => f.parent === 0);
  assert.deepEqual(kids.map((k) => [k.name, k.start, k.total]), [['a', 0, 50], ['c', 50, 10]]);
  assert.equal(m.maxDepth, 3);
});

test('profiles with only hitCount spread the wall time over the hits', () => {
  const m = buildCpuModel({
    startTime: 0,
    endTime: 100,
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2], hitCount: 0 },
      { id: 2, callFrame: frame('work'), hitCount: 3, children: [3] },
      { id: 3, callFrame: frame('inner'), hitCount: 1 },
    ],
  });
  assert.equal(m.functions.find((f) => f.name === 'work')!.self, 75);
  assert.equal(m.functions.find((f) => f.name === 'work')!.total, 100);
});

test('anything that is not a profile is a clear error', () => {
  assert.throws(() => buildCpuModel({} as CpuProfile), CpuProfileError);
  assert.throws(() => buildCpuModel({ nodes: [{ id: 1 }] } as unknown as CpuProfile), /callFrame/);
});

test('idle, program and GC pseudo-frames are set aside by default, and shown on request', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 100,
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('(program)', '') },
      { id: 4, callFrame: frame('(garbage collector)', '') },
      { id: 5, callFrame: frame('handler', '/app.js', 3) },
    ],
    samples: [2, 2, 2, 2, 2, 2, 3, 4, 5, 5],
    timeDeltas: [0, 10, 10, 10, 10, 10, 10, 10, 10, 10],
  };
  const hidden = buildCpuModel(profile);
  assert.deepEqual(hidden.pseudo, { '(idle)': 60, '(program)': 10, '(garbage collector)': 10 });
  assert.equal(hidden.duration, 20, 'the activity only');
  assert.deepEqual(hidden.functions.filter((f) => f.name !== '(root)').map((f) => f.name), ['handler']);
  assert.ok(hidden.frames.every((f) => !f.name.startsWith('(') || f.name === '(root)'));
  const shown = buildCpuModel(profile, { showPseudo: true });
  assert.equal(shown.duration, 100);
  assert.equal(shown.functions.find((f) => f.name === '(idle)')!.self, 60);
  assert.equal(shown.pseudoShown, true);
});
