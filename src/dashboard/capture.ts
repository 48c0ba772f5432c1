// Automatic capture: when a process's leak detector fires, take 2-3 heap snapshots through the same
// job path as MEM (agent-side guards apply: options.auto), spaced so the leak has grown measurably,
// run the growth diagnosis on them and turn its top finding into a Finding. One capture at a time
// per host: leak frames from other processes of the same host wait, and a sibling of a project
// already being captured (a cluster worker) joins that project's finding instead of being captured.
import type { CaptureRequestMessage, LeakMessage } from '../protocol/index.js';
import type { HeapReport } from '../diagnosis/index.js';
import type { CaptureHooks, Hub } from './hub/index.js';
import type { Job } from './jobs.js';
import {
  RENOTIFY,
  culpritOf,
  decideNotification,
  leakSignature,
  projectMsToLimit,
  summaryText,
  type Finding,
  type FindingProcess,
  type FindingStore,
  type RenotifyPolicy,
} from './findings.js';
import type { Webhook } from './webhook.js';
import type { ServerMessage } from './messages.js';
import { formatBytes } from '../shared/index.js';

export interface CaptureConfig {
  /** Snapshots per capture (2 or 3; default 3: growth needs 3). */
  snapshots: number;
  /** Growth wanted between two snapshots; the spacing is this / the measured rate (default 8 MB). */
  targetGrowthBytes: number;
  /** Spacing floor and ceiling (defaults 30 s and 10 min). */
  minSpacingMs: number;
  maxSpacingMs: number;
  /** When a known finding notifies again (default RENOTIFY). */
  renotify: RenotifyPolicy;
  /** With dashboards sharing a Redis, how soon to try again when another one is capturing on the host (default 30 s). */
  lockRetryMs: number;
}

export const DEFAULT_CAPTURE: CaptureConfig = { snapshots: 3, targetGrowthBytes: 8 * 1024 * 1024, minSpacingMs: 30_000, maxSpacingMs: 600_000, renotify: RENOTIFY, lockRetryMs: 30_000 };

export function captureConfigFromEnv(env = process.env): Partial<CaptureConfig> {
  const n = (k: string): number | undefined => (env[k] !== undefined && env[k] !== '' && Number.isFinite(Number(env[k])) ? Number(env[k]) : undefined);
  const out: Partial<CaptureConfig> = {};
  const s = n('HEAPSCOPE_CAPTURE_SNAPSHOTS');
  if (s !== undefined) out.snapshots = s;
  const g = n('HEAPSCOPE_CAPTURE_TARGET_GROWTH');
  if (g !== undefined) out.targetGrowthBytes = g;
  const lo = n('HEAPSCOPE_CAPTURE_MIN_SPACING_MS');
  if (lo !== undefined) out.minSpacingMs = lo;
  const hi = n('HEAPSCOPE_CAPTURE_MAX_SPACING_MS');
  if (hi !== undefined) out.maxSpacingMs = hi;
  return out;
}

/** Time between snapshots: long enough for `target` bytes of growth at `bytesPerMinute`, clamped. */
function spacingMs(cfg: CaptureConfig, bytesPerMinute: number): number {
  const want = bytesPerMinute > 0 ? (cfg.targetGrowthBytes / bytesPerMinute) * 60_000 : cfg.maxSpacingMs;
  return Math.round(Math.min(cfg.maxSpacingMs, Math.max(cfg.minSpacingMs, want)));
}

interface Pending {
  processId: string;
  leak: LeakMessage;
}

interface CaptureEvents {
  /** Progress notices (capture started, refused, failed). */
  log: (line: string) => void;
  /** One line per new finding. */
  finding: (line: string) => void;
  /** Pushed to the browsers. */
  broadcast: (msg: ServerMessage) => void;
  webhook?: Webhook;
  /** Dashboard URL for links in the summary. */
  url?: () => string | undefined;
}

