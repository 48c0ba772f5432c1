// Dashboard UI (browser). Plain DOM + ECharts, bundled into dist/dashboard/ui/app.global.js.
// State arrives over /ws/ui (full state once, then one message per change); views are re-rendered
// from that state. Reports and CPU profiles are drawn by the shared report viewer (src/report).
import { echarts, type ECharts } from '../../report/viewer/charts.js';
import { mountReport, mountCpuProfile } from '../../report/viewer/index.js';
import { mountAllocProfile } from './alloc-profile.js';
import type { ArtifactMeta, ReportMeta } from '../store.js';
import type { Job } from '../jobs.js';
import type { ProcessView } from '../hub.js';
import type { Sample } from '../metrics.js';
import type { SnapshotCost, SnapshotForecast } from '../../protocol/index.js';
import { bytes, el } from './dom.js';
import { drawDetector, findings, renderBanner, settings, showFindings } from './findings.js';
import type { Finding, ProjectSettings } from '../findings.js';
// explore: drill-down source and the Snapshots page (issue 16 items 1-2)
import { httpSource } from '../../report/viewer/explore-source.js';
import { showSnapshots } from './snapshots.js';

type UiMessage =
  | { type: 'state'; processes: ProcessView[]; jobs: Job[]; artifacts: ArtifactMeta[]; reports: ReportMeta[]; findings?: Finding[]; settings?: Record<string, ProjectSettings> }
  | { type: 'finding'; finding: Finding }
  | { type: 'settings'; project: string; settings: ProjectSettings }
  | { type: 'process'; process: ProcessView }
  | { type: 'metrics'; processId: string; sample: Sample; snapshotForecast?: SnapshotForecast }
  | { type: 'job'; job: Job }
  | { type: 'artifact'; artifact: ArtifactMeta }
  | { type: 'report'; report: ReportMeta };

const processes = new Map<string, ProcessView>();
const jobs = new Map<string, Job>();
const artifacts = new Map<string, ArtifactMeta>();
const reports = new Map<string, ReportMeta>();
/** Jobs started from this page: their result opens by itself when ready. */
const mine = new Set<string>();
const selectedSnapshots = new Set<string>();
let samples: Sample[] = [];
let samplesFor: string | undefined;
let charts: { mem: ECharts; cpu: ECharts; det: ECharts } | undefined;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const duration = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
};

const time = (t: number): string => new Date(t).toLocaleString();

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

// ------------------------------------------------------------------ live connection

function connect(delay = 1000): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/ui`);
  ws.onopen = () => {
    $('conn').textContent = 'live';
    $('conn').classList.add('up');
    delay = 1000;
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(String(ev.data)) as UiMessage);
  ws.onclose = () => {
    $('conn').textContent = 'reconnecting…';
    $('conn').classList.remove('up');
    setTimeout(() => connect(Math.min(delay * 2, 10_000)), delay);
  };
}

function onMessage(m: UiMessage): void {
  switch (m.type) {
    case 'state':
      processes.clear();
      jobs.clear();
      artifacts.clear();
      reports.clear();
      for (const p of m.processes) processes.set(p.id, p);
      for (const j of m.jobs) jobs.set(j.id, j);
      for (const a of m.artifacts) artifacts.set(a.id, a);
      for (const r of m.reports) reports.set(r.id, r);
      findings.clear();
      for (const f of m.findings ?? []) findings.set(f.signature, f);
      settings.clear();
      for (const [k, v] of Object.entries(m.settings ?? {})) settings.set(k, v);
      renderBanner();
      renderProcessList();
      route();
      return;
    case 'process':
      processes.set(m.process.id, m.process);
      renderProcessList();
      if (current().view === 'process' && current().id === m.process.id) renderProcessHeader();
      if (current().view === 'home') route();
      return;
    case 'metrics': {
      const p = processes.get(m.processId);
      if (p) p.last = m.sample;
      if (p && m.snapshotForecast) p.snapshotForecast = m.snapshotForecast;
      if (samplesFor === m.processId) {
        samples.push(m.sample);
        const cutoff = m.sample.t - 3600_000;
        while (samples.length && samples[0]!.t < cutoff) samples.shift();
        drawCharts();
        renderProcessHeader();
      }
      return;
    }
    case 'job': {
      jobs.set(m.job.id, m.job);
      if (current().view === 'process' && current().id === m.job.processId) renderJobs();
      if (current().view === 'snapshots') route(); // explore
      if (m.job.state === 'ready' && mine.has(m.job.id)) {
        mine.delete(m.job.id);
        if (m.job.reportId) location.hash = `#/r/${m.job.reportId}`;
        else if (m.job.artifactId) location.hash = `#/profile/${m.job.artifactId}`;
      }
      return;
    }
    case 'finding':
      findings.set(m.finding.signature, m.finding);
      renderBanner();
      if (current().view === 'findings') route();
      return;
    case 'settings':
      settings.set(m.project, m.settings);
      if (current().view === 'findings') route();
      return;
    case 'artifact':
      artifacts.set(m.artifact.id, m.artifact);
      if (current().view === 'process' && current().id === m.artifact.processId) renderHistory();
      if (current().view === 'snapshots') route(); // explore
      return;
    case 'report':
      reports.set(m.report.id, m.report);
      if (current().view === 'process' && current().id === m.report.processId) renderHistory();
      if (current().view === 'snapshots') route(); // explore
      return;
  }
}

