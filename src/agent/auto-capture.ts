// Guards for snapshots nobody clicked for (leak detector, signal, heap-limit watch). A snapshot
// pauses the app and costs memory, so automatic ones must be rare and never pile up on one host:
// off switch, cooldown and daily cap per process, and one capture at a time per host (a lock file
// in the temp dir holding the pid, so cluster workers and processes reporting to different
// dashboards take turns). One capture = the 2-3 snapshots of one investigation.
import { closeSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { CommandOptions } from '../protocol/index.js';

interface AutoCapturePolicy {
  enabled: boolean;
  cooldownMs: number;
  dailyCap: number;
  /** Where the host-wide lock lives (the temp dir every process on the host shares). */
  lockDir: string;
}

const DAY = 24 * 3600_000;
/** A capture that never finished (dashboard gone mid-way) stops holding the lock after this. */
const LOCK_MAX_AGE_MS = 15 * 60_000;
export const LOCK_NAME = 'heapscope-capture.lock';
/** Prefix of the agent's temp dirs: `heapscope-<pid>-XXXXXX`, so a sweep knows whose they are. */
export const TEMP_PREFIX = 'heapscope-';

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

interface LockBody {
  pid: number;
  capture: string;
  t: number;
}

type Capture = NonNullable<CommandOptions['capture']>;

export class AutoCaptureGuard {
  /** Start times of this process's captures (leak captures only), last 24 h. */
  private readonly starts: number[] = [];
  private current: { id: string; count: number; taken: number; lock: boolean } | undefined;

  constructor(private readonly policy: AutoCapturePolicy) {}

  get lockFile(): string {
    return join(this.policy.lockDir, LOCK_NAME);
  }

  /**
   * May this automatic snapshot run? Returns the refusal (GUARD) or undefined, and on success
   * takes what it needs (a cooldown slot, the host lock) until `done()`.
   */
  admit(opts: CommandOptions, now = Date.now()): string | undefined {
    if (!this.policy.enabled) return 'automatic capture is off in this process (HEAPSCOPE_AUTO_CAPTURE=0)';
    const cap: Capture = opts.capture ?? { id: `single-${now}`, index: 0, count: 1 };
    const continuing = this.current?.id === cap.id;
    if (!continuing) {
      const manual = cap.reason === 'signal' || cap.reason === 'near-limit';
      while (this.starts.length && now - this.starts[0]! > DAY) this.starts.shift();
      if (!manual) {
        const last = this.starts[this.starts.length - 1];
        if (last !== undefined && now - last < this.policy.cooldownMs) {
          return `cooldown: the last automatic capture of this process was ${Math.round((now - last) / 1000)} s ago (cooldown ${Math.round(this.policy.cooldownMs / 1000)} s)`;
        }
        if (this.starts.length >= this.policy.dailyCap) return `daily cap: ${this.starts.length} automatic captures in the last 24 h (cap ${this.policy.dailyCap})`;
      }
      const holder = this.lock(cap.id, now);
      if (holder) return `one capture at a time per host: pid ${holder.pid} is capturing (capture ${holder.capture})`;
      if (!manual) this.starts.push(now);
      this.current = { id: cap.id, count: Math.max(1, cap.count), taken: 0, lock: true };
    }
    return undefined;
  }

  /** One snapshot of the capture is over (taken or failed); the last one releases the lock. */
  done(opts: CommandOptions, failed: boolean): void {
    const c = this.current;
    if (!c || c.id !== (opts.capture?.id ?? c.id)) return;
    c.taken++;
    if (failed || c.taken >= c.count || (opts.capture && opts.capture.index >= c.count - 1)) this.release();
  }

  release(): void {
    if (this.current?.lock) {
      try {
        const body = JSON.parse(readFileSync(this.lockFile, 'utf8')) as LockBody;
        if (body.pid === process.pid) unlinkSync(this.lockFile);
      } catch {
        // gone already
      }
    }
    this.current = undefined;
  }

  /** Takes the host lock; returns the live holder when someone else has it. */
  private lock(capture: string, now: number): LockBody | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx', 0o600);
        try {
          writeSync(fd, JSON.stringify({ pid: process.pid, capture, t: now } satisfies LockBody));
        } finally {
          closeSync(fd);
        }
        return undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return { pid: 0, capture: `lock file error: ${(err as Error).message}`, t: now };
      }
      let body: LockBody | undefined;
      try {
        body = JSON.parse(readFileSync(this.lockFile, 'utf8')) as LockBody;
      } catch {
        body = undefined; // torn or being written: treat as stale only if it stays that way
      }
      const stale = !body || body.pid === process.pid || !pidAlive(body.pid) || now - body.t > LOCK_MAX_AGE_MS;
      if (!stale) return body;
      try {
        unlinkSync(this.lockFile);
      } catch {
        // another process removed it first; retry the exclusive create
      }
    }
    return { pid: 0, capture: 'lock contended', t: now };
  }
}

/** Removes temp dirs (and the host lock) left by heapscope agents whose process is gone (a crash mid-snapshot). */
export function sweepStaleTempDirs(dir = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^heapscope-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // not ours to remove (permissions): leave it
    }
  }
  return removed;
}
