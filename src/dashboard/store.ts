// The data directory: everything a user would miss after a restart lives here as plain files.
//   processes/<id>.json          metadata of every process ever seen
//   artifacts/<id>.json + file   snapshots (.heapsnapshot), CPU (.cpuprofile), allocation (.heapprofile)
//   reports/<id>.json + body     analysis results (diagnosis JSON) for one snapshot or a comparison
// Uploads land in `<file>.partial` and are renamed only once complete, so a dropped connection
// never leaves a half file that looks finished; leftovers are swept at start.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

import { KIND_EXTENSION as EXT, type ArtifactKind } from '../protocol/index.js';

export type { ArtifactKind };

/** A process as the dashboard remembers it (from the agent's hello); id = the agent's agentId. */
export interface ProcessMeta {
  id: string;
  project: string;
  hostname: string;
  pid: number;
  ppid: number;
  /** 'main' or 'worker:<threadId>'. */
  thread: string;
  /** cluster.worker.id for cluster workers. */
  clusterWorkerId?: number;
  isPrimary: boolean;
  nodeVersion: string;
  argv: string[];
  /** Epoch ms when the process started, for uptime. */
  startTime: number;
  heapLimit: number;
  cgroupLimit?: number;
  firstSeen: number;
  lastSeen: number;
}

export interface ArtifactMeta {
  id: string;
  processId: string;
  kind: ArtifactKind;
  file: string;
  size: number;
  createdAt: number;
  /** Report built from this artifact (heap snapshots). */
  reportId?: string;
  /** Heap snapshots: total size of the snapshot's objects, once an analysis has measured it. */
  heapSize?: number;
  /** Heap snapshots: the process's heap used when the snapshot was taken (its last metrics). */
  heapUsed?: number;
}

export interface ReportMeta {
  id: string;
  processId: string;
  kind: 'heap' | 'compare' | 'growth';
  artifactIds: string[];
  createdAt: number;
  file: string;
  /** One line for history lists. */
  title: string;
}

export const newId = (): string => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export function defaultDataDir(): string {
  return process.env.HEAPSCOPE_DATA ? resolve(process.env.HEAPSCOPE_DATA) : join(homedir(), '.heapscope');
}

// Reports and metadata name what a process holds (class names, keys, argv): owner-only, like the
// snapshots themselves.
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: FILE_MODE });
  await rename(tmp, file);
}

async function readJsonDir<T>(dir: string): Promise<T[]> {
  const out: T[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json') || name.includes('.body.')) continue;
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as T);
    } catch {
      // A torn or foreign file must not stop the dashboard from starting.
    }
  }
  return out;
}

export class Store {
  readonly processes = new Map<string, ProcessMeta>();
  readonly artifacts = new Map<string, ArtifactMeta>();
  readonly reports = new Map<string, ReportMeta>();

  constructor(readonly dir: string) {}

  private sub(name: 'processes' | 'artifacts' | 'reports'): string {
    return join(this.dir, name);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    for (const d of ['processes', 'artifacts', 'reports'] as const) await mkdir(this.sub(d), { recursive: true, mode: DIR_MODE });
    await this.tightenModes();
    for (const name of await readdir(this.sub('artifacts'))) {
      if (name.endsWith('.partial') || name.endsWith('.tmp')) await rm(join(this.sub('artifacts'), name), { force: true });
    }
    for (const p of await readJsonDir<ProcessMeta>(this.sub('processes'))) if (p?.id) this.processes.set(p.id, p);
    for (const a of await readJsonDir<ArtifactMeta>(this.sub('artifacts'))) if (a?.id) this.artifacts.set(a.id, a);
    for (const r of await readJsonDir<ReportMeta>(this.sub('reports'))) if (r?.id) this.reports.set(r.id, r);
    // An artifact is renamed into place, then its metadata written: one without metadata is swept
    // too (a snapshot nobody can see still holds secrets).
    const files = new Set([...this.artifacts.values()].map((a) => a.file));
    for (const name of await readdir(this.sub('artifacts'))) {
      if (!name.endsWith('.json') && !files.has(name)) await rm(join(this.sub('artifacts'), name), { force: true });
    }
    // A report is written body first, then its metadata: a body (or .tmp) without metadata is an
    // analysis a crash interrupted, never shown, so it goes.
    const bodies = new Set([...this.reports.values()].map((r) => r.file));
    for (const name of await readdir(this.sub('reports'))) {
      if (name.endsWith('.tmp') || (name.includes('.body.') && !bodies.has(name))) await rm(join(this.sub('reports'), name), { force: true });
    }
  }

