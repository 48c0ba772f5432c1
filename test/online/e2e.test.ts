// The whole loop with no click: services with the built agent preloaded (--require dist/register.cjs,
// default settings plus the detector's fast knobs), each driving its own HTTP load, against a real
// dashboard. The agent's detector fires, the dashboard captures 3 snapshots through the MEM job
// path, runs the growth diagnosis and records a finding naming the culprit. The healthy service
// (bounded LRU, per-request garbage) gets none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agentApp, APPS, dashboard, liveProcess, tempDir, waitFor, type AgentApp } from '../dashboard/support.js';
import type { Finding } from '../../src/dashboard/findings.js';

const FAST_DETECTOR = {
  HEAPSCOPE_INTERVAL: '500',
  HEAPSCOPE_DETECT_WINDOW_MS: '20000',
  HEAPSCOPE_DETECT_MIN_MS: '8000',
  HEAPSCOPE_DETECT_MIN_RATE: String(1024 * 1024),
  HEAPSCOPE_DETECT_GRACE_MS: '0',
  HEAPSCOPE_SIGNAL: '0',
};

const LEAKS: { project: string; app: string; owner: RegExp; cause: string[]; key: string }[] = [
  { project: 'module-collection', app: 'global-cache.cjs', owner: /_cached/, cause: ['unbounded-collection', 'growth:collection'], key: '_cached' },
  { project: 'listener-leak', app: join(import.meta.dirname, 'apps', 'listener-leak.cjs'), owner: /config-changed|_events/, cause: ['listener-leak', 'growth:listeners'], key: 'config-changed' },
  { project: 'closure-leak', app: 'closure-leak.cjs', owner: /theThing|leak/, cause: ['closure-context-chain'], key: 'theThing' },
];

type Leak = (typeof LEAKS)[number];

// The listener case runs on its own: beside three busy services on 2 shared cores its load loop
// slows and V8 can go a whole detector window without the 4 major GCs the detector needs.
test('module-level collection and closure leaks get a finding naming the culprit with no click; the healthy one gets none', { timeout: 200_000 }, (t) =>
  run(t, LEAKS.filter((l) => l.project !== 'listener-leak')),
);

test('a listener leak gets a finding naming the culprit with no click', { timeout: 200_000 }, (t) =>
  run(t, LEAKS.filter((l) => l.project === 'listener-leak')),
);

async function run(t: { after: (fn: () => Promise<void>) => void }, LEAKS: Leak[]): Promise<void> {
  const tmp = await tempDir('heapscope-e2e-');
  const lines: string[] = [];
  const notices: string[] = [];
  const dash = await dashboard({
    dataDir: join(tmp.dir, 'data'),
    capture: { snapshots: 3, minSpacingMs: 1500, maxSpacingMs: 4000, targetGrowthBytes: 2 * 1024 * 1024 },
    findingLog: (l) => lines.push(l),
    log: (l) => notices.push(l),
  });
  const apps: AgentApp[] = [];
  t.after(async () => {
    for (const a of apps) await a.stop();
    await dash.close();
    await tmp.cleanup();
  });
  const start = (file: string, project: string) => {
    const a = agentApp(file.startsWith('/') ? file : join(APPS, file), dash.url, { ...FAST_DETECTOR, HEAPSCOPE_PROJECT: project, HEAPSCOPE_TMPDIR: tmp.dir });
    apps.push(a);
    return a;
  };
  const healthy = start('healthy.cjs', 'healthy');
  const leaking = LEAKS.map((l) => ({ ...l, proc: start(l.app, l.project) }));
  const healthyProc = await liveProcess(dash, healthy.child.pid!);
  for (const l of leaking) await liveProcess(dash, l.proc.child.pid!);

  const found = await waitFor(
    'a finding for every leaking service',
    () => {
      const list = dash.hub.capture!.findings.list();
      return LEAKS.every((l) => list.some((f) => f.project === l.project)) ? list : undefined;
    },
    150_000,
  ).catch((err: Error) => {
    // What each detector last said, and what the capture did: the first thing to read when this fails.
    const detectors = dash.hub.state().processes.map((p) => `${p.project}: ${JSON.stringify(dash.hub.samples(p.id).at(-1)?.detector)}`);
    throw new Error(`${err.message}\n${notices.join('\n')}\n${detectors.join('\n')}\nfindings: ${dash.hub.capture!.findings.list().map((f) => `${f.project} ${f.owner}`).join('; ')}`);
  });
  for (const l of leaking) {
    const f = found.find((x) => x.project === l.project) as Finding;
    const what = `${l.project}: ${f.cause.kind} ${f.owner} [${f.keys.join(', ')}]`;
    assert.match(f.owner, l.owner, what);
    assert.ok(l.cause.includes(f.cause.kind), what);
    assert.ok(f.keys.includes(l.key), what);
    assert.ok(f.bytesPerMinute >= 1024 * 1024, `${l.project}: ${f.bytesPerMinute} B/min`);
    assert.equal(f.processes.length, 1);
    assert.equal(f.processes[0]!.pid, l.proc.child.pid);
    assert.ok(f.reportId && dash.hub.store.reports.has(f.reportId));
  }
  // The line follows the finding's write to disk.
  await waitFor('one log line per finding', () => lines.length === LEAKS.length, 5000);
  assert.equal(lines.length, LEAKS.length, lines.join('\n'));
  assert.ok(!found.some((f) => f.project === 'healthy'), 'no finding for the healthy service');
  const states = new Set(dash.hub.samples(healthyProc.id).map((s) => s.detector?.state));
  assert.ok(!states.has('leak'), `healthy detector states: ${[...states].join(', ')}`);
  // A steady healthy heap may see no major GC at all; the leaking ones see plenty.
  const leakyProc = dash.hub.state().processes.find((p) => p.pid === leaking[0]!.proc.child.pid)!;
  assert.ok(dash.hub.samples(leakyProc.id).some((s) => s.postGc?.length), 'post-GC samples stored in the metrics ring');
}
