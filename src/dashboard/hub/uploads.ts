// `POST /api/uploads/<job id>`: an agent's artifact streamed to `<file>.partial` (TCP
// back-pressure, nothing buffered whole), then renamed. Only the agent the command was sent to may
// upload, once; size and free-disk limits refuse it before a byte is read, and again as it arrives.
import { Transform, pipeline, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { formatBytes } from '../../shared/index.js';
import { ACTION_KIND, type ArtifactKind, type CommandAction } from '../../protocol/index.js';
import type { Limits } from '../limits.js';
import { detachable } from '../linger.js';
import type { ArtifactMeta, Store } from '../store.js';
import type { Analyses } from './analyses.js';
import type { Browsers } from './browsers.js';
import { HubError, safeId } from './errors.js';
import type { JobTable } from './jobs.js';

/** How often (bytes received) a streaming upload re-checks the disk floor. */
const DISK_CHECK_BYTES = 64 * 1024 * 1024;
const UPLOAD_ACTIONS: readonly string[] = ['heapSnapshot', 'cpuProfile', 'samplingHeapProfile'];

export class Uploads {
  constructor(
    private readonly store: Store,
    private readonly limits: Limits,
    private readonly table: JobTable,
    private readonly browsers: Browsers,
    private readonly analyses: Analyses,
    /** The process's heap used now (its last metrics), recorded beside a heap snapshot. */
    private readonly heapUsedNow: (processId: string) => number | undefined,
  ) {}

  async receive(jobId: string, agentId: string | undefined, kind: string | undefined, length: number | undefined, body: Readable): Promise<ArtifactMeta> {
    const { table } = this;
    const job = table.jobs.get(jobId);
    if (!job || !UPLOAD_ACTIONS.includes(job.action)) throw new HubError(404, 'no such command');
    if (agentId !== undefined && safeId(agentId) !== job.processId) throw new HubError(403, 'this command was sent to another agent');
    if (job.artifactId || table.uploading.has(job.id) || job.state === 'failed') throw new HubError(409, 'this command already has an upload');
    const expected: ArtifactKind = ACTION_KIND[job.action as CommandAction];
    if (kind !== undefined && kind !== expected) throw new HubError(400, `expected a ${expected} upload, got ${kind}`);
    table.uploading.add(job.id);
    const refusal = await this.refusal(length);
    if (refusal) {
      // The job fails with the reason the user sees; the agent gets it in the response.
      table.uploading.delete(job.id);
      table.fail(job, refusal.message);
      throw refusal;
    }
    const meta = this.store.planArtifact(job.processId, expected);
    const { uploadIdleMs, maxUploadBytes } = this.limits;
    let received = 0;
    let nextDiskCheck = DISK_CHECK_BYTES;
    // An upload that makes no progress for uploadIdleMs fails, so the process is free again.
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => counter.destroy(new Error(`no data for ${Math.round(uploadIdleMs / 1000)} s (stalled)`)), uploadIdleMs);
    };
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        armIdle();
        received += chunk.length;
        if (received > maxUploadBytes) return cb(new Error(`over the dashboard's upload limit of ${formatBytes(maxUploadBytes)} (HEAPSCOPE_MAX_UPLOAD_MB)`));
        if (length) table.update(job, { state: 'uploading', percent: Math.floor((received / length) * 100) });
        if (received < nextDiskCheck) return cb(null, chunk);
        // Without a declared length (or if something else fills the disk) check the floor as we go.
        nextDiskCheck = received + DISK_CHECK_BYTES;
        this.freeBytes().then(
          (free) => cb(free !== undefined && free < this.limits.minFreeBytes ? new Error(this.diskMessage(free)) : null, chunk),
          () => cb(null, chunk),
        );
      },
    });
    table.update(job, { state: 'uploading', percent: 0 });
    armIdle();
    // a failure destroys `source`, not the request: the route answers, then lingers (linger.ts)
    const source = detachable(body);
    try {
      // Heap snapshots are stored gzip-compressed (level 1: ~6.5x smaller at ~100 MB/s); the engine
      // reads .gz as a stream. The storage makes the blob visible only once complete.
      const stored = meta.encoding === 'gzip' ? pipeline(source, counter, createGzip({ level: 1 }), () => undefined) : pipeline(source, counter, () => undefined);
      meta.size = await this.store.blobs.put(this.store.artifactKey(meta), stored);
      if (length !== undefined && received !== length) throw new Error(`received ${received} of ${length} bytes`);
      if (received === 0) throw new Error('empty upload');
      if (meta.encoding) meta.rawSize = received;
      if (meta.kind === 'heapsnapshot') meta.heapUsed = this.heapUsedNow(job.processId);
      await this.store.saveArtifact(meta);
    } catch (err) {
      clearTimeout(idle);
      source.destroy();
      await this.store.blobs.delete(this.store.artifactKey(meta)).catch(() => undefined);
      table.uploading.delete(job.id);
      table.fail(job, `upload interrupted: ${(err as Error).message}`);
      throw new HubError(400, `upload failed: ${(err as Error).message}`);
    }
    clearTimeout(idle);
    table.uploading.delete(job.id);
    this.browsers.broadcast({ type: 'artifact', artifact: meta });
    if (meta.kind === 'heapsnapshot' && job.analyze !== false) {
      table.update(job, { artifactId: meta.id, state: 'queued', percent: undefined });
      void this.analyses.analyze(job, meta);
    } else {
      table.update(job, { artifactId: meta.id, state: 'ready', percent: undefined });
    }
    return meta;
  }

  /** Why an upload of `length` bytes is refused before reading it (413 too big, 507 disk floor). */
  private async refusal(length: number | undefined): Promise<HubError | undefined> {
    const { maxUploadBytes, minFreeBytes } = this.limits;
    if (length !== undefined && length > maxUploadBytes) {
      return new HubError(413, `the upload (${formatBytes(length)}) is over the dashboard's limit of ${formatBytes(maxUploadBytes)} (HEAPSCOPE_MAX_UPLOAD_MB)`);
    }
    const free = await this.freeBytes();
    if (free !== undefined && free - (length ?? 0) < minFreeBytes) return new HubError(507, this.diskMessage(free, length));
    return undefined;
  }

  private diskMessage(free: number, length?: number): string {
    const need = length === undefined ? '' : ` a ${formatBytes(length)} upload would leave`;
    return `not enough disk space for the dashboard's data directory (${this.store.dir}):${need} ${formatBytes(Math.max(0, free - (length ?? 0)))} free, under the floor of ${formatBytes(this.limits.minFreeBytes)} (HEAPSCOPE_MIN_FREE_MB)`;
  }

  /** Free bytes on the data directory's file system for an unprivileged writer (undefined if unknown). */
  private freeBytes(): Promise<number | undefined> {
    return this.store.blobs.freeBytes();
  }
}
