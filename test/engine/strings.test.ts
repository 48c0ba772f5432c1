// The lazily decoded string table: every lookup agrees with JSON.parse of the same section, however
// the bytes arrive, and the raw-text searches find whole strings only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringBuilder, type StringTable } from '../../src/engine/strings.js';
import { HeapSnapshotError } from '../../src/engine/index.js';

const LIST = [
  '', 'Object', 'ObjectX', 'xObject', 'Object', 'a"b', 'back\\slash', 'line\nbreak', 'tab\t', 'héllo wörld ✓', '\u0001ctl',
  'system / NativeContext', '1 / part of key (Object @3) -> value (Array @5) pair in WeakMap (table @7)', 'Map', 'map', 'Maps', '😀',
];

/** The section as V8 writes it (one string a line), fed in chunks of `size` bytes. */
function build(list: string[], size: number): StringTable {
  const text = Buffer.from(list.map((s) => JSON.stringify(s)).join(',\n') + ']', 'utf8');
  const b = new StringBuilder();
  let next = -1;
  for (let i = 0; i < text.length && next < 0; i += size) {
    const chunk = text.subarray(i, Math.min(text.length, i + size));
    const r = b.push(chunk, 0, chunk.length, i);
    if (r >= 0) next = i + r;
  }
  assert.equal(next, text.length, 'the section ends just past its ]');
  return b.finish(0);
}

test('strings decode exactly, whatever the chunk size', () => {
  for (const size of [1, 2, 3, 7, 64, 1 << 16]) {
    const t = build(LIST, size);
    assert.equal(t.length, LIST.length);
    assert.deepEqual(t.toArray(), LIST, `chunks of ${size}`);
  }
});

test('indexOf finds whole strings only, the first of equal ones; indexesOf finds all', () => {
  const t = build(LIST, 5);
  for (const s of new Set(LIST)) assert.equal(t.indexOf(s), LIST.indexOf(s), JSON.stringify(s));
  assert.deepEqual(t.indexesOf('Object'), [1, 4]);
  assert.equal(t.indexOf('Obj'), -1, 'a prefix of a string is not a string');
  assert.equal(t.indexOf('bject'), -1, 'nor is a suffix');
  assert.equal(t.indexOf('nope'), -1);
  assert.equal(t.indexOf('ap'), -1);
});

test('appended strings come after the snapshot strings', () => {
  const t = build(LIST, 9);
  const len = t.push('(system)');
  assert.equal(len, LIST.length + 1);
  assert.equal(t.get(len - 1), '(system)');
  assert.equal(t.indexOf('(system)'), len - 1);
  assert.equal(t.indexOf('Object'), 1, 'the snapshot string wins over an appended duplicate');
  t.push('Object');
  assert.deepEqual(t.indexesOf('Object'), [1, 4, len]);
});

test('containing() names the strings that hold a substring, each once', () => {
  const t = build(LIST, 4);
  assert.deepEqual(t.containing('Object'), [1, 2, 3, 4, 12]);
  assert.deepEqual(t.containing('pair in WeakMap'), [12]);
  assert.deepEqual(t.containing('Map'), [12, 13, 15]);
  assert.deepEqual(t.containing(','), [], 'the separators between strings are not inside one');
  assert.throws(() => t.containing('a"b'));
});

test('bad bytes: a clear error with where it is', () => {
  const b = new StringBuilder();
  assert.throws(() => b.push(Buffer.from('"a", x]'), 0, 7, 100), (e: HeapSnapshotError) => e.code === 'NOT_JSON' && e.offset === 105);
  const bad = new StringBuilder();
  bad.push(Buffer.concat([Buffer.from('"ok","'), Buffer.from([0xff, 0xfe]), Buffer.from('"]')]));
  assert.throws(() => bad.finish(40), (e: HeapSnapshotError) => e.code === 'BAD_UTF8' && /string #1/.test(e.message) && e.offset === 40);
});
