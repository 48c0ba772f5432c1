// One agent per process (however it is loaded), every cluster worker, worker threads, never keeping
// the host alive, and starting a detached dashboard when none answers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DIST, FIXTURES, ROOT, spawnApp, type Child } from '../support/agent-child.js';
import { startAgentServer, type AgentServer } from '../support/agent-server.js';

/** A port nothing listens on (bound then released). */
export async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('agent lifecycle', () => {
  let server: AgentServer;
  const children: Child[] = [];
  before(async () => {
    server = await startAgentServer();
  });
  after(async () => {
    for (const c of children) c.kill();
    await server.close();
  });
  const agentsOf = (pid: number) => server.agents.filter((a) => a.hello?.pid === pid);

  it('loaded by both --require and --import heapscope/register: one agent, project from package.json', async () => {
    const child = spawnApp('pkg/server.mjs', {
      execArgv: ['--require', 'heapscope/register', '--import', 'heapscope/register'],
      env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_INTERVAL: '200' },
    });
    children.push(child);
    const ready = await child.next<{ hasAgent: boolean }>((r) => r.ready === true);
    assert.equal(ready.hasAgent, true);
    await server.waitForAgents(1, 15_000, (a) => a.hello?.pid === child.proc.pid).catch((e: Error) => {
      throw new Error(`${e.message}; stderr: ${child.stderr()}`);
    });
    await sleep(1500); // a second agent would have connected by now
    const mine = agentsOf(child.proc.pid!);
    assert.equal(mine.length, 1, 'exactly one connection');
    assert.equal(mine[0].hello!.project, 'register-fixture');
    assert.equal(mine[0].hello!.thread, 'main');
  });

  it('skips worker threads under the preload, reports an explicit worker agent as its thread', async () => {
    const child = spawnApp('pkg/server.mjs', {
      execArgv: ['--require', 'heapscope/register'],
      env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_PROJECT: 'threads', WORKER: '1', WORKER_AGENT: '1' },
    });
    children.push(child);
    const agents = await server.waitForAgents(2, 15_000, (a) => a.hello?.pid === child.proc.pid).catch((e: Error) => {
      throw new Error(`${e.message}; stderr: ${child.stderr()}`);
    });
    await sleep(1000);
    const threads = agentsOf(child.proc.pid!).map((a) => `${a.hello!.thread}:${a.hello!.project}`).sort();
    assert.deepEqual(threads, ['main:threads', 'worker:1:worker-agent']);
    assert.equal(agents.length, 2);
  });

  it('runs one agent in every cluster worker', async () => {
    const child = spawnApp('cluster.cjs', {
      execArgv: ['--require', 'heapscope/register'],
      env: { HEAPSCOPE_URL: server.url, HEAPSCOPE_PROJECT: 'cluster-app' },
    });
    children.push(child);
    const isMine = (a: { hello?: { project: string; pid: number; ppid: number } }) =>
      a.hello?.project === 'cluster-app' && (a.hello.pid === child.proc.pid || a.hello.ppid === child.proc.pid);
    await server.waitForAgents(3, 20_000, isMine).catch((e: Error) => {
      throw new Error(`${e.message}; stderr: ${child.stderr()}; got ${JSON.stringify(server.agents.map((a) => a.hello && [a.hello.project, a.hello.pid, a.hello.ppid]))}`);
    });
    await sleep(500);
    const hellos = server.agents.filter(isMine).map((a) => a.hello!);
    assert.equal(hellos.length, 3);
    const primary = hellos.filter((h) => h.isPrimary);
    const workers = hellos.filter((h) => !h.isPrimary);
    assert.equal(primary.length, 1);
    assert.equal(primary[0].pid, child.proc.pid);
    assert.equal(workers.length, 2);
    assert.deepEqual(workers.map((w) => w.clusterWorkerId).sort(), [1, 2]);
    assert.notEqual(workers[0].pid, workers[1].pid);
    assert.ok(workers.every((w) => w.ppid === child.proc.pid));
    child.proc.send({ cmd: 'exit' });
    await child.exited;
  });

  it('never keeps the process alive, connected or not', async () => {
    for (const url of [server.url, `ws://127.0.0.1:${await deadPort()}`]) {
      const child = spawnApp('oneshot.cjs', { env: { HEAPSCOPE_URL: url, HEAPSCOPE_RECONNECT_MIN_MS: '50', HEAPSCOPE_INTERVAL: '100' } });
      children.push(child);
      const t0 = Date.now();
      const code = await Promise.race([child.exited, sleep(8000).then(() => 'still running')]);
      assert.equal(code, 0, `exits by itself (${url}); stderr: ${child.stderr()}`);
      assert.equal(child.stdout(), 'done\n');
      assert.ok(Date.now() - t0 < 8000);
    }
  });

  it('sends its token; a wrong or missing one is refused, retried, and warned about in ONE line (not per retry)', async () => {
    const guarded = await startAgentServer({ token: 'right' });
    try {
      const quick = { ENTRY: 'require', HEAPSCOPE_URL: guarded.url, HEAPSCOPE_RECONNECT_MIN_MS: '50', HEAPSCOPE_RECONNECT_MAX_MS: '100', HEAPSCOPE_DEBUG: '' };
      const wrong = spawnApp('app.cjs', { env: { ...quick, HEAPSCOPE_TOKEN: 'wrong' } });
      const missing = spawnApp('app.cjs', { env: { ...quick, HEAPSCOPE_TOKEN: '' } });
      const right = spawnApp('app.cjs', { env: { ENTRY: 'require', HEAPSCOPE_URL: guarded.url, HEAPSCOPE_TOKEN: 'right' } });
      children.push(wrong, missing, right);
      const [agent] = await guarded.waitForAgents(1);
      assert.equal(agent.hello!.pid, right.proc.pid);
      await sleep(1500);
      assert.equal(guarded.agents.length, 1, 'the wrong token never got a connection');
      assert.equal(wrong.proc.exitCode, null, 'and the app is unaffected');
      const lines = (c: typeof wrong): string[] => c.stderr().split('\n').filter(Boolean);
      assert.equal(lines(wrong).length, 1, `one line, not one per retry: ${wrong.stderr()}`);
      assert.match(lines(wrong)[0]!, /^\[heapscope \d+\] the dashboard at ws:\/\/127\.0\.0\.1:\d+\/agent refused this agent's token \(HTTP 401, wrong token\): set HEAPSCOPE_TOKEN/);
      assert.equal(lines(missing).length, 1, missing.stderr());
      assert.match(lines(missing)[0]!, /requires a token \(HTTP 401, none sent\): set HEAPSCOPE_TOKEN/);
    } finally {
      await guarded.close();
    }
  });

  it('is disabled by HEAPSCOPE_DISABLE=1 and stays quiet on a bad URL', async () => {
    const off = spawnApp('app.cjs', { env: { ENTRY: 'require', HEAPSCOPE_URL: server.url, HEAPSCOPE_DISABLE: '1' } });
    const bad = spawnApp('app.cjs', { env: { ENTRY: 'require', HEAPSCOPE_URL: 'ftp://nowhere' } });
    children.push(off, bad);
    assert.equal((await off.next<{ enabled: boolean }>((r) => r.ready === true)).enabled, false);
    assert.equal((await bad.next<{ enabled: boolean }>((r) => r.ready === true)).enabled, false);
    assert.match(bad.stderr(), /^heapscope: unsupported URL protocol ftp:\n$/);
    await sleep(500);
    assert.equal(agentsOf(off.proc.pid!).length, 0);
  });
});

