// hello and metrics from a real agent in a real child process, through both package entry points.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';

describe('agent metrics', () => {
  let server: AgentServer;
  const children: Child[] = [];
  before(async () => {
    server = await startAgentServer();
  });
  after(async () => {
    for (const c of children) c.kill();
    await server.close();
  });

  it('sends a complete hello, then metrics every interval, with CPU from this process only', async () => {
    const child = spawnApp('app.cjs', { env: { ENTRY: 'require', HEAPSCOPE_URL: server.url, HEAPSCOPE_INTERVAL: '200', APP_PROJECT: 'metrics-app' } });
    children.push(child);
    const [agent] = await server.waitForAgents(1, 15_000, (a) => a.hello?.pid === child.proc.pid);
    const hello = agent.hello!;
    assert.equal(hello.project, 'metrics-app');
    assert.equal(hello.pid, child.proc.pid);
    assert.equal(hello.ppid, process.pid);
    assert.equal(hello.thread, 'main');
    assert.equal(hello.isPrimary, true);
    assert.equal(hello.clusterWorkerId, undefined);
    assert.equal(hello.nodeVersion, process.version);
    assert.equal(hello.interval, 200);
    assert.match(hello.agentId, /^[0-9a-f-]{36}$/);
    assert.ok(hello.argv.some((a) => a.endsWith('app.cjs')));
    assert.ok(hello.heapLimit > 100 * 2 ** 20, 'heap limit reported');
    assert.ok(Math.abs(hello.startTime - Date.now()) < 60_000, 'start time is recent');

    await agent.waitFor(() => agent.metrics.length >= 6, 10_000, '6 metrics frames');
    const ms = agent.metrics.slice(1, 6);
    for (const m of ms) {
      assert.ok(m.rss > m.heapUsed && m.heapTotal >= m.heapUsed && m.heapUsed > 0);
      assert.ok(m.external >= m.arrayBuffers);
      assert.equal(m.heapLimit, hello.heapLimit);
      assert.ok(m.heapSpaces.some((s) => s.name === 'old_space' && s.used > 0));
      const spaceSum = m.heapSpaces.reduce((n, s) => n + s.used, 0);
      assert.ok(Math.abs(spaceSum - m.heapUsed) < 1 << 20, 'heap spaces add up to heapUsed');
      assert.ok(m.interval >= 150 && m.interval <= 1000, `interval ${m.interval}`);
      for (const k of ['min', 'p50', 'p90', 'p99', 'max'] as const) assert.ok(m.eventLoop[k] >= 0);
      assert.ok(m.eventLoop.p50 <= m.eventLoop.p99 && m.eventLoop.p99 <= m.eventLoop.max);
    }
    const gaps = ms.slice(1).map((m, i) => m.t - ms[i].t);
    assert.ok(gaps.every((g) => g >= 100 && g <= 800), `frames every ~200 ms: ${gaps}`);
    const idleCpu = Math.max(...ms.map((m) => m.cpu.percent));
    assert.ok(idleCpu < 50, `idle CPU ${idleCpu}%`);

    // Busy-loop the child: the agent's CPU must account for the CPU the child itself measured while
    // spinning (on a shared 2-core box the spin may not get a whole core, so no fixed percentage).
    const before = agent.metrics.length;
    child.proc.send({ cmd: 'spin', ms: 1500 });
    const spun = await child.next<{ cpuMs: number }>((r) => 'spun' in r);
    await agent.waitFor(() => agent.metrics.length >= before + 2, 10_000, 'metrics after spin');
    const during = agent.metrics.slice(before);
    const detail = JSON.stringify(during.map((m) => [m.interval, m.cpu]));
    const spinFrame = during.reduce((a, b) => (a.cpu.userMs + a.cpu.systemMs >= b.cpu.userMs + b.cpu.systemMs ? a : b));
    const frameCpu = spinFrame.cpu.userMs + spinFrame.cpu.systemMs;
    assert.ok(frameCpu >= spun.cpuMs * 0.95, `frame CPU ${frameCpu} ms covers the spin's ${spun.cpuMs} ms: ${detail}`);
    assert.ok(Math.abs(spinFrame.cpu.percent - (frameCpu / spinFrame.interval) * 100) < 2, `percent = cpu / interval: ${detail}`);
    assert.ok(spinFrame.cpu.percent > Math.max(20, idleCpu * 3), `CPU rises while spinning: ${detail}`);
    assert.ok(Math.max(...during.map((m) => m.eventLoop.max)) > 500, `event-loop delay shows the blocked loop: ${JSON.stringify(during.map((m) => m.eventLoop))}`);
  });

  it('reports GC activity by kind', async () => {
    const child = spawnApp('app.cjs', { env: { ENTRY: 'require', HEAPSCOPE_URL: server.url, HEAPSCOPE_INTERVAL: '200' }, execArgv: ['--expose-gc'] });
    children.push(child);
    const [agent] = await server.waitForAgents(1, 15_000, (a) => a.hello?.pid === child.proc.pid);
    const start = agent.metrics.length;
    await child.request({ cmd: 'diag' }, 'diag'); // runs global.gc() twice
    await agent.waitFor(() => agent.metrics.slice(start).some((m) => (m.gc.major?.count ?? 0) >= 2), 10_000, 'major GC counts');
    const m = agent.metrics.slice(start).find((x) => x.gc.major)!;
    assert.ok(m.gc.major!.pauseMs > 0 && m.gc.major!.maxPauseMs <= m.gc.major!.pauseMs);
  });

  for (const entry of ['require', 'import'] as const) {
    it(`works through ${entry === 'require' ? "require('heapscope')('x')" : "import heapscope from 'heapscope'"}`, async () => {
      const child = spawnApp('app.cjs', { env: { ENTRY: entry, HEAPSCOPE_URL: server.url, APP_PROJECT: `entry-${entry}` } });
      children.push(child);
      const ready = await child.next<{ enabled: boolean }>((r) => r.ready === true);
      assert.equal(ready.enabled, true);
      const [agent] = await server.waitForAgents(1, 15_000, (a) => a.hello?.pid === child.proc.pid);
      assert.equal(agent.hello!.project, `entry-${entry}`);
      await agent.waitFor(() => agent.metrics.length >= 1, 5_000, 'metrics');
    });
  }
});
