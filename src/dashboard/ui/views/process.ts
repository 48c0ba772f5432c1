// #/p/<id>: one process: who it is, MEM / CPU / ALLOC with the snapshot forecast, its jobs, live
// charts and history.
import { append, h } from '../../../report/viewer/index.js';
import type { ActionRequest, Job, ProcessView, Sample, SnapshotForecast } from '../../messages.js';
import { api, send } from '../api.js';
import { costText, duration, formatBytes, seconds, time } from '../format.js';
import { currentRoute, go, onLeave, page, type Route } from '../router.js';
import { live, processes } from '../state.js';
import { drawCharts, disposeCharts, mountCharts } from './charts.js';
import { renderHistory, showActionError, started } from './history.js';
import { renderJobs } from './jobs.js';
import { processLabel, renderProcessList } from './nav.js';
import { removeProcesses } from './remove.js';

function actionButton(processId: string, label: string, action: string, title: string, secs: HTMLInputElement): HTMLButtonElement {
  return h('button', { class: 'primary', 'data-action': action, 'data-title': title, onclick: () => void startAction(processId, action, Number(secs.value) || 10) }, label);
}

/** MEM / CPU / ALLOC work only while the agent is connected. */
function renderActions(p: ProcessView): void {
  document.querySelectorAll<HTMLButtonElement>('#proc-actions button[data-action]').forEach((b) => {
    b.disabled = !p.live;
    b.title = p.live ? (b.getAttribute('data-title') ?? '') : 'The process is not connected';
  });
  const secs = document.getElementById('seconds') as HTMLInputElement | null;
  if (secs) secs.disabled = !p.live;
  const note = document.getElementById('dead-note');
  if (note) note.textContent = p.live ? '' : 'Not connected: snapshots and profiles need the live process. Its history stays below.';
}

async function startAction(processId: string, action: string, secs: number): Promise<void> {
  showActionError('');
  try {
    const body: ActionRequest = { action, seconds: action === 'heapSnapshot' ? undefined : secs };
    started(await send<Job>(`/api/processes/${encodeURIComponent(processId)}/actions`, body));
  } catch (e) {
    showActionError((e as Error).message);
  }
}

function showProcess({ id }: Route): void {
  const p = id ? processes.get(id) : undefined;
  const main = document.getElementById('main')!;
  renderProcessList();
  if (!id || !p) {
    main.replaceChildren(h('p', { class: 'muted' }, 'Unknown process.'));
    return;
  }
  const secs = h('input', { type: 'number', min: '1', max: '300', value: '10', id: 'seconds', title: 'profile length, seconds' });
  main.replaceChildren(
    h('div', { class: 'card', id: 'proc-head' }),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'actions', id: 'proc-actions' },
        actionButton(id, 'MEM', 'heapSnapshot', 'Take a heap snapshot and analyse it', secs),
        actionButton(id, 'CPU', 'cpuProfile', 'Record a CPU profile', secs),
        actionButton(id, 'ALLOC', 'samplingHeapProfile', 'Record an allocation sampling profile', secs),
        secs,
        h('span', { class: 'muted' }, 's for CPU/ALLOC'),
        h('span', { id: 'action-error', class: 'err' }),
      ),
      h('div', { id: 'dead-note', class: 'muted' }),
      h('div', { id: 'mem-forecast', class: 'muted' }),
      h('div', { id: 'jobs' }),
    ),
    h(
      'div',
      { class: 'charts' },
      h('div', { class: 'card' }, h('h2', {}, 'Memory'), h('div', { class: 'chart', id: 'chart-mem' })),
      h('div', { class: 'card' }, h('h2', {}, 'CPU and event loop'), h('div', { class: 'chart', id: 'chart-cpu' })),
      h('div', { class: 'card' }, h('h2', {}, 'Heap spaces (used)'), h('div', { class: 'chart', id: 'chart-spaces' })),
      h(
        'div',
        { class: 'card', id: 'gc' },
        h('h2', {}, 'Garbage collection by kind', h('span', { class: 'muted sub' }, ' minor = scavenge, major = mark-compact')),
        h(
          'div',
          { class: 'chart-pair' },
          h('div', {}, h('div', { class: 'caption', id: 'gc-pause-caption' }), h('div', { class: 'chart half', id: 'chart-gc-pause' })),
          h('div', {}, h('div', { class: 'caption', id: 'gc-count-caption' }), h('div', { class: 'chart half', id: 'chart-gc-count' })),
        ),
        h('div', { id: 'gc-summary', class: 'gc-summary' }),
      ),
    ),
    h('div', { class: 'card', id: 'detector' }, h('h2', {}, 'Leak detector: heap after each major GC'), h('div', { class: 'chart', id: 'chart-det' }), h('div', { id: 'det-reason' })),
    h('div', { class: 'card' }, h('h2', {}, 'History'), h('div', { id: 'history' })),
  );
  renderProcessHeader();
  renderJobs();
  renderHistory();
  mountCharts();
  live.processId = id;
  live.samples = [];
  api<Sample[]>(`/api/processes/${encodeURIComponent(id)}/metrics`)
    .then((s) => {
      if (live.processId !== id) return;
      const lastT = s.length ? s[s.length - 1]!.t : 0;
      live.samples = s.concat(live.samples.filter((x) => x.t > lastT));
      drawCharts();
    })
    .catch(() => undefined);
}

