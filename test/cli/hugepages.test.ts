// Big analyses run again with glibc's huge-page tunable (src/cli/hugepages.ts): the re-run gets the
// variable, its output and exit code pass through once, and nothing re-runs when it does not apply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { withHugePages, wantsHugePages } from '../../src/cli/hugepages.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
let dir: string;
let file: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapscope-hugepages-'));
  file = join(dir, 'app.heapsnapshot');
  execFileSync(process.execPath, ['-e', `globalThis.keep = Array.from({ length: 2000 }, (_, i) => ({ i })); require('v8').writeHeapSnapshot(${JSON.stringify(file)});`]);
  // every node process started under NODE_OPTIONS below notes its pid and GLIBC_TUNABLES
  writeFileSync(join(dir, 'note.cjs'), `require('fs').appendFileSync(${JSON.stringify(join(dir, 'notes.txt'))}, process.pid + ' ' + (process.env.GLIBC_TUNABLES ?? '-') + '\\n');`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  rmSync(join(dir, 'notes.txt'), { force: true });
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: `--require ${join(dir, 'note.cjs')}`, ...env },
  });
  let notes: string[] = [];
  try {
    notes = readFileSync(join(dir, 'notes.txt'), 'utf8').trim().split('\n');
  } catch {
    // none
  }
  return { ...r, tunables: notes.map((l) => l.split(' ')[1]) };
}

const TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576:glibc.malloc.arena_max=1';

test('the environment: the tunables are added to what is there, once, and only on Linux unless turned off', () => {
  const linux = process.platform === 'linux';
  assert.equal(withHugePages({}).GLIBC_TUNABLES, linux ? TUNABLES : undefined);
  assert.equal(
    withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES,
    linux ? 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576' : 'glibc.malloc.arena_max=2',
    "the user's arena count stands",
  );
  assert.equal(withHugePages({ GLIBC_TUNABLES: 'glibc.mem.tagging=0' }).GLIBC_TUNABLES, linux ? `glibc.mem.tagging=0:${TUNABLES}` : 'glibc.mem.tagging=0');
  assert.equal(
    withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' }).GLIBC_TUNABLES,
    linux ? 'glibc.malloc.mmap_threshold=65536:glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1' : 'glibc.malloc.mmap_threshold=65536',
    "the user's threshold stands",
  );
  assert.equal(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES, 'glibc.malloc.hugetlb=0', "the user's own choice stands");
  assert.equal(withHugePages({ HEAPSCOPE_HUGEPAGES: '0' }).GLIBC_TUNABLES, undefined);
  assert.equal(wantsHugePages([file], {}), false, 'a small file is analysed where it is');
  assert.equal(wantsHugePages([file, 'missing.heapsnapshot'], { HEAPSCOPE_HUGEPAGES_MIN_MB: '0' }), linux);
});

test('analyze re-runs itself with huge pages for big input; output and exit code pass through once', { skip: process.platform !== 'linux' }, () => {
  const plain = cli({}, 'analyze', file, '--json');
  assert.equal(plain.status, 0, plain.stderr);
  assert.deepEqual(plain.tunables, ['-'], 'small input: one process, no re-run');

  const big = cli({ HEAPSCOPE_HUGEPAGES_MIN_MB: '0' }, 'analyze', file, '--json');
  assert.equal(big.status, 0, big.stderr);
  assert.deepEqual(big.tunables, ['-', TUNABLES], 'the command ran again, with the tunables');
  // (but for the time it was made)
  const doc = (out: string) => ({ ...JSON.parse(out), generatedAt: undefined });
  assert.deepEqual(doc(big.stdout), doc(plain.stdout), 'the same document, printed once');

  const off = cli({ HEAPSCOPE_HUGEPAGES_MIN_MB: '0', HEAPSCOPE_HUGEPAGES: '0' }, 'analyze', file, '--json');
  assert.deepEqual(off.tunables, ['-'], 'HEAPSCOPE_HUGEPAGES=0: no re-run');

  const truncated = join(dir, 'truncated.heapsnapshot');
  writeFileSync(truncated, readFileSync(file).subarray(0, 5000));
  const bad = cli({ HEAPSCOPE_HUGEPAGES_MIN_MB: '0' }, 'analyze', truncated);
  assert.equal(bad.status, 1);
  assert.equal(bad.tunables.length, 2);
  assert.equal(bad.stderr.match(/heapscope: /g)?.length, 1, `the error is printed once: ${bad.stderr}`);
  assert.match(bad.stderr, /truncated/);
});
