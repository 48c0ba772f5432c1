// Findings: what an automatic capture found, named exactly as its growth report names it, plus the
// trend the detector measured. One finding per leak signature (project + owner path + cause kind),
// so the same leak in 4 of 4 workers of a service is one finding with 4 processes. Persisted as
// findings.json with the per-project settings in settings.json, in the storage (the data directory
// or the bucket the dashboards share).
import { createHash } from 'node:crypto';
import { DirStorage, type BlobStorage } from './storage.js';
import { readJsonBlob, writeJsonBlob } from './store.js';
import type { DetectorSeries } from '../protocol/index.js';
import type { Cause, GrowthFinding, HeapReport, SourceLocation, Suspect } from '../diagnosis/index.js';
import { appLocation } from './locations.js';
import { formatBytes } from '../shared/index.js';

export interface FindingProcess {
  host: string;
  pid: number;
  processId: string;
  /** True for the process whose snapshots named the culprit; the others were flagged by their detector. */
  captured: boolean;
  clusterWorkerId?: number;
  bytesPerMinute: number;
  detectedAt: number;
}

export type FindingState = 'open' | 'acknowledged' | 'muted';

export interface Finding {
  signature: string;
  project: string;
  processes: FindingProcess[];
  /** First detection, epoch ms. */
  detectedAt: number;
  updatedAt: number;
  state: FindingState;
  // ---- the trend (detector of the captured process, refreshed by later detections)
  bytesPerMinute: number;
  series: DetectorSeries;
  /** Where the steady growth began, epoch ms. */
  since?: number;
  heapUsed: number;
  heapLimit: number;
  /** At the current rate, ms until heap used reaches the heap limit (undefined when not growing). */
  projectedMsToLimit?: number;
  /** The detector's one-line reason. */
  reason: string;
  // ---- the culprit, as the report names it
  owner: string;
  cause: { kind: string; title: string; explanation?: string; fix?: string };
  keys: string[];
  referenceList: string[];
  locations: SourceLocation[];
  /** Per snapshot retained size / entry count of the growing owner. */
  sizes: number[];
  counts: number[];
  reportId: string;
  /** How many of the project's live processes are in this finding, when known. */
  ofProcesses?: number;
  // ---- notifications (log line + webhook); see decideNotification
  /** Times of the notifications sent, newest last (at most RENOTIFY.maxPerDay kept). */
  notifiedAt?: number[];
  /** Heap used and rate the next escalation is measured against: at the last notification or acknowledgement. */
  baseline?: { heapUsed: number; bytesPerMinute: number; at: number };
  /** A mute lasts until then (epoch ms); absent on findings muted before mutes expired: muted for good. */
  mutedUntil?: number;
}

/**
 * When a known finding notifies again. A new finding always notifies. After that, a finding
 * notifies only when it gets worse than when someone last heard of it (the last notification or
 * the acknowledgement, whichever is later): heap used up by `heapGrowth` (x1.5), the rate up by
 * `rateGrowth` (x2), or the projected time to the heap limit newly under `urgentMs` (1 h). A mute
 * lasts `muteMs` (24 h); a finding detected again after its mute expired reopens and notifies.
 * Bounds: at least `minIntervalMs` (6 h) between two notifications of a finding (`urgentMs`-close
 * to the limit: 1 h), and at most `maxPerDay` (4) in any 24 h.
 */
export interface RenotifyPolicy {
  heapGrowth: number;
  rateGrowth: number;
  urgentMs: number;
  muteMs: number;
  minIntervalMs: number;
  maxPerDay: number;
}

export const RENOTIFY: RenotifyPolicy = { heapGrowth: 1.5, rateGrowth: 2, urgentMs: 3600_000, muteMs: 24 * 3600_000, minIntervalMs: 6 * 3600_000, maxPerDay: 4 };

/**
 * Whether this update of finding `f` (its trend already refreshed, `isNew` for a new signature)
 * sends a notification, and why; records it in `f` (notifiedAt, baseline, state) when it does.
 */