export function renderProcessHeader(): void {
  const { id } = currentRoute();
  const p = id ? processes.get(id) : undefined;
  const head = document.getElementById('proc-head');
  if (!p || !head) return;
  const l = p.last;
  const remove = p.live
    ? null
    : h('button', { 'data-remove': p.id, title: 'Remove this process and its history from the dashboard', onclick: () => void removeProcesses([p]).then((done) => done && go('#/'), (e: Error) => showActionError(e.message)) }, 'Remove process');
  head.replaceChildren(
    h('div', { class: 'actions' }, h('h2', {}, `${p.project} · ${p.hostname} · ${processLabel(p)}`), h('span', { class: 'spacer' }), remove),
    h(
      'div',
      { class: 'muted' },
      `${p.live ? `live, up ${duration(Date.now() - p.startTime)}` : `not connected (last seen ${time(p.lastSeen)})`} · Node ${p.nodeVersion} · heap limit ${formatBytes(p.heapLimit)}` +
        (l ? ` · ${p.live ? '' : 'when last seen: '}rss ${formatBytes(l.rss)} · heap used ${formatBytes(l.heapUsed)} · CPU ${l.cpu.toFixed(1)} %` : ''),
    ),
    h('div', { class: 'muted' }, h('code', {}, p.argv.join(' '))),
  );
  // A gone process's forecast is stale and MEM is off: no prediction for it.
  renderForecast(p.live ? p.snapshotForecast : undefined);
  renderActions(p);
}

/** Where the agent's prediction comes from. */
const BASIS_TEXT: Record<SnapshotForecast['basis'], string> = {
  default: 'first snapshot: worst heap shape',
  census: "first snapshot: priced from a census of this heap's objects",
  project: "learned from this project's processes",
  learned: "learned from this process's last snapshot",
};

/** MEM's predicted cost before the click, and the last snapshot's measured one. */
function renderForecast(f: SnapshotForecast | undefined): void {
  const box = document.getElementById('mem-forecast');
  if (!box) return;
  box.replaceChildren();
  if (!f) return;
  append(
    box,
    h('span', {}, `MEM now: about ${formatBytes(f.peakRssDelta)} more RSS at peak, ${seconds(f.pauseMs)} pause (${BASIS_TEXT[f.basis] ?? f.basis}); ${formatBytes(f.available)} available (${f.limitedBy})`),
    f.refusal ? h('span', { class: 'err' }, ` · would be refused: ${f.refusal}`) : null,
    f.censusFirst ? h('span', {}, ' · more than is available at the worst heap shape: MEM first counts this heap (a census) and decides from that') : null,
    f.last ? h('div', {}, `Last snapshot: ${costText(f.last)}`) : null,
  );
}

page('p', showProcess);
onLeave(() => {
  disposeCharts();
  live.processId = undefined;
});
