// The dashboard is down for hundreds of reconnect attempts: nothing in the agent may grow (listeners
// on process or the socket, timers/handles, heap after GC, buffered metrics). Then it comes up on the
// same port and the agent connects by itself and delivers hello + metrics.
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { METRICS_BUFFER } from '../../src/protocol/index.js';
import { spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';

interface Diag {
  processListeners: number;
  agent: { connectAttempts: number; bufferedMetrics: number; socketListeners: number };
  heapUsed: number;
  resources: number;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('reconnect while the dashboard is down', () => {
  let child: Child | undefined;
  let server: AgentServer | undefined;
  after(async () => {
    child?.kill();
    await server?.close();
  });

  it('does not grow over hundreds of attempts, then connects when the dashboard appears', async () => {
    const port = await freePort();
    child = spawnApp('app.cjs', {
      // --jitless: optimised code and its feedback grow for thousands of calls before they plateau
      // (measured: ~300 KB over the first 4000 attempts, then flat), which is noise to this test; data
      // that leaks per attempt is the same with or without the JIT.
      execArgv: ['--expose-gc', '--jitless', '--no-flush-bytecode'],
      env: {
        ENTRY: 'require',
        HEAPSCOPE_DEBUG: '0',
        HEAPSCOPE_URL: `ws://127.0.0.1:${port}`,
        HEAPSCOPE_INTERVAL: '100',
        HEAPSCOPE_RECONNECT_MIN_MS: '2',
        HEAPSCOPE_RECONNECT_MAX_MS: '8',
      },
    });
    await child.next((r) => r.ready === true);
    const diag = () => child!.request<Diag>({ cmd: 'diag' }, 'diag');
    const waitFor = async (pred: (d: Diag) => boolean) => {
      for (let d = await diag(); ; d = await diag()) {
        if (pred(d)) return d;
        await sleep(200);
      }
    };
    // Warm up (JIT, lazily created internals) until the metrics buffer is full, then measure.
    const warm = await waitFor((d) => d.agent.bufferedMetrics === METRICS_BUFFER && d.agent.connectAttempts > 100);
    const base = await waitFor((d) => d.agent.connectAttempts >= warm.agent.connectAttempts + 50);
    const end = await waitFor((d) => d.agent.connectAttempts >= base.agent.connectAttempts + 800);
    const attempts = end.agent.connectAttempts - base.agent.connectAttempts;
    const detail = JSON.stringify({ base, end });
    assert.ok(attempts >= 800, detail);
    assert.equal(end.processListeners, base.processListeners, `process listeners stable: ${detail}`);
    // A live attempt has 5 (open, message, error, unexpected-response, close); a dead one none.
    assert.ok(end.agent.socketListeners <= 5, `only the live attempt's socket listeners: ${detail}`);
    assert.ok(end.resources <= base.resources + 2, `handles stable: ${detail}`);
    assert.equal(end.agent.bufferedMetrics, METRICS_BUFFER, `metrics buffer bounded: ${detail}`);
    // Measured: retaining each dead WebSocket costs ~850 bytes (~700 KB over 800 attempts), one leaked
    // listener per attempt ~900 bytes; a clean agent without the JIT stays within ~60 KB.
    const growth = end.heapUsed - base.heapUsed;
    if (process.env.HEAPSCOPE_TEST_VERBOSE) console.log(`reconnect: heap grew ${growth} bytes over ${attempts} attempts`);
    assert.ok(growth < 250_000, `heap after GC grew ${growth} bytes over ${attempts} attempts: ${detail}`);

    // The dashboard comes up on that port: the agent connects, says hello, flushes its bounded buffer.
    server = await startAgentServer({ port });
    const [agent] = await server.waitForAgents(1, 10_000);
    assert.equal(agent.hello!.pid, child.proc.pid);
    await agent.waitFor(() => agent.metrics.length > METRICS_BUFFER + 2, 10_000, 'buffered then live metrics');
    const ts = agent.metrics.map((m) => m.t);
    assert.ok(ts.every((t, i) => i === 0 || t >= ts[i - 1]), 'oldest first');
    assert.ok(ts[0] < Date.now() - 4000, 'the buffered frames are from before the connection');
    assert.equal(server.agents.length, 1, 'one connection');
  });
});