  /** Data directories made by older versions (0755 / 0644): owner-only from now on. */
  private async tightenModes(): Promise<void> {
    const fix = async (path: string, mode: number): Promise<void> => {
      try {
        if (((await stat(path)).mode & 0o777 & ~mode) !== 0) await chmod(path, mode);
      } catch {
        // not ours to change (another owner): leave it
      }
    };
    await fix(this.dir, DIR_MODE);
    for (const d of ['processes', 'artifacts', 'reports'] as const) {
      await fix(this.sub(d), DIR_MODE);
      for (const name of await readdir(this.sub(d))) await fix(join(this.sub(d), name), FILE_MODE);
    }
    for (const name of ['dashboard.json', 'dashboard.log']) if (existsSync(join(this.dir, name))) await fix(join(this.dir, name), FILE_MODE);
  }

  async saveProcess(p: ProcessMeta): Promise<void> {
    this.processes.set(p.id, p);
    await writeJsonAtomic(join(this.sub('processes'), `${p.id}.json`), p);
  }

  artifactFile(a: Pick<ArtifactMeta, 'file'>): string {
    return join(this.sub('artifacts'), a.file);
  }

  /** Name for a new upload; `partial` is where bytes are streamed before `commitArtifact`. */
  planArtifact(processId: string, kind: ArtifactKind): { meta: ArtifactMeta; partial: string } {
    const id = newId();
    const meta: ArtifactMeta = { id, processId, kind, file: `${id}${EXT[kind]}`, size: 0, createdAt: Date.now() };
    return { meta, partial: `${this.artifactFile(meta)}.partial` };
  }

  async commitArtifact(meta: ArtifactMeta, partial: string): Promise<void> {
    await rename(partial, this.artifactFile(meta));
    await this.saveArtifact(meta);
  }

  async saveArtifact(meta: ArtifactMeta): Promise<void> {
    this.artifacts.set(meta.id, meta);
    await writeJsonAtomic(join(this.sub('artifacts'), `${meta.id}.json`), meta);
  }

  reportFile(meta: Pick<ReportMeta, 'file'>): string {
    return join(this.sub('reports'), meta.file);
  }

  planReport(processId: string, kind: ReportMeta['kind'], artifactIds: string[], title: string): ReportMeta {
    const id = newId();
    return { id, processId, kind, artifactIds, createdAt: Date.now(), file: `${id}.body.json`, title };
  }

  /** Forgets a process with its artifacts and reports, files included. */
  async removeProcess(processId: string): Promise<{ artifactIds: string[]; reportIds: string[] }> {
    const arts = [...this.artifacts.values()].filter((a) => a.processId === processId);
    const reps = [...this.reports.values()].filter((r) => r.processId === processId);
    this.processes.delete(processId);
    for (const a of arts) this.artifacts.delete(a.id);
    for (const r of reps) this.reports.delete(r.id);
    // Metadata first: a crash halfway leaves bodies without metadata, which open() sweeps.
    const files = [
      join(this.sub('processes'), `${processId}.json`),
      ...arts.map((a) => join(this.sub('artifacts'), `${a.id}.json`)),
      ...reps.map((r) => join(this.sub('reports'), `${r.id}.json`)),
    ];
    for (const f of files) await rm(f, { force: true });
    for (const f of [...arts.map((a) => this.artifactFile(a)), ...reps.map((r) => this.reportFile(r))]) await rm(f, { force: true });
    return { artifactIds: arts.map((a) => a.id), reportIds: reps.map((r) => r.id) };
  }

  async saveReportMeta(meta: ReportMeta): Promise<void> {
    this.reports.set(meta.id, meta);
    await writeJsonAtomic(join(this.sub('reports'), `${meta.id}.json`), meta);
  }
}
