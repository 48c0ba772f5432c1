// Runs the dashboard's commands, one heavy command at a time: heap snapshot (V8's own writer to a
// private temp file, streamed out, deleted), CPU profile and sampling heap profile (node:inspector).
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import {
  ACTION_KIND,
  checkCommand,
  type AgentMessage,
  type ArtifactKind,
  type CommandMessage,
  type ErrorCode,
  type ResultMessage,
  type SnapshotCost,
  type SnapshotForecast,
} from '../protocol/index.js';
import { post } from './inspector.js';
import { prepareForSnapshot } from './snapshot-warmup.js';
import { SURVEY_FRESH_MS, SURVEY_SHOWN_MS, knownSurvey, surveyHeap, surveyMatters } from './heap-survey.js';
import { checkHeadroom, type HeadroomCheck, type HeadroomPolicy } from './headroom.js';
import { debug, errorMessage, warn } from './log.js';
import { costModel, peakRss, readHeapShape, resetPeakRss, snapshotCounts, writerBytes, type CostForecast } from './snapshot-cost.js';
import { TEMP_PREFIX, type AutoCaptureGuard } from './auto-capture.js';
import { upload, type UploadTarget } from './upload.js';
import { CodedError } from '../shared/index.js';

interface CommandContext {
  send: (msg: AgentMessage) => void;
  target: UploadTarget;
  headroom: HeadroomPolicy;
  tmpDir?: string;
  autoCapture: AutoCaptureGuard;
}

class CommandError extends CodedError<ErrorCode> {}

/** Temp dirs of snapshots in flight, removed on exit if an upload is cut short. */
const pendingTempDirs = new Set<string>();