describe('dashboard autostart', () => {
  const out = mkdtempSync(join(os.tmpdir(), 'heapscope-autostart-'));
  let stubPid = 0;
  after(() => {
    if (stubPid) {
      try {
        process.kill(stubPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(out, { recursive: true, force: true });
  });

  it('starts one detached dashboard on loopback when none answers, then connects to it', async () => {
    const port = await deadPort();
    const env = {
      ...process.env,
      NODE_OPTIONS: '--require heapscope/register',
      HEAPSCOPE_URL: `ws://127.0.0.1:${port}`,
      HEAPSCOPE_AUTOSTART: '1',
      NODE_ENV: 'production', // asked for explicitly, so production does not stop it
      HEAPSCOPE_DATA: join(out, 'data'),
      HEAPSCOPE_RECONNECT_MIN_MS: '100',
      HEAPSCOPE_RECONNECT_MAX_MS: '300',
      HEAPSCOPE_CLI: join(FIXTURES, 'dashboard-stub.mjs'),
      STUB_OUT: out,
    };
    // Two apps start at once: both may spawn a dashboard; one wins the port, both end up connected.
    const apps = [0, 1].map(() => spawn(process.execPath, [join(FIXTURES, 'oneshot.cjs')], { env: { ...env, LINGER_MS: '6000' }, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] }));
    const stderr = apps.map(() => '');
    apps.forEach((a, i) => a.stderr!.on('data', (d: Buffer) => (stderr[i] += d.toString())));
    try {
      const hellos = join(out, 'hellos.jsonl');
      const deadline = Date.now() + 15_000;
      const pids = () => (existsSync(hellos) ? new Set(readFileSync(hellos, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { pid: number }).pid)) : new Set());
      while (Date.now() < deadline && pids().size < 2) await sleep(100);
      const [pid, argv, envSeen] = readFileSync(join(out, 'stub.pid'), 'utf8').split('\n');
      stubPid = Number(pid);
      assert.deepEqual(pids(), new Set(apps.map((a) => a.pid)), 'both apps connected to the started dashboard');
      assert.equal(argv, `dashboard --port ${port} --host 127.0.0.1 --data ${join(out, 'data')}`);
      // Each app that started one says so in one line: which pid, where its data lives, how to stop it.
      const said = stderr.filter((e) => e.includes('started one'));
      assert.ok(said.length >= 1, stderr.join('|'));
      for (const e of said) {
        assert.equal(e.split('\n').filter((l) => l.includes('started one')).length, 1, e);
        assert.match(e, new RegExp(`no dashboard answered at http://127\\.0\\.0\\.1:${port}, so this app started one \\(pid \\d+, data in ${join(out, 'data').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\); .*npx heapscope dashboard --stop --port ${port}`));
      }
      assert.equal(envSeen, '|1', 'the dashboard runs without NODE_OPTIONS preload and with the agent disabled');
      assert.ok(!apps.some((a) => a.pid === stubPid));
    } finally {
      for (const a of apps) a.kill('SIGKILL');
    }
    assert.ok(existsSync(DIST));
  });

  it('never on a reconnect: a dashboard that goes away after the first connection is not replaced', async () => {
    const port = await deadPort();
    const first = await startAgentServer({ port });
    const out2 = mkdtempSync(join(os.tmpdir(), 'heapscope-autostart-re-'));
    const app = spawn(process.execPath, [join(FIXTURES, 'oneshot.cjs')], {
      env: { ...process.env, NODE_OPTIONS: '', HEAPSCOPE_URL: `ws://127.0.0.1:${port}`, HEAPSCOPE_AUTOSTART: '1', HEAPSCOPE_RECONNECT_MIN_MS: '50', HEAPSCOPE_RECONNECT_MAX_MS: '100', HEAPSCOPE_CLI: join(FIXTURES, 'dashboard-stub.mjs'), STUB_OUT: out2, LINGER_MS: '5000' },
      cwd: ROOT,
      stdio: 'ignore',
    });
    try {
      await first.waitForAgents(1);
      await first.close();
      await sleep(1500); // dozens of refused reconnects
      assert.ok(!existsSync(join(out2, 'stub.pid')), 'a dashboard was started on a reconnect');
    } finally {
      app.kill('SIGKILL');
      rmSync(out2, { recursive: true, force: true });
    }
  });

  it('off by default under NODE_ENV=production, on by default otherwise, only ever for loopback', async () => {
    const { resolveOptions } = await import('../../src/agent/options.js');
    const saved = { ...process.env };
    try {
      delete process.env.HEAPSCOPE_AUTOSTART;
      process.env.NODE_ENV = 'production';
      assert.equal(resolveOptions('x', { url: 'ws://127.0.0.1:1' }).autoStartDashboard, false);
      process.env.HEAPSCOPE_AUTOSTART = '1';
      assert.equal(resolveOptions('x', { url: 'ws://127.0.0.1:1' }).autoStartDashboard, true);
      assert.equal(resolveOptions('x', { url: 'ws://10.0.0.1:1' }).autoStartDashboard, false);
      delete process.env.HEAPSCOPE_AUTOSTART;
      process.env.NODE_ENV = 'development';
      assert.equal(resolveOptions('x', { url: 'ws://127.0.0.1:1' }).autoStartDashboard, true);
    } finally {
      process.env = saved;
    }
  });
});
