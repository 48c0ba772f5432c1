// Does the agent's persistent inspector session cost the app anything while idle? Runs the same
// workloads in fresh processes: without a session, and with one connected and left as the agent
// leaves it (after a CPU profile, a sampling heap profile, a Debugger warm-up). The fastest of N
// processes (alternating order) x 3 repetitions: on a shared machine the least disturbed run.
//   node bench/inspector-idle.cjs [runs=5]
'use strict';
const { spawnSync } = require('node:child_process');

if (process.argv[2] === 'child') {
  const { Session } = require('node:inspector');
  const mode = process.argv[3];
  const post = (s, m, p = {}) => new Promise((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  const workloads = {
    async awaits() { for (let i = 0; i < 300_000; i++) await null; },
    async promises() { await Promise.all(Array.from({ length: 100_000 }, (_, i) => new Promise((r) => setImmediate(() => r(i))))); },
    async alloc() { let keep = []; for (let i = 0; i < 2_000_000; i++) { keep.push({ i, s: 'x' }); if (keep.length > 100_000) keep = []; } },
    async errors() { for (let i = 0; i < 50_000; i++) void new Error('x').stack; },
    async json() { const o = { a: [1, 2, 3], b: 'text', c: { d: true } }; for (let i = 0; i < 300_000; i++) JSON.parse(JSON.stringify(o)); },
    async calls() { let s = 0; const f = (x) => x + 1; for (let i = 0; i < 30_000_000; i++) s = f(s); return s; },
  };
  (async () => {
    if (mode !== 'none') {
      const s = new Session();
      s.connect();
      await post(s, 'Profiler.enable'); await post(s, 'Profiler.start'); await post(s, 'Profiler.stop'); await post(s, 'Profiler.disable');
      await post(s, 'HeapProfiler.enable'); await post(s, 'HeapProfiler.startSampling'); await post(s, 'HeapProfiler.stopSampling');
      await post(s, 'Debugger.enable'); await post(s, 'Debugger.disable');
      globalThis.keepSession = s;
    }
    const out = {};
    for (const [name, fn] of Object.entries(workloads)) {
      out[name] = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        const c = process.cpuUsage(); // CPU time: wall time swings with the shared machine's load
        await fn();
        const d = process.cpuUsage(c);
        out[name] = Math.min(out[name], (d.user + d.system) / 1000);
      }
    }
    process.stdout.write(JSON.stringify(out));
  })();
  return;
}

const runs = Number(process.argv[2] ?? 5);
const results = { none: [], session: [] };
for (let r = 0; r < runs; r++) {
  for (const mode of r % 2 ? ['session', 'none'] : ['none', 'session']) {
    const p = spawnSync(process.execPath, [__filename, 'child', mode], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    results[mode].push(JSON.parse(p.stdout));
  }
}
const best = (xs) => Math.min(...xs);
console.log(`node ${process.version}, ${runs} processes each, best of 3 reps per process, CPU ms (the machine is shared: the fastest run is the least disturbed)`);
console.log('workload    no session   idle session   ratio');
for (const name of Object.keys(results.none[0])) {
  const a = best(results.none.map((x) => x[name]));
  const b = best(results.session.map((x) => x[name]));
  console.log(`${name.padEnd(10)} ${a.toFixed(1).padStart(11)} ${b.toFixed(1).padStart(14)} ${(b / a).toFixed(3).padStart(7)}`);
}