// ------------------------------------------------------------------ routing

function current(): { view: 'home' | 'process' | 'report' | 'profile' | 'findings' | 'snapshots'; id?: string } {
  const [, view, id] = location.hash.split('/');
  if (view === 'findings') return { view: 'findings' };
  if (view === 'snapshots') return { view: 'snapshots' }; // explore
  if (view === 'p' && id) return { view: 'process', id: decodeURIComponent(id) };
  if (view === 'r' && id) return { view: 'report', id: decodeURIComponent(id) };
  if (view === 'profile' && id) return { view: 'profile', id: decodeURIComponent(id) };
  return { view: 'home' };
}

function route(): void {
  const c = current();
  if (c.view !== 'process') disposeCharts();
  if (c.view === 'process' && c.id) return showProcess(c.id);
  if (c.view === 'report' && c.id) return void showReport(c.id);
  if (c.view === 'profile' && c.id) return void showProfile(c.id);
  if (c.view === 'snapshots') return showSnapshots($('main'), { processes, artifacts, reports, jobs, post: (path, body) => api(path, { method: 'POST', body: JSON.stringify(body) }), started: (j) => (mine.add(j.id), jobs.set(j.id, j)) }); // explore
  if (c.view === 'findings') return showFindings($('main'), [...new Set([...processes.values()].map((p) => p.project))].sort());
  // Home: open the most recent live process, if any.
  const live = [...processes.values()].filter((p) => p.live).sort((a, b) => b.lastSeen - a.lastSeen)[0];
  if (live) location.hash = `#/p/${live.id}`;
}

// ------------------------------------------------------------------ process list

function processLabel(p: ProcessView): string {
  if (p.id === 'uploads') return 'opened from the browser'; // explore: the uploads' pseudo-process
  const bits = [`pid ${p.pid}`];
  if (p.clusterWorkerId !== undefined) bits.push(`worker #${p.clusterWorkerId}`);
  else if (!p.isPrimary) bits.push('worker');
  if (p.thread !== 'main') bits.push(p.thread);
  return bits.join(' · ');
}

function renderProcessList(): void {
  const nav = $('procs');
  nav.replaceChildren();
  const selected = current().view === 'process' ? current().id : undefined;
  const byProject = new Map<string, Map<string, ProcessView[]>>();
  // Long-gone processes with nothing recorded would bury the live ones: hide them.
  const withHistory = new Set([...artifacts.values()].map((a) => a.processId));
  let hidden = 0;
  for (const p of processes.values()) {
    if (!p.live && p.id !== selected && !withHistory.has(p.id) && Date.now() - p.lastSeen > 3600_000) {
      hidden++;
      continue;
    }
    const hosts = byProject.get(p.project) ?? new Map<string, ProcessView[]>();
    byProject.set(p.project, hosts);
    const list = hosts.get(p.hostname) ?? [];
    hosts.set(p.hostname, list);
    list.push(p);
  }
  if (byProject.size === 0) nav.append(el('p', { class: 'muted' }, 'No processes yet.'));
  if (hidden) nav.append(el('p', { class: 'muted' }, `${hidden} processes gone for over an hour without snapshots are hidden.`));
  for (const [project, hosts] of [...byProject].sort((a, b) => a[0].localeCompare(b[0]))) {
    nav.append(el('div', { class: 'group project', 'data-project': project }, project));
    for (const [host, list] of [...hosts].sort((a, b) => a[0].localeCompare(b[0]))) {
      nav.append(el('div', { class: 'group host' }, host));
      list.sort((a, b) => Number(b.live) - Number(a.live) || a.pid - b.pid || a.thread.localeCompare(b.thread));
      for (const p of list) {
        const age = p.live ? `up ${duration(Date.now() - p.startTime)}` : `gone ${duration(Date.now() - p.lastSeen)} ago`;
        const row = el(
          'div',
          { class: `proc${p.id === selected ? ' sel' : ''}`, 'data-process-id': p.id, 'data-pid': String(p.pid), 'data-live': String(p.live), title: p.argv.join(' ') },
          el('span', { class: `dot${p.live ? ' live' : ''}` }),
          el('span', {}, processLabel(p)),
          el('span', { class: 'sub' }, age),
        );
        row.onclick = () => (location.hash = `#/p/${p.id}`);
        nav.append(row);
      }
    }
  }
}

