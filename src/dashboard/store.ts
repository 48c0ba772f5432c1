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
import { DirStorage } from './storage.js';

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
  /** Bytes stored (compressed when `encoding` says so). */
  size: number;
  createdAt: number;
  /** Report built from this artifact (heap snapshots). */
  reportId?: string;
  /** 'gzip': stored compressed (heap snapshots since issue 13 §4); absent: stored as uploaded. */
  encoding?: 'gzip';
  /** Bytes as uploaded (the snapshot JSON), when stored compressed. */
  rawSize?: number;
  /** The heap the snapshot holds (sum of self sizes, from its analysis), bytes. */
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

const newId = (): string => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

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

/** Files older than this without metadata are swept even when other dashboards share the directory. */
const SHARED_SWEEP_AGE_MS = 24 * 3600_000;

export class Store {
  readonly processes = new Map<string, ProcessMeta>();
  readonly artifacts = new Map<string, ArtifactMeta>();
  readonly reports = new Map<string, ReportMeta>();
  /** Snapshot and report bodies. */
  readonly blobs: DirStorage;

  /** `shared`: other dashboards use this directory too (--redis), so a file without metadata may be their upload in progress. */
  constructor(
    readonly dir: string,
    readonly shared = false,
  ) {
    this.blobs = new DirStorage(dir);
  }

  private sub(name: 'processes' | 'artifacts' | 'reports'): string {
    return join(this.dir, name);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    for (const d of ['processes', 'artifacts', 'reports'] as const) await mkdir(this.sub(d), { recursive: true, mode: DIR_MODE });
    await this.tightenModes();
    const now = Date.now();
    // Shared with running dashboards: only what no upload or analysis can still be working on.
    const sweepable = async (file: string): Promise<boolean> => {
      if (!this.shared) return true;
      try {
        return now - (await stat(file)).mtimeMs > SHARED_SWEEP_AGE_MS;
      } catch {
        return false;
      }
    };
    for (const name of await readdir(this.sub('artifacts'))) {
      const file = join(this.sub('artifacts'), name);
      if ((name.endsWith('.partial') || name.endsWith('.tmp')) && (await sweepable(file))) await rm(file, { force: true });
    }
    if (existsSync(join(this.dir, 'scratch'))) {
      for (const name of await readdir(join(this.dir, 'scratch'))) if (await sweepable(join(this.dir, 'scratch', name))) await rm(join(this.dir, 'scratch', name), { force: true });
    }
    for (const p of await readJsonDir<ProcessMeta>(this.sub('processes'))) if (p?.id) this.processes.set(p.id, p);
    for (const a of await readJsonDir<ArtifactMeta>(this.sub('artifacts'))) if (a?.id) this.artifacts.set(a.id, a);
    for (const r of await readJsonDir<ReportMeta>(this.sub('reports'))) if (r?.id) this.reports.set(r.id, r);
    // An artifact is renamed into place, then its metadata written: one without metadata is swept
    // too (a snapshot nobody can see still holds secrets).
    const files = new Set([...this.artifacts.values()].map((a) => a.file));
    for (const name of await readdir(this.sub('artifacts'))) {
      const file = join(this.sub('artifacts'), name);
      if (!name.endsWith('.json') && !files.has(name) && (await sweepable(file))) await rm(file, { force: true });
    }
    // A report is written body first, then its metadata: a body (or .tmp) without metadata is an
    // analysis a crash interrupted, never shown, so it goes.
    const bodies = new Set([...this.reports.values()].map((r) => r.file));
    for (const name of await readdir(this.sub('reports'))) {
      const file = join(this.sub('reports'), name);
      if ((name.endsWith('.tmp') || (name.includes('.body.') && !bodies.has(name))) && (await sweepable(file))) await rm(file, { force: true });
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

  artifactKey(a: Pick<ArtifactMeta, 'file'>): string {
    return `artifacts/${a.file}`;
  }

  artifactFile(a: Pick<ArtifactMeta, 'file'>): string {
    return this.blobs.path(this.artifactKey(a));
  }

  /** Metadata for a new upload; heap snapshots are stored gzip-compressed. */
  planArtifact(processId: string, kind: ArtifactKind): ArtifactMeta {
    const id = newId();
    const gzip = kind === 'heapsnapshot';
    return { id, processId, kind, file: `${id}${EXT[kind]}${gzip ? '.gz' : ''}`, size: 0, createdAt: Date.now(), ...(gzip ? { encoding: 'gzip' as const } : {}) };
  }

  async saveArtifact(meta: ArtifactMeta): Promise<void> {
    this.artifacts.set(meta.id, meta);
    await writeJsonAtomic(join(this.sub('artifacts'), `${meta.id}.json`), meta);
  }

  reportKey(meta: Pick<ReportMeta, 'file'>): string {
    return `reports/${meta.file}`;
  }

  reportFile(meta: Pick<ReportMeta, 'file'>): string {
    return this.blobs.path(this.reportKey(meta));
  }

  planReport(processId: string, kind: ReportMeta['kind'], artifactIds: string[], title: string): ReportMeta {
    const id = newId();
    return { id, processId, kind, artifactIds, createdAt: Date.now(), file: `${id}.body.json`, title };
  }

  /** Forgets a process with its artifacts and reports, bodies included (through the storage). */
  async removeProcess(processId: string): Promise<{ artifactIds: string[]; reportIds: string[] }> {
    const arts = [...this.artifacts.values()].filter((a) => a.processId === processId);
    const reps = [...this.reports.values()].filter((r) => r.processId === processId);
    this.processes.delete(processId);
    await rm(join(this.sub('processes'), `${processId}.json`), { force: true });
    // each one metadata first: a crash halfway leaves bodies without metadata, which open() sweeps
    for (const a of arts) await this.deleteArtifact(a.id);
    for (const r of reps) await this.deleteReport(r.id);
    return { artifactIds: arts.map((a) => a.id), reportIds: reps.map((r) => r.id) };
  }

  async saveReportMeta(meta: ReportMeta): Promise<void> {
    this.reports.set(meta.id, meta);
    await writeJsonAtomic(join(this.sub('reports'), `${meta.id}.json`), meta);
  }

  /** Metadata first (nobody lists it any more), then the body. */
  async deleteArtifact(id: string): Promise<ArtifactMeta | undefined> {
    const a = this.artifacts.get(id);
    this.artifacts.delete(id);
    await rm(join(this.sub('artifacts'), `${safeName(id)}.json`), { force: true });
    if (a) await this.blobs.delete(this.artifactKey(a));
    return a;
  }

  async deleteReport(id: string): Promise<ReportMeta | undefined> {
    const r = this.reports.get(id);
    this.reports.delete(id);
    await rm(join(this.sub('reports'), `${safeName(id)}.json`), { force: true });
    if (r) await this.blobs.delete(this.reportKey(r));
    return r;
  }

  /** Metadata another dashboard wrote to the shared directory (undefined when gone). */
  async readMeta<K extends 'processes' | 'artifacts' | 'reports'>(kind: K, id: string): Promise<(K extends 'processes' ? ProcessMeta : K extends 'artifacts' ? ArtifactMeta : ReportMeta) | undefined> {
    try {
      return JSON.parse(await readFile(join(this.sub(kind), `${safeName(id)}.json`), 'utf8'));
    } catch {
      return undefined;
    }
  }
}

const safeName = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '');