export class AutoCapture implements CaptureHooks {
  readonly cfg: CaptureConfig;
  /** host -> processId being captured. */
  private readonly active = new Map<string, { processId: string; project: string }>();
  private readonly waiting: Pending[] = [];
  /** Processes whose leak frame joined (or will join) a capture of their project. */
  private readonly joined = new Map<string, Pending[]>();
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly hub: Hub,
    readonly findings: FindingStore,
    private readonly events: CaptureEvents,
    cfg: Partial<CaptureConfig> = {},
  ) {
    this.cfg = { ...DEFAULT_CAPTURE, ...cfg, renotify: { ...RENOTIFY, ...cfg.renotify } };
    this.cfg.snapshots = Math.min(3, Math.max(2, Math.round(this.cfg.snapshots)));
  }

  /** The agent's detector fired. */
  onLeak(processId: string, leak: LeakMessage): void {
    const p = this.hub.store.processes.get(processId);
    if (!p || this.closed) return;
    if (!this.findings.projectSettings(p.project).autoCapture) {
      this.events.log(`leak detected in ${p.project} pid ${p.pid} (${ratePerMinute(leak)}); automatic capture is off for this project`);
      return;
    }
    // A sibling already being captured (cluster workers share a host and a project): join it.
    for (const a of this.active.values()) {
      if (a.project === p.project) {
        const list = this.joined.get(a.processId) ?? [];
        list.push({ processId, leak });
        this.joined.set(a.processId, list);
        return;
      }
    }
    // Same project already has an open finding from another process: the leak is known; record this process.
    if (this.joinExisting(processId, leak)) return;
    if (this.active.has(p.hostname)) {
      this.waiting.push({ processId, leak });
      return;
    }
    void this.capture(processId, leak);
  }

  /** The agent asks for a snapshot (signal, heap-limit watch): one guarded snapshot, uploaded and analysed like MEM. */
  onRequest(processId: string, req: CaptureRequestMessage): void {
    if (this.closed || typeof req.id !== 'string' || req.id.length > 100) return;
    try {
      this.hub.trigger(processId, 'heapSnapshot', undefined, {
        options: { auto: true, capture: { id: req.id, index: 0, count: 1, reason: req.reason === 'near-limit' ? 'near-limit' : 'signal' } },
        source: req.reason,
      });
    } catch (err) {
      this.events.log(`snapshot requested by pid ${this.hub.store.processes.get(processId)?.pid} (${req.reason}) not started: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.timers.add(t);
    });
  }

  private joinExisting(processId: string, leak: LeakMessage): boolean {
    const p = this.hub.store.processes.get(processId)!;
    const f = this.findings.list().find((x) => x.project === p.project && x.processes.some((q) => q.captured));
    if (!f) return false;
    // Only while the finding is fresh: a leak reappearing days later deserves a new look.
    if (Date.now() - f.updatedAt > 24 * 3600_000) return false;
    void this.addProcesses(f, [{ processId, leak }]);
    return true;
  }

  private async capture(processId: string, leak: LeakMessage): Promise<void> {
    const p = this.hub.store.processes.get(processId)!;
    this.active.set(p.hostname, { processId, project: p.project });
    const id = `leak-${processId.slice(0, 8)}-${Date.now().toString(36)}`;
    const count = this.cfg.snapshots;
    const gap = spacingMs(this.cfg, leak.detector.bytesPerMinute);
    // One capture per host across every dashboard sharing a Redis (alone, the lock is this one's):
    // held for the capture's spacing plus time for its snapshots and diagnosis.
    const unlock = await this.hub.shared.lock(`capture:${p.hostname}`, (count - 1) * gap + 30 * 60_000).catch(() => undefined);
    if (!unlock) {
      this.active.delete(p.hostname);
      this.waiting.push({ processId, leak });
      this.events.log(`leak detected in ${p.project} pid ${p.pid} (${ratePerMinute(leak)}): another dashboard is capturing on ${p.hostname}; trying again in ${Math.round(this.cfg.lockRetryMs / 1000)} s`);
      void this.sleep(this.cfg.lockRetryMs).then(() => {
        if (!this.closed && !this.active.has(p.hostname)) this.next(p.hostname);
      });
      return;
    }
    this.events.log(`leak detected in ${p.project} pid ${p.pid} on ${p.hostname} (${ratePerMinute(leak)}): capturing ${count} snapshots ${Math.round(gap / 1000)} s apart`);
    const artifacts: string[] = [];
    try {
      for (let i = 0; i < count; i++) {
        if (i > 0) await this.sleep(gap);
        if (this.closed) return;
        const job = this.hub.trigger(processId, 'heapSnapshot', undefined, {
          options: { auto: true, capture: { id, index: i, count, reason: 'leak' } },
          source: 'leak',
          analyze: false,
        });
        const done = await this.hub.waitJob(job.id);
        if (done.state !== 'ready' || !done.artifactId) throw new Error(`snapshot ${i + 1} of ${count}: ${done.error ?? done.state}`);
        artifacts.push(done.artifactId);
      }
      const cmp = await this.hub.waitJob(this.hub.compare(artifacts, 'leak').id);
      if (cmp.state !== 'ready' || !cmp.reportId) throw new Error(`growth diagnosis: ${cmp.error ?? cmp.state}`);
      await this.record(processId, leak, cmp);
    } catch (err) {
      this.events.log(`automatic capture of ${p.project} pid ${p.pid} stopped: ${(err as Error).message}`);
      // The siblings that waited on this one get their own chance.
      for (const s of this.joined.get(processId) ?? []) this.waiting.unshift(s);
    } finally {
      await unlock().catch(() => undefined);
      this.joined.delete(processId);
      this.active.delete(p.hostname);
      this.next(p.hostname);
    }
  }

  private next(host: string): void {
    const i = this.waiting.findIndex((w) => this.hub.store.processes.get(w.processId)?.hostname === host && this.hub.isLive(w.processId));
    if (i < 0) return;
    const [w] = this.waiting.splice(i, 1);
    this.onLeak(w!.processId, w!.leak);
  }

  private async record(processId: string, leak: LeakMessage, job: Job): Promise<void> {
    const p = this.hub.store.processes.get(processId)!;
    const meta = this.hub.store.reports.get(job.reportId!)!;
    const report = await this.hub.store.readReport<HeapReport>(meta);
    const culprit = culpritOf(report);
    if (!culprit) {
      this.events.log(`automatic capture of ${p.project} pid ${p.pid}: the growth diagnosis named nothing (report ${job.reportId})`);
      return;
    }
    const signature = leakSignature(p.project, culprit.owner, culprit.cause.kind);
    const now = Date.now();
    const last = this.hub.samples(processId).at(-1);
    const heapUsed = last?.heapUsed ?? leak.heapUsed;
    const heapLimit = leak.heapLimit || p.heapLimit;
    const bpm = leak.detector.bytesPerMinute;
    const old = this.findings.findings.get(signature);
    const f: Finding = {
      signature,
      project: p.project,
      processes: old?.processes ?? [],
      detectedAt: old?.detectedAt ?? leak.t ?? now,
      updatedAt: now,
      state: old?.state ?? 'open',
      bytesPerMinute: bpm,
      series: leak.detector.series ?? 'heap',
      since: leak.detector.since,
      heapUsed,
      heapLimit,
      projectedMsToLimit: projectMsToLimit(heapUsed, heapLimit, bpm),
      reason: leak.detector.reason,
      ...culprit,
      reportId: job.reportId!,
      notifiedAt: old?.notifiedAt,
      baseline: old?.baseline,
      mutedUntil: old?.mutedUntil,
    };
    const isNew = !old;
    this.events.log(`automatic capture of ${p.project} pid ${p.pid} done: ${culprit.cause.kind} ${culprit.owner} (report ${job.reportId})`);
    await this.addProcesses(f, [{ processId, leak }, ...(this.joined.get(processId) ?? [])], processId, isNew);
  }

  private async addProcesses(f: Finding, list: Pending[], capturedId?: string, isNew = false): Promise<void> {
    for (const { processId, leak } of list) {
      const p = this.hub.store.processes.get(processId);
      if (!p) continue;
      const entry: FindingProcess = {
        host: p.hostname,
        pid: p.pid,
        processId,
        captured: processId === capturedId,
        clusterWorkerId: p.clusterWorkerId,
        bytesPerMinute: leak.detector.bytesPerMinute,
        detectedAt: leak.t || Date.now(),
      };
      const i = f.processes.findIndex((q) => q.processId === processId);
      if (i >= 0) f.processes[i] = { ...entry, captured: entry.captured || f.processes[i]!.captured };
      else f.processes.push(entry);
      // The captured process's detector fired again (it reminds while the leak lasts): refresh the trend.
      // (A frame without a positive rate says nothing new about the trend and must not erase it.)
      if (processId !== capturedId && leak.detector.bytesPerMinute > 0 && f.processes.find((q) => q.processId === processId)?.captured) {
        f.heapUsed = leak.heapUsed;
        f.heapLimit = leak.heapLimit || f.heapLimit;
        f.bytesPerMinute = leak.detector.bytesPerMinute;
        f.since = leak.detector.since ?? f.since;
        f.reason = leak.detector.reason;
        f.projectedMsToLimit = projectMsToLimit(f.heapUsed, f.heapLimit, f.bytesPerMinute);
      }
    }
    const now = Date.now();
    f.updatedAt = now;
    f.ofProcesses = this.hub.projectProcessCount(f.project);
    const why = decideNotification(f, isNew, now, this.cfg.renotify);
    await this.findings.put(f);
    this.events.broadcast({ type: 'finding', finding: f });
    if (why) {
      const summary = summaryText(f, this.events.url?.());
      const text = isNew ? summary : summary.replace(/^heapscope: /, `heapscope: again (${why}): `);
      this.events.finding(text);
      void this.events.webhook?.send({ text, finding: f, renotify: isNew ? undefined : why });
    }
  }
}

const ratePerMinute = (leak: LeakMessage): string => `+${formatBytes(leak.detector.bytesPerMinute)}/min`;
