// The agent's one persistent inspector session (src/agent/inspector.ts) next to the app: profiles
// and snapshots in any order, the app's own inspector session still works, and the connected
// session never keeps the process alive.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentConn, type AgentServer } from '../support/agent-server.js';

describe('the agent\'s inspector session', () => {
  let server: AgentServer;
  let child: Child;
  let agent: AgentConn;

  before(async () => {
    server = await startAgentServer({ token: 't' });
    child = spawnApp('inspector-user.cjs', { env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_TOKEN: 't' } });
    await child.next((r) => r.ready === true, 30_000);
    [agent] = await server.waitForAgents(1);
  });
  after(async () => {
    child.kill();
    await server.close();
  });

  it('runs CPU, ALLOC and MEM in any order, around the app\'s own session, and lets the process exit', async () => {
    for (const [action, seconds] of [['cpuProfile', 0.5], ['heapSnapshot'], ['samplingHeapProfile', 0.5], ['cpuProfile', 0.5]] as const) {
      const out = await agent.command(action, seconds ? { seconds } : undefined);
      assert.equal(out.final.type, 'result', `${action}: ${JSON.stringify(out.final)}`);
    }
    child.proc.send({ cmd: 'own' });
    const own = await child.next<{ own: number; profileNodes: number }>((r) => 'own' in r);
    assert.equal(own.own, 42);
    assert.ok(own.profileNodes > 1);
    const afterOwn = await agent.command('samplingHeapProfile', { seconds: 0.5 });
    assert.equal(afterOwn.final.type, 'result', JSON.stringify(afterOwn.final));
    child.proc.send({ cmd: 'finish' });
    const code = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000).unref())]);
    assert.equal(code, 0, `exits by itself with the session connected; stderr: ${child.stderr()}`);
  });

  it('leaves --inspect working: a DevTools client evaluates and profiles beside the agent', async () => {
    const app = spawnApp('inspector-user.cjs', { env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_TOKEN: 't' }, execArgv: ['--inspect=127.0.0.1:0'] });
    try {
      await app.next((r) => r.ready === true, 30_000);
      const conn = await server.waitForAgents(2).then((all) => all.find((a) => a.hello?.pid === app.proc.pid)!);
      assert.equal((await conn.command('cpuProfile', { seconds: 0.5 })).final.type, 'result');
      const url = /Debugger listening on (ws:\/\/\S+)/.exec(app.stderr())?.[1];
      assert.ok(url, app.stderr());
      const ws = new WebSocket(url);
      await new Promise((res, rej) => ws.once('open', res).once('error', rej));
      let seq = 0;
      const call = (method: string, params = {}) =>
        new Promise<{ result?: { result?: { value?: unknown }; profile?: { nodes: unknown[] } }; error?: unknown }>((res) => {
          const id = ++seq;
          const onMessage = (data: WebSocket.RawData) => {
            const msg = JSON.parse(data.toString()) as { id?: number };
            if (msg.id === id) {
              ws.off('message', onMessage);
              res(msg as never);
            }
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ id, method, params }));
        });
      assert.equal((await call('Runtime.evaluate', { expression: '6 * 7' })).result?.result?.value, 42);
      await call('Profiler.enable');
      await call('Profiler.start');
      const during = conn.command('samplingHeapProfile', { seconds: 0.5 }); // the agent works meanwhile
      const { result } = await call('Profiler.stop');
      assert.ok(result?.profile && result.profile.nodes.length > 1);
      assert.equal((await during).final.type, 'result');
      ws.close();
    } finally {
      app.kill();
    }
  });
});
