// What a user would miss after a restart, as blobs in the storage (storage.ts: the data directory by
// default, or an S3 bucket):
//   processes/<id>.json          metadata of every process ever seen
//   artifacts/<id>.json + file   snapshots (.heapsnapshot), CPU (.cpuprofile), allocation (.heapprofile)
//   reports/<id>.json + body     analysis results (diagnosis JSON) for one snapshot or a comparison
// The storage makes a blob visible only once complete, and a body is stored before its metadata,
// so a dropped upload never looks finished; bodies without metadata are swept at start. The local
// directory (`dir`) holds this dashboard's own files either way: scratch/, metrics/, its log.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';

import { KIND_EXTENSION as EXT, type ArtifactKind } from '../protocol/index.js';
import { DirStorage, type BlobInfo, type BlobStorage } from './storage.js';

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

type MetaKind = 'processes' | 'artifacts' | 'reports';
type MetaOf<K extends MetaKind> = K extends 'processes' ? ProcessMeta : K extends 'artifacts' ? ArtifactMeta : ReportMeta;

const isMetaName = (name: string): boolean => name.endsWith('.json') && !name.includes('.body.');
const baseName = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

/** `fn` over `items`, at most `limit` at a time (a bucket's metadata is one request per object). */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** A small JSON blob (metadata, findings) from the storage; undefined when missing or torn. */
export async function readJsonBlob<T>(blobs: BlobStorage, key: string): Promise<T | undefined> {
  try {
    return JSON.parse(await text(await blobs.get(key))) as T;
  } catch {
    return undefined;
  }
}

/** Stores `value` as JSON under `key`, visible only once complete (readers never see half of it). */
export async function writeJsonBlob(blobs: BlobStorage, key: string, value: unknown): Promise<void> {
  await blobs.put(key, Readable.from([Buffer.from(JSON.stringify(value))]));
}

/** Files older than this without metadata are swept even when other dashboards share the directory. */
const SHARED_SWEEP_AGE_MS = 24 * 3600_000;

export class Store {
  readonly processes = new Map<string, ProcessMeta>();
  readonly artifacts = new Map<string, ArtifactMeta>();
  readonly reports = new Map<string, ReportMeta>();
  /** Bodies and metadata: the directory itself by default, or a bucket. */
  readonly blobs: BlobStorage;

  /**
   * `shared`: other dashboards use the same storage (--redis), so a body without metadata may be
   * their upload in progress. `blobs`: another storage than the directory (S3).
   */
  constructor(
    readonly dir: string,
    readonly shared = false,
    blobs?: BlobStorage,
  ) {
    this.blobs = blobs ?? new DirStorage(dir);
  }

  /** The storage is the directory itself (its files, their modes and leftovers are ours to manage). */
  private get inDir(): boolean {
    return this.blobs instanceof DirStorage && this.blobs.root === this.dir;
  }

