// The process page's job list: what runs or ran on this process, with progress and a link.
import { h } from '../../../report/viewer/index.js';
import type { Job } from '../../messages.js';
import { costText } from '../format.js';
import { currentRoute } from '../router.js';
import { jobs } from '../state.js';

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

export const ACTION_LABEL: Record<string, string> = {
  heapSnapshot: 'Heap snapshot',
  cpuProfile: 'CPU profile',
  samplingHeapProfile: 'Allocation profile',
  compare: 'Comparison',
  growth: 'Growth',
  analyze: 'Analysis',
};

/** Where a finished job's result opens: its report, or the profile viewer. */
export const resultLink = (j: Job): string => (j.reportId ? `#/r/${j.reportId}` : `#/profile/${j.artifactId}`);

/** A snapshot kept without its own analysis (an automatic capture analyses them together). */
export const snapshotOnly = (j: Job): boolean => j.action === 'heapSnapshot' && !j.reportId;

function jobRow(j: Job): HTMLElement {
  let label = STATE_LABEL[j.state] ?? j.state;
  if (j.percent !== undefined && j.state !== 'ready' && j.state !== 'failed') label += ` ${j.percent} %`;
  const keptOnly = snapshotOnly(j);
  if (j.state === 'ready') label = j.reportId ? 'report ready' : keptOnly ? 'snapshot kept' : 'profile ready';
  const name = (ACTION_LABEL[j.action] ?? j.action) + (j.seconds ? ` (${j.seconds}s)` : '') + (j.source ? ` (${j.source === 'leak' ? 'leak capture' : j.source})` : '');
  const row = h('div', { class: `job ${j.state}`, 'data-job-id': j.id, 'data-state': j.state, 'data-action': j.action }, h('b', {}, name), h('span', { class: 'label' }, label));
  if (j.state !== 'ready' && j.state !== 'failed') {
    row.append(h('span', { class: 'bar' }, h('i', { style: `width:${j.percent ?? (j.state === 'queued' ? 0 : 50)}%` })));
  }
  if (j.state === 'failed') row.append(h('span', { class: 'reason' }, j.error ?? 'unknown error'));
  if (j.state === 'ready') {
    if (keptOnly) row.append(h('a', { href: `/api/artifacts/${j.artifactId}/download`, download: '' }, 'download'));
    else row.append(h('a', { href: resultLink(j) }, 'open'));
    if (j.elapsedMs !== undefined) row.append(h('span', { class: 'muted' }, `${(j.elapsedMs / 1000).toFixed(1)} s`));
  }
  if (j.cost) row.append(h('span', { class: 'muted', 'data-cost': '' }, costText(j.cost)));
  row.append(h('span', { class: 'muted' }, new Date(j.createdAt).toLocaleTimeString()));
  return row;
}

export function renderJobs(): void {
  const { id } = currentRoute();
  const box = document.getElementById('jobs');
  if (!box || !id) return;
  const list = [...jobs.values()].filter((j) => j.processId === id).sort((a, b) => b.createdAt - a.createdAt).slice(0, 8);
  box.replaceChildren(...list.map(jobRow));
}
