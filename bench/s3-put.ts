// S3 storage (issue 13 §3): a streamed put of N MiB through S3Storage into a real S3-compatible
// server (s3rver, in its own process so its memory is not counted) and the download back as a
// local file; prints the time and how much this process's RSS grew (the multipart upload keeps a
// few 8 MiB parts in memory, never the whole blob: the growth stays flat as N grows).
//   node --import tsx bench/s3-put.ts [mib=512]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { S3Storage } from '../src/dashboard/s3-storage.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MiB = 1024 * 1024;
const total = Number(process.argv[2] ?? 512);
const dir = await mkdtemp(join(tmpdir(), 'heapscope-s3-bench-'));
const server = spawn(
  process.execPath,
  ['-e', `const S3rver = require('s3rver'); new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(join(dir, 's3'))}, configureBuckets: [{ name: 'bench', configs: [] }] }).run().then((a) => console.log(a.port));`],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<string>((r) => server.stdout.once('data', (d: Buffer) => r(d.toString().trim())));
Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const chunk = randomBytes(MiB);
try {
  const storage = await S3Storage.open({ url: 's3://bench', endpoint: `http://127.0.0.1:${port}`, localDir: join(dir, 'local') });
  const measure = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    const base = (peak = process.memoryUsage().rss);
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    console.log(`${what}: ${total} MiB in ${Math.round(ms)} ms (${Math.round(total / (ms / 1000))} MiB/s), RSS +${Math.round((peak - base) / MiB)} MiB`);
  };
  await measure('put (multipart upload)', () => storage.put('artifacts/x', Readable.from((function* () { for (let i = 0; i < total; i++) yield chunk; })())));
  await measure('localFile (download)', async () => (await storage.localFile('artifacts/x')).release());
  storage.close();
} finally {
  clearInterval(sampler);
  server.kill();
  await rm(dir, { recursive: true, force: true });
}
