// Snapshots opened from the browser: `POST /api/snapshots` streams a .heapsnapshot or
// .heapsnapshot.gz (checked uncompressed on the way in, stored gzip-compressed like an agent's
// upload) to the dashboard's storage under the same limits as an
// agent's upload (HEAPSCOPE_MAX_UPLOAD_MB on what is received and on what is stored,
// HEAPSCOPE_MIN_FREE_MB, HEAPSCOPE_UPLOAD_IDLE_MS), files it under one pseudo-process
// ("uploaded snapshots") so it joins the history, and starts its analysis.
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { formatBytes } from '../../shared/index.js';
import { HubError, type Hub } from '../hub/index.js';
import { detachable } from '../linger.js';
import type { Job } from '../jobs.js';
import type { ArtifactMeta, ProcessMeta } from '../store.js';

/** The pseudo-process that owns every snapshot uploaded from a browser. */
const UPLOADS_PROCESS_ID = 'uploads';
const DISK_CHECK_BYTES = 64 * 1024 * 1024;

/** An uploaded snapshot remembers the name of the file it came from. */
type UploadedArtifact = ArtifactMeta & { name?: string };


async function uploadsProcess(hub: Hub): Promise<ProcessMeta> {
  const now = Date.now();
  const old = hub.store.processes.get(UPLOADS_PROCESS_ID);
  const p: ProcessMeta = old
    ? { ...old, lastSeen: now }
    : { id: UPLOADS_PROCESS_ID, project: 'uploaded snapshots', hostname: 'browser', pid: 0, ppid: 0, thread: 'main', isPrimary: true, nodeVersion: '', argv: [], startTime: now, heapLimit: 0, firstSeen: now, lastSeen: now };
  await hub.store.saveProcess(p);
  hub.push({ type: 'process', process: hub.view(p) });
  return p;
}

/** Passes bytes on, failing past `max` bytes, checking the disk floor every 64 MB and on idle. */
function meter(what: string, max: number, onBytes: (n: number) => Promise<void> | void): Transform {
  let n = 0;
  let nextCheck = DISK_CHECK_BYTES;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > max) return cb(new HubError(413, `${what} is over the dashboard's upload limit of ${formatBytes(max)} (HEAPSCOPE_MAX_UPLOAD_MB)`));
      if (n < nextCheck) return cb(null, chunk);
      nextCheck = n + DISK_CHECK_BYTES;
      Promise.resolve(onBytes(n)).then(() => cb(null, chunk), (err: Error) => cb(err));
    },
  });
}

/** Gunzips when the body starts with gzip's magic bytes; passes it through otherwise. */
async function* maybeGunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const all = (async function* () {
    yield first.value;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) return yield* all;
  const gunzip = createGunzip();
  const src = Readable.from(all);
  src.on('error', (err) => gunzip.destroy(err));
  src.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw new HubError(400, `not a valid .gz file: ${(err as Error).message}`);
  }
}

/**
 * Receives one snapshot from a browser; resolves once it is stored and its analysis is queued.
 * `length`: the Content-Length (refused up front when over the limits).
 */
export async function receiveBrowserUpload(hub: Hub, body: Readable, length: number | undefined, name: string | undefined): Promise<{ artifact: UploadedArtifact; job: Job }> {
  const { maxUploadBytes, minFreeBytes, uploadIdleMs } = hub.limits;
  if (length !== undefined && length > maxUploadBytes) throw new HubError(413, `the upload (${formatBytes(length)}) is over the dashboard's limit of ${formatBytes(maxUploadBytes)} (HEAPSCOPE_MAX_UPLOAD_MB)`);
  const floor = async (extra = 0): Promise<void> => {
    const free = await hub.store.blobs.freeBytes();
    if (free !== undefined && free - extra < minFreeBytes) {
      throw new HubError(507, `not enough disk space for the dashboard's data directory: ${formatBytes(Math.max(0, free - extra))} free, under the floor of ${formatBytes(minFreeBytes)} (HEAPSCOPE_MIN_FREE_MB)`);
    }
  };
  await floor(length ?? 0);
  const process = await uploadsProcess(hub);
  const artifact: UploadedArtifact = { ...hub.store.planArtifact(process.id, 'heapsnapshot'), name: cleanName(name) };
  const key = hub.store.artifactKey(artifact);
  // a failure destroys `source`, not the request: the route answers, then lingers (linger.ts)
  const source = detachable(body);
  let idle: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => source.destroy(new HubError(408, `no data for ${Math.round(uploadIdleMs / 1000)} s (stalled)`)), uploadIdleMs);
  };
  source.on('data', armIdle);
  armIdle();
  // the storage sees only the last stream's end; the first failure (a limit, a broken .gz) is the reason
  let failure: Error | undefined;
  try {
    let raw = 0;
    const stored = pipeline(
      source,
      meter('the upload', maxUploadBytes, () => undefined),
      maybeGunzip,
      meter('the decompressed snapshot', maxUploadBytes, (n) => ((raw = n), floor())),
      snapshotCheck((n) => (raw = n)),
      createGzip({ level: 1 }),
      (err) => void (failure ??= err ?? undefined),
    );
    artifact.size = await hub.store.blobs.put(key, stored);
    if (raw === 0) throw new HubError(400, 'empty upload');
    artifact.rawSize = raw;
    await hub.store.saveArtifact(artifact);
  } catch (caught) {
    const err = failure ?? caught;
    await hub.store.blobs.delete(key).catch(() => undefined);
    if (err instanceof HubError) throw err;
    throw new HubError(400, `upload failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(idle);
    source.off('data', armIdle);
  }
  hub.push({ type: 'artifact', artifact });
  const job = hub.analyzeArtifact(artifact.id);
  if (artifact.name) void nameReport(hub, job.id, artifact.name);
  return { artifact, job };
}

/** Titles the upload's report after the file it came from, once the analysis is done. */
async function nameReport(hub: Hub, jobId: string, name: string): Promise<void> {
  const job = await hub.waitJob(jobId).catch(() => undefined);
  const report = job?.reportId ? hub.store.reports.get(job.reportId) : undefined;
  if (!report) return;
  report.title = `${name} (uploaded)`;
  await hub.store.saveReportMeta(report).catch(() => undefined);
  hub.push({ type: 'report', report });
}

/**
 * A cheap check before anything is stored or analysed: the JSON's first key is "snapshot". Counts
 * the uncompressed bytes (`onBytes`) as they pass.
 */
function snapshotCheck(onBytes: (n: number) => void): Transform {
  let head = '';
  let n = 0;
  const looks = (): boolean => /^\s*\{\s*"snapshot"\s*:/.test(head);
  const refusal = (): HubError => new HubError(400, 'not a V8 heap snapshot (.heapsnapshot JSON starts with {"snapshot":)');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      onBytes(n);
      // leading whitespace is skipped (a body of blanks then meets the size limit, not this check)
      if (head.length < 64) {
        head = (head + chunk.subarray(0, 64).toString('utf8')).trimStart();
        if (head.length >= 64 && !looks()) return cb(refusal());
      }
      cb(null, chunk);
    },
    flush(cb) {
      cb(n > 0 && !looks() ? refusal() : null);
    },
  });
}

/** The file name as the user sees it: no path, printable, bounded. */
function cleanName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  let s = name;
  try {
    s = decodeURIComponent(name);
  } catch {
    // not encoded
  }
  s = s.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200);
  return s || undefined;
}
