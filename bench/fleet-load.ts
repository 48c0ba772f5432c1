// Load on a fleet (issue 13 §3): N simulated agents (WebSocket clients speaking the agent protocol)
// at 1 Hz, half on each of two dashboards sharing a real redis-server. At the end every dashboard
// must hold every sample of every process (its own agents' and, through Redis, the other's); the
// dashboards' RSS is sampled throughout.
//   npm run build && node --import tsx bench/fleet-load.ts [agents=200] [seconds=180]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startRedis } from '../test/dashboard/redis.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const AGENTS = Number(process.argv[2] ?? 200);
const SECONDS = Number(process.argv[3] ?? 180);

async function startDashboard(data: string, redis: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'dashboard', '--port', '0', '--host', '127.0.0.1', '--data', data, '--redis', redis], {
    env: { ...process.env, HEAPSCOPE_AUTOSTART: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200; i++) {
    const m = /heapscope dashboard: (http:\/\/\S+)/.exec(out);
    if (m) return { url: m[1]!, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dashboard did not start: ${out}`);
}

async function rssOf(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function agent(url: string, i: number): { id: string; sent: number[]; close: () => void } {
  const id = `sim${i}-${process.pid}`;
  const sent: number[] = [];
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/agent');
  let timer: NodeJS.Timeout | undefined;
  ws.on('open', () => {
    ws.send(
      JSON.stringify({ type: 'hello', protocol: 1, agentId: id, project: `load-${i % 10}`, pid: 100_000 + i, ppid: 1, hostname: `host-${i % 20}`, thread: 'main', isPrimary: true, nodeVersion: process.version, argv: ['node', 'app.js'], startTime: Date.now(), agentVersion: 'sim', heapLimit: 4e9, interval: 1000 }),
    );
    // spread the agents over the second
    setTimeout(() => {
      timer = setInterval(() => {
        const t = Date.now();
        sent.push(t);
        ws.send(JSON.stringify({ type: 'metrics', t, interval: 1000, rss: 1e8, heapTotal: 5e7, heapUsed: 4e7 + i, external: 1e6, arrayBuffers: 1e5, heapLimit: 4e9, heapSpaces: [], cpu: { percent: 3, userMs: 20, systemMs: 10 }, eventLoop: { min: 0, max: 5, mean: 1, stddev: 1, p50: 1, p90: 2, p99: 4 }, gc: {} }));
      }, 1000);
    }, (i * 1000) / AGENTS);
  });
  ws.on('error', () => undefined);
  return { id, sent, close: () => (clearInterval(timer), ws.close()) };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const data = await mkdtemp(join(tmpdir(), 'heapscope-fleet-load-'));
  const dashes = [await startDashboard(data, redis.url), await startDashboard(data, redis.url)];
  const rss: number[][] = dashes.map(() => []);
  const sampler = setInterval(() => void Promise.all(dashes.map((d, i) => rssOf(d.child.pid!).then((v) => rss[i]!.push(v)))), 5000);
  const agents = Array.from({ length: AGENTS }, (_, i) => agent(dashes[i % 2]!.url, i));
  console.log(`${AGENTS} agents at 1 Hz on 2 dashboards for ${SECONDS} s ...`);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  for (const a of agents) a.close();
  await new Promise((r) => setTimeout(r, 2000)); // last frames through Redis
  clearInterval(sampler);
  let sent = 0;
  const missing = [0, 0];
  for (const a of agents) sent += a.sent.length;
  for (const [di, d] of dashes.entries()) {
    for (const a of agents) {
      const res = await fetch(`${d.url}/api/processes/${a.id}/metrics`);
      const got = res.ok ? new Set(((await res.json()) as { t: number }[]).map((s) => s.t)) : new Set<number>();
      for (const t of a.sent) if (!got.has(t)) missing[di]!++;
    }
  }
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;
  for (const [i, r] of rss.entries()) {
    const q = Math.floor(r.length / 4);
    console.log(`dashboard ${i + 1}: RSS first quarter max ${mb(Math.max(...r.slice(0, q)))}, last quarter max ${mb(Math.max(...r.slice(-q)))}, overall max ${mb(Math.max(...r))}; samples missing ${missing[i]} of ${sent}`);
  }
  for (const d of dashes) d.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  await redis.stop();
  await rm(data, { recursive: true, force: true });
}

void main();
