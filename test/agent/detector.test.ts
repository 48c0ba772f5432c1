// The leak detector end to end: a real leaking service and a healthy one, each a child process with
// the built agent preloaded (--require dist/register.cjs), against this test's WebSocket server.
// Fast knobs (a 20 s window) stand in for the defaults; the rule is the same. Then a calm service
// with a big heap, where only the agent's confirmation GCs give the detector enough samples.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LeakMessage } from '../../src/protocol/index.js';
import { DIST, spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';

const FAST = {
  HEAPSCOPE_INTERVAL: '500',
  HEAPSCOPE_DETECT_WINDOW_MS: '20000',
  HEAPSCOPE_DETECT_MIN_MS: '8000',
  HEAPSCOPE_DETECT_MIN_RATE: String(1024 * 1024),
  HEAPSCOPE_DETECT_GRACE_MS: '0',
};

describe('leak detector in the agent', () => {
  let server: AgentServer;
  const children: Child[] = [];
  before(async () => {
    server = await startAgentServer();
  });
  after(async () => {
    for (const c of children) c.kill();
    await server.close();
  });

  const start = (project: string, env: Record<string, string>) => {
    const child = spawnApp('detector-app.cjs', {
      execArgv: ['--expose-gc', '--require', join(DIST, 'register.cjs')],
      env: { ...FAST, HEAPSCOPE_URL: server.url, HEAPSCOPE_PROJECT: project, HEAPSCOPE_DEBUG: '0', ...env },
    });
    children.push(child);
    return child;
  };

  it('sends one leak frame and one log line for a leaking service, and none for a healthy one', { timeout: 90_000 }, async () => {
    const leaking = start('leaky-svc', { LEAK_MB_MIN: '40' });
    const healthy = start('healthy-svc', {});
    const [a, b] = await Promise.all([
      server.waitForAgents(1, 20_000, (x) => x.hello?.pid === leaking.proc.pid).then((x) => x[0]),
      server.waitForAgents(1, 20_000, (x) => x.hello?.pid === healthy.proc.pid).then((x) => x[0]),
    ]);
    const t0 = Date.now();
    await a.waitFor(() => a.messages.some((m) => m.type === 'leak'), 60_000, 'a leak frame from the leaking service');
    const detectMs = Date.now() - t0;
    const leak = a.messages.find((m) => m.type === 'leak') as LeakMessage;
    assert.equal(leak.detector.state, 'leak');
    assert.equal(leak.detector.series, 'heap');
    assert.ok(leak.detector.bytesPerMinute > 10 * 2 ** 20 && leak.detector.bytesPerMinute < 100 * 2 ** 20, `rate ${leak.detector.bytesPerMinute}`);
    assert.ok(leak.detector.since! < leak.t && leak.detector.since! > t0 - 30_000);
    assert.ok(leak.heapUsed > 0 && leak.heapLimit > leak.heapUsed && leak.rss > 0);
    // The metrics carry the post-GC samples and the detector's state.
    const withGc = a.metrics.filter((m) => m.postGc?.length);
    assert.ok(withGc.length >= 5, 'post-GC samples in metrics');
    for (const s of withGc.flatMap((m) => m.postGc!)) assert.ok(s.heapUsed > 0 && s.rss > s.heapUsed && s.external >= s.arrayBuffers && s.t > 0);
    assert.ok(a.metrics.every((m) => m.detector && typeof m.detector.reason === 'string'));
    // The leak frame goes out just before the metrics frame of the same tick.
    await a.waitFor(() => a.metrics.at(-1)?.detector?.state === 'leak', 5_000, 'metrics with state leak');
    // Keep running a while longer: still one leak frame (latched), and the healthy one stays quiet.
    await new Promise((r) => setTimeout(r, Math.max(5_000, 30_000 - detectMs)));
    assert.equal(a.messages.filter((m) => m.type === 'leak').length, 1, 'one leak frame');
    const lines = leaking.stderr().split('\n').filter((l) => l.startsWith('heapscope:'));
    assert.equal(lines.length, 1, leaking.stderr());
    assert.match(lines[0], /possible memory leak in leaky-svc .*JS heap after GC growing \d+\.\d MB\/min since \d{4}-.*heap \d+ MB of \d+ MB heap limit/);
    assert.equal(b.messages.filter((m) => m.type === 'leak').length, 0, `healthy: ${b.metrics.at(-1)?.detector?.reason}`);
    assert.ok(b.metrics.some((m) => m.postGc?.length), 'the healthy one is sampled too');
    assert.ok(['watching', 'growing'].includes(b.metrics.at(-1)!.detector!.state), b.metrics.at(-1)!.detector!.state);
    assert.equal(healthy.stderr().includes('heapscope:'), false);
    console.log(`leak frame after ${detectMs} ms; healthy at ${b.metrics.at(-1)!.detector!.state}: ${b.metrics.at(-1)!.detector!.reason}`);
  });

  it('HEAPSCOPE_DETECT=0 turns the detector off (no status, no leak frame)', { timeout: 40_000 }, async () => {
    const child = start('off-svc', { LEAK_MB_MIN: '40', HEAPSCOPE_DETECT: '0' });
    const [c] = await server.waitForAgents(1, 20_000, (x) => x.hello?.pid === child.proc.pid);
    await c.waitFor(() => c.metrics.filter((m) => m.postGc?.length).length >= 3, 20_000, 'post-GC samples');
    assert.ok(c.metrics.every((m) => m.detector === undefined));
    assert.equal(c.messages.filter((m) => m.type === 'leak').length, 0);
  });

  // A big live heap and no --expose-gc: V8 itself runs a major GC only now and then.
  const startCalm = (project: string, env: Record<string, string>) => {
    const child = spawnApp('probe-app.cjs', {
      execArgv: ['--require', join(DIST, 'register.cjs')],
      env: { ...FAST, HEAPSCOPE_DETECT_WINDOW_MS: '60000', HEAPSCOPE_URL: server.url, HEAPSCOPE_PROJECT: project, HEAPSCOPE_DEBUG: '0', BALLAST_MB: '150', LEAK_MB_MIN: '12', NUDGE_EVERY_MS: '15000', ...env },
    });
    children.push(child);
    return child;
  };

  it('confirmation probes force a GC only while a rising floor is undecided, and leave no gc() to the app', { timeout: 90_000 }, async () => {
    const probed = startCalm('probed-svc', { HEAPSCOPE_DETECT_PROBE_MS: '5000' });
    const unprobed = startCalm('unprobed-svc', { HEAPSCOPE_DETECT_PROBE_MS: '0' });
    const [a, b] = await Promise.all([
      server.waitForAgents(1, 30_000, (x) => x.hello?.pid === probed.proc.pid).then((x) => x[0]),
      server.waitForAgents(1, 30_000, (x) => x.hello?.pid === unprobed.proc.pid).then((x) => x[0]),
    ]);
    await a.waitFor(() => a.messages.some((m) => m.type === 'leak'), 60_000, 'a leak frame from the probed service');
    const leak = a.messages.find((m) => m.type === 'leak') as LeakMessage;
    const probes = Math.max(...a.metrics.map((m) => m.detector?.probes ?? 0));
    assert.ok(probes >= 1, 'the detector asked for probes');
    // Each probe is a real major GC the agent saw: at least as many post-GC samples as probes.
    const samples = a.metrics.reduce((n, m) => n + (m.postGc?.length ?? 0), 0);
    assert.ok(samples >= probes, `${samples} post-GC samples, ${probes} probes`);
    // Bounded: never more than one per probe interval.
    const spanS = (a.metrics.at(-1)!.t - a.metrics[0]!.t) / 1000;
    assert.ok(probes <= spanS / 5 + 1, `${probes} probes in ${spanS} s`);
    // Off: the same service with probes off never forces one.
    assert.ok(b.metrics.length > 10 && b.metrics.every((m) => m.detector?.probes === undefined));
    // The collector came from a throwaway context: the app's world has no gc, not even later.
    assert.deepEqual(await probed.request({ check: true }, 'gcSeen', 20_000), { main: 'undefined', vm: 'undefined', worker: 'undefined' });
    console.log(`probed: leak at ${Math.round(leak.detector.bytesPerMinute / 2 ** 20)} MB/min after ${probes} probes, ${samples} post-GC samples; unprobed: ${b.metrics.at(-1)!.detector!.state}`);
  });
});
