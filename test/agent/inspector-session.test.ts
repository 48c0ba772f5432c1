// The agent's one persistent inspector session (src/agent/inspector.ts) next to the app: profiles
// and snapshots in any order, the app's own inspector session still works, and the connected
// session never keeps the process alive.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentConn, type AgentServer } from '../support/agent-server.js';

describe('the agent\'s inspector session', () => {
  let server: AgentServer;
  let child: Child;
  let agent: AgentConn;

  before(async () => {
    server = await startAgentServer({ token: 't' });
    child = spawnApp('inspector-user.cjs', { env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_TOKEN: 't' } });
    await child.next((r) => r.ready === true);
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
    const code = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r('still running'), 8000))]);
    assert.equal(code, 0, `exits by itself with the session connected; stderr: ${child.stderr()}`);
  });
});
