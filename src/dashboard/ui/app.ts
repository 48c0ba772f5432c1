// Dashboard UI (browser), bundled into dist/dashboard/ui/app.global.js. Plain DOM + ECharts.
// State arrives over /ws/ui (state.ts: the full state once, then one typed message per change);
// each page (views/*, registered with router.ts) renders from it. Reports and CPU profiles are
// drawn by the shared report viewer (src/report/viewer).
import type { Job, ServerMessage } from '../messages.js';
import { go, isOpen, route } from './router.js';
import { addSample, apply, live, mine } from './state.js';
import { drawCharts, resizeCharts } from './views/charts.js';
import { renderBanner } from './views/findings.js';
import { renderHistory } from './views/history.js';
import { renderJobs, resultLink, snapshotOnly } from './views/jobs.js';
import { loadOverview, updateHomeRow } from './views/home.js';
import { notifyJob } from './views/notify.js';
import { renderProcessList } from './views/nav.js';
import { renderProcessHeader } from './views/process.js';
import './views/report.js';
import './views/snapshots.js';

function connect(delay = 1000): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/ui`);
  const conn = document.getElementById('conn')!;
  ws.onopen = () => {
    conn.textContent = 'live';
    conn.classList.add('up');
    delay = 1000;
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(String(ev.data)) as ServerMessage);
  ws.onclose = () => {
    conn.textContent = 'reconnecting…';
    conn.classList.remove('up');
    setTimeout(() => connect(Math.min(delay * 2, 10_000)), delay);
  };
}

/** Applies a message, then redraws only what shows it. */
function onMessage(m: ServerMessage): void {
  apply(m);
  switch (m.type) {
    case 'state':
      renderBanner();
      renderProcessList();
      route();
      loadOverview();
      return;
    case 'process':
      renderProcessList();
      if (isOpen('p', m.process.id)) renderProcessHeader();
      if (isOpen('')) route();
      return;
    case 'processRemoved':
      renderProcessList();
      if (isOpen('p', m.processId)) go('#/');
      else if (isOpen('')) route();
      return;
    case 'metrics':
      if (live.processId === m.processId) {
        addSample(m.sample);
        drawCharts();
        renderProcessHeader();
      }
      updateHomeRow(m.processId);
      return;
    case 'job':
      if (isOpen('p', m.job.processId)) renderJobs();
      if (isOpen('snapshots')) route();
      if ((m.job.state === 'ready' || m.job.state === 'failed') && mine.delete(m.job.id)) finished(m.job);
      return;
    case 'finding':
      renderBanner();
      if (isOpen('findings')) route();
      return;
    case 'settings':
      if (isOpen('findings')) route();
      return;
    case 'artifact':
      if (isOpen('p', m.artifact.processId)) renderHistory();
      if (isOpen('snapshots')) route();
      return;
    case 'report':
      if (isOpen('p', m.report.processId)) renderHistory();
      if (isOpen('snapshots')) route();
      return;
    case 'artifactDeleted':
    case 'reportDeleted':
      if (isOpen('p')) renderHistory();
      return;
  }
}

/**
 * A job this page started is done. Where the user asked for it (its process's page, or the Snapshots
 * page) a result opens; anywhere else a notification says so with a link, and the page stays.
 */
function finished(job: Job): void {
  if (isOpen('p', job.processId) || isOpen('snapshots')) {
    if (job.state === 'ready' && !snapshotOnly(job)) go(resultLink(job));
    return;
  }
  notifyJob(job);
}

window.addEventListener('resize', resizeCharts);
window.addEventListener('hashchange', () => {
  renderProcessList();
  route();
});
setInterval(renderProcessList, 5000);
connect();
