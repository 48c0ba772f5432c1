// Security: off-loopback needs a token; with a token every page, API call, download, trigger,
// upload and WebSocket checks it; without one (loopback) foreign Host headers and cross-origin
// writes are refused. Also the CLI's port-in-use behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { checkBind } from '../../src/dashboard/server.js';
import { APPS, CLI, api, dashboard, liveProcess, runAction, tempDir, dashboardWithApp } from './support.js';

const TOKEN = 'test-token-0123456789';

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', () => resolve(-1));
  });
}

test('binding off loopback without a token is refused (library and CLI)', async () => {
  assert.throws(() => checkBind('0.0.0.0', undefined), /refusing to listen on 0\.0\.0\.0 without a token/);
  assert.throws(() => checkBind('::', undefined), /without a token/);
  assert.doesNotThrow(() => checkBind('127.0.0.1', undefined));
  assert.doesNotThrow(() => checkBind('0.0.0.0', 'x'));
  const tmp = await tempDir();
  const r = spawnSync(process.execPath, [CLI, 'dashboard', '--host', '0.0.0.0', '--port', '0', '--data', tmp.dir], { encoding: 'utf8', env: { ...process.env, HEAPSCOPE_TOKEN: '' }, timeout: 15_000 });
  await tmp.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^heapscope: refusing to listen on 0\.0\.0\.0 without a token/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('with a token, every route and socket checks it; ?token= becomes an HttpOnly SameSite cookie', async (t) => {
  // Listening on every interface is "off loopback" (token required); the test still only talks to
  // 127.0.0.1, which the dashboard's URL names for a wildcard bind.
  const { dash, app } = await dashboardWithApp(t, join(APPS, 'plain.cjs'), { token: TOKEN, host: '0.0.0.0' }, { HEAPSCOPE_TOKEN: TOKEN });
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const proc = await liveProcess(dash, app.child.pid!);
  const job = await runAction(dash, proc.id, 'heapSnapshot', undefined, TOKEN);
  assert.equal(job.state, 'ready', job.error);

  const routes: [string, string][] = [
    ['GET', '/'],
    ['GET', '/ui/app.js'],
    ['GET', '/api/state'],
    ['GET', '/api/processes'],
    ['GET', `/api/processes/${proc.id}/metrics`],
    ['GET', `/api/jobs/${job.id}`],
    ['GET', `/api/reports/${job.reportId}`],
    ['GET', `/api/reports/${job.reportId}/meta`],
    ['GET', `/api/reports/${job.reportId}/retainers/1`],
    ['GET', `/api/artifacts/${job.artifactId}/download`],
    ['POST', `/api/processes/${proc.id}/actions`],
    ['POST', '/api/compare'],
    ['POST', `/api/artifacts/${job.artifactId}/analyze`],
    ['POST', `/api/uploads/${job.id}`],
  ];
  for (const [method, path] of routes) {
    const body = method === 'POST' ? JSON.stringify({ action: 'heapSnapshot', artifactIds: [job.artifactId, job.artifactId] }) : undefined;
    for (const token of [undefined, 'wrong-token']) {
      const r = await api(dash.url, path, { method, body, token });
      assert.equal(r.status, 401, `${method} ${path} with ${token ?? 'no token'}`);
    }
  }
  // Bearer works for the API and downloads.
  assert.equal((await api(dash.url, `/api/artifacts/${job.artifactId}/download`, { token: TOKEN })).status, 200);
  assert.equal((await api(dash.url, '/api/health')).status, 200, 'health stays public (it says nothing about processes)');

  // Browser flow: ?token= once -> cookie -> redirect without the token in the URL.
  const first = await fetch(`${dash.url}/?token=${TOKEN}`, { redirect: 'manual' });
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const jar = cookie.split(';')[0]!;
  const page = await fetch(`${dash.url}/`, { headers: { cookie: jar } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /heapscope dashboard/);
  const dl = await fetch(`${dash.url}/api/artifacts/${job.artifactId}/download`, { headers: { cookie: jar } });
  assert.equal(dl.status, 200);
  await dl.body?.cancel();
  assert.equal((await fetch(`${dash.url}/?token=nope`, { redirect: 'manual' })).status, 401);

  // WebSockets: agents and browsers alike.
  const ws = dash.url.replace('http', 'ws');
  assert.equal(await wsStatus(`${ws}/agent`), 401);
  assert.equal(await wsStatus(`${ws}/ws/ui`), 401);
  assert.equal(await wsStatus(`${ws}/agent`, { authorization: 'Bearer wrong' }), 401);
  assert.equal(await wsStatus(`${ws}/ws/ui`, { cookie: jar }), 101);
  assert.equal(await wsStatus(`${ws}/agent?token=${TOKEN}`), 101);
});

test('loopback without a token: foreign Host headers and cross-origin writes are refused', async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  t.after(async () => {
    await dash.close();
    await tmp.cleanup();
  });
  const { request } = await import('node:http');
  const status = (path: string, headers: Record<string, string>, method = 'GET'): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dash.port, path, method, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(method === 'POST' ? '{}' : undefined);
    });
  assert.equal(await status('/api/state', { host: `127.0.0.1:${dash.port}` }), 200);
  assert.equal(await status('/api/state', { host: `localhost:${dash.port}` }), 200);
  assert.equal(await status('/api/state', { host: 'attacker.example' }), 403, 'DNS rebinding');
  assert.equal(await status('/api/compare', { host: `127.0.0.1:${dash.port}`, origin: 'http://attacker.example', 'content-type': 'application/json' }, 'POST'), 403);
  assert.equal(await wsStatus(`ws://127.0.0.1:${dash.port}/ws/ui`, { origin: 'http://attacker.example' }), 403);
  assert.equal(await wsStatus(`ws://127.0.0.1:${dash.port}/ws/ui`, { origin: `http://127.0.0.1:${dash.port}` }), 101);
  // a web page may not pose as an agent either (agents send no Origin)
  assert.equal(await wsStatus(`ws://127.0.0.1:${dash.port}/agent`, { origin: 'http://attacker.example' }), 403);
});

