// The agent's exports inside real apps: heapscope's metrics in the app's own prom-client registry
// (no duplicates beside collectDefaultMetrics, promtool accepts it), and OpenTelemetry through the
// app's MeterProvider (the SDK's in-memory reader) under semantic-convention names, or nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';

interface Scrape {
  text: string;
  added: string[];
  again: string[] | string;
}

interface OtelMetric {
  scope: string;
  name: string;
  unit: string;
  type: string;
  points: { attributes: Record<string, string>; value: number | { count: number; sum: number; buckets: { boundaries: number[]; counts: number[] } } }[];
}
interface Collected {
  metrics: OtelMetric[];
  otelModules: number;
  diagnostics: { openTelemetry: boolean; bufferedMetrics: number };
}

const families = (text: string): string[] => [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
const sample = (text: string, name: string, labels = ''): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}` : ' '}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('agent exporters', () => {
  let server: AgentServer;
  const children: Child[] = [];
  before(async () => {
    server = await startAgentServer();
  });
  after(async () => {
    for (const c of children) c.kill();
    await server.close();
  });
  const start = (script: string, env: Record<string, string>): Child => {
    const child = spawnApp(script, { env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_INTERVAL: '200', ...env }, execArgv: ['--expose-gc'] });
    children.push(child);
    return child;
  };

  it("adds heapscope's metrics to the app's prom-client registry, skipping what collectDefaultMetrics registered", async () => {
    const withDefaults = start('prom-app.cjs', { DEFAULTS: '1' });
    const plain = start('prom-app.cjs', {});
    const own = start('prom-app.cjs', { DEFAULTS: '1', ONLY_OWN: '1' });
    const [a, b, c] = await Promise.all([withDefaults, plain, own].map((ch) => ch.request<Scrape>({ cmd: 'scrape' }, 'scrape')));

    // Beside collectDefaultMetrics: its names stay its own, heapscope adds only what it lacks.
    for (const n of ['nodejs_heap_size_used_bytes', 'process_cpu_user_seconds_total', 'nodejs_gc_duration_seconds', 'nodejs_eventloop_lag_stddev_seconds']) assert.ok(!a.added.includes(n), n);
    assert.ok(a.added.includes('heapscope_heap_limit_bytes'));
    assert.deepEqual(a.again, [], 'registering twice adds nothing and does not throw');
    const names = families(a.text);
    assert.equal(new Set(names).size, names.length, 'no metric twice');
    assert.ok(names.includes('heapscope_eventloop_utilization_ratio'));
    assert.ok(!names.includes('heapscope_findings') && !names.includes('heapscope_snapshots_stored'), 'dashboard-only metrics stay there');
    assert.ok(sample(a.text, 'heapscope_heap_limit_bytes')! > 100 * 2 ** 20);

    // On a bare registry, heapscope provides prom-client's default names itself, without labels.
    for (const n of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'nodejs_version_info', 'nodejs_eventloop_lag_p99_seconds']) {
      assert.ok(b.added.includes(n), n);
    }
    const heapUsed = sample(b.text, 'nodejs_heap_size_used_bytes')!;
    assert.ok(heapUsed > 1e6 && sample(b.text, 'process_resident_memory_bytes')! > heapUsed);
    assert.ok(sample(b.text, 'process_cpu_user_seconds_total')! > 0);
    assert.ok(sample(b.text, 'nodejs_gc_duration_seconds_count', 'kind="major"')! >= 1, 'the forced GC is counted');
    assert.equal(sample(b.text, 'nodejs_version_info', `version="${process.version}"`), 1);

    // { defaults: false }: only heapscope_* names.
    assert.ok(c.added.length > 0 && c.added.every((n) => n.startsWith('heapscope_')));

    // promtool: clean, except prom-client's own gauges named *_total where the app ran collectDefaultMetrics.
    const PROM_CLIENT_OWN = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    for (const s of [a, b, c]) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: s.text, encoding: 'utf8', timeout: 15_000 });
      assert.ok(!r.error, `promtool runs (apt-get install prometheus): ${r.error?.message}`);
      const problems = (r.stdout + r.stderr).split('\n').filter((l) => l.trim() && !PROM_CLIENT_OWN.test(l));
      assert.deepEqual(problems, []);
      if (s === b) assert.equal(r.status, 0, "a registry with heapscope's metrics only is lint-clean");
    }
  });

  it('records through the OpenTelemetry MeterProvider with semantic-convention names and units', async () => {
    const [eager, late] = [start('otel-app.cjs', { OTEL: 'global' }), start('otel-app.cjs', { OTEL: 'late' })];
    await Promise.all([eager, late].map((ch) => ch.next((r) => r.ready === true)));
    await new Promise((r) => setTimeout(r, 1500)); // the late app registers its provider after 1 s
    const results = await Promise.all([eager, late].map((ch) => ch.request<Collected>({ cmd: 'collect' }, 'collected')));
    for (const got of results) {
      assert.equal(got.diagnostics.openTelemetry, true);
      const by = new Map(got.metrics.filter((m) => m.scope === 'heapscope').map((m) => [m.name, m]));
      const expect = (name: string, unit: string, type: string): OtelMetric => {
        const m = by.get(name);
        assert.ok(m, `${name} recorded (got ${[...by.keys()].join(', ')})`);
        assert.equal(m.unit, unit, `${name} unit`);
        assert.equal(m.type, type, `${name} instrument`);
        assert.ok(m.points.length > 0, `${name} has data`);
        return m;
      };
      const used = expect('v8js.memory.heap.used', 'By', 'OBSERVABLE_UP_DOWN_COUNTER');
      const old = used.points.find((p) => p.attributes['v8js.heap.space.name'] === 'old_space');
      assert.ok(old && (old.value as number) > 1e5, 'old_space used');
      for (const n of ['v8js.memory.heap.space.size', 'v8js.memory.heap.space.available_size', 'v8js.memory.heap.space.physical_size']) {
        const m = expect(n, 'By', 'OBSERVABLE_UP_DOWN_COUNTER');
        assert.ok(m.points.every((p) => typeof p.attributes['v8js.heap.space.name'] === 'string'));
      }
      const rss = expect('process.memory.usage', 'By', 'OBSERVABLE_UP_DOWN_COUNTER').points[0]!.value as number;
      const heapTotal = used.points.reduce((s, p) => s + (p.value as number), 0);
      assert.ok(rss > heapTotal, `rss ${rss} > heap used ${heapTotal}`);
      const cpu = expect('process.cpu.time', 's', 'OBSERVABLE_COUNTER');
      assert.deepEqual(cpu.points.map((p) => p.attributes['cpu.mode']).sort(), ['system', 'user']);
      assert.ok((cpu.points.find((p) => p.attributes['cpu.mode'] === 'user')!.value as number) > 0);
      for (const k of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
        const v = expect(`nodejs.eventloop.delay.${k}`, 's', 'OBSERVABLE_GAUGE').points[0]!.value as number;
        assert.ok(v >= 0 && v < 10, `delay ${k} = ${v} s`);
      }
      const elu = expect('nodejs.eventloop.utilization', '1', 'OBSERVABLE_GAUGE').points[0]!.value as number;
      assert.ok(elu >= 0 && elu <= 1);
      const gc = expect('v8js.gc.duration', 's', 'HISTOGRAM');
      const major = gc.points.find((p) => p.attributes['v8js.gc.type'] === 'major');
      assert.ok(major, 'the forced major GC is recorded');
      const h = major.value as { count: number; sum: number; buckets: { boundaries: number[] } };
      assert.ok(h.count >= 1 && h.sum > 0 && h.sum < 10);
      assert.deepEqual(h.buckets.boundaries, [0.01, 0.1, 1, 10]);
    }
  });

  it('without OpenTelemetry in the app: nothing loaded, nothing recorded, metrics as usual', async () => {
    const child = start('otel-app.cjs', { OTEL: 'none' });
    await child.next((r) => r.ready === true);
    const [agent] = await server.waitForAgents(1, 15_000, (a) => a.hello?.pid === child.proc.pid);
    await agent!.waitFor(() => agent!.metrics.length >= 3, 10_000, '3 metrics frames');
    const got = await child.request<Collected>({ cmd: 'collect' }, 'collected');
    assert.equal(got.otelModules, 0, 'no @opentelemetry module loaded');
    assert.equal(got.diagnostics.openTelemetry, false);
    assert.deepEqual(got.metrics, []);
    // The frames carry what the exporters need.
    const m = agent!.metrics[agent!.metrics.length - 1]!;
    assert.ok(m.cpu.totalUserMs! > 0 && m.cpu.totalSystemMs! >= 0);
    assert.ok(m.eventLoop.utilization! >= 0 && m.eventLoop.utilization! <= 1);
    assert.ok(typeof m.eventLoop.stddev === 'number');
  });
});
