// SharedState on Redis (ioredis). Keys, under `heapscope:`:
//   dash:<id>        a dashboard's heartbeat (expires: a dead dashboard stops refreshing it)
//   live             hash processId -> dashboard holding its agent connection
//   processes, jobs  hashes of JSON (jobs: the newest 300, ordered by jobs:order)
//   queue, running   analysis items (JSON): LMOVE from queue to running is the claim, atomic, so
//                    two dashboards never take the same item; lease:<job id> is the claimer's
//                    heartbeat, and an item in `running` without one for a lease period goes back
//                    to the queue (its dashboard died) for another dashboard to take
//   lock:<name>      named locks (SET NX PX, released only by their holder)
// One channel, `events`, carries every event; each dashboard ignores its own.
// Redis down: publishes and writes are dropped (metrics are not queued without bound in memory),
// the heartbeat re-registers this dashboard's agents once it is back.
import { Redis, type RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Job } from '../jobs.js';
import type { ProcessMeta } from '../store.js';
import { newDashboardId, type AnalysisItem, type FleetEvent, type SharedState, type Unlock } from './state.js';

interface RedisStateOptions {
  /** redis://[user:pass@]host:port[/db] (rediss:// for TLS). */
  url: string;
  /** Key prefix (default `heapscope:`), so several installations can share one Redis. */
  prefix?: string;
  /** Heartbeat period, ms (default 2000); a dashboard is dead after 4 missed beats. */
  heartbeatMs?: number;
  /** An analysis whose dashboard stopped renewing its lease for this long is run again elsewhere (default 15 s). */
  leaseMs?: number;
  log?: (line: string) => void;
}

const REQUEUE = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) > 0 then redis.call('RPUSH', KEYS[1], ARGV[1]) return 1 end
return 0`;
/** Saves a job and keeps only the newest `max` (by creation) in the hash. */
const SAVE_JOB = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local n = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if n > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, n - 1)) do redis.call('HDEL', KEYS[1], id) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - 1)
end
return 0`;
const DEL_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const HDEL_IF = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