// ------------------------------------------------------------------ process view

function showProcess(id: string): void {
  const p = processes.get(id);
  const main = $('main');
  renderProcessList();
  if (!p) {
    main.replaceChildren(el('p', { class: 'muted' }, 'Unknown process.'));
    return;
  }
  const secs = el('input', { type: 'number', min: '1', max: '300', value: '10', id: 'seconds', title: 'profile length, seconds' });
  const btn = (label: string, action: string, title: string) => {
    const b = el('button', { class: 'primary', 'data-action': action, title }, label);
    b.onclick = () => void startAction(id, action, Number((secs as HTMLInputElement).value) || 10);
    return b;
  };
  main.replaceChildren(
    el('div', { class: 'card', id: 'proc-head' }),
    el(
      'div',
      { class: 'card' },
      el('div', { class: 'actions' }, btn('MEM', 'heapSnapshot', 'Take a heap snapshot and analyse it'), btn('CPU', 'cpuProfile', 'Record a CPU profile'), btn('ALLOC', 'samplingHeapProfile', 'Record an allocation sampling profile'), secs, el('span', { class: 'muted' }, 's for CPU/ALLOC'), el('span', { id: 'action-error', class: 'err' })),
      el('div', { id: 'mem-forecast', class: 'muted' }),
      el('div', { id: 'jobs' }),
    ),
    el('div', { class: 'charts' }, el('div', { class: 'card' }, el('h2', {}, 'Memory'), el('div', { class: 'chart', id: 'chart-mem' })), el('div', { class: 'card' }, el('h2', {}, 'CPU and event loop'), el('div', { class: 'chart', id: 'chart-cpu' }))),
    el('div', { class: 'card', id: 'detector' }, el('h2', {}, 'Leak detector: heap after each major GC'), el('div', { class: 'chart', id: 'chart-det' }), el('div', { id: 'det-reason' })),
    el('div', { class: 'card' }, el('h2', {}, 'History'), el('div', { id: 'history' })),
  );
  renderProcessHeader();
  renderJobs();
  renderHistory();
  disposeCharts();
  charts = { mem: echarts.init($('chart-mem')), cpu: echarts.init($('chart-cpu')), det: echarts.init($('chart-det')) };
  samplesFor = id;
  samples = [];
  api<Sample[]>(`/api/processes/${encodeURIComponent(id)}/metrics`)
    .then((s) => {
      if (samplesFor !== id) return;
      const lastT = s.length ? s[s.length - 1]!.t : 0;
      samples = s.concat(samples.filter((x) => x.t > lastT));
      drawCharts();
    })
    .catch(() => undefined);
}

function renderProcessHeader(): void {
  const c = current();
  const p = c.id ? processes.get(c.id) : undefined;
  const head = document.getElementById('proc-head');
  if (!p || !head) return;
  const l = p.last;
  head.replaceChildren(
    el('h2', {}, `${p.project} · ${p.hostname} · ${processLabel(p)}`),
    el(
      'div',
      { class: 'muted' },
      `${p.live ? `live, up ${duration(Date.now() - p.startTime)}` : `not connected (last seen ${time(p.lastSeen)})`} · Node ${p.nodeVersion} · heap limit ${bytes(p.heapLimit)}` +
        (l ? ` · rss ${bytes(l.rss)} · heap used ${bytes(l.heapUsed)} · CPU ${l.cpu.toFixed(1)} %` : ''),
    ),
    el('div', { class: 'muted' }, el('code', {}, p.argv.join(' '))),
  );
  renderForecast(p.snapshotForecast);
}