test('CLI: port taken by a heapscope dashboard exits 0 quietly; by something else, a clear error', async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir });
  const other = createServer((_q, s) => s.end('not heapscope'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  t.after(async () => {
    other.close();
    await dash.close();
    await tmp.cleanup();
  });
  // Asynchronously: the dashboard under test lives in this process and must keep answering.
  const run = (port: number) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = execFile(process.execPath, [CLI, 'dashboard', '--port', String(port), '--data', tmp.dir], { encoding: 'utf8', timeout: 15_000 }, (_e, stdout, stderr) =>
        resolve({ status: c.exitCode, stdout, stderr }),
      );
    });
  const same = await run(dash.port);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /already running at http:\/\/127\.0\.0\.1:\d+/);
  const port = (other.address() as { port: number }).port;
  const taken = await run(port);
  assert.equal(taken.status, 1);
  assert.match(taken.stderr, new RegExp(`^heapscope: port ${port} on 127\\.0\\.0\\.1 is used by another program`));
});

test('token failures say which: missing vs wrong, any case of "Bearer", and browsers get an HTML page that says how', async (t) => {
  const tmp = await tempDir();
  const dash = await dashboard({ dataDir: tmp.dir, token: TOKEN });
  t.after(async () => {
    await dash.close();
    await tmp.cleanup();
  });
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    const r = await api(dash.url, '/api/state', { headers: { authorization: `${scheme} ${TOKEN}` } });
    assert.equal(r.status, 200, scheme);
  }
  const missing = await api<{ error: string }>(dash.url, '/api/state');
  assert.equal(missing.status, 401);
  assert.match(missing.body.error, /^token required/);
  const wrong = await api<{ error: string }>(dash.url, '/api/state', { headers: { authorization: 'bearer nope' } });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.error, /^wrong token/);
  const page = await fetch(`${dash.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.equal(page.status, 401);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const html = await page.text();
  assert.match(html, /needs a token/);
  assert.match(html, /\?token=&lt;your token&gt;/);
  assert.doesNotMatch(html, new RegExp(TOKEN));
  const wrongPage = await (await fetch(`${dash.url}/?token=nope`, { headers: { accept: 'text/html' }, redirect: 'manual' })).text();
  assert.match(wrongPage, /is not the dashboard&#39;s token/);
  assert.equal(await wsStatus(`ws://127.0.0.1:${dash.port}/ws/ui`, { authorization: `bearer ${TOKEN}` }), 101);
});

test('CLI: a second `dashboard` names the running one (pid, data directory) and how to stop it; --stop stops it', async (t) => {
  const a = await tempDir();
  const b = await tempDir();
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const env = { ...process.env, HEAPSCOPE_TOKEN: '', NODE_OPTIONS: '' };
  const first = execFile(process.execPath, [CLI, 'dashboard', '--port', String(port), '--data', a.dir], { env });
  t.after(async () => {
    first.kill('SIGKILL');
    await a.cleanup();
    await b.cleanup();
  });
  let out = '';
  first.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const end = Date.now() + 15_000;
  while (!out.includes('data:') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  const second = spawnSync(process.execPath, [CLI, 'dashboard', '--port', String(port), '--data', b.dir], { encoding: 'utf8', env, timeout: 15_000 });
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`already running at http://127\\.0\\.0\\.1:${port} \\(pid ${first.pid}, data ${a.dir}\\); it does not use ${b.dir}; stop it with \`heapscope dashboard --stop --port ${port}\``));
  const exited = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
  const stop = spawnSync(process.execPath, [CLI, 'dashboard', '--stop', '--port', String(port)], { encoding: 'utf8', env, timeout: 15_000 });
  assert.equal(stop.status, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped the heapscope dashboard at http://127\\.0\\.0\\.1:${port} \\(pid ${first.pid}, data ${a.dir}\\)`));
  assert.equal(await exited, 0);
  const again = spawnSync(process.execPath, [CLI, 'dashboard', '--stop', '--port', String(port)], { encoding: 'utf8', env, timeout: 15_000 });
  assert.match(again.stdout, /no heapscope dashboard answers/);
});