/** Redacts the password of a redis:// URL for messages. */
function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export class RedisState implements SharedState {
  readonly id = newDashboardId();
  readonly shared = true;
  private readonly p: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly block: Redis;
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  private readonly log: (line: string) => void;
  private readonly listeners: ((ev: FleetEvent, from: string) => void)[] = [];
  private readonly reconnected: (() => void)[] = [];
  private localAgents: readonly string[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;
  private consuming?: Promise<void>;
  /** The lease of the analysis running here. */
  private currentLease?: string;
  /** Items seen in `running` without a lease: raw item -> first seen, ms. */
  private readonly orphans = new Map<string, number>();

  constructor(readonly opts: RedisStateOptions) {
    this.p = opts.prefix ?? 'heapscope:';
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.log = opts.log ?? ((): void => undefined);
    const base: RedisOptions = {
      lazyConnect: true,
      // While Redis is away, fail fast instead of queueing metrics in memory without bound.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (n) => Math.min(100 * n, 2000),
      connectionName: `heapscope-${this.id}`,
    };
    this.cmd = new Redis(opts.url, base);
    this.block = new Redis(opts.url, base);
    // The subscriber re-subscribes by itself after a reconnect (it needs its offline queue for that).
    this.sub = new Redis(opts.url, { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null });
    let down = false;
    this.cmd.on('error', (err: Error) => {
      if (!down && !this.closed) this.log(`redis ${redactRedisUrl(opts.url)}: ${err.message}`);
      down = true;
    });
    this.cmd.on('close', () => {
      if (!this.closed) down = true;
    });
    this.cmd.on('ready', () => {
      const was = down;
      down = false;
      void this.beat();
      if (was && !this.closed) {
        this.log(`redis ${redactRedisUrl(opts.url)}: connected again`);
        for (const fn of this.reconnected) fn();
      }
    });
    this.block.on('error', () => undefined);
    this.sub.on('error', () => undefined);
  }

  private k(name: string): string {
    return this.p + name;
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.cmd.connect(), this.block.connect(), this.sub.connect()]);
    } catch (err) {
      await this.close();
      throw new Error(`cannot connect to Redis at ${redactRedisUrl(this.opts.url)}: ${(err as Error).message}`);
    }
    this.sub.on('message', (_channel: string, text: string) => {
      let msg: { from?: string; ev?: FleetEvent };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return;
      }
      if (!msg.ev || !msg.from || msg.from === this.id) return;
      for (const fn of this.listeners) fn(msg.ev, msg.from);
    });
    await this.sub.subscribe(this.k('events'));
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (this.closed) return;
    try {
      const m = this.cmd.multi().set(this.k(`dash:${this.id}`), '1', 'PX', this.heartbeatMs * 4);
      if (this.localAgents.length) m.hset(this.k('live'), ...this.localAgents.flatMap((id) => [id, this.id]));
      await m.exec();
      await this.reap();
    } catch {
      // Redis away: the next beat tries again
    }
  }

  /** Items of dead dashboards go back to the queue. */
  private async reap(): Promise<void> {
    const running = await this.cmd.lrange(this.k('running'), 0, -1);
    const now = Date.now();
    const seen = new Set(running);
    for (const raw of this.orphans.keys()) if (!seen.has(raw)) this.orphans.delete(raw);
    for (const raw of running) {
      const jobId = itemJobId(raw);
      if (!jobId) continue;
      if ((await this.cmd.exists(this.k(`lease:${jobId}`))) === 1) {
        this.orphans.delete(raw);
        continue;
      }
      const since = this.orphans.get(raw) ?? now;
      this.orphans.set(raw, since);
      // Seen without a lease for a whole lease period (not just between a claim and its lease).
      if (now - since < this.heartbeatMs * 2) continue;
      const moved = (await this.cmd.eval(REQUEUE, 3, this.k('queue'), this.k('running'), this.k(`lease:${jobId}`), raw)) as number;
      this.orphans.delete(raw);
      if (moved) this.log(`analysis of job ${jobId} lost its dashboard; queued again`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      if (this.cmd.status === 'ready') {
        // An analysis cut short here is run again elsewhere without waiting for its lease to expire.
        const m = this.cmd.multi().del(this.k(`dash:${this.id}`));
        if (this.currentLease) m.del(this.currentLease);
        await m.exec();
        for (const id of this.localAgents) await this.cmd.eval(HDEL_IF, 1, this.k('live'), id, this.id);
      }
    } catch {
      // going away anyway
    }
    this.block.disconnect();
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  publish(ev: FleetEvent): void {
    if (this.closed) return;
    this.cmd.publish(this.k('events'), JSON.stringify({ from: this.id, ev })).catch(() => undefined);
  }

  onEvent(fn: (ev: FleetEvent, from: string) => void): void {
    this.listeners.push(fn);
  }

  onReconnect(fn: () => void): void {
    this.reconnected.push(fn);
  }

  saveProcess(p: ProcessMeta): void {
    this.cmd.hset(this.k('processes'), p.id, JSON.stringify(p)).catch(() => undefined);
  }

  async loadProcesses(): Promise<ProcessMeta[]> {
    return parseAll<ProcessMeta>(await this.cmd.hvals(this.k('processes')));
  }

  setLocalAgents(processIds: readonly string[]): void {
    const gone = this.localAgents.filter((id) => !processIds.includes(id));
    this.localAgents = [...processIds];
    for (const id of gone) this.cmd.eval(HDEL_IF, 1, this.k('live'), id, this.id).catch(() => undefined);
    if (processIds.length) this.cmd.hset(this.k('live'), ...processIds.flatMap((id) => [id, this.id])).catch(() => undefined);
  }

  async remoteAgents(): Promise<Map<string, string>> {
    const live = await this.cmd.hgetall(this.k('live'));
    const dashes = [...new Set(Object.values(live))].filter((d) => d !== this.id);
    const alive = new Set<string>();
    if (dashes.length) {
      const flags = await Promise.all(dashes.map((d) => this.cmd.exists(this.k(`dash:${d}`))));
      dashes.forEach((d, i) => flags[i] === 1 && alive.add(d));
    }
    const out = new Map<string, string>();
    for (const [pid, dash] of Object.entries(live)) {
      if (dash === this.id) continue;
      if (alive.has(dash)) out.set(pid, dash);
      // A dead dashboard's agents reconnect elsewhere; forget its claim on them.
      else this.cmd.eval(HDEL_IF, 1, this.k('live'), pid, dash).catch(() => undefined);
    }
    return out;
  }

  saveJob(job: Job): void {
    this.cmd.eval(SAVE_JOB, 2, this.k('jobs'), this.k('jobs:order'), job.id, JSON.stringify(job), job.createdAt, MAX_JOBS).catch(() => undefined);
  }

  deleteJob(id: string): void {
    this.cmd
      .multi()
      .hdel(this.k('jobs'), id)
      .zrem(this.k('jobs:order'), id)
      .exec()
      .catch(() => undefined);
  }

  async loadJobs(): Promise<Job[]> {
    return parseAll<Job>(await this.cmd.hvals(this.k('jobs')));
  }

  async enqueue(item: AnalysisItem): Promise<void> {
    await this.cmd.rpush(this.k('queue'), JSON.stringify(item));
  }

  consume(handler: (item: AnalysisItem) => Promise<void>): void {
    if (this.consuming) throw new Error('already consuming');
    this.consuming = this.consumeLoop(handler);
  }

  private async consumeLoop(handler: (item: AnalysisItem) => Promise<void>): Promise<void> {
    while (!this.closed) {
      let raw: string | null;
      try {
        // Blocks up to 1 s so that close() is prompt.
        raw = await this.block.blmove(this.k('queue'), this.k('running'), 'LEFT', 'RIGHT', 1);
      } catch {
        if (!this.closed) await sleep(500);
        continue;
      }
      if (!raw || this.closed) continue;
      let item: AnalysisItem;
      try {
        item = JSON.parse(raw) as AnalysisItem;
      } catch {
        await this.cmd.lrem(this.k('running'), 1, raw).catch(() => undefined);
        continue;
      }
      const lease = this.k(`lease:${item.job.id}`);
      const renew = (): Promise<unknown> => this.cmd.set(lease, this.id, 'PX', this.leaseMs).catch(() => undefined);
      this.currentLease = lease;
      await renew();
      const timer = setInterval(() => void renew(), Math.max(200, Math.floor(this.leaseMs / 3)));
      try {
        await handler(item);
      } catch (err) {
        if (!this.closed) this.log(`analysis of job ${item.job.id} failed: ${(err as Error).message}`);
      } finally {
        clearInterval(timer);
        this.currentLease = undefined;
      }
      // A dashboard being closed mid-analysis leaves the item for another one to run.
      if (this.closed) return;
      await this.cmd
        .multi()
        .lrem(this.k('running'), 1, raw)
        .del(lease)
        .exec()
        .catch(() => undefined);
    }
  }

  async queueLength(): Promise<number> {
    try {
      return await this.cmd.llen(this.k('queue'));
    } catch {
      return 0;
    }
  }

  async lock(name: string, ttlMs: number): Promise<Unlock | undefined> {
    const key = this.k(`lock:${name}`);
    const token = randomBytes(8).toString('hex');
    const ok = await this.cmd.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return undefined;
    return async () => {
      await this.cmd.eval(DEL_IF, 1, key, token).catch(() => undefined);
    };
  }
}

function itemJobId(raw: string): string | undefined {
  try {
    return (JSON.parse(raw) as AnalysisItem).job?.id;
  } catch {
    return undefined;
  }
}

function parseAll<T>(values: string[]): T[] {
  const out: T[] = [];
  for (const v of values) {
    try {
      out.push(JSON.parse(v) as T);
    } catch {
      // skip a foreign value
    }
  }
  return out;
}

/** Jobs kept in Redis (the browsers' job list; each dashboard keeps as many in memory). */
const MAX_JOBS = 300;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
