// GET /metrics with real agents: prom-client's names labelled by process, heapscope's own metrics,
// the token, `promtool check metrics`, series that go with their process, and a real Prometheus
// server (Debian's `prometheus`) scraping the dashboard with a bearer token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { APPS, MY_APPS, api, dashboardWithApp, liveProcess, runAction, tempDir, waitFor } from './support.js';

const TOKEN = 'prom-token-0123456789';

const scrape = async (url: string, token?: string): Promise<{ status: number; text: string; type: string | null }> => {
  const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};

/** Value of the one sample of `name` whose labels include all of `labels` (undefined if none). */
function value(text: string, name: string, labels: Record<string, string | number> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === String(v))) return Number(m[3]);
  }
  return undefined;
}

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 15_000 });
  if (r.error) throw new Error(`promtool not runnable (apt-get install prometheus): ${r.error.message}`);
  return { status: r.status, output: r.stdout + r.stderr };
}

test('/metrics: every live process under prom-client names, heapscope metrics, token, promtool; gone processes leave', async (t) => {
  const { dash, app } = await dashboardWithApp(t, join(APPS, 'plain.cjs'), { token: TOKEN }, { HEAPSCOPE_TOKEN: TOKEN, HEAPSCOPE_PROJECT: 'prom-plain' });
  const pid = app.child.pid!;
  const proc = await liveProcess(dash, pid);
  const me = { project: 'prom-plain', pid };

  assert.equal((await scrape(dash.url)).status, 401, 'no token, no metrics');
  assert.equal((await scrape(dash.url, 'wrong')).status, 401);

  // A MEM: counted by the dashboard, and the snapshot forces a full GC in the app (post-GC sample).
  const job = await runAction(dash, proc.id, 'heapSnapshot', undefined, TOKEN);
  assert.equal(job.state, 'ready', job.error);

  const { text, type } = await waitFor('a scrape with the process and its GCs', async () => {
    const r = await scrape(dash.url, TOKEN);
    return r.status === 200 && value(r.text, 'nodejs_gc_duration_seconds_count', { ...me, kind: 'major' }) ? r : undefined;
  });
  assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);

  const rss = value(text, 'process_resident_memory_bytes', me)!;
  const heapUsed = value(text, 'nodejs_heap_size_used_bytes', me)!;
  assert.ok(rss > heapUsed && heapUsed > 1e6, `rss ${rss} > heap used ${heapUsed} > 1 MB`);
  assert.ok(value(text, 'nodejs_heap_size_total_bytes', me)! >= heapUsed);
  assert.ok(value(text, 'nodejs_external_memory_bytes', me)! > 0);
  const host = /process_resident_memory_bytes\{[^}]*host="([^"]+)"/.exec(text)?.[1];
  assert.equal(host, proc.hostname);
  assert.equal(value(text, 'process_resident_memory_bytes', { ...me, worker: 1 }), undefined, 'no worker label outside a cluster');
  for (const space of ['old', 'new', 'code', 'large_object']) {
    for (const k of ['total', 'used', 'available']) assert.ok(value(text, `nodejs_heap_space_size_${k}_bytes`, { ...me, space }) !== undefined, `${k} of ${space}`);
  }
  for (const p of ['p50', 'p90', 'p99']) assert.ok(value(text, `nodejs_eventloop_lag_${p}_seconds`, me)! >= 0);
  assert.ok(value(text, 'process_cpu_user_seconds_total', me)! > 0);
  assert.ok(value(text, 'process_cpu_system_seconds_total', me)! >= 0);
  assert.equal(value(text, 'nodejs_version_info', { ...me, version: proc.nodeVersion }), 1);
  // GC histogram: cumulative buckets ending at +Inf = count, and a sum in seconds.
  const count = value(text, 'nodejs_gc_duration_seconds_count', { ...me, kind: 'major' })!;
  assert.equal(value(text, 'nodejs_gc_duration_seconds_bucket', { ...me, kind: 'major', le: '+Inf' }), count);
  assert.ok(value(text, 'nodejs_gc_duration_seconds_bucket', { ...me, kind: 'major', le: '0.001' })! <= value(text, 'nodejs_gc_duration_seconds_bucket', { ...me, kind: 'major', le: '0.1' })!);
  assert.ok(value(text, 'nodejs_gc_duration_seconds_sum', { ...me, kind: 'major' })! > 0);

  // heapscope's own.
  assert.equal(value(text, 'heapscope_heap_limit_bytes', me), proc.heapLimit);
  assert.equal(value(text, 'heapscope_snapshots_stored', me), 1);
  assert.equal(value(text, 'heapscope_findings', me), 0);
  assert.equal(value(text, 'heapscope_jobs_total', { action: 'heapSnapshot', outcome: 'ready' }), 1);
  assert.equal(value(text, 'heapscope_snapshot_write_seconds_count'), 1);
  assert.ok(value(text, 'heapscope_snapshot_bytes_total')! > 1e6);
  assert.equal(value(text, 'heapscope_job_duration_seconds_count', { action: 'heapSnapshot' }), 1);
  assert.equal(value(text, 'heapscope_dashboard_agents_connected'), 1);
  assert.equal(value(text, 'heapscope_dashboard_analyses_queued'), 0);
  assert.equal(value(text, 'heapscope_dashboard_dropped_frames_total'), 0);
  assert.ok(value(text, 'heapscope_dashboard_resident_memory_bytes')! > 0, "the dashboard's own process metrics");
  const utilization = value(text, 'heapscope_eventloop_utilization_ratio', me)!;
  assert.ok(utilization >= 0 && utilization <= 1);
  // Post-GC and detector series appear when the agent sends them (other builds of the agent).
  if (text.includes('heapscope_leak_detector_state{')) assert.equal([1, 0].includes(value(text, 'heapscope_leak_detector_state', me)!), true);

  const lint = promtool(text);
  assert.equal(lint.status, 0, lint.output);

  // Scrapes during a rendering or within a second of it share it (an HA pair of Prometheus servers).
  const first = dash.prom.metrics();
  assert.equal(dash.prom.metrics(), first, 'a scrape during a rendering shares it');
  await first;
  assert.equal(dash.prom.metrics(), first, 'and one within a second after it');
  await new Promise((r) => setTimeout(r, 1100));
  assert.notEqual(dash.prom.metrics(), first, 'a later scrape renders afresh');

  // The process goes: so do its series (and no unbounded label growth).
  await app.stop();
  const after = await waitFor('the process gone from /metrics', async () => {
    const r = await scrape(dash.url, TOKEN);
    return r.status === 200 && !r.text.includes(`pid="${pid}"`) ? r.text : undefined;
  });
  assert.equal(value(after, 'heapscope_dashboard_agents_connected'), 0);
  assert.equal(value(after, 'heapscope_jobs_total', { action: 'heapSnapshot', outcome: 'ready' }), 1, 'dashboard counters stay');
  assert.equal(promtool(after).status, 0);
});

