// One reconnecting WebSocket to the dashboard. Each attempt creates a fresh socket and, when it dies,
// strips every listener from it before dropping it, so a dashboard that stays down for days costs a
// timer and nothing else: no listener, buffer or socket accumulates (the classic reconnect leak).
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { guard, debug, debugOnce, errorMessage, warnOnce } from './log.js';

interface ConnectionOptions {
  url: string;
  token?: string;
  /** Trusted CAs for wss:// (see options.ts). */
  ca?: string[];
  minMs: number;
  maxMs: number;
  onOpen: () => void;
  onMessage: (data: string) => void;
  /** Called when a connect attempt is refused (nothing listens on the port). */
  onRefused?: () => void;
}

/** Bytes queued in the socket beyond which metrics are kept locally instead of sent. */
const MAX_BUFFERED = 1 << 20;
const noop = (): void => {};

// The agent's sockets must never keep the host process alive.
// (ws does not say which: options.protocol is unset for wss:// too, so the caller tells.)
function unrefConnect(options: net.NetConnectOpts & tls.ConnectionOptions, secure: boolean): net.Socket {
  let socket: net.Socket;
  if (secure) {
    const host = (options as { host?: string }).host ?? '';
    socket = tls.connect({ ...options, servername: options.servername ?? (net.isIP(host) ? undefined : host) } as tls.ConnectionOptions);
  } else {
    socket = net.connect(options);
  }
  socket.unref();
  return socket;
}

export class Connection {
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  /** Reconnect attempts so far (for tests and debugging). */
  attempts = 0;

  constructor(private readonly opts: ConnectionOptions) {}

  start(): void {
    this.connect();
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends one JSON frame; false when not connected or the socket is backed up. */
  send(msg: object): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > MAX_BUFFERED) return false;
    try {
      ws.send(JSON.stringify(msg));
      return true;
    } catch (err) {
      debugOnce('send', `send failed: ${errorMessage(err)}`);
      return false;
    }
  }

  listenerCount(): number {
    const ws = this.ws;
    return ws ? ws.eventNames().reduce((n, e) => n + ws.listenerCount(e), 0) : 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ws = this.ws;
    if (ws) this.discard(ws);
  }

  private connect(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.attempts++;
    const headers: Record<string, string> = {};
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url, {
        headers,
        handshakeTimeout: 10_000,
        perMessageDeflate: false,
        maxPayload: 1 << 20,
        createConnection: ((o: net.NetConnectOpts & tls.ConnectionOptions) => unrefConnect(o, /^wss:/i.test(this.opts.url))) as never,
        ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      });
    } catch (err) {
      debugOnce('connect', `cannot connect to ${this.opts.url}: ${errorMessage(err)}`);
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.on(
      'open',
      guard('open', () => {
        this.attempt = 0;
        debug(`connected to ${this.opts.url}`);
        this.opts.onOpen();
      }),
    );
    ws.on(
      'message',
      guard('message', (data: WebSocket.RawData, isBinary: boolean) => {
        if (!isBinary) this.opts.onMessage(data.toString());
      }),
    );
    ws.on(
      'error',
      guard('error', (err: Error & { code?: string }) => {
        debugOnce(`ws-error:${err.code ?? err.message}`, `dashboard connection: ${err.message}`);
        if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code ?? '')) {
          warnOnce('tls', `cannot verify the dashboard's certificate at ${this.opts.url} (${err.code}): point HEAPSCOPE_CA (or NODE_EXTRA_CA_CERTS) at the CA that signed it. No metrics are sent until then.`);
        }
        if (err.code === 'ECONNREFUSED') this.opts.onRefused?.();
        this.died(ws);
      }),
    );
    ws.on(
      'unexpected-response',
      guard('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
        res.resume();
        req.destroy();
        this.refused(res.statusCode ?? 0);
        this.died(ws);
      }),
    );
    ws.on('close', guard('close', () => this.died(ws)));
  }

  /** The dashboard answered but would not let us in: say so once, whatever the retries. */
  private refused(status: number): void {
    const url = this.opts.url;
    if (status === 401) {
      if (this.opts.token) warnOnce('auth', `the dashboard at ${url} refused this agent's token (HTTP 401, wrong token): set HEAPSCOPE_TOKEN to the dashboard's token. No metrics are sent until then.`);
      else warnOnce('auth', `the dashboard at ${url} requires a token (HTTP 401, none sent): set HEAPSCOPE_TOKEN to the dashboard's token. No metrics are sent until then.`);
    } else if (status === 403) {
      warnOnce('forbidden', `the dashboard at ${url} refused this agent (HTTP 403: Host or Origin not allowed). No metrics are sent.`);
    } else {
      debugOnce(`status:${status}`, `dashboard connection: unexpected HTTP ${status} from ${url}`);
    }
  }

  private died(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.discard(ws);
    this.schedule();
  }

  /** Drops a socket for good: no listener stays on it, and a late error cannot throw. */
  private discard(ws: WebSocket): void {
    if (this.ws === ws) this.ws = undefined;
    ws.removeAllListeners();
    ws.on('error', noop);
    try {
      ws.terminate();
    } catch {
      // already closed
    }
  }

  /** Capped exponential backoff with full jitter: uniform in [min, min(max, min * 2^attempt)]. */
  private schedule(): void {
    if (this.stopped || this.timer) return;
    const ceiling = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const delay = this.opts.minMs + Math.random() * (ceiling - this.opts.minMs);
    this.timer = setTimeout(guard('reconnect', () => this.connect()), delay);
    this.timer.unref();
  }
}
