// Leak findings in the dashboard: the banner over every page (open findings), the findings list
// (#/findings) with acknowledge / mute and the per-project automatic-capture switch, and the
// detector card of the process page (post-GC heap, the detector's decision points and its reason).
import type { ECharts } from '../../../report/viewer/index.js';
import { h } from '../../../report/viewer/index.js';
import type { Finding, Sample, SettingsRequest } from '../../messages.js';
import { appLocation } from '../../locations.js';
import { send } from '../api.js';
import { formatBytes, time } from '../format.js';
import { page } from '../router.js';
import { findings, processes, settings } from '../state.js';

const rate = (bpm: number): string => `+${formatBytes(bpm)}/min`;

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

function stateButtons(f: Finding): HTMLElement[] {
  const b = (label: string, action: string) => {
    const x = h('button', { 'data-finding-action': action }, label);
    x.onclick = () => void send(`/api/findings/${f.signature}/${action}`, {}).catch((e: Error) => alert(e.message));
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
      h(
        'div',
        { class: 'banner', 'data-signature': f.signature },
        h('b', {}, `Leak in ${f.project}`),
        h('span', {}, ` ${f.cause.title}: `),
        h('code', {}, f.owner),
        h('span', {}, ` · ${rate(f.bytesPerMinute)} · ${where(f)}${f.projectedMsToLimit !== undefined ? ` · heap limit in ${eta(f.projectedMsToLimit)}` : ''}`),
        h('a', { href: `#/r/${f.reportId}` }, 'report'),
        h('a', { href: '#/findings' }, 'all findings'),
        ...stateButtons(f),
      ),
    ),
    open.length > 3 ? h('div', { class: 'banner more' }, h('a', { href: '#/findings' }, `${open.length - 3} more open findings`)) : '',
  );
  const link = document.getElementById('findings-link');
  if (link) link.textContent = open.length ? `findings (${open.length} open)` : 'findings';
}

