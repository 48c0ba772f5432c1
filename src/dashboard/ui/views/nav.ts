// The process list on the left: project -> host -> process, live ones first.
import { h } from '../../../report/viewer/index.js';
import type { ProcessView } from '../../messages.js';
import { duration } from '../format.js';
import { currentRoute, go } from '../router.js';
import { artifacts, processes } from '../state.js';

/** Processes gone this long with nothing recorded are hidden from the list. */
const HIDE_GONE_MS = 3600_000;

export function processLabel(p: ProcessView): string {
  if (p.id === 'uploads') return 'opened from the browser'; // the browser uploads' pseudo-process
  const bits = [`pid ${p.pid}`];
  if (p.clusterWorkerId !== undefined) bits.push(`worker #${p.clusterWorkerId}`);
  else if (!p.isPrimary) bits.push('worker');
  if (p.thread !== 'main') bits.push(p.thread);
  return bits.join(' · ');
}

export function renderProcessList(): void {
  const nav = document.getElementById('procs');
  if (!nav) return;
  nav.replaceChildren();
  const r = currentRoute();
  const selected = r.page === 'p' ? r.id : undefined;
  const byProject = new Map<string, Map<string, ProcessView[]>>();
  // Long-gone processes with nothing recorded would bury the live ones: hide them.
  const withHistory = new Set([...artifacts.values()].map((a) => a.processId));
  let hidden = 0;
  for (const p of processes.values()) {
    if (!p.live && p.id !== selected && !withHistory.has(p.id) && Date.now() - p.lastSeen > HIDE_GONE_MS) {
      hidden++;
      continue;
    }
    const hosts = byProject.get(p.project) ?? new Map<string, ProcessView[]>();
    byProject.set(p.project, hosts);
    const list = hosts.get(p.hostname) ?? [];
    hosts.set(p.hostname, list);
    list.push(p);
  }
  if (byProject.size === 0) nav.append(h('p', { class: 'muted' }, 'No processes yet.'));
  if (hidden) nav.append(h('p', { class: 'muted' }, `${hidden} processes gone for over an hour without snapshots are hidden.`));
  for (const [project, hosts] of [...byProject].sort((a, b) => a[0].localeCompare(b[0]))) {
    nav.append(h('div', { class: 'group project', 'data-project': project }, project));
    for (const [host, list] of [...hosts].sort((a, b) => a[0].localeCompare(b[0]))) {
      nav.append(h('div', { class: 'group host' }, host));
      list.sort((a, b) => Number(b.live) - Number(a.live) || a.pid - b.pid || a.thread.localeCompare(b.thread));
      for (const p of list) {
        const age = p.live ? `up ${duration(Date.now() - p.startTime)}` : `gone ${duration(Date.now() - p.lastSeen)} ago`;
        nav.append(
          h(
            'div',
            {
              class: `proc${p.id === selected ? ' sel' : ''}`,
              'data-process-id': p.id,
              'data-pid': String(p.pid),
              'data-live': String(p.live),
              title: p.argv.join(' '),
              onclick: () => go(`#/p/${p.id}`),
            },
            h('span', { class: `dot${p.live ? ' live' : ''}` }),
            h('span', {}, processLabel(p)),
            h('span', { class: 'sub' }, age),
          ),
        );
      }
    }
  }
}
