// Notifications: a job started from this page finished while the user looks at something else.
// It says so with a link, bottom right, and never changes the page on its own.
import { h } from '../../../report/viewer/index.js';
import type { Job } from '../../messages.js';
import { processes } from '../state.js';
import { ACTION_LABEL, resultLink, snapshotOnly } from './jobs.js';
import { processLabel } from './nav.js';

/** Notices kept on screen at once (the oldest goes first). */
const MAX_SHOWN = 4;
/** A success fades after this; a failure stays until closed. */
const READY_MS = 30_000;

export function notifyJob(job: Job): void {
  const box = document.getElementById('toasts');
  if (!box) return;
  const p = processes.get(job.processId);
  const who = p ? `${p.project} · ${processLabel(p)}` : 'a process';
  const what = ACTION_LABEL[job.action] ?? job.action;
  const ok = job.state === 'ready';
  const link = !ok
    ? h('a', { href: `#/p/${job.processId}` }, 'see the process')
    : snapshotOnly(job)
      ? h('a', { href: `/api/artifacts/${job.artifactId}/download`, download: '' }, 'download')
      : h('a', { href: resultLink(job) }, job.reportId ? 'open the report' : 'open the profile');
  const close = h('button', { class: 'close', title: 'Dismiss', 'aria-label': 'Dismiss' }, '×');
  const toast = h(
    'div',
    { class: `toast ${ok ? 'ok' : 'failed'}`, role: 'status', 'data-job-id': job.id, 'data-state': job.state },
    h('div', {}, h('b', {}, `${what} ${ok ? 'ready' : 'failed'}`), ` · ${who}`),
    ok ? null : h('div', { class: 'reason' }, job.error ?? 'unknown error'),
    h('div', { class: 'actions' }, link, close),
  );
  const dismiss = (): void => toast.remove();
  close.onclick = dismiss;
  link.addEventListener('click', dismiss);
  box.append(toast);
  while (box.children.length > MAX_SHOWN) box.firstElementChild!.remove();
  if (ok) setTimeout(dismiss, READY_MS);
}