/** #/findings: every finding, newest first, and the automatic-capture switch per project. */
function showFindings(): void {
  const main = document.getElementById('main')!;
  const projects = [...new Set([...processes.values()].map((p) => p.project))].sort();
  const list = [...findings.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  const rows = list.map((f) =>
    h(
      'tr',
      { 'data-signature': f.signature, 'data-state': f.state },
      h('td', {}, h('span', { class: `pill ${f.state}` }, f.state)),
      h('td', {}, f.project, h('div', { class: 'muted' }, where(f))),
      h(
        'td',
        {},
        h('b', {}, f.cause.title),
        h('div', {}, h('code', {}, f.owner)),
        location(f) ? h('div', { class: 'muted' }, `at ${location(f)}`) : '',
        f.keys.length ? h('div', { class: 'muted' }, `look for: ${f.keys.slice(0, 6).join(', ')}`) : '',
      ),
      h(
        'td',
        {},
        rate(f.bytesPerMinute),
        h('div', { class: 'muted' }, `${f.since ? `since ${new Date(f.since).toLocaleTimeString()} · ` : ''}heap ${formatBytes(f.heapUsed)} of ${formatBytes(f.heapLimit)}`),
        f.projectedMsToLimit !== undefined ? h('div', { class: 'muted' }, `limit in ${eta(f.projectedMsToLimit)}`) : '',
      ),
      h('td', {}, new Date(f.detectedAt).toLocaleString()),
      h('td', {}, h('div', { class: 'actions' }, h('a', { href: `#/r/${f.reportId}` }, 'report'), ...stateButtons(f))),
    ),
  );
  const toggles = projects.map((p) => {
    const box = h('input', { type: 'checkbox', 'data-project-setting': p });
    box.checked = settings.get(p)?.autoCapture ?? true;
    box.onchange = () =>
      void send(`/api/projects/${encodeURIComponent(p)}/settings`, { autoCapture: box.checked } satisfies SettingsRequest, 'PUT').catch((e: Error) => {
        box.checked = !box.checked;
        alert(e.message);
      });
    return h('label', { class: 'toggle' }, box, ` ${p}`);
  });
  main.replaceChildren(
    h(
      'div',
      { class: 'card', id: 'findings' },
      h('h2', {}, 'Leak findings'),
      list.length
        ? h('table', { class: 'hist' }, h('thead', {}, h('tr', {}, ...['', 'project', 'culprit', 'trend', 'detected', ''].map((t) => h('th', {}, t)))), h('tbody', {}, ...rows))
        : h('p', { class: 'muted' }, 'No leaks found so far. Processes whose leak detector fires are captured and diagnosed automatically.'),
    ),
    h('div', { class: 'card' }, h('h2', {}, 'Automatic capture'), h('p', { class: 'muted' }, 'When a process’s leak detector fires, take 2–3 snapshots and diagnose the growth (the agent’s own guards still apply).'), h('div', { class: 'actions' }, ...toggles)),
  );
}

const STATE_COLOR: Record<string, string> = { warming: '#94a3b8', watching: '#16a34a', growing: '#f59e0b', leak: '#dc2626', off: '#94a3b8' };

/** Post-GC heap (the detector's input) with a mark wherever its decision changed; the reason below. */
export function drawDetector(chart: ECharts, samples: Sample[], reasonBox: HTMLElement | null): void {
  const points: [number, number][] = [];
  const ext: [number, number][] = [];
  const marks: { coord: [number, number]; name: string; itemStyle: { color: string }; value: string }[] = [];
  let prev: string | undefined;
  let fired: Sample | undefined;
  for (const s of samples) {
    for (const g of s.postGc ?? []) {
      points.push([g.t, g.heapUsed]);
      ext.push([g.t, g.external]);
    }
    const st = s.detector?.state;
    if (st === 'leak' && prev !== 'leak') fired = s; // where it last fired: this sample carries why
    if (st && st !== prev) {
      // On the line (the latest post-GC value): heap used between GCs is off this chart's scale.
      marks.push({ coord: [s.t, points.at(-1)?.[1] ?? s.heapUsed], name: st, value: st, itemStyle: { color: STATE_COLOR[st] ?? '#64748b' } });
      prev = st;
    }
  }
  chart.setOption(
    {
      animation: false,
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatBytes(v) },
      legend: { top: 0 },
      grid: { left: 60, right: 50, top: 30, bottom: 24 },
      xAxis: { type: 'time', splitNumber: 4, axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatBytes(v) } },
      series: [
        { name: 'heap after major GC', type: 'line', showSymbol: true, symbolSize: 4, data: points, markPoint: { symbol: 'pin', symbolSize: 38, label: { fontSize: 9 }, data: marks } },
        { name: 'external after GC', type: 'line', showSymbol: false, data: ext },
      ],
    },
    { notMerge: true },
  );
  const last = [...samples].reverse().find((s) => s.detector)?.detector;
  // After a capture the detector watches again: keep why it last fired in view, below the current line.
  if (last?.state === 'leak') fired = undefined;
  if (reasonBox) {
    reasonBox.replaceChildren(
      last
        ? h(
            'span',
            {},
            h('span', { class: `pill ${last.state}` }, last.state),
            // A decision's own reason names its rate; "watching" gives the slope over the whole window here.
            ` ${last.reason}${last.state === 'watching' && last.bytesPerMinute ? ` (${rate(last.bytesPerMinute)} over ${last.samples} post-GC samples)` : ''}`,
            last.probes ? h('span', { class: 'muted', title: 'V8 ran major GCs too rarely to decide, so the agent forced these (at most 20 an hour)' }, ` · ${last.probes} confirmation GC${last.probes === 1 ? '' : 's'} in the last hour`) : null,
          )
        : h('span', { class: 'muted' }, 'No detector status from this agent (an older agent, or the detector is off).'),
      fired?.detector ? h('div', { id: 'det-fired' }, h('span', { class: 'pill leak' }, 'leak'), ` at ${time(fired.t)}: ${fired.detector.reason}`) : '',
    );
    reasonBox.setAttribute('data-state', last?.state ?? 'none');
    reasonBox.setAttribute('data-decisions', marks.map((m) => m.name).join(' '));
  }
}

page('findings', showFindings);
