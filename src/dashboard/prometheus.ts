// GET /metrics: every live process's metrics (labelled project, host, pid, worker, thread), the
// dashboard's jobs and its own health, in prom-client's registry. Only processes whose agent is
// connected have series, so label sets go away with the processes.
import * as client from 'prom-client';
import type { AgentMessage } from '../protocol/index.js';
import { LatestFrame, registerProcessMetrics, type Labels, type ProcessState } from '../agent/index.js';
import type { Hub } from './hub/index.js';
import type { Job } from './jobs.js';

/** Labels of every per-process series; `worker` (cluster worker id) and `thread` only where they apply. */
export const PROCESS_LABELS = ['project', 'host', 'pid', 'worker', 'thread'];
const ANALYSIS_STATES = new Set(['reading', 'indexing', 'dominators', 'diagnosis']);
const JOB_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const RENDER_REUSE_MS = 1000;
const SNAPSHOT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class DashboardMetrics {
  readonly registry = new client.Registry();
  private readonly latest = new Map<string, LatestFrame>();
  /** The live processes of the scrape in progress (read once, by every metric). */
  private current?: ProcessState[];
  /** The last rendering, shared by scrapes within RENDER_REUSE_MS of its end. */
  private rendered?: { text: Promise<string>; done?: number };
  /** Open findings of a process; whatever keeps findings plugs in here (0 until then). */
  findings: (processId: string) => number = () => 0;

  constructor(private readonly hub: Hub) {
    const registers = [this.registry];
    const jobs = new client.Counter({ name: 'heapscope_jobs_total', help: 'Jobs finished since the dashboard started, by action and outcome (ready, failed).', labelNames: ['action', 'outcome'], registers });
    const jobSeconds = new client.Histogram({
      name: 'heapscope_job_duration_seconds',
      help: 'Wall time of successful jobs from the request to the result (snapshot, upload and analysis for heapSnapshot), seconds.',
      labelNames: ['action'],
      buckets: JOB_BUCKETS,
      registers,
    });
    const snapshotSeconds = new client.Histogram({
      name: 'heapscope_snapshot_write_seconds',
      help: "Time V8 took to write a heap snapshot in the agent's process (the pause the process saw), seconds.",
      buckets: SNAPSHOT_BUCKETS,
      registers,
    });
    const snapshotBytes = new client.Counter({ name: 'heapscope_snapshot_bytes_total', help: 'Bytes of heap snapshots received from agents.', registers });

    hub.events.on('agentMessage', (processId: string, msg: AgentMessage) => {
      if (msg.type === 'metrics') {
        let f = this.latest.get(processId);
        if (!f) {
          // Frames of gone processes go at the next scrape, or here if nobody scrapes.
          if (this.latest.size > hub.agentCount + 16) this.forgetGone();
          this.latest.set(processId, (f = new LatestFrame()));
        }
        f.update(msg);
      } else if (msg.type === 'result' && msg.kind === 'heapsnapshot') {
        if (Number.isFinite(msg.durationMs) && msg.durationMs >= 0) snapshotSeconds.observe(msg.durationMs / 1000);
        if (Number.isFinite(msg.bytes) && msg.bytes >= 0) snapshotBytes.inc(msg.bytes);
      }
    });
    hub.events.on('job', (job: Job) => {
      if (job.state !== 'ready' && job.state !== 'failed') return;
      jobs.inc({ action: job.action, outcome: job.state });
      if (job.state === 'ready' && job.elapsedMs !== undefined) jobSeconds.observe({ action: job.action }, job.elapsedMs / 1000);
    });

    registerProcessMetrics(client, this.registry, () => this.current ?? this.live(), { labelNames: PROCESS_LABELS });

    const gauge = (name: string, help: string, read: () => number): void => {
      new client.Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    gauge('heapscope_dashboard_agents_connected', 'Agents connected to this dashboard.', () => hub.agentCount);
    gauge('heapscope_dashboard_browsers_connected', 'Browsers watching this dashboard.', () => hub.browserCount);
    gauge('heapscope_dashboard_processes_known', 'Processes the dashboard knows, live or not.', () => hub.store.processes.size);
    gauge('heapscope_dashboard_analyses_queued', 'Analyses waiting for the analysis worker.', () => hub.queue.waiting);
    gauge('heapscope_dashboard_analyses_running', 'Analyses in progress.', () => [...hub.jobs.values()].filter((j) => ANALYSIS_STATES.has(j.state)).length);
    new client.Counter({
      name: 'heapscope_dashboard_dropped_frames_total',
      help: 'Frames not sent to a browser because it was backed up (over 4 MB unsent).',
      registers,
      collect() {
        this.reset();
        this.inc(hub.droppedFrames);
      },
    });
    // The dashboard's own memory matters while it analyses a big snapshot. (Not collectDefaultMetrics:
    // its gauges named *_total fail promtool's lint, and its observers outlive a closed dashboard.)
    gauge('heapscope_dashboard_resident_memory_bytes', "The dashboard process's resident memory in bytes.", () => process.memoryUsage.rss());
    gauge('heapscope_dashboard_heap_used_bytes', "The dashboard process's JS heap used in bytes.", () => process.memoryUsage().heapUsed);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition text. Every metric reads the live processes of this one pass. Scrapes that
   * arrive while one renders, or within a second of it (an HA pair of Prometheus servers), share
   * it: rendering 1,000 processes takes ~0.8 s of the event loop and agents report once a second.
   */
  metrics(): Promise<string> {
    const now = Date.now();
    if (this.rendered && (this.rendered.done === undefined || now - this.rendered.done < RENDER_REUSE_MS)) return this.rendered.text;
    const entry: { text: Promise<string>; done?: number } = { text: this.render() };
    this.rendered = entry;
    entry.text.then(
      () => (entry.done = Date.now()),
      () => this.rendered === entry && (this.rendered = undefined),
    );
    return entry.text;
  }

  private async render(): Promise<string> {
    this.current = this.live();
    try {
      return await this.registry.metrics();
    } finally {
      this.current = undefined;
    }
  }

  private forgetGone(): void {
    for (const id of this.latest.keys()) if (!this.hub.isLive(id)) this.latest.delete(id);
  }

  /** Live processes with a frame; forgets the ones whose agent has gone. */
  private live(): ProcessState[] {
    const snapshots = new Map<string, number>();
    for (const a of this.hub.store.artifacts.values()) if (a.kind === 'heapsnapshot') snapshots.set(a.processId, (snapshots.get(a.processId) ?? 0) + 1);
    const out: ProcessState[] = [];
    for (const [id, f] of this.latest) {
      const meta = this.hub.store.processes.get(id);
      if (!this.hub.isLive(id) || !meta) {
        this.latest.delete(id);
        continue;
      }
      if (!f.frame) continue;
      const labels: Labels = { project: meta.project, host: meta.hostname, pid: meta.pid };
      if (meta.clusterWorkerId !== undefined) labels.worker = meta.clusterWorkerId;
      if (meta.thread && meta.thread !== 'main') labels.thread = meta.thread;
      let findings = 0;
      try {
        findings = this.findings(id);
      } catch {
        // a broken findings source must not break the scrape
      }
      out.push({ labels, frame: f.frame, postGc: f.postGc, nodeVersion: meta.nodeVersion, startTime: meta.startTime, snapshots: snapshots.get(id) ?? 0, findings });
    }
    return out;
  }
}
