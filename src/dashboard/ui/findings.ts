// Leak findings in the dashboard: the banner over every page (open findings), the findings list
// (#/findings) with acknowledge / mute and the per-project automatic-capture switch, and the
// detector card of the process page (post-GC heap, the detector's decision points and its reason).
import type { ECharts } from '../../report/viewer/index.js';
import type { Finding, ProjectSettings } from '../findings.js';
import { appLocation } from '../locations.js';
import type { Sample } from '../metrics.js';
import { bytes, el } from './dom.js';

export const findings = new Map<string, Finding>();
export const settings = new Map<string, ProjectSettings>();

const rate = (bpm: number): string => `+${bytes(bpm)}/min`;

function eta(ms: number | undefined): string {
  if (ms === undefined) return '';
  const m = Math.round(ms / 60_000);
  return m < 90 ? `~${m} min` : m < 48 * 60 ? `~${Math.round(m / 60)} h` : `~${Math.round(m / 1440)} days`;
}

function where(f: Finding): string {
  const n = f.processes.length;
  if (f.ofProcesses && f.ofProcesses > 1) return `${n} of ${f.ofProcesses} processes`;
  return n === 1 ? `pid ${f.processes[0]!.pid} on ${f.processes[0]!.host}` : `${n} processes`;
}

function location(f: Finding): string {
  const l = appLocation(f.locations);
  return l ? `${l.functionName ? `${l.functionName} ` : ''}${(l.script ?? `script ${l.scriptId}`).split('/').pop()}:${l.line}` : '';
}

async function post(path: string, body: unknown, method = 'POST'): Promise<unknown> {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(json.error ?? `${res.status}`);
  return json;
}

function stateButtons(f: Finding): HTMLElement[] {
  const b = (label: string, action: string) => {
    const x = el('button', { 'data-finding-action': action }, label);
    x.onclick = () => void post(`/api/findings/${f.signature}/${action}`, {}).catch((e: Error) => alert(e.message));
    return x;
  };
  if (f.state === 'open') return [b('Acknowledge', 'ack'), b('Mute', 'mute')];
  return [b('Reopen', 'reopen')];
}

/** The red strip over every page while a finding is open. */
export function renderBanner(): void {
  const box = document.getElementById('banner');
  if (!box) return;
  const open = [...findings.values()].filter((f) => f.state === 'open').sort((a, b) => b.updatedAt - a.updatedAt);
  box.replaceChildren(
    ...open.slice(0, 3).map((f) =>
      el(
        'div',
        { class: 'banner', 'data-signature': f.signature },
        el('b', {}, `Leak in ${f.project}`),
        el('span', {}, ` ${f.cause.title}: `),
        el('code', {}, f.owner),
        el('span', {}, ` · ${rate(f.bytesPerMinute)} · ${where(f)}${f.projectedMsToLimit !== undefined ? ` · heap limit in ${eta(f.projectedMsToLimit)}` : ''}`),
        el('a', { href: `#/r/${f.reportId}` }, 'report'),
        el('a', { href: '#/findings' }, 'all findings'),
        ...stateButtons(f),
      ),
    ),
    open.length > 3 ? el('div', { class: 'banner more' }, el('a', { href: '#/findings' }, `${open.length - 3} more open findings`)) : '',
  );
  const link = document.getElementById('findings-link');
  if (link) link.textContent = open.length ? `findings (${open.length} open)` : 'findings';
}

