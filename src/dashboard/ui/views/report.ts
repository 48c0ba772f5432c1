// #/r/<id> (a heap report, drawn by the shared report viewer) and #/profile/<id> (CPU or
// allocation profile), each with a way back to its process and the downloads.
import { h } from '../../../report/viewer/index.js';
import { httpSource, mountCpuProfile, mountReport } from '../../../report/viewer/index.js';
import { mountAllocProfile } from '../alloc-profile.js';
import { api } from '../api.js';
import { isOpen, page, type Route } from '../router.js';
import { artifacts, reports } from '../state.js';

function backBar(processId: string | undefined, extra: Node[] = []): HTMLElement {
  return h('div', { class: 'actions back' }, h('a', { href: processId ? `#/p/${processId}` : '#/' }, '← back to the process'), ...extra);
}

async function showReport({ id }: Route): Promise<void> {
  if (!id) return;
  const main = document.getElementById('main')!;
  const meta = reports.get(id);
  const host = h('div', { class: 'report-host', id: 'report' });
  const downloads = (meta?.artifactIds ?? []).map((a, i) => h('a', { href: `/api/artifacts/${a}/download`, download: '' }, `download snapshot${meta!.artifactIds.length > 1 ? ` #${i + 1}` : ''}`));
  main.replaceChildren(backBar(meta?.processId, downloads), host);
  try {
    const report = await api<Parameters<typeof mountReport>[1]>(`/api/reports/${encodeURIComponent(id)}`);
    if (!isOpen('r', id)) return;
    mountReport(host, report, {
      title: meta?.title,
      // Any clicked object's path from the GC roots, computed by the server from the stored snapshot.
      retainers: (nodeId) => api(`/api/reports/${encodeURIComponent(id)}/retainers/${nodeId}`),
      // DevTools-like drill-down, answered by the server from the stored snapshot
      explore: httpSource(id, (path) => api(path)),
    });
    host.setAttribute('data-ready', 'true');
  } catch (e) {
    host.replaceChildren(h('p', { class: 'err' }, `Could not open the report: ${(e as Error).message}`));
  }
}

async function showProfile({ id }: Route): Promise<void> {
  if (!id) return;
  const main = document.getElementById('main')!;
  const a = artifacts.get(id);
  const host = h('div', { class: 'report-host', id: 'profile' });
  main.replaceChildren(
    backBar(a?.processId, [h('b', {}, a?.kind === 'heapprofile' ? 'Allocation profile' : 'CPU profile'), h('a', { href: `/api/artifacts/${id}/download`, download: '' }, 'download (Chrome DevTools / speedscope)')]),
    host,
  );
  try {
    const profile = await api<unknown>(`/api/artifacts/${encodeURIComponent(id)}/download?inline=1`);
    if (!isOpen('profile', id)) return;
    if (artifacts.get(id)?.kind === 'heapprofile') mountAllocProfile(host, profile as Parameters<typeof mountAllocProfile>[1]);
    else mountCpuProfile(host, profile as Parameters<typeof mountCpuProfile>[1]);
    host.setAttribute('data-ready', 'true');
  } catch (e) {
    host.replaceChildren(h('p', { class: 'err' }, `Could not open the profile: ${(e as Error).message}`));
  }
}

page('r', (r) => void showReport(r));
page('profile', (r) => void showProfile(r));
