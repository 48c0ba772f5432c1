// Keeping the dashboard up for its users while strangers hold connections open (slow-loris,
// floods of half-sent requests). Node's own header timeout bounds how long a request may take to
// send its headers; this module bounds how many connections that have not yet shown the token
// (or, without a token, made a request) may be open at once, per client address and in total.
// Over a limit it closes the OLDEST such connection, not the new one: a legitimate client sends its
// request at once and is done long before it would be the oldest, while a held-open connection
// ages to the front. Rejecting the newest instead would lock everyone out for as long as the
// attacker keeps the slots filled, and on loopback the attacker and the user share one address.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Limits {
  /** Hard cap on open sockets (Node's server.maxConnections): excess ones are closed on accept. */
  maxConnections: number;
  /** Untrusted sockets (no authenticated request yet) kept open in total. */
  maxUntrusted: number;
  /** Untrusted sockets kept open per client address. */
  maxUntrustedPerClient: number;
  /** A request's headers must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** A request (headers and body) must arrive within this; uploads excepted (they get uploadIdleMs). */
  requestTimeoutMs: number;
  /** A socket with no traffic for this long is closed (not WebSockets: ws turns this off). */
  idleTimeoutMs: number;
  /** Keep-alive sockets between requests. */
  keepAliveTimeoutMs: number;
  /** An upload that receives nothing for this long fails. */
  uploadIdleMs: number;
  /** Largest upload accepted, bytes. */
  maxUploadBytes: number;
  /** Refuse an upload that would leave less than this free on the data directory's disk, bytes. */
  minFreeBytes: number;
}

const GiB = 1024 ** 3;

export const DEFAULT_LIMITS: Limits = {
  maxConnections: 4096,
  maxUntrusted: 512,
  maxUntrustedPerClient: 128,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  uploadIdleMs: 60_000,
  // A V8 heap is at most 4 GiB (2^32 bytes, pointer compression's cage); its snapshot JSON runs
  // 2-4x the heap (every node and edge as decimal text plus the strings), so about 16 GiB at worst.
  maxUploadBytes: 32 * GiB,
  minFreeBytes: 1 * GiB,
};

/** A setting's text as a non-negative number; `what` names the setting in the error. */
export function parseNonNegative(what: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what} must be a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

/** `env[name]` as a non-negative number; undefined when unset or empty. */
export function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : parseNonNegative(name, v);
}

/** HEAPSCOPE_* environment overrides for the limits, for operators and tests. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<Limits> {
  const out: Partial<Limits> = {};
  const num = (name: string): number | undefined => envNumber(env, name);
  const set = (key: keyof Limits, name: string, scale = 1): void => {
    const n = num(name);
    if (n !== undefined) out[key] = Math.round(n * scale);
  };
  set('maxUploadBytes', 'HEAPSCOPE_MAX_UPLOAD_MB', 1024 * 1024);
  set('minFreeBytes', 'HEAPSCOPE_MIN_FREE_MB', 1024 * 1024);
  set('uploadIdleMs', 'HEAPSCOPE_UPLOAD_IDLE_MS');
  set('headersTimeoutMs', 'HEAPSCOPE_HEADERS_TIMEOUT_MS');
  set('requestTimeoutMs', 'HEAPSCOPE_REQUEST_TIMEOUT_MS');
  set('maxConnections', 'HEAPSCOPE_MAX_CONNECTIONS');
  return out;
}

/** Options for http(s).createServer: Node checks header deadlines every second, not every 30. */
export function serverOptions(l: Limits): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  // requestTimeout stays 0 at the server: it would cut large uploads. Non-upload requests get their
  // own deadline (requestDeadline below).
  return { headersTimeout: l.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: 1000 };
}

/** A connection's identity that a TLS socket and its TCP socket share. */
const keyOf = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`;

/** Tracks untrusted sockets and evicts the oldest over the limits. */
export class ConnectionGuard {
  // Insertion-ordered: the first entry is the oldest. Keyed by address and port, so that a TLS
  // request's socket finds the TCP socket it came in on.
  private readonly untrusted = new Map<string, Socket>();
  private readonly byClient = new Map<string, Set<string>>();
  /** Sockets closed by eviction so far (for tests and logs). */
  evicted = 0;

  constructor(private readonly limits: Limits) {}

  attach(server: Server): void {
    server.maxConnections = this.limits.maxConnections;
    // For TLS servers this is the TCP socket, before the handshake (which is bounded by its own timeout).
    server.on('connection', (socket: Socket) => this.add(socket));
  }

  private add(socket: Socket): void {
    const client = socket.remoteAddress ?? '?';
    const key = keyOf(socket);
    let set = this.byClient.get(client);
    if (!set) this.byClient.set(client, (set = new Set()));
    set.add(key);
    this.untrusted.set(key, socket);
    socket.once('close', () => this.forget(key, client));
    if (set.size > this.limits.maxUntrustedPerClient) this.evict(set.values().next().value!, client);
    if (this.untrusted.size > this.limits.maxUntrusted) {
      const [oldest, s] = this.untrusted.entries().next().value!;
      this.evict(oldest, s.remoteAddress ?? '?');
    }
  }

  private evict(key: string, client: string): void {
    const socket = this.untrusted.get(key);
    this.forget(key, client);
    if (!socket) return;
    this.evicted++;
    socket.destroy();
  }

  private forget(key: string, client: string): void {
    if (!this.untrusted.delete(key)) return;
    const set = this.byClient.get(client);
    set?.delete(key);
    if (set?.size === 0) this.byClient.delete(client);
  }

  /** The socket made an authenticated request: it no longer counts against the limits. */
  trust(socket: Socket | undefined | null): void {
    if (socket) this.forget(keyOf(socket), socket.remoteAddress ?? '?');
  }

  get untrustedCount(): number {
    return this.untrusted.size;
  }
}
