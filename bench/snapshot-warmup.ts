// Heap snapshot pause with the TypeScript compiler loaded, with and without the line-ends warm-up
// the agent runs on V8 < 12 (src/agent/snapshot-warmup.ts). A run without it is stopped at --limit
// seconds (it is quadratic: minutes).
//   node --import tsx bench/snapshot-warmup.ts [--limit 300] [--lib]
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { limit: { type: 'string', default: '300' }, lib: { type: 'boolean', default: false } } });
const limitMs = Number(values.limit) * 1000;

function run(env: Record<string, string>): Promise<Record<string, number> | { timedOut: number }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--expose-gc', join(root, 'bench', 'snapshot-warmup-child.cjs')], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', () => {
      clearTimeout(timer);
      res(out.trim() ? (JSON.parse(out) as Record<string, number>) : { timedOut: limitMs / 1000 });
    });
  });
}

console.log(`node ${process.version}, V8 ${process.versions.v8}`);
for (const lib of values.lib ? ['0', '1'] : ['0']) {
  const what = lib === '1' ? 'TypeScript + lib.d.ts checked' : 'TypeScript, noLib program';
  const warm = await run({ WARM: '1', LIB: lib });
  console.log(`${what}, with warm-up:    ${JSON.stringify(warm)}`);
  const cold = await run({ WARM: '0', LIB: lib });
  console.log(`${what}, without warm-up: ${'timedOut' in cold ? `did not finish in ${cold.timedOut} s` : JSON.stringify(cold)}`);
}
