// Which large-object bytes are script sources: the rules, on the debugger's script list as V8
// reports it (the real survey runs in test/agent/commands.test.ts, with TypeScript loaded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineEndSizes, scriptSourceBytes, type ParsedScript } from '../../src/agent/script-sources.js';

const MB = 1024 * 1024;
const builtins: ParsedScript[] = [
  { url: 'node:internal/modules/cjs/loader', length: 60_000, hash: 'a' },
  { url: 'node:internal/deps/undici/undici', length: 400_000, hash: 'b' },
];
const builtinChars = 460_000;

test('counts big scripts of the app, once per content, and never Node\'s own, small ones or WebAssembly', () => {
  const scripts: ParsedScript[] = [
    ...builtins,
    { url: 'file:///app/node_modules/typescript/lib/typescript.js', length: 9_112_572, hash: 'ts' },
    { url: 'file:///app/dist/bundle.js', length: 2 * MB, hash: 'bundle' },
    { url: 'file:///app/dist/bundle-copy.js', length: 2 * MB, hash: 'bundle' }, // the same text compiled twice: maybe one string
    { url: 'file:///app/small.js', length: 100_000, hash: 'small' }, // a regular object, not large-object space
    { url: 'wasm://wasm/1234', length: 3 * MB, hash: 'w', scriptLanguage: 'WebAssembly' }, // module bytes, not a string
  ];
  assert.equal(scriptSourceBytes(scripts, builtinChars + 20_000, 20 * MB), 9_112_572 + 2 * MB);
});

test('nothing counts when an app script could be an external string, or when the sum exceeds large-object space', () => {
  const scripts: ParsedScript[] = [...builtins, { url: 'evalmachine.<anonymous>', length: 2 * MB, hash: 'x' }];
  // external sources beyond Node's own: that script's text may be outside the heap
  assert.equal(scriptSourceBytes(scripts, builtinChars + 2 * MB, 20 * MB), 0);
  // more than the large-object space holds: something is not what it seems
  assert.equal(scriptSourceBytes(scripts, builtinChars, MB), 0);
  assert.equal(scriptSourceBytes(scripts, builtinChars, 3 * MB), 2 * MB);
  assert.equal(scriptSourceBytes([], 0, 3 * MB), 0);
});

test('line ends count for scripts of 16K lines or more (an array past 128 KB), Node\'s own included', () => {
  assert.deepEqual(lineEndSizes([{ url: 'file:///app/small.js', endLine: 16_000 }]), []);
  assert.deepEqual(lineEndSizes([{ url: 'file:///app/typescript.js', endLine: 199_999 }, { url: 'node:internal/x', endLine: 20_000 }]), [16 + 8 * 200_000, 16 + 8 * 20_001]);
  assert.deepEqual(lineEndSizes([{ url: 'wasm://wasm/1', endLine: 50_000, scriptLanguage: 'WebAssembly' }, { url: 'x' }]), []);
});