/** #/findings: every finding, newest first, and the automatic-capture switch per project. */
export function showFindings(main: HTMLElement, projects: string[]): void {
  const list = [...findings.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  const rows = list.map((f) =>
    el(
      'tr',
      { 'data-signature': f.signature, 'data-state': f.state },
      el('td', {}, el('span', { class: `pill ${f.state}` }, f.state)),
      el('td', {}, f.project, el('div', { class: 'muted' }, where(f))),
      el(
        'td',
        {},
        el('b', {}, f.cause.title),
        el('div', {}, el('code', {}, f.owner)),
        location(f) ? el('div', { class: 'muted' }, `at ${location(f)}`) : '',
        f.keys.length ? el('div', { class: 'muted' }, `look for: ${f.keys.slice(0, 6).join(', ')}`) : '',
      ),
      el(
        'td',
        {},
        rate(f.bytesPerMinute),
        el('div', { class: 'muted' }, `${f.since ? `since ${new Date(f.since).toLocaleTimeString()} · ` : ''}heap ${bytes(f.heapUsed)} of ${bytes(f.heapLimit)}`),
        f.projectedMsToLimit !== undefined ? el('div', { class: 'muted' }, `limit in ${eta(f.projectedMsToLimit)}`) : '',
      ),
      el('td', {}, new Date(f.detectedAt).toLocaleString()),
      el('td', {}, el('div', { class: 'actions' }, el('a', { href: `#/r/${f.reportId}` }, 'report'), ...stateButtons(f))),
    ),
  );
  const toggles = projects.map((p) => {
    const box = el('input', { type: 'checkbox', 'data-project-setting': p }) as HTMLInputElement;
    box.checked = settings.get(p)?.autoCapture ?? true;
    box.onchange = () =>
      void post(`/api/projects/${encodeURIComponent(p)}/settings`, { autoCapture: box.checked }, 'PUT').catch((e: Error) => {
        box.checked = !box.checked;
        alert(e.message);
      });
    return el('label', { class: 'toggle' }, box, ` ${p}`);
  });
  main.replaceChildren(
    el(
      'div',
      { class: 'card', id: 'findings' },
      el('h2', {}, 'Leak findings'),
      list.length
        ? el('table', { class: 'hist' }, el('thead', {}, el('tr', {}, ...['', 'project', 'culprit', 'trend', 'detected', ''].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows))
        : el('p', { class: 'muted' }, 'No leaks found so far. Processes whose leak detector fires are captured and diagnosed automatically.'),
    ),
    el('div', { class: 'card' }, el('h2', {}, 'Automatic capture'), el('p', { class: 'muted' }, 'When a process’s leak detector fires, take 2–3 snapshots and diagnose the growth (the agent’s own guards still apply).'), el('div', { class: 'actions' }, ...toggles)),
  );
}

const STATE_COLOR: Record<string, string> = { warming: '#94a3b8', watching: '#16a34a', growing: '#f59e0b', leak: '#dc2626', off: '#94a3b8' };

/** Post-GC heap (the detector's input) with a mark wherever its decision changed; the reason below. */
export function drawDetector(chart: ECharts, samples: Sample[], reasonBox: HTMLElement | null): void {
  const points: [number, number][] = [];
  const ext: [number, number][] = [];
  const marks: { coord: [number, number]; name: string; itemStyle: { color: string }; value: string }[] = [];
  let prev: string | undefined;
  for (const s of samples) {
    for (const g of s.postGc ?? []) {
      points.push([g.t, g.heapUsed]);
      ext.push([g.t, g.external]);
    }
    const st = s.detector?.state;
    if (st && st !== prev) {
      marks.push({ coord: [s.t, s.heapUsed], name: st, value: st, itemStyle: { color: STATE_COLOR[st] ?? '#64748b' } });
      prev = st;
    }
  }
  chart.setOption(
    {
      animation: false,
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => bytes(v) },
      legend: { top: 0 },
      grid: { left: 60, right: 50, top: 30, bottom: 24 },
      xAxis: { type: 'time', splitNumber: 4, axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => bytes(v) } },
      series: [
        { name: 'heap after major GC', type: 'line', showSymbol: true, symbolSize: 4, data: points, markPoint: { symbol: 'pin', symbolSize: 38, label: { fontSize: 9 }, data: marks } },
        { name: 'external after GC', type: 'line', showSymbol: false, data: ext },
      ],
    },
    { notMerge: true },
  );
  const last = [...samples].reverse().find((s) => s.detector)?.detector;
  if (reasonBox) {
    reasonBox.replaceChildren(
      last
        ? el('span', {}, el('span', { class: `pill ${last.state}` }, last.state), ` ${last.reason}${last.bytesPerMinute ? ` (${rate(last.bytesPerMinute)} over ${last.samples} post-GC samples)` : ''}`)
        : el('span', { class: 'muted' }, 'No detector status from this agent (an older agent, or the detector is off).'),
    );
    reasonBox.setAttribute('data-state', last?.state ?? 'none');
    reasonBox.setAttribute('data-decisions', marks.map((m) => m.name).join(' '));
  }
}
