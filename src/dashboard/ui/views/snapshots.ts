// "Snapshots" page (#/snapshots): open a .heapsnapshot / .heapsnapshot.gz from this computer (upload
// with a progress bar; the server analyses it), and pick any two heap snapshots of the history (of
// any process, uploaded ones included) to compare, or three and more for growth.
import type { ArtifactMeta, Job, ProcessView, ReportMeta } from '../../messages.js';
import { formatBytes as bytes, h as el } from '../../../report/viewer/index.js';
import { send } from '../api.js';
import { page } from '../router.js';
import { artifacts, jobs, mine, processes, reports } from '../state.js';

interface SnapshotsContext {
  processes: ReadonlyMap<string, ProcessView>;
  artifacts: ReadonlyMap<string, ArtifactMeta & { name?: string }>;
  reports: ReadonlyMap<string, ReportMeta>;
  jobs: ReadonlyMap<string, Job>;
  /** POST JSON and return the answer (the app's api helper). */
  post<T>(path: string, body: unknown): Promise<T>;
  /** A job started here (its report opens when ready). */
  started(job: Job): void;
}

const picked = new Set<string>();

// The upload panel outlives re-renders (state messages redraw the page while bytes are sent).
let uploadPanel: HTMLElement | undefined;
let uploadState: HTMLElement | undefined;

function uploadBox(ctx: SnapshotsContext): HTMLElement {
  if (uploadPanel) return uploadPanel;
  const input = el('input', { type: 'file', accept: '.heapsnapshot,.gz,application/gzip,application/json', id: 'snapshot-file', 'aria-label': 'heap snapshot file' }) as HTMLInputElement;
  const button = el('button', { class: 'primary', 'data-action': 'upload', disabled: '' }, 'Open snapshot') as HTMLButtonElement;
  uploadState = el('div', { id: 'upload-state', class: 'muted' });
  input.onchange = () => (button.disabled = !input.files?.length);
  button.onclick = () => {
    const file = input.files?.[0];
    if (file) upload(file, ctx, button);
  };
  uploadPanel = el(
    'div',
    { class: 'card', id: 'upload' },
    el('h2', {}, 'Open a heap snapshot'),
    el('p', { class: 'muted' }, 'A .heapsnapshot or .heapsnapshot.gz saved by Chrome DevTools, node --heapsnapshot-signal, v8.writeHeapSnapshot() or heapscope. It is uploaded to this dashboard, kept with the others and analysed.'),
    el('div', { class: 'actions' }, input, button),
    uploadState,
  );
  return uploadPanel;
}

/** XMLHttpRequest, not fetch: only it reports upload progress. */
function upload(file: File, ctx: SnapshotsContext, button: HTMLButtonElement): void {
  const state = uploadState!;
  const bar = el('i', { style: 'width:0%' });
  const label = el('span', { class: 'label' }, `uploading ${file.name}: 0 %`);
  state.replaceChildren(el('div', { class: 'job', 'data-upload': 'running' }, label, el('span', { class: 'bar' }, bar)));
  button.disabled = true;
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/snapshots');
  xhr.setRequestHeader('content-type', 'application/octet-stream');
  xhr.setRequestHeader('x-heapscope-filename', encodeURIComponent(file.name));
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    const pct = Math.floor((e.loaded / e.total) * 100);
    bar.style.width = `${pct}%`;
    label.textContent = `uploading ${file.name}: ${pct} % of ${bytes(e.total)}`;
  };
  const done = (ok: boolean, text: string): void => {
    button.disabled = false;
    state.replaceChildren(el('div', { class: ok ? 'job ready' : 'job failed', 'data-upload': ok ? 'done' : 'failed' }, text));
  };
  xhr.onload = () => {
    let body: { error?: string; job?: Job } = {};
    try {
      body = JSON.parse(xhr.responseText) as typeof body;
    } catch {
      // not JSON
    }
    if (xhr.status === 201 && body.job) {
      ctx.started(body.job);
      done(true, `${file.name} uploaded; analysing it (it appears below).`);
    } else done(false, `Upload refused: ${body.error ?? `${xhr.status} ${xhr.statusText}`}`);
  };
  xhr.onerror = () => done(false, 'Upload failed: the connection was lost.');
  xhr.send(file);
}

function processName(p: ProcessView | undefined): string {
  if (!p) return 'unknown process';
  if (p.id === 'uploads') return 'uploaded';
  return `${p.project} · ${p.hostname} · pid ${p.pid}`;
}