  private sub(name: MetaKind): string {
    return join(this.dir, name);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    if (this.inDir) {
      for (const d of ['processes', 'artifacts', 'reports'] as const) await mkdir(this.sub(d), { recursive: true, mode: DIR_MODE });
      await this.tightenModes();
    }
    const now = Date.now();
    // Shared with running dashboards: only what no upload or analysis can still be working on.
    const sweepable = (mtime: number): boolean => !this.shared || now - mtime > SHARED_SWEEP_AGE_MS;
    // scratch/ is always local (downloads of a bucket's snapshots too)
    if (existsSync(join(this.dir, 'scratch'))) {
      for (const name of await readdir(join(this.dir, 'scratch'))) {
        const file = join(this.dir, 'scratch', name);
        const mtime = await stat(file).then((s) => s.mtimeMs, () => now);
        if (sweepable(mtime)) await rm(file, { force: true, recursive: true });
      }
    }
    const listed = {} as Record<MetaKind, BlobInfo[]>;
    for (const kind of ['processes', 'artifacts', 'reports'] as const) {
      listed[kind] = await this.blobs.list(`${kind}/`);
      const metas = listed[kind].filter((b) => isMetaName(baseName(b.key)));
      await eachLimit(metas, 16, async (b) => {
        const m = await readJsonBlob<MetaOf<typeof kind>>(this.blobs, b.key);
        // A torn or foreign file must not stop the dashboard from starting.
        if (m && typeof m === 'object' && typeof m.id === 'string') (this[kind] as Map<string, MetaOf<typeof kind>>).set(m.id, m);
      });
    }
    // A body is stored first, then its metadata: one without metadata is an upload or analysis a
    // crash interrupted (or a directory's .partial / .tmp leftover), never shown, and a snapshot
    // nobody can see still holds secrets: swept.
    const kept = new Set([...[...this.artifacts.values()].map((a) => this.artifactKey(a)), ...[...this.reports.values()].map((r) => this.reportKey(r))]);
    for (const kind of ['processes', 'artifacts', 'reports'] as const) {
      for (const b of listed[kind]) {
        if (isMetaName(baseName(b.key)) || kept.has(b.key) || !sweepable(b.mtime)) continue;
        await this.blobs.delete(b.key).catch(() => undefined);
      }
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

  private metaKey(kind: MetaKind, id: string): string {
    return `${kind}/${safeName(id)}.json`;
  }

  async saveProcess(p: ProcessMeta): Promise<void> {
    this.processes.set(p.id, p);
    await writeJsonBlob(this.blobs, this.metaKey('processes', p.id), p);
  }

  artifactKey(a: Pick<ArtifactMeta, 'file'>): string {
    return `artifacts/${a.file}`;
  }

  /** Metadata for a new upload; heap snapshots are stored gzip-compressed. */
  planArtifact(processId: string, kind: ArtifactKind): ArtifactMeta {
    const id = newId();
    const gzip = kind === 'heapsnapshot';
    return { id, processId, kind, file: `${id}${EXT[kind]}${gzip ? '.gz' : ''}`, size: 0, createdAt: Date.now(), ...(gzip ? { encoding: 'gzip' as const } : {}) };
  }

  async saveArtifact(meta: ArtifactMeta): Promise<void> {
    this.artifacts.set(meta.id, meta);
    await writeJsonBlob(this.blobs, this.metaKey('artifacts', meta.id), meta);
  }

  reportKey(meta: Pick<ReportMeta, 'file'>): string {
    return `reports/${meta.file}`;
  }

  /** A report's body, parsed. */
  async readReport<T>(meta: Pick<ReportMeta, 'file'>): Promise<T> {
    return JSON.parse(await text(await this.blobs.get(this.reportKey(meta)))) as T;
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
    await this.blobs.delete(this.metaKey('processes', processId));
    // each one metadata first: a crash halfway leaves bodies without metadata, which open() sweeps
    for (const a of arts) await this.deleteArtifact(a.id);
    for (const r of reps) await this.deleteReport(r.id);
    return { artifactIds: arts.map((a) => a.id), reportIds: reps.map((r) => r.id) };
  }

  async saveReportMeta(meta: ReportMeta): Promise<void> {
    this.reports.set(meta.id, meta);
    await writeJsonBlob(this.blobs, this.metaKey('reports', meta.id), meta);
  }

  /** Metadata first (nobody lists it any more), then the body. */
  async deleteArtifact(id: string): Promise<ArtifactMeta | undefined> {
    const a = this.artifacts.get(id);
    this.artifacts.delete(id);
    await this.blobs.delete(this.metaKey('artifacts', id));
    if (a) await this.blobs.delete(this.artifactKey(a));
    return a;
  }

  async deleteReport(id: string): Promise<ReportMeta | undefined> {
    const r = this.reports.get(id);
    this.reports.delete(id);
    await this.blobs.delete(this.metaKey('reports', id));
    if (r) await this.blobs.delete(this.reportKey(r));
    return r;
  }

  /** Metadata another dashboard wrote to the shared storage (undefined when gone). */
  readMeta<K extends MetaKind>(kind: K, id: string): Promise<MetaOf<K> | undefined> {
    return readJsonBlob<MetaOf<K>>(this.blobs, this.metaKey(kind, id));
  }
}

const safeName = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '');