/** MEM's predicted cost before the click, and the last snapshot's measured one. */
function renderForecast(f: SnapshotForecast | undefined): void {
  const box = document.getElementById('mem-forecast');
  if (!box) return;
  if (!f) return void box.replaceChildren();
  const parts = [
    el('span', {}, `MEM now: about ${bytes(f.peakRssDelta)} more RSS at peak, ${seconds(f.pauseMs)} pause${f.basis === 'default' ? ' (first snapshot: worst case)' : ''}; ${bytes(f.available)} available (${f.limitedBy})`),
  ];
  if (f.refusal) parts.push(el('span', { class: 'err' }, ` · would be refused: ${f.refusal}`));
  if (f.last) parts.push(el('div', {}, `Last snapshot: ${costText(f.last)}`));
  box.replaceChildren(...parts);
}

function costText(c: SnapshotCost): string {
  const peak = c.peakRssDelta !== undefined ? `peak +${bytes(c.peakRssDelta)} RSS` : 'peak not measurable';
  const predicted = c.predictedPeakRssDelta !== undefined ? ` (predicted +${bytes(c.predictedPeakRssDelta)})` : '';
  return `blocked ${seconds(c.pauseMs)}, ${peak}${predicted}, RSS after +${bytes(Math.max(0, c.rssAfterDelta ?? 0))}`;
}

const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

const STATE_LABEL: Record<string, string> = {
  queued: 'queued',
  snapshot: 'taking snapshot',
  profiling: 'profiling',
  uploading: 'uploading',
  reading: 'reading',
  indexing: 'indexing',
  dominators: 'dominators',
  diagnosis: 'diagnosis',
  ready: 'ready',
  failed: 'failed',
};
const ACTION_LABEL: Record<string, string> = {
  heapSnapshot: 'Heap snapshot',
  cpuProfile: 'CPU profile',
  samplingHeapProfile: 'Allocation profile',
  compare: 'Comparison',
  growth: 'Growth',
  analyze: 'Analysis',
};

function renderJobs(): void {
  const c = current();
  const box = document.getElementById('jobs');
  if (!box || !c.id) return;
  const list = [...jobs.values()].filter((j) => j.processId === c.id).sort((a, b) => b.createdAt - a.createdAt).slice(0, 8);
  box.replaceChildren(
    ...list.map((j) => {
      let label = STATE_LABEL[j.state] ?? j.state;
      if (j.percent !== undefined && j.state !== 'ready' && j.state !== 'failed') label += ` ${j.percent} %`;
      const snapshotOnly = j.action === 'heapSnapshot' && !j.reportId;
      if (j.state === 'ready') label = j.reportId ? 'report ready' : snapshotOnly ? 'snapshot kept' : 'profile ready';
      const name = (ACTION_LABEL[j.action] ?? j.action) + (j.source ? ` (${j.source === 'leak' ? 'leak capture' : j.source})` : '');
      const row = el('div', { class: `job ${j.state}`, 'data-job-id': j.id, 'data-state': j.state, 'data-action': j.action }, el('b', {}, name), el('span', { class: 'label' }, label));
      if (j.state !== 'ready' && j.state !== 'failed') {
        const bar = el('span', { class: 'bar' }, el('i', { style: `width:${j.percent ?? (j.state === 'queued' ? 0 : 50)}%` }));
        row.append(bar);
      }
      if (j.state === 'failed') row.append(el('span', { class: 'reason' }, j.error ?? 'unknown error'));
      if (j.state === 'ready') {
        if (snapshotOnly) row.append(el('a', { href: `/api/artifacts/${j.artifactId}/download`, download: '' }, 'download'));
        else row.append(el('a', { href: j.reportId ? `#/r/${j.reportId}` : `#/profile/${j.artifactId}` }, 'open'));
        if (j.elapsedMs !== undefined) row.append(el('span', { class: 'muted' }, `${(j.elapsedMs / 1000).toFixed(1)} s`));
      }
      if (j.cost) row.append(el('span', { class: 'muted', 'data-cost': '' }, costText(j.cost)));
      row.append(el('span', { class: 'muted' }, new Date(j.createdAt).toLocaleTimeString()));
      return row;
    }),
  );
}