export function decideNotification(f: Finding, isNew: boolean, now: number, policy: RenotifyPolicy = RENOTIFY): string | undefined {
  const sent = (f.notifiedAt ??= []);
  let why: string | undefined;
  if (isNew) why = 'new';
  else if (f.state === 'muted') {
    if (f.mutedUntil === undefined || now < f.mutedUntil) return undefined;
    why = `the mute expired ${duration(now - f.mutedUntil)} ago and the leak is still detected`;
  } else {
    const base = f.baseline ?? { heapUsed: f.heapUsed, bytesPerMinute: f.bytesPerMinute, at: f.detectedAt };
    const since = f.state === 'acknowledged' ? 'since it was acknowledged' : 'since the last notice';
    const eta = f.projectedMsToLimit;
    const baseEta = projectMsToLimit(base.heapUsed, f.heapLimit, base.bytesPerMinute);
    if (f.heapUsed >= base.heapUsed * policy.heapGrowth) why = `heap ${formatBytes(base.heapUsed)} -> ${formatBytes(f.heapUsed)} ${since}`;
    else if (f.bytesPerMinute >= base.bytesPerMinute * policy.rateGrowth) why = `rate ${formatBytes(base.bytesPerMinute)}/min -> ${formatBytes(f.bytesPerMinute)}/min ${since}`;
    else if (eta !== undefined && eta < policy.urgentMs && !(baseEta !== undefined && baseEta < policy.urgentMs)) why = `heap limit in ~${duration(eta)}`;
    if (!why) return undefined;
    const last = sent.at(-1);
    const gap = eta !== undefined && eta < policy.urgentMs ? policy.urgentMs : policy.minIntervalMs;
    if (last !== undefined && now - last < gap) return undefined;
  }
  if (sent.filter((t) => now - t < 24 * 3600_000).length >= policy.maxPerDay) return undefined;
  sent.push(now);
  if (sent.length > policy.maxPerDay) sent.splice(0, sent.length - policy.maxPerDay);
  f.baseline = { heapUsed: f.heapUsed, bytesPerMinute: f.bytesPerMinute, at: now };
  if (!isNew && f.state !== 'open') {
    f.state = 'open'; // worse than acknowledged, or the mute is over: back on the banner
    delete f.mutedUntil;
  }
  return why;
}

interface Culprit {
  owner: string;
  cause: Finding['cause'];
  keys: string[];
  referenceList: string[];
  locations: SourceLocation[];
  sizes: number[];
  counts: number[];
}

const causeOf = (c: Cause | null | undefined, fallback: string): Finding['cause'] =>
  c ? { kind: c.kind, title: c.title, explanation: c.explanation, fix: c.fix } : { kind: fallback, title: 'growing without a recognised pattern' };

/** The culprit a growth report names: its top growth finding, else its top suspect. */
export function culpritOf(report: HeapReport): Culprit | undefined {
  const g: GrowthFinding | undefined = report.growth?.[0];
  if (g) {
    return {
      owner: g.owner,
      cause: causeOf(g.cause, `growth:${g.kind}`),
      keys: g.keys,
      referenceList: g.referenceList,
      locations: g.locations,
      sizes: g.sizes,
      counts: g.counts,
    };
  }
  const s: Suspect | undefined = report.suspects[0];
  if (!s) return undefined;
  return { owner: s.owner, cause: causeOf(s.cause, 'suspect'), keys: s.keys, referenceList: s.referenceList, locations: s.locations, sizes: [s.retainedSize], counts: [s.collection?.count ?? 0] };
}

/**
 * Stable across snapshots and processes: object ids and element indexes differ from one heap to
 * the next, the owner's names and source positions do not.
 */
export function leakSignature(project: string, owner: string, causeKind: string): string {
  const normal = owner.replace(/@\d+/g, '@').replace(/\[\d+\]/g, '[n]').replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(`${project}\n${normal}\n${causeKind}`).digest('hex').slice(0, 16);
}

export function projectMsToLimit(heapUsed: number, heapLimit: number, bytesPerMinute: number): number | undefined {
  if (!(bytesPerMinute > 0) || !(heapLimit > heapUsed)) return undefined;
  return Math.round(((heapLimit - heapUsed) / bytesPerMinute) * 60_000);
}

