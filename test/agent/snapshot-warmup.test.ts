// Heap snapshots at the fast speed with a big script loaded (the TypeScript compiler, 9 MB): on V8
// before 12 the agent first caches every script's line ends through its persistent inspector
// session (by its listing of scripts before the first snapshot, else by the warm-up), and again
// only after new scripts were compiled. Without it, such a snapshot is
// quadratic (minutes; bench/snapshot-warmup.ts prints both timings).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResultMessage } from '../../src/protocol/index.js';
import { needsWarmup } from '../../src/agent/snapshot-warmup.js';
import { spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentConn, type AgentServer } from '../support/agent-server.js';

describe('snapshot warm-up with a big script loaded', () => {
  let server: AgentServer;
  let child: Child;
  let agent: AgentConn;

  before(async () => {
    server = await startAgentServer({ token: 't' });
    child = spawnApp('typescript-app.cjs', { env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_TOKEN: 't' } });
    await child.next((r) => r.ready === true, 30_000);
    [agent] = await server.waitForAgents(1);
  });
  after(async () => {
    child.kill();
    await server.close();
  });

  const snapshot = async (): Promise<ResultMessage> => {
    const out = await agent.command('heapSnapshot', undefined, 45_000);
    assert.equal(out.final.type, 'result', JSON.stringify(out.final));
    return out.final as ResultMessage;
  };

  it('caches the line ends before the first snapshot, which completes', async () => {
    const r = await snapshot();
    if (!needsWarmup()) {
      assert.equal(r.warmup, undefined, 'newer V8 caches line ends itself');
      return;
    }
    // Here the scripts were listed already, before the headroom check (to price TypeScript's 9 MB
    // source as the string it is: script-sources.ts). That listing cached every line end the same
    // way, so the warm-up has nothing left to do; it runs by itself in the next test.
    assert.ok(r.cost!.scriptSources! > 8 * 1024 * 1024, JSON.stringify(r));
    assert.equal(r.warmup?.ran, false, JSON.stringify(r));
    assert.ok(r.bytes > 1_000_000);
    console.log(`first snapshot: scripts listed before the check, warm-up skipped in ${r.warmup.ms} ms, snapshot ${r.durationMs} ms`);
  });

  it('skips the warm-up when no script was compiled since; warms again after one was', async (t) => {
    if (!needsWarmup()) return t.skip('V8 12+: no warm-up');
    // the agent's first upload loads a few of Node's modules lazily (new scripts): at most once more
    const second = await snapshot();
    const again = second.warmup?.ran ? await snapshot() : second;
    assert.equal(again.warmup?.ran, false, JSON.stringify(again.warmup));
    child.proc.send({ cmd: 'compile' });
    await child.next((r) => r.compiled === 1);
    const after = await snapshot();
    assert.equal(after.warmup?.ran, true, JSON.stringify(after.warmup));
    console.log(`again: skipped in ${again.warmup!.ms} ms, snapshot ${again.durationMs} ms; after a new script: warm-up ${after.warmup!.ms} ms`);
  });
});