/** Analysis state of a snapshot: its report, or the job working on it. */
function stateCell(a: ArtifactMeta, ctx: SnapshotsContext): HTMLElement {
  if (a.reportId && ctx.reports.has(a.reportId)) return el('a', { href: `#/r/${a.reportId}`, 'data-open-report': a.reportId }, 'open report');
  const job = [...ctx.jobs.values()].filter((j) => j.artifactId === a.id && (j.action === 'analyze' || j.action === 'heapSnapshot')).sort((x, y) => y.createdAt - x.createdAt)[0];
  if (job && job.state === 'failed') return el('span', { class: 'err' }, job.error ?? 'analysis failed');
  if (job && job.state !== 'ready') return el('span', { class: 'muted', 'data-analysing': a.id }, `${job.state}${job.percent !== undefined ? ` ${job.percent} %` : ''}`);
  return el('span', { class: 'muted' }, 'not analysed');
}

function showSnapshots(main: HTMLElement, ctx: SnapshotsContext): void {
  const snaps = [...ctx.artifacts.values()].filter((a) => a.kind === 'heapsnapshot').sort((a, b) => b.createdAt - a.createdAt);
  for (const id of [...picked]) if (!ctx.artifacts.has(id)) picked.delete(id);
  const compare = el('button', { class: 'primary', 'data-action': 'compare-any' }, 'Compare') as HTMLButtonElement;
  const note = el('span', { class: 'muted' });
  const error = el('span', { class: 'err', id: 'compare-error' });
  const refresh = (): void => {
    const n = picked.size;
    compare.disabled = n < 2;
    compare.textContent = n > 2 ? `Growth across ${n} snapshots` : 'Compare 2 snapshots';
    const procs = new Set([...picked].map((id) => ctx.artifacts.get(id)?.processId));
    note.textContent = n < 2 ? 'pick 2 snapshots to compare, 3 or more for growth' : procs.size > 1 ? 'from different processes: object ids differ, so the comparison is per class' : '';
  };
  compare.onclick = async () => {
    error.textContent = '';
    try {
      ctx.started(await ctx.post<Job>('/api/compare', { artifactIds: [...picked] }));
      picked.clear();
      refresh();
      main.querySelectorAll<HTMLInputElement>('input[data-pick]').forEach((c) => (c.checked = false));
    } catch (e) {
      error.textContent = (e as Error).message;
    }
  };
  const rows = snaps.map((a) => {
    const check = el('input', { type: 'checkbox', 'data-pick': a.id, 'aria-label': 'pick for comparison' }) as HTMLInputElement;
    check.checked = picked.has(a.id);
    check.onchange = () => {
      if (check.checked) picked.add(a.id);
      else picked.delete(a.id);
      refresh();
    };
    return el(
      'tr',
      { 'data-artifact-id': a.id },
      el('td', {}, check),
      el('td', {}, new Date(a.createdAt).toLocaleString()),
      el('td', {}, a.name ?? ''),
      el('td', {}, el('a', { href: a.processId === 'uploads' ? '#/snapshots' : `#/p/${a.processId}` }, processName(ctx.processes.get(a.processId)))),
      el('td', { class: 'num' }, bytes(a.size)),
      el('td', {}, stateCell(a, ctx)),
      el('td', {}, el('a', { href: `/api/artifacts/${a.id}/download`, download: '' }, 'download')),
    );
  });
  const comparisons = [...ctx.reports.values()].filter((r) => r.kind !== 'heap').sort((a, b) => b.createdAt - a.createdAt).slice(0, 20);
  main.replaceChildren(
    uploadBox(ctx),
    el(
      'div',
      { class: 'card', id: 'all-snapshots' },
      el('h2', {}, `Heap snapshots (${snaps.length})`),
      el('div', { class: 'actions' }, compare, note, error),
      snaps.length
        ? el('table', { class: 'hist' }, el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'Added'), el('th', {}, 'File'), el('th', {}, 'Process'), el('th', {}, 'Size'), el('th', {}, 'Analysis'), el('th', {}, ''))), el('tbody', {}, ...rows))
        : el('p', { class: 'muted' }, 'No heap snapshots yet: open one above, or click MEM on a process.'),
    ),
    comparisons.length
      ? el('div', { class: 'card' }, el('h2', {}, 'Comparisons'), el('table', { class: 'hist' }, el('tbody', {}, ...comparisons.map((r) => el('tr', { 'data-report-id': r.id }, el('td', {}, r.title), el('td', {}, new Date(r.createdAt).toLocaleString()), el('td', {}, el('a', { href: `#/r/${r.id}` }, 'open')))))))
      : '',
  );
  refresh();
}

page('snapshots', () =>
  showSnapshots(document.getElementById('main')!, {
    processes,
    artifacts,
    reports,
    jobs,
    post: (path, body) => send(path, body),
    started: (j) => (mine.add(j.id), jobs.set(j.id, j)),
  }),
);
