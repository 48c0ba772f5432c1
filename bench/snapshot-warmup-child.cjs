// Child of bench/snapshot-warmup.ts: loads the TypeScript compiler, type-checks a small program
// (LIB=1: with lib.d.ts, a ~190 MB heap; else noLib, ~25 MB), then takes one heap snapshot with
// (WARM=1) or without the line-ends warm-up the agent does on V8 < 12, and reports timings as JSON.
'use strict';
const v8 = require('node:v8');
const { Session } = require('node:inspector');
const { performance } = require('node:perf_hooks');
const ts = require('typescript');

const files = {
  '/p/user.ts': 'export interface User { id: number; name: string }\nexport function greet(u: User): string { return `hi ${u.name}`; }\n',
  '/p/main.ts': "import { greet } from './user';\nexport const s: string = greet({ id: 1, name: 'x' });\n",
};
const host = ts.createCompilerHost({});
const readSource = host.getSourceFile;
host.getSourceFile = (f, lang) => (files[f] !== undefined ? ts.createSourceFile(f, files[f], lang) : readSource.call(host, f, lang));
host.fileExists = (f) => files[f] !== undefined || ts.sys.fileExists(f);
host.readFile = (f) => files[f] ?? ts.sys.readFile(f);
const lib = process.env.LIB === '1';
const program = ts.createProgram(Object.keys(files), { strict: true, noEmit: true, noLib: !lib, types: [] }, host);
ts.getPreEmitDiagnostics(program);
globalThis.keep = program;

function hot(x) {
  let s = 0;
  for (let i = 0; i < 1000; i++) s += (x * i) % 7;
  return s;
}
const work = () => {
  const t = performance.now();
  let s = 0;
  for (let i = 0; i < 100_000; i++) s += hot(i);
  return s >= 0 ? performance.now() - t : 0;
};

const session = new Session();
session.connect();
const post = (m) => new Promise((res, rej) => session.post(m, {}, (e, r) => (e ? rej(e) : res(r))));
(async () => {
  const out = { heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1048576) };
  if (process.env.WARM === '1') {
    work();
    out.workBeforeMs = Math.min(work(), work());
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const w = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      await post('Debugger.enable');
      await post('Debugger.disable');
      w.push(Math.round(performance.now() - t));
    }
    global.gc?.();
    out.warmupMs = w[0];
    out.rewarmMs = w[1];
    out.heapKeptKB = Math.round((process.memoryUsage().heapUsed - heap0) / 1024);
    out.workAfterMs = Math.min(work(), work());
  }
  const t = performance.now();
  v8.writeHeapSnapshot('/dev/null');
  out.snapshotMs = Math.round(performance.now() - t);
  process.stdout.write(JSON.stringify(out) + '\n');
})();
