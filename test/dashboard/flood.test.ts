// Slow-loris and connection floods against a real dashboard on loopback: a legitimate client's
// /api/health keeps answering within a second throughout, held-open sockets are closed, and
// authenticated connections (a browser's WebSocket) are never the ones evicted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { dashboard, tempDir } from './support.js';
import type { Dashboard } from '../../src/dashboard/server.js';

const TOKEN = 'flood-token-0123456789';

/** One /api/health on a fresh connection; resolves its latency in ms, rejects after 1 s. */
function health(port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/health', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 1 s')));
    req.on('error', reject);
  });
}

/** Polls health every 100 ms until `stop` resolves; returns every latency (throws on any failure). */
async function legitimateClient(port: number, stop: Promise<void>): Promise<number[]> {
  let done = false;
  void stop.then(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    latencies.push(await health(port));
    await new Promise((r) => setTimeout(r, 100));
  }
  return latencies;
}

function openSockets(port: number, n: number, first: string): Promise<net.Socket[]> {
  return Promise.all(
    Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        if (first) s.write(first);
        resolve(s);
      });
      s.on('error', () => undefined);
    })),
  );
}

async function start(t: { after: (fn: () => Promise<void>) => void }): Promise<Dashboard> {
  const tmp = await tempDir();
  const dash = await dashboard({
    dataDir: tmp.dir,
    token: TOKEN,
    limits: { headersTimeoutMs: 2000, requestTimeoutMs: 2000, maxUntrusted: 200, maxUntrustedPerClient: 100 },
  });
  t.after(async () => {
    await dash.close();
    await tmp.cleanup();
  });
  return dash;
}

test('slow-loris: half-sent requests are closed by the header timeout; health answers within 1 s throughout', async (t) => {
  const dash = await start(t);
  const browser = new WebSocket(`ws://127.0.0.1:${dash.port}/ws/ui`, { headers: { authorization: `Bearer ${TOKEN}` } });
  await new Promise((r, j) => (browser.once('open', r), browser.once('error', j)));
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const client = legitimateClient(dash.port, stopped);
  // 300 clients that send a request line and one header byte every 300 ms, never the blank line.
  const loris = await openSockets(dash.port, 300, 'GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const drip = setInterval(() => loris.forEach((s) => s.writable && s.write('X')), 300);
  await new Promise((r) => setTimeout(r, 4500));
  clearInterval(drip);
  stop();
  const latencies = await client;
  const open = loris.filter((s) => !s.destroyed && s.readyState === 'open').length;
  loris.forEach((s) => s.destroy());
  process.stdout.write(`# slow-loris: 300 sockets, ${open} open after 4.5 s; ${latencies.length} health checks, max ${Math.round(Math.max(...latencies))} ms\n`);
  assert.equal(open, 0, `${open} of 300 half-sent requests still open after 4.5 s (header timeout 2 s)`);
  assert.ok(latencies.length >= 20, `only ${latencies.length} health checks`);
  assert.ok(Math.max(...latencies) < 1000);
  assert.equal(browser.readyState, WebSocket.OPEN, 'the authenticated browser socket was closed');
  browser.close();
});

test('connection flood: over the per-client cap the oldest idle sockets go; health and an authenticated socket stay', async (t) => {
  const dash = await start(t);
  const browser = new WebSocket(`ws://127.0.0.1:${dash.port}/ws/ui`, { headers: { authorization: `Bearer ${TOKEN}` } });
  await new Promise((r, j) => (browser.once('open', r), browser.once('error', j)));
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const client = legitimateClient(dash.port, stopped);
  const all: net.Socket[] = [];
  for (let wave = 0; wave < 10; wave++) {
    all.push(...(await openSockets(dash.port, 200, '')));
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300));
  stop();
  const latencies = await client;
  const open = all.filter((s) => !s.destroyed && s.readyState === 'open').length;
  all.forEach((s) => s.destroy());
  process.stdout.write(`# flood: 2000 sockets, ${open} open, ${dash.connections.evicted} evicted; ${latencies.length} health checks, max ${Math.round(Math.max(...latencies))} ms\n`);
  assert.ok(open <= 100, `${open} of 2000 idle sockets still open (cap 100 per client)`);
  assert.ok(dash.connections.evicted >= 1900, `evicted ${dash.connections.evicted}`);
  // the legitimate client asks one at a time through the whole flood (about 1.3 s): it must keep getting answers, fast
  assert.ok(latencies.length >= 5 && Math.max(...latencies) < 1000, `latencies ${latencies.map(Math.round).join(',')}`);
  assert.equal(browser.readyState, WebSocket.OPEN, 'the authenticated browser socket was closed');
  browser.close();
});

test('a request body trickled to an API route is cut at the request timeout; an authenticated client is not exempt', async (t) => {
  const dash = await start(t);
  const s = (await openSockets(dash.port, 1, `POST /api/compare HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`))[0]!;
  const t0 = Date.now();
  const drip = setInterval(() => s.writable && s.write(' '), 200);
  await new Promise<void>((r) => s.once('close', () => r()));
  clearInterval(drip);
  const held = Date.now() - t0;
  assert.ok(held >= 1500 && held < 5000, `closed after ${held} ms (request timeout 2 s)`);
});
