// A deterministic fuzz corpus, generated at test time from a seed and a real snapshot: truncations,
// byte flips, swapped digits, removed sections, huge numbers, deep nesting, corrupt gzip. Each
// mutation must end in a clear HeapSnapshotError (a code, one line) or a complete analysis, within
// a time bound, and the whole run in bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyzeSnapshot, HeapSnapshotError } from '../../src/engine/index.js';

const SEED = Number(process.env.HEAPSCOPE_FUZZ_SEED ?? 20261204);
const PER_CASE_MS = 15_000;

/** mulberry32: small, seedable, good enough to pick offsets. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = [kind: string, data: Buffer];

function corpus(original: Buffer, count: number): Mutation[] {
  const r = rng(SEED);
  const text = original.toString('latin1');
  const at = (n: number): number => Math.floor(r() * n);
  const sections = ['"nodes":', '"edges":', '"strings":', '"locations":', '"samples":', '"trace_tree":', '"trace_function_infos":', '"snapshot":'];
  const out: Mutation[] = [];
  const gz = gzipSync(original);
  const kinds = ['truncate', 'flip', 'swap-digits', 'remove-section', 'huge-number', 'deep-nesting', 'gzip-flip', 'gzip-truncate', 'delete-range', 'duplicate-range'];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length]!;
    let data: Buffer;
    switch (kind) {
      case 'truncate':
        data = original.subarray(0, at(original.length));
        break;
      case 'flip': {
        data = Buffer.from(original);
        for (let k = 1 + at(4); k > 0; k--) data[at(data.length)] = at(256);
        break;
      }
      case 'swap-digits': {
        // two adjacent digits swapped, somewhere in the number arrays
        data = Buffer.from(original);
        for (let tries = 0; tries < 1000; tries++) {
          const p = at(data.length - 1);
          if (data[p]! >= 48 && data[p]! <= 57 && data[p + 1]! >= 48 && data[p + 1]! <= 57 && data[p] !== data[p + 1]) {
            [data[p], data[p + 1]] = [data[p + 1]!, data[p]!];
            break;
          }
        }
        break;
      }
      case 'remove-section': {
        const key = sections[at(sections.length)]!;
        const s = text.indexOf(key);
        const e = text.indexOf('"', text.indexOf(key.startsWith('"snapshot"') ? '}},' : '],', s) + 2);
        data = Buffer.from(text.slice(0, s) + text.slice(e > s ? e : s + key.length), 'latin1');
        break;
      }
      case 'huge-number': {
        const huge = ['99999999999999999999', '18446744073709551616', '4294967296', '1e308', '-1', '9007199254740993'][at(6)]!;
        const key = sections[at(3)]!;
        const s = text.indexOf(key) + key.length + 1;
        // replace the n-th number of that section
        const re = /\d+/g;
        re.lastIndex = s + at(2000);
        const m = re.exec(text);
        data = m ? Buffer.from(text.slice(0, m.index) + huge + text.slice(m.index + m[0].length), 'latin1') : original;
        break;
      }
      case 'deep-nesting': {
        const depth = [1000, 100_000, 1_000_000][at(3)]!;
        const deep = '['.repeat(depth) + ']'.repeat(depth);
        const where = ['"samples":[]', '"trace_tree":[]', '"locations":['][at(3)]!;
        const s = text.indexOf(where);
        data = s < 0 ? original : Buffer.from(where === '"locations":[' ? text.slice(0, s) + `"extra":${deep},` + text.slice(s) : text.slice(0, s) + where.replace('[]', deep) + text.slice(s + where.length), 'latin1');
        break;
      }
      case 'gzip-flip': {
        data = Buffer.from(gz);
        for (let k = 1 + at(4); k > 0; k--) data[10 + at(data.length - 10)] = at(256);
        break;
      }
      case 'gzip-truncate':
        data = gz.subarray(0, 2 + at(gz.length - 2));
        break;
      case 'delete-range': {
        const s = at(original.length);
        data = Buffer.concat([original.subarray(0, s), original.subarray(Math.min(original.length, s + 1 + at(5000)))]);
        break;
      }
      default: {
        const s = at(original.length);
        const piece = original.subarray(s, s + 1 + at(5000));
        data = Buffer.concat([original.subarray(0, s), piece, original.subarray(s)]);
      }
    }
    out.push([kind, data]);
  }
  return out;
}

test(`fuzz corpus (seed ${SEED}): every mutation is a clear error or a complete analysis, none hangs, memory stays bounded`, { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapscope-fuzz-'));
  try {
    const file = join(dir, 'real.heapsnapshot');
    execFileSync(process.execPath, ['--max-old-space-size=64', '-e', `globalThis.keep = Array.from({ length: 200 }, (_, i) => ({ i, s: 'str' + i })); require('v8').writeHeapSnapshot(${JSON.stringify(file)})`]);
    const original = readFileSync(file);
    const count = Number(process.env.HEAPSCOPE_FUZZ_COUNT ?? 300);
    const tally = new Map<string, number>();
    let analysed = 0;
    let slowest = 0;
    let peakRss = 0;
    for (const [i, [kind, data]] of corpus(original, count).entries()) {
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        analyzeSnapshot(data, { parallel: false }).then(
          (a) => ({ ok: a }),
          (e: unknown) => ({ err: e }),
        ),
        new Promise<{ hang: true }>((r) => (timer = setTimeout(() => r({ hang: true }), PER_CASE_MS))),
      ]);
      clearTimeout(timer);
      slowest = Math.max(slowest, performance.now() - t0);
      const what = `mutation #${i} (${kind}, ${data.length} bytes)`;
      assert.ok(!('hang' in outcome), `${what} did not finish within ${PER_CASE_MS} ms`);
      if ('err' in outcome) {
        const e = outcome.err;
        assert.ok(e instanceof HeapSnapshotError, `${what}: not a HeapSnapshotError: ${(e as Error)?.stack ?? String(e)}`);
        assert.ok(e.code && !e.message.includes('\n') && e.message.length < 400, `${what}: unclear error: ${e.message}`);
        tally.set(e.code, (tally.get(e.code) ?? 0) + 1);
      } else {
        const a = outcome.ok;
        analysed++;
        // a complete, self-consistent result
        assert.ok(a.graph.nodeCount > 0, what);
        assert.ok(Number.isFinite(a.totalSize ?? 0), what);
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const summary = `${count} mutations: ${analysed} analysed, errors ${JSON.stringify(Object.fromEntries(tally))}, slowest ${Math.round(slowest)} ms, peak RSS ${Math.round(peakRss / 1048576)} MB`;
    process.stdout.write(`# ${summary}\n`);
    assert.ok(tally.size >= 4, `the corpus reaches several kinds of error: ${summary}`);
    assert.ok(peakRss < 1536 * 1048576, summary);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
