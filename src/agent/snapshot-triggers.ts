// heapdump's habits: a signal writes a guarded heap snapshot, and optionally one is taken when heap
// used crosses a fraction of the heap limit (the last state before an OOM). With a dashboard
// connected the agent asks it for a job (`captureRequest`) so the snapshot is uploaded and analysed
// like MEM; with none (or no answer) it writes the file to the snapshot dir, mode 0600.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CaptureRequestMessage, CommandMessage } from '../protocol/index.js';
import type { CommandRunner } from './commands.js';
import { oldGeneration } from './headroom.js';
import { errorMessage, guard } from './log.js';

type Reason = CaptureRequestMessage['reason'];

interface TriggerContext {
  commands: CommandRunner;
  connected: () => boolean;
  send: (msg: CaptureRequestMessage) => boolean;
  snapshotDir: string;
  signal?: 'SIGUSR1' | 'SIGUSR2';
  nearLimit?: number;
  /** How long the dashboard has to answer a captureRequest before the agent writes the file itself. */
  answerTimeoutMs?: number;
}

/** Why the signal handler is not installed, or undefined when it may be. */
function signalConflict(signal: string): string | undefined {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((f) => f.startsWith('--heapsnapshot-signal'))) return 'Node was started with --heapsnapshot-signal';
  if (process.listenerCount(signal) > 0) return `the app already listens to ${signal}`;
  return undefined;
}

/** One stderr line, whatever HEAPSCOPE_DEBUG says: the operator asked for this snapshot. */
function notice(line: string): void {
  try {
    process.stderr.write(`[heapscope ${process.pid}] ${line}\n`);
  } catch {
    // stderr closed
  }
}

export class SnapshotTriggers {
  private pending: { id: string; reason: Reason; timer: NodeJS.Timeout } | undefined;
  private nearLimitDone = false;
  private readonly onSignal = guard('signal', () => {
    // Someone else started listening after us: the signal is theirs now.
    if (this.ctx.signal && process.listenerCount(this.ctx.signal) > 1) return;
    this.fire('signal');
  });

  constructor(private readonly ctx: TriggerContext) {
    if (ctx.signal) {
      const conflict = signalConflict(ctx.signal);
      if (conflict) notice(`not taking heap snapshots on ${ctx.signal}: ${conflict}`);
      else process.on(ctx.signal, this.onSignal);
    }
  }

  stop(): void {
    if (this.ctx.signal) process.removeListener(this.ctx.signal, this.onSignal);
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  /**
   * Called with each metrics sample: fires once when the old generation crosses the configured
   * fraction of its limit. Not heap_size_limit: that adds the young generation's reserve (with
   * --max-old-space-size=64 it reads 112 MB), so a fraction of it above ~0.57 would never be
   * reached before V8's OOM.
   */
  watchHeap(): void {
    if (!this.ctx.nearLimit || this.nearLimitDone) return;
    const old = oldGeneration();
    if (!(old.limit > 0) || old.used / old.limit < this.ctx.nearLimit) return;
    this.nearLimitDone = true;
    this.fire('near-limit');
  }

  /** The dashboard answered a captureRequest with a command: no local file needed. */
  answered(cmd: CommandMessage): void {
    if (this.pending && cmd.options?.capture?.id === this.pending.id) {
      clearTimeout(this.pending.timer);
      this.pending = undefined;
    }
  }

  private fire(reason: Reason): void {
    if (this.pending) return; // one request in flight
    if (this.ctx.connected()) {
      const id = `${reason}-${randomUUID()}`;
      if (this.ctx.send({ type: 'captureRequest', id, reason, t: Date.now() })) {
        const timer = setTimeout(
          guard('capture-answer', () => {
            if (this.pending?.id !== id) return;
            this.pending = undefined;
            this.writeLocal(reason);
          }),
          this.ctx.answerTimeoutMs ?? 10_000,
        );
        timer.unref();
        this.pending = { id, reason, timer };
        return;
      }
    }
    this.writeLocal(reason);
  }

  private writeLocal(reason: Reason): void {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const file = join(this.ctx.snapshotDir, `heapscope-${process.pid}-${stamp}-${Date.now() % 1000}.heapsnapshot`);
    void this.ctx.commands.snapshotToFile(file, reason).then(
      (refusal) => notice(refusal ? `heap snapshot (${reason}) not taken: ${refusal}` : `heap snapshot (${reason}) written to ${file}`),
      (err: unknown) => notice(`heap snapshot (${reason}) not taken: ${errorMessage(err)}`),
    );
  }
}