test('/metrics labels cluster workers with their worker id', async (t) => {
  const { dash, app } = await dashboardWithApp(t, join(MY_APPS, 'cluster.cjs'), {}, { HEAPSCOPE_PROJECT: 'prom-cluster' });
  const text = await waitFor('three processes in /metrics', async () => {
    const r = await scrape(dash.url);
    return (r.text.match(/^nodejs_heap_size_used_bytes\{/gm) ?? []).length === 3 ? r.text : undefined;
  });
  const primary = app.child.pid!;
  assert.ok(value(text, 'nodejs_heap_size_used_bytes', { project: 'prom-cluster', pid: primary })! > 0);
  const primaryLine = text.split('\n').find((l) => l.startsWith('nodejs_heap_size_used_bytes{') && l.includes(`pid="${primary}"`))!;
  assert.doesNotMatch(primaryLine, /worker=/, 'the primary is no cluster worker');
  for (const worker of [1, 2]) assert.ok(value(text, 'nodejs_heap_size_used_bytes', { project: 'prom-cluster', worker })! > 0, `worker ${worker}`);
  assert.equal(promtool(text).status, 0);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('a real Prometheus scrapes the dashboard with the bearer token and answers for the process', async (t) => {
  const { dash, app } = await dashboardWithApp(t, join(APPS, 'plain.cjs'), { token: TOKEN }, { HEAPSCOPE_TOKEN: TOKEN, HEAPSCOPE_PROJECT: 'prom-real' });
  const pid = app.child.pid!;
  await liveProcess(dash, pid);
  const tmp = await tempDir('heapscope-prom-');
  t.after(() => tmp.cleanup());
  const target = new URL(dash.url).host;
  const config = `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: heapscope
    authorization:
      type: Bearer
      credentials: ${TOKEN}
    static_configs:
      - targets: ['${target}']
  - job_name: heapscope-no-token
    static_configs:
      - targets: ['${target}']
`;
  await writeFile(join(tmp.dir, 'prometheus.yml'), config);
  const port = await freePort();
  const prom = spawn(
    'prometheus',
    [`--config.file=${join(tmp.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(tmp.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  prom.stdout!.on('data', (d: Buffer) => (log += d));
  prom.stderr!.on('data', (d: Buffer) => (log += d));
  const exited = new Promise<void>((r) => prom.once('exit', () => r()));
  t.after(async () => {
    if (prom.exitCode === null && prom.signalCode === null) {
      prom.kill('SIGTERM');
      const timer = setTimeout(() => prom.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });
  const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const r = await api<{ status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(
      `http://127.0.0.1:${port}`,
      `/api/v1/query?query=${encodeURIComponent(q)}`,
    );
    if (r.status !== 200) throw new Error(`query ${q}: HTTP ${r.status}`);
    return r.body.data.result;
  };

  const series = await waitFor(
    'Prometheus to store the process heap',
    async () => {
      if (prom.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
      const r = await query(`nodejs_heap_size_used_bytes{pid="${pid}"}`);
      return r.length > 0 ? r : undefined;
    },
    30_000,
  );
  assert.equal(series.length, 1);
  assert.equal(series[0]!.metric.project, 'prom-real');
  assert.equal(series[0]!.metric.job, 'heapscope');
  assert.ok(Number(series[0]!.value[1]) > 1e6);
  // `up` of both jobs once each has been scraped: 1 with the token, 0 without (HTTP 401).
  const up = await waitFor('both jobs scraped', async () => {
    const r = await query('up');
    return r.length === 2 ? new Map(r.map((s) => [s.metric.job, s.value[1]])) : undefined;
  }, 10_000);
  assert.equal(up.get('heapscope'), '1');
  assert.equal(up.get('heapscope-no-token'), '0', 'the dashboard refuses a scrape without the token');
  // Counters and the GC histogram are usable as Prometheus types.
  const cpu = await waitFor('a CPU counter sample', async () => ((await query(`process_cpu_user_seconds_total{pid="${pid}"}`)).length ? true : undefined), 10_000);
  assert.ok(cpu);
});
