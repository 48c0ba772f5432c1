// TLS end to end with a CA and a certificate generated here (openssl): HTTPS and WSS on one port,
// agents that trust the CA through HEAPSCOPE_CA or NODE_EXTRA_CA_CERTS stream a snapshot over
// HTTPS, one that trusts nothing warns once and never connects, and a browser that trusts only
// this certificate's key opens the page with the token and sees the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { APPS, agentApp, dashboard, liveProcess, tempDir, waitFor } from './support.js';
import type { Job } from '../../src/dashboard/jobs.js';
import { CHROMIUM, launch } from '../report/browser.js';

const TOKEN = 'tls-token-0123456789';

function makeCertificates(dir: string): { ca: string; cert: string; key: string; spki: string } {
  const o = (...args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=heapscope test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  const ext = join(dir, 'ext.cnf');
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ${ext}`]);
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem');
  // Chromium pins a key by the base64 SHA-256 of its SubjectPublicKeyInfo.
  const spki = execFileSync('sh', ['-c', 'openssl x509 -in server.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64'], { cwd: dir, encoding: 'utf8' }).trim();
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), spki };
}

test('TLS: HTTPS + WSS on one port; agents trusting the CA (HEAPSCOPE_CA, NODE_EXTRA_CA_CERTS) upload over HTTPS; a browser opens it', { timeout: 120_000 }, async (t) => {
  const tmp = await tempDir();
  const certs = makeCertificates(tmp.dir);
  const dash = await dashboard({ dataDir: join(tmp.dir, 'data'), token: TOKEN, tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
  assert.match(dash.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const wss = dash.url.replace(/^https/, 'wss');
  const viaCa = agentApp(join(APPS, 'plain.cjs'), wss, { HEAPSCOPE_TOKEN: TOKEN, HEAPSCOPE_CA: certs.ca, HEAPSCOPE_DEBUG: '1' });
  const viaNode = agentApp(join(APPS, 'plain.cjs'), wss, { HEAPSCOPE_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: certs.ca, HEAPSCOPE_DEBUG: '1' });
  const untrusting = agentApp(join(APPS, 'plain.cjs'), wss, { HEAPSCOPE_TOKEN: TOKEN });
  const cleartext = agentApp(join(APPS, 'plain.cjs'), dash.url.replace(/^https/, 'ws'), { HEAPSCOPE_TOKEN: TOKEN });
  t.after(async () => {
    for (const a of [viaCa, viaNode, untrusting, cleartext]) await a.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const p1 = await liveProcess(dash, viaCa.child.pid!).catch((e) => { throw new Error(`${e.message}: ${viaCa.output()}`); });
  await liveProcess(dash, viaNode.child.pid!).catch((e) => { throw new Error(`${e.message}: ${viaNode.output()}`); });

  // MEM through the API over HTTPS (the CA trusted by this test's fetch through undici's connect options would
  // need a dispatcher; node:https with `ca` is simpler).
  const https = await import('node:https');
  const call = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${dash.url}${path}`, { method, ca: readFileSync(certs.ca), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const started = await call('POST', `/api/processes/${p1.id}/actions`, JSON.stringify({ action: 'heapSnapshot' }));
  assert.equal(started.status, 202, started.text);
  const jobId = (JSON.parse(started.text) as Job).id;
  const job = await waitFor('MEM over TLS', () => {
    const j = dash.hub.jobs.get(jobId);
    return j && (j.state === 'ready' || j.state === 'failed') ? j : undefined;
  }, 60_000);
  assert.equal(job.state, 'ready', job.error);
  const report = await call('GET', `/api/reports/${job.reportId}/meta`);
  assert.equal(report.status, 200);

  // Without the CA: never connected, one warning line that says what to do.
  await sleep(1000);
  assert.ok(!dash.hub.state().processes.some((p) => p.pid === untrusting.child.pid), 'an agent that cannot verify the certificate connected');
  const warnings = untrusting.output().split('\n').filter((l) => l.includes('cannot verify'));
  assert.equal(warnings.length, 1, untrusting.output());
  assert.match(warnings[0]!, /cannot verify the dashboard's certificate at wss:\/\/127\.0\.0\.1:\d+\/agent \(\w+\): point HEAPSCOPE_CA \(or NODE_EXTRA_CA_CERTS\)/);
  assert.ok(!dash.hub.state().processes.some((p) => p.pid === cleartext.child.pid), 'a cleartext agent connected to the TLS port');

  if (!existsSync(CHROMIUM)) return t.diagnostic('chromium not installed: browser part skipped');
  const browser = await launch([`--ignore-certificate-errors-spki-list=${certs.spki}`]);
  t.after(() => browser.close());
  const page = await browser.newPage();
  // No token yet: the HTML 401 page says how to pass it.
  const denied = await page.goto(dash.url);
  assert.equal(denied?.status(), 401);
  assert.match(await page.locator('body').innerText(), /\?token=<your token>/);
  await page.goto(`${dash.url}/?token=${TOKEN}`);
  assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'heapscope_token');
  assert.equal(cookie?.secure, true, 'the token cookie is Secure under TLS');
  const row = page.locator(`.proc[data-pid="${viaCa.child.pid}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.getAttribute('data-live'), 'true', 'live over WSS');
  await page.screenshot({ path: join(tmp.dir, 'tls.png') });
});