export function removePendingTempDirs(): void {
  for (const dir of pendingTempDirs) rmSync(dir, { recursive: true, force: true });
  pendingTempDirs.clear();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
const nextTick = (): Promise<void> => new Promise((r) => setImmediate(r));

export class CommandRunner {
  private running: CommandMessage | undefined;
  /** A signal or near-limit snapshot to a local file is being checked or written. */
  private writingLocal = false;
  private lastCost: SnapshotCost | undefined;

  constructor(private readonly ctx: CommandContext) {}

  /** What MEM would cost now, for the dashboard to show before the click. */
  snapshotForecast(): SnapshotForecast {
    // What is shown may use a survey of up to 15 min (agent.ts refreshes it); MEM surveys again.
    const c = checkHeadroom(this.ctx.headroom, costModel, SURVEY_SHOWN_MS);
    const censusFirst = censusCouldLift(c);
    return {
      peakRssDelta: Math.round(c.predicted),
      pauseMs: c.forecast.pauseMs,
      basis: c.forecast.basis,
      available: Math.max(0, Math.round(c.available)),
      limitedBy: c.limitedBy,
      ...(censusFirst ? { censusFirst } : { refusal: c.refusal }),
      last: this.lastCost,
    };
  }

  handle(msg: CommandMessage): void {
    const problem = checkCommand(msg);
    if (problem) {
      this.ctx.send({ type: 'error', id: typeof msg.id === 'string' ? msg.id : undefined, code: 'BAD_COMMAND', message: problem });
      return;
    }
    if (this.running) {
      const r = this.running;
      this.ctx.send({ type: 'error', id: msg.id, code: 'BUSY', message: `busy: ${r.action} (command ${r.id}) is still running; one command at a time` });
      return;
    }
    if (this.writingLocal) {
      this.ctx.send({ type: 'error', id: msg.id, code: 'BUSY', message: 'busy: a heap snapshot to a local file is on its way; one at a time' });
      return;
    }
    this.running = msg;
    this.run(msg)
      .catch((err: unknown) => {
        const code = err instanceof CommandError ? err.code : 'FAILED';
        debug(`command ${msg.action} ${msg.id} failed: ${errorMessage(err)}`);
        this.ctx.send({ type: 'error', id: msg.id, code, message: errorMessage(err) });
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** True while a command runs (a signal snapshot then waits for the next signal), or a local snapshot is on its way. */
  get busy(): boolean {
    return this.running !== undefined || this.writingLocal;
  }

  private async run(msg: CommandMessage): Promise<void> {
    if (msg.action === 'heapSnapshot') {
      const opts = msg.options ?? {};
      if (opts.auto) {
        const refusal = this.ctx.autoCapture.admit(opts);
        if (refusal) throw new CommandError('GUARD', `automatic capture refused: ${refusal}`);
      }
      let failed = true;
      try {
        // Script sources priced as strings until a snapshot of this process's own measured it.
        if (surveyMatters(costModel)) await surveyHeap(false);
        // An automatic capture is never forced: nobody is there to accept the OOM risk.
        if (!opts.force || opts.auto) {
          const refusal = await this.headroomRefusal(() => this.ctx.send({ type: 'progress', id: msg.id, stage: 'census', percent: 0 }));
          if (refusal) throw new CommandError('HEADROOM', `refusing to take a heap snapshot: ${refusal}`);
        }
        this.ctx.send({ type: 'accepted', id: msg.id, action: msg.action });
        await this.heapSnapshot(msg.id);
        failed = false;
      } finally {
        if (opts.auto) this.ctx.autoCapture.done(opts, failed);
      }
      return;
    }
    this.ctx.send({ type: 'accepted', id: msg.id, action: msg.action });
    const seconds = msg.options?.seconds ?? 10;
    const started = Date.now();
    const profile = await this.profile(msg.id, msg.action, seconds);
    const body = Buffer.from(JSON.stringify(profile));
    await this.upload(msg.id, ACTION_KIND[msg.action], { buffer: body }, body.length, Date.now() - started);
  }

  private async heapSnapshot(id: string): Promise<void> {
    // 0700: snapshots hold secrets. The pid in the name lets a later agent sweep it after a crash.
    const dir = mkdtempSync(join(this.ctx.tmpDir ?? os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
    pendingTempDirs.add(dir);
    try {
      const file = join(dir, `${process.pid}.heapsnapshot`);
      this.ctx.send({ type: 'progress', id, stage: 'snapshot' });
      await nextTick(); // let the progress frame leave before V8 pauses the thread
      // the warm-up first: its own memory and time are not the snapshot's cost
      const warmup = await prepareForSnapshot();
      const measure = startCostMeasure();
      v8.writeHeapSnapshot(file); // synchronous: its time is the event-loop block
      const cost = (this.lastCost = measure.finish(file));
      const size = statSync(file).size;
      await this.upload(id, 'heapsnapshot', { file }, size, cost.pauseMs, { cost, ...(warmup ? { warmup: { ...warmup, ms: Math.round(warmup.ms) } } : {}) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      pendingTempDirs.delete(dir);
    }
  }

  /**
   * Why a snapshot must not be taken now (undefined: it fits). When the bound for any heap says it
   * does not fit, the heap is counted first (a census) and priced from that: `counting` is told.
   */
  private async headroomRefusal(counting?: () => void): Promise<string | undefined> {
    let check = checkHeadroom(this.ctx.headroom);
    if (counting && censusCouldLift(check)) {
      counting();
      await surveyHeap(true);
      check = checkHeadroom(this.ctx.headroom);
    }
    return check.refusal;
  }

  /**
   * A guarded snapshot written to `file` (0600) instead of uploaded: the signal or heap-limit watch
   * with no dashboard to take it. Same guards as an automatic capture (no cooldown: an operator or
   * an imminent OOM asked), the census included for a signal (near the heap limit the agent does
   * not allocate its lists). Returns the refusal, or undefined once written.
   */
  async snapshotToFile(file: string, reason: 'signal' | 'near-limit'): Promise<string | undefined> {
    if (this.running || this.writingLocal) return `busy: ${this.running?.action ?? 'a heap snapshot'} is running`;
    this.writingLocal = true;
    const opts = { auto: true, capture: { id: `${reason}-${Date.now()}`, index: 0, count: 1, reason } };
    try {
      const refusal = this.ctx.autoCapture.admit(opts) ?? (await this.headroomRefusal(reason === 'signal' ? () => debug('signal snapshot: counting the heap first') : undefined));
      if (refusal) {
        this.ctx.autoCapture.done(opts, true);
        return refusal;
      }
      try {
        // Created first with 0600 so the snapshot is never readable by others, even for a moment.
        closeSync(openSync(file, 'wx', 0o600));
        v8.writeHeapSnapshot(file);
        return undefined;
      } catch (err) {
        rmSync(file, { force: true });
        return errorMessage(err);
      } finally {
        this.ctx.autoCapture.done(opts, false);
      }
    } finally {
      this.writingLocal = false;
    }
  }

  private async upload(
    id: string,
    kind: ArtifactKind,
    source: { file: string } | { buffer: Buffer },
    size: number,
    durationMs: number,
    extra?: Pick<ResultMessage, 'warmup' | 'cost'>,
  ): Promise<void> {
    this.ctx.send({ type: 'progress', id, stage: 'uploading', percent: 0, bytes: 0, total: size });
    try {
      await upload(this.ctx.target, {
        commandId: id,
        kind,
        source,
        size,
        onProgress: (bytes, total) =>
          this.ctx.send({ type: 'progress', id, stage: 'uploading', percent: total ? Math.round((bytes / total) * 100) : 100, bytes, total }),
      });
    } catch (err) {
      warn(`${kind} upload failed: ${errorMessage(err)}`);
      throw new CommandError('UPLOAD_FAILED', `upload failed: ${errorMessage(err)}`);
    }
    this.ctx.send({ type: 'result', id, kind, bytes: size, durationMs, ...extra });
  }

  private async profile(id: string, action: 'cpuProfile' | 'samplingHeapProfile', seconds: number): Promise<unknown> {
    // The persistent session (./inspector.ts): a session per profile would reset heap object ids.
    const cpu = action === 'cpuProfile';
    if (cpu) {
      await post('Profiler.enable');
      await post('Profiler.start');
    } else {
      await post('HeapProfiler.enable'); // stays enabled: HeapProfiler.disable clears object ids
      await post('HeapProfiler.startSampling', { samplingInterval: 32768 });
    }
    let stopped = false;
    const stop = async (): Promise<unknown> => {
      stopped = true;
      if (!cpu) return (await post<{ profile: unknown }>('HeapProfiler.stopSampling')).profile;
      try {
        return (await post<{ profile: unknown }>('Profiler.stop')).profile;
      } finally {
        await post('Profiler.disable'); // the CPU profiler's disable leaves heap ids alone
      }
    };
    try {
      const end = Date.now() + seconds * 1000;
      for (let left = end - Date.now(); left > 0; left = end - Date.now()) {
        this.ctx.send({ type: 'progress', id, stage: 'profiling', percent: Math.round((1 - left / (seconds * 1000)) * 100) });
        await sleep(Math.min(1000, left));
      }
      this.ctx.send({ type: 'progress', id, stage: 'profiling', percent: 100 });
      return await stop();
    } finally {
      if (!stopped) await stop().catch(() => undefined);
    }
  }
}

/** The bound says no to memory it may over-price: a census of this heap (not yet taken) could say yes. */
function censusCouldLift(check: HeadroomCheck): boolean {
  return check.memoryRefusal === true && check.forecast.basis !== 'census' && surveyMatters(costModel);
}

/** Measures one snapshot's pause and peak RSS around V8's write and teaches the cost model. */
function startCostMeasure(): { finish: (file: string) => SnapshotCost } {
  const before = readHeapShape(knownSurvey(SURVEY_FRESH_MS));
  const forecast: CostForecast = costModel.forecast(before);
  const peakKnown = resetPeakRss();
  const started = performance.now();
  return {
    finish(file) {
      const pauseMs = Math.round(performance.now() - started);
      const peak = peakKnown ? peakRss() : undefined;
      const rssAfterDelta = process.memoryUsage.rss() - before.rss;
      const counts = readCounts(file);
      const peakRssDelta = peak === undefined ? undefined : Math.max(0, peak - before.rss);
      const writer = writerBytes(forecast, { peakRssDelta });
      const cost: SnapshotCost = {
        pauseMs,
        peakRssDelta,
        rssAfterDelta,
        predictedPeakRssDelta: Math.round(forecast.peakRssDelta),
        predictedPauseMs: forecast.pauseMs,
        predictedBasis: forecast.basis,
        ...counts,
        // what the dashboard learns the project's cost profile from
        heapUsed: before.heapUsed,
        largeObjects: before.largeObjects,
        ...(before.scriptSources ? { scriptSources: before.scriptSources } : {}),
        ...(before.census && forecast.basis === 'census' ? { census: { objects: before.census.objects, indexNames: before.census.indexNames, ms: before.census.ms } } : {}),
        ...(writer === undefined ? {} : { writerBytes: Math.round(writer) }),
      };
      costModel.learn(before, forecast, { pauseMs, peakRssDelta: cost.peakRssDelta, rssAfterDelta, ...counts });
      return cost;
    },
  };
}

function readCounts(file: string): { nodes?: number; edges?: number } {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(64 * 1024);
      return snapshotCounts(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    } finally {
      closeSync(fd);
    }
  } catch {
    return {};
  }
}