async function startAction(processId: string, action: string, seconds: number): Promise<void> {
  const err = document.getElementById('action-error');
  if (err) err.textContent = '';
  try {
    const job = await api<Job>(`/api/processes/${encodeURIComponent(processId)}/actions`, { method: 'POST', body: JSON.stringify({ action, seconds: action === 'heapSnapshot' ? undefined : seconds }) });
    mine.add(job.id);
    if (!jobs.has(job.id)) jobs.set(job.id, job);
    renderJobs();
  } catch (e) {
    if (err) err.textContent = (e as Error).message;
  }
}

function renderHistory(): void {
  const c = current();
  const box = document.getElementById('history');
  if (!box || !c.id) return;
  const arts = [...artifacts.values()].filter((a) => a.processId === c.id).sort((a, b) => b.createdAt - a.createdAt);
  const reps = [...reports.values()].filter((r) => r.processId === c.id && r.kind !== 'heap').sort((a, b) => b.createdAt - a.createdAt);
  if (arts.length === 0 && reps.length === 0) {
    box.replaceChildren(el('p', { class: 'muted' }, 'Nothing yet: click MEM for a heap snapshot, CPU for a profile.'));
    return;
  }
  const compareBtn = el('button', { 'data-action': 'compare' }, 'Compare selected');
  const updateBtn = () => {
    const n = [...selectedSnapshots].filter((id) => artifacts.get(id)?.processId === c.id).length;
    (compareBtn as HTMLButtonElement).disabled = n < 2;
    compareBtn.textContent = n > 2 ? `Growth across ${n} snapshots` : 'Compare selected';
  };
  compareBtn.onclick = async () => {
    const ids = [...selectedSnapshots].filter((id) => artifacts.get(id)?.processId === c.id);
    try {
      const job = await api<Job>('/api/compare', { method: 'POST', body: JSON.stringify({ artifactIds: ids }) });
      mine.add(job.id);
      jobs.set(job.id, job);
      renderJobs();
    } catch (e) {
      const err = document.getElementById('action-error');
      if (err) err.textContent = (e as Error).message;
    }
  };
  const rows = arts.map((a) => {
    const check = el('input', { type: 'checkbox', 'data-select': a.id, title: 'select for comparison' }) as HTMLInputElement;
    check.checked = selectedSnapshots.has(a.id);
    check.disabled = a.kind !== 'heapsnapshot';
    check.onchange = () => {
      if (check.checked) selectedSnapshots.add(a.id);
      else selectedSnapshots.delete(a.id);
      updateBtn();
    };
    const kind = a.kind === 'heapsnapshot' ? 'Heap snapshot' : a.kind === 'cpuprofile' ? 'CPU profile' : 'Allocation profile';
    const open =
      a.kind !== 'heapsnapshot'
        ? el('a', { href: `#/profile/${a.id}` }, 'open')
        : a.reportId && reports.has(a.reportId)
          ? el('a', { href: `#/r/${a.reportId}`, 'data-open-report': a.reportId }, 'open report')
          : analyseButton(a);
    return el(
      'tr',
      { 'data-artifact-id': a.id, 'data-kind': a.kind },
      el('td', {}, check),
      el('td', {}, kind),
      el('td', {}, time(a.createdAt)),
      el('td', {}, bytes(a.size)),
      el('td', {}, open),
      el('td', {}, el('a', { href: `/api/artifacts/${a.id}/download`, download: '' }, 'download')),
    );
  });
  const repRows = reps.map((r) => el('tr', { 'data-report-id': r.id }, el('td', {}, ''), el('td', {}, r.title), el('td', {}, time(r.createdAt)), el('td', {}, `${r.artifactIds.length} snapshots`), el('td', {}, el('a', { href: `#/r/${r.id}` }, 'open')), el('td', {}, '')));
  box.replaceChildren(el('div', { class: 'actions' }, compareBtn, el('span', { class: 'muted' }, 'select 2 heap snapshots to compare, 3+ for growth')), el('table', { class: 'hist' }, el('tbody', {}, ...rows, ...repRows)));
  updateBtn();
}

function analyseButton(a: ArtifactMeta): HTMLElement {
  const b = el('button', {}, 'analyse');
  b.onclick = async () => {
    const job = await api<Job>(`/api/artifacts/${a.id}/analyze`, { method: 'POST', body: '{}' });
    mine.add(job.id);
    jobs.set(job.id, job);
    renderJobs();
  };
  return b;
}

