// The process page's history: its snapshots and profiles (open, analyse, download, tick two or
// more to compare) and the comparison / growth reports made from them.
import { h } from '../../../report/viewer/index.js';
import type { ArtifactMeta, CompareRequest, Job } from '../../messages.js';
import { api, send } from '../api.js';
import { formatBytes, time } from '../format.js';
import { currentRoute } from '../router.js';
import { artifacts, jobs, mine, reports, selectedSnapshots } from '../state.js';
import { renderJobs } from './jobs.js';

const KIND_LABEL: Record<ArtifactMeta['kind'], string> = { heapsnapshot: 'Heap snapshot', cpuprofile: 'CPU profile', heapprofile: 'Allocation profile' };

/** Remembers a job this page started and shows it. */
export function started(job: Job): void {
  mine.add(job.id);
  if (!jobs.has(job.id)) jobs.set(job.id, job);
  renderJobs();
}

export function showActionError(message: string): void {
  const err = document.getElementById('action-error');
  if (err) err.textContent = message;
}

function analyseButton(a: ArtifactMeta): HTMLElement {
  return h('button', { onclick: () => void api<Job>(`/api/artifacts/${a.id}/analyze`, { method: 'POST', body: '{}' }).then(started, (e: Error) => showActionError(e.message)) }, 'analyse');
}

/** A snapshot's heap: measured by its analysis, else the process's heap used when it was taken. */
function heapCell(a: ArtifactMeta): HTMLElement {
  if (a.kind !== 'heapsnapshot') return h('td', { class: 'num muted', 'data-col': 'heap' }, '');
  if (a.heapSize) return h('td', { class: 'num', 'data-col': 'heap', 'data-heap-size': String(a.heapSize), title: 'total size of the objects in the snapshot' }, formatBytes(a.heapSize));
  if (a.heapUsed) return h('td', { class: 'num', 'data-col': 'heap', title: 'heap used when the snapshot was taken; analyse it for its exact size' }, `≈ ${formatBytes(a.heapUsed)}`);
  return h('td', { class: 'num muted', 'data-col': 'heap' }, '—');
}

function artifactRow(a: ArtifactMeta, onSelect: () => void): HTMLElement {
  const check = h('input', { type: 'checkbox', 'data-select': a.id, title: 'select for comparison' });
  check.checked = selectedSnapshots.has(a.id);
  check.disabled = a.kind !== 'heapsnapshot';
  check.onchange = () => {
    if (check.checked) selectedSnapshots.add(a.id);
    else selectedSnapshots.delete(a.id);
    onSelect();
  };
  const open =
    a.kind !== 'heapsnapshot'
      ? h('a', { href: `#/profile/${a.id}` }, 'open')
      : a.reportId && reports.has(a.reportId)
        ? h('a', { href: `#/r/${a.reportId}`, 'data-open-report': a.reportId }, 'open report')
        : analyseButton(a);
  return h(
    'tr',
    { 'data-artifact-id': a.id, 'data-kind': a.kind },
    h('td', {}, check),
    h('td', {}, KIND_LABEL[a.kind]),
    h('td', {}, time(a.createdAt)),
    heapCell(a),
    h('td', { class: 'num', 'data-col': 'file' }, formatBytes(a.size)),
    h('td', {}, open),
    h('td', {}, h('a', { href: `/api/artifacts/${a.id}/download`, download: '' }, 'download')),
    h('td', {}, deleteButton(`/api/artifacts/${a.id}`, 'delete this file for good?')),
  );
}

/** Deletes now (the server refuses one a kept finding needs, with the reason). */
function deleteButton(path: string, question: string): HTMLElement {
  return h('button', { 'data-action': 'delete', onclick: () => confirm(question) && void api(path, { method: 'DELETE', body: '{}' }).catch((e: Error) => showActionError(e.message)) }, 'delete');
}

export function renderHistory(): void {
  const { id } = currentRoute();
  const box = document.getElementById('history');
  if (!box || !id) return;
  const arts = [...artifacts.values()].filter((a) => a.processId === id).sort((a, b) => b.createdAt - a.createdAt);
  const reps = [...reports.values()].filter((r) => r.processId === id && r.kind !== 'heap').sort((a, b) => b.createdAt - a.createdAt);
  if (arts.length === 0 && reps.length === 0) {
    box.replaceChildren(h('p', { class: 'muted' }, 'Nothing yet: click MEM for a heap snapshot, CPU for a profile.'));
    return;
  }
  const selected = (): string[] => [...selectedSnapshots].filter((s) => artifacts.get(s)?.processId === id);
  const compareBtn = h('button', { 'data-action': 'compare' }, 'Compare selected');
  const updateBtn = (): void => {
    const n = selected().length;
    compareBtn.disabled = n < 2;
    compareBtn.textContent = n > 2 ? `Growth across ${n} snapshots` : 'Compare selected';
  };
  compareBtn.onclick = () => void send<Job>('/api/compare', { artifactIds: selected() } satisfies CompareRequest).then(started, (e: Error) => showActionError(e.message));
  const rows = arts.map((a) => artifactRow(a, updateBtn));
  const repRows = reps.map((r) =>
    h(
      'tr',
      { 'data-report-id': r.id },
      h('td', {}, ''),
      h('td', {}, r.title),
      h('td', {}, time(r.createdAt)),
      h('td', { class: 'muted', colspan: 2 }, `${r.artifactIds.length} snapshots`),
      h('td', {}, h('a', { href: `#/r/${r.id}` }, 'open')),
      h('td', {}, ''),
      h('td', {}, deleteButton(`/api/reports/${r.id}`, 'delete this report?')),
    ),
  );
  const head = h('thead', {}, h('tr', {}, ...['', '', 'Taken', 'Heap', 'File', '', '', ''].map((t, i) => h('th', { class: i === 3 || i === 4 ? 'num' : undefined }, t))));
  box.replaceChildren(h('div', { class: 'actions' }, compareBtn, h('span', { class: 'muted' }, 'select 2 heap snapshots to compare, 3+ for growth')), h('table', { class: 'hist' }, head, h('tbody', {}, ...rows, ...repRows)));
  updateBtn();
}