export function duration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.round(h / 24)} days`;
}

/** Plain text for a log line and chat tools. */
export function summaryText(f: Finding, url?: string): string {
  const n = f.processes.length;
  const where = f.ofProcesses && f.ofProcesses > 1 ? `${n} of ${f.ofProcesses} processes` : n > 1 ? `${n} processes` : `pid ${f.processes[0]?.pid} on ${f.processes[0]?.host}`;
  const loc = appLocation(f.locations);
  const at = loc ? ` at ${loc.script ?? `script ${loc.scriptId}`}:${loc.line}` : '';
  const eta = f.projectedMsToLimit !== undefined ? `, heap limit in ~${duration(f.projectedMsToLimit)}` : '';
  return (
    `heapscope: leak in ${f.project} (${where}): ${f.cause.title}: ${f.owner}${at}. ` +
    `+${formatBytes(f.bytesPerMinute)}/min, heap ${formatBytes(f.heapUsed)} of ${formatBytes(f.heapLimit)}${eta}.` +
    (f.keys.length ? ` Look for: ${f.keys.slice(0, 5).join(', ')}.` : '') +
    (url ? ` Report: ${url}/#/r/${f.reportId}` : '')
  );
}

export interface ProjectSettings {
  /** Automatic capture when a process's detector fires (default on). */
  autoCapture: boolean;
}

const DEFAULT_SETTINGS: ProjectSettings = { autoCapture: true };

export class FindingStore {
  readonly findings = new Map<string, Finding>();
  private settings: Record<string, ProjectSettings> = {};
  private writing: Promise<void> = Promise.resolve();

  private readonly blobs: BlobStorage;

  /** `storage`: a data directory, or the dashboard's storage. */
  constructor(storage: string | BlobStorage) {
    this.blobs = typeof storage === 'string' ? new DirStorage(storage) : storage;
  }

  async open(): Promise<void> {
    const found = await readJsonBlob<Finding[]>(this.blobs, 'findings.json');
    for (const f of Array.isArray(found) ? found : []) if (f?.signature) this.findings.set(f.signature, f);
    this.settings = (await readJsonBlob<Record<string, ProjectSettings>>(this.blobs, 'settings.json')) ?? {};
  }

  list(): Finding[] {
    return [...this.findings.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  projectSettings(project: string): ProjectSettings {
    return { ...DEFAULT_SETTINGS, ...this.settings[project] };
  }

  allSettings(): Record<string, ProjectSettings> {
    return { ...this.settings };
  }

  async setProjectSettings(project: string, patch: Partial<ProjectSettings>): Promise<ProjectSettings> {
    const next = { ...this.projectSettings(project), ...patch };
    this.settings[project] = next;
    await this.save('settings.json', this.settings);
    return next;
  }

  /** Settings another dashboard saved (to the data directory they share): take them, do not write again. */
  applySettings(project: string, settings: ProjectSettings): void {
    this.settings[project] = { ...DEFAULT_SETTINGS, ...settings };
  }

  /**
   * Acknowledge, mute (for `muteMs`, default RENOTIFY.muteMs) or reopen. Acknowledging sets the
   * baseline later growth is measured against.
   */
  async setState(signature: string, state: FindingState, now = Date.now(), muteMs = RENOTIFY.muteMs): Promise<Finding | undefined> {
    const f = this.findings.get(signature);
    if (!f) return undefined;
    f.state = state;
    f.updatedAt = now;
    if (state === 'muted') f.mutedUntil = now + muteMs;
    else delete f.mutedUntil;
    if (state === 'acknowledged') f.baseline = { heapUsed: f.heapUsed, bytesPerMinute: f.bytesPerMinute, at: now };
    await this.put(f);
    return f;
  }

  async put(f: Finding): Promise<void> {
    this.findings.set(f.signature, f);
    await this.save('findings.json', this.list());
  }

  /** Serialised so two quick updates never interleave their renames. */
  private save(name: string, value: unknown): Promise<void> {
    const next = this.writing.then(() => writeJsonBlob(this.blobs, name, value));
    this.writing = next.catch(() => undefined);
    return next;
  }
}