// ------------------------------------------------------------------ charts

function disposeCharts(): void {
  charts?.mem.dispose();
  charts?.cpu.dispose();
  charts?.det.dispose();
  charts = undefined;
  samplesFor = undefined;
}

let drawPending = false;
function drawCharts(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    if (!charts) return;
    const line = (name: string, pick: (s: Sample) => number, yAxisIndex = 0) => ({ name, type: 'line', showSymbol: false, yAxisIndex, data: samples.map((s) => [s.t, pick(s)]) });
    const base = { animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 50, top: 30, bottom: 24 }, xAxis: { type: 'time', splitNumber: 4, axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } } };
    charts.mem.setOption({
      ...base,
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => bytes(v) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => bytes(v) } },
      series: [line('rss', (s) => s.rss), line('heapTotal', (s) => s.heapTotal), line('heapUsed', (s) => s.heapUsed), line('external', (s) => s.external)],
    });
    charts.cpu.setOption({
      ...base,
      yAxis: [
        { type: 'value', name: 'CPU %', min: 0 },
        { type: 'value', name: 'delay ms', min: 0 },
      ],
      series: [line('CPU %', (s) => +s.cpu.toFixed(2)), line('loop p50 ms', (s) => s.elP50, 1), line('loop p99 ms', (s) => s.elP99, 1)],
    });
    drawDetector(charts.det, samples, document.getElementById('det-reason'));
  });
}

window.addEventListener('resize', () => {
  charts?.mem.resize();
  charts?.cpu.resize();
  charts?.det.resize();
});

// ------------------------------------------------------------------ report and profile views

function backBar(processId: string | undefined, extra: Node[] = []): HTMLElement {
  return el('div', { class: 'actions back' }, el('a', { href: processId ? `#/p/${processId}` : '#/' }, '← back to the process'), ...extra);
}

async function showReport(id: string): Promise<void> {
  const main = $('main');
  const meta = reports.get(id);
  const host = el('div', { class: 'report-host', id: 'report' });
  const downloads = (meta?.artifactIds ?? []).map((a, i) => el('a', { href: `/api/artifacts/${a}/download`, download: '' }, `download snapshot${meta!.artifactIds.length > 1 ? ` #${i + 1}` : ''}`));
  main.replaceChildren(backBar(meta?.processId, downloads), host);
  try {
    const report = await api<unknown>(`/api/reports/${encodeURIComponent(id)}`);
    if (current().view !== 'report' || current().id !== id) return;
    mountReport(host, report as Parameters<typeof mountReport>[1], {
      title: meta?.title,
      // Any clicked object's path from the GC roots, computed by the server from the stored snapshot.
      retainers: (nodeId) => api(`/api/reports/${encodeURIComponent(id)}/retainers/${nodeId}`),
      explore: httpSource(id, (path) => api(path)), // explore: drill-down answered by the server
    });
    host.setAttribute('data-ready', 'true');
  } catch (e) {
    host.replaceChildren(el('p', { class: 'err' }, `Could not open the report: ${(e as Error).message}`));
  }
}

async function showProfile(id: string): Promise<void> {
  const main = $('main');
  const a = artifacts.get(id);
  const host = el('div', { class: 'report-host', id: 'profile' });
  main.replaceChildren(backBar(a?.processId, [el('b', {}, a?.kind === 'heapprofile' ? 'Allocation profile' : 'CPU profile'), el('a', { href: `/api/artifacts/${id}/download`, download: '' }, 'download (Chrome DevTools / speedscope)')]), host);
  try {
    const profile = await api<unknown>(`/api/artifacts/${encodeURIComponent(id)}/download?inline=1`);
    if (current().view !== 'profile' || current().id !== id) return;
    if (artifacts.get(id)?.kind === 'heapprofile') mountAllocProfile(host, profile as Parameters<typeof mountAllocProfile>[1]);
    else mountCpuProfile(host, profile as Parameters<typeof mountCpuProfile>[1]);
    host.setAttribute('data-ready', 'true');
  } catch (e) {
    host.replaceChildren(el('p', { class: 'err' }, `Could not open the profile: ${(e as Error).message}`));
  }
}

window.addEventListener('hashchange', () => {
  renderProcessList();
  route();
});
setInterval(renderProcessList, 5000);
connect();
