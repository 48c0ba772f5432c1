// engine/memory.ts: a process of ours that allows it runs a full collection after a load, instead of
// carrying the load's garbage through the analysis's peak. Run in a child process: allowing it
// sets a V8 flag for the whole process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const memory = fileURLToPath(new URL('../../src/engine/memory.ts', import.meta.url));

test('allowGarbageCollection: collectGarbage runs a full collection; worker threads started later may collect too', () => {
  const script = `
    import { allowGarbageCollection, collectGarbage } from ${JSON.stringify(memory)};
    import { Worker } from 'node:worker_threads';
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    const gcs = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push({ at: e.startTime, major: e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR });
    });
    obs.observe({ entryTypes: ['gc'] });
    const majorsIn = (from, to) => gcs.filter((g) => g.major && g.at >= from && g.at <= to).length;
    const settle = () => new Promise((r) => setTimeout(r, 200));
    let t = performance.now();
    collectGarbage(); // not allowed yet: nothing to call, and no error
    const notAllowed = [t, performance.now()];
    allowGarbageCollection();
    t = performance.now();
    collectGarbage();
    const allowed = [t, performance.now()];
    await settle();
    const inWorker = await new Promise((resolve, reject) => {
      const w = new Worker('require("node:worker_threads").parentPort.postMessage(typeof gc)', { eval: true, execArgv: [] });
      w.once('message', resolve);
      w.once('error', reject);
    });
    obs.disconnect();
    console.log(JSON.stringify({ before: majorsIn(...notAllowed), after: majorsIn(...allowed), mainContext: typeof globalThis.gc, inWorker }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { before: number; after: number; mainContext: string; inWorker: string };
  assert.equal(r.before, 0, 'without permission collectGarbage does nothing');
  assert.ok(r.after >= 1, 'with it, a full (mark-compact) collection ran inside the call');
  assert.equal(r.mainContext, 'undefined', 'the main context gets no global gc');
  assert.equal(r.inWorker, 'function', 'a worker started afterwards can collect (the dashboard analyses in one)');
});

test('sharedArena: 64-byte aligned, disjoint places for every size; whole 2 MB pages (less malloc\'s 4112 bytes) under the huge-page tunable', () => {
  const script = `
    import { sharedArena } from ${JSON.stringify(memory)};
    const sizes = [5, 0, 3 << 20, 1, 64, 10_000_001];
    const a = sharedArena(sizes);
    console.log(JSON.stringify({ offsets: a.offsets, bytes: a.buffer.byteLength, sizes }));
  `;
  const run = (env: NodeJS.ProcessEnv) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    return JSON.parse(out.trim().split('\n').pop()!) as { offsets: number[]; bytes: number; sizes: number[] };
  };
  const plain = run({ GLIBC_TUNABLES: '' });
  const huge = run({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  for (const r of [plain, huge]) {
    let end = 0;
    r.sizes.forEach((s, i) => {
      assert.equal(r.offsets[i] % 64, 0, `offset ${i} aligned`);
      assert.ok(r.offsets[i] >= end, `array ${i} starts after the one before ends`);
      end = r.offsets[i] + s;
    });
    assert.ok(r.bytes >= end, 'the buffer holds them all');
  }
  assert.deepEqual(huge.offsets, plain.offsets);
  assert.equal(plain.bytes, plain.offsets.at(-1)! + Math.ceil(10_000_001 / 64) * 64, 'no rounding without the tunable');
  assert.equal((huge.bytes + 4112) % (2 << 20), 0, 'malloc maps whole 2 MB pages');
  assert.ok(huge.bytes - plain.bytes < 2 << 20);
});
