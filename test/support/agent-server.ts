// A real peer for agent tests: an HTTP + WebSocket server speaking src/protocol (hello, metrics,
// commands, streamed uploads to disk). Not a mock of the agent's behaviour: it only receives.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AGENT_PATH,
  UPLOAD_PATH_PREFIX,
  parseMessage,
  type AgentMessage,
  type CommandAction,
  type CommandOptions,
  type HelloMessage,
  type MetricsMessage,
} from '../../src/protocol/index.js';

export interface Upload {
  commandId: string;
  agentId: string;
  kind: string;
  file: string;
  bytes: number;
  contentLength: number;
}

export interface CommandOutcome {
  messages: AgentMessage[];
  final: AgentMessage; // 'result' or 'error'
  upload?: Upload;
}

export class AgentConn {
  hello: HelloMessage | undefined;
  readonly metrics: MetricsMessage[] = [];
  readonly messages: AgentMessage[] = [];
  closed = false;
  private waiters = new Set<() => void>();
  private seq = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly server: AgentServer,
  ) {}

  receive(msg: AgentMessage): void {
    this.messages.push(msg);
    if (msg.type === 'hello') this.hello = msg;
    if (msg.type === 'metrics') this.metrics.push(msg);
    this.notify();
  }

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once pred() is true (re-checked on each message), or rejects after timeoutMs. */
  waitFor(pred: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    return waitUntil(pred, this.waiters, timeoutMs, what);
  }

  send(msg: object): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Sends a command and waits for its result (and upload) or error. */
  async command(action: CommandAction | string, options?: CommandOptions, timeoutMs = 30_000): Promise<CommandOutcome> {
    const id = `cmd-${++this.seq}-${Date.now()}`;
    this.server.expectUpload(id);
    const start = this.messages.length;
    this.send({ type: 'command', id, action, options });
    const mine = () => this.messages.slice(start).filter((m) => 'id' in m && m.id === id);
    const final = () => mine().find((m) => m.type === 'result' || m.type === 'error');
    await this.waitFor(() => final() !== undefined, timeoutMs, `outcome of ${action}`);
    return { messages: mine(), final: final()!, upload: this.server.uploads.get(id) };
  }
}

export class AgentServer {
  readonly agents: AgentConn[] = [];
  readonly uploads = new Map<string, Upload>();
  readonly uploadDir = mkdtempSync(join(os.tmpdir(), 'heapscope-test-uploads-'));
  private readonly expected = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20 });
  port = 0;

  constructor(private readonly token?: string) {
    this.http = http.createServer((req, res) => {
      this.onRequest(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500).end(err.message);
      });
    });
    this.http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== AGENT_PATH || !this.authorized(req, url)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onAgent(ws));
    });
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  expectUpload(id: string): void {
    this.expected.add(id);
  }

  waitForAgents(n: number, timeoutMs = 15_000, pred: (a: AgentConn) => boolean = (a) => a.hello !== undefined): Promise<AgentConn[]> {
    const ready = () => this.agents.filter(pred);
    return waitUntil(() => ready().length >= n, this.waiters, timeoutMs, `${n} agent(s)`).then(ready);
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    rmSync(this.uploadDir, { recursive: true, force: true });
  }

  private authorized(req: http.IncomingMessage, url: URL): boolean {
    if (!this.token) return true;
    return req.headers.authorization === `Bearer ${this.token}` || url.searchParams.get('token') === this.token;
  }

  private onAgent(ws: WebSocket): void {
    const conn = new AgentConn(ws, this);
    this.agents.push(conn);
    ws.on('message', (data, isBinary) => {
      const msg = isBinary ? undefined : parseMessage<AgentMessage>(data.toString());
      if (msg) conn.receive(msg);
      for (const w of [...this.waiters]) w();
    });
    ws.on('close', () => {
      conn.closed = true;
      conn.notify();
    });
    ws.send(JSON.stringify({ type: 'welcome', protocol: 1 }));
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'POST' || !url.pathname.startsWith(UPLOAD_PATH_PREFIX)) {
      res.writeHead(404).end();
      return;
    }
    if (!this.authorized(req, new URL('http://x'))) {
      res.writeHead(401).end('token required');
      return;
    }
    const id = decodeURIComponent(url.pathname.slice(UPLOAD_PATH_PREFIX.length));
    if (!this.expected.has(id)) {
      res.writeHead(404).end('unknown command id');
      return;
    }
    this.expected.delete(id);
    const file = join(this.uploadDir, id.replace(/[^\w.-]/g, '_'));
    await pipeline(req, createWriteStream(file));
    const bytes = statSync(file).size;
    const contentLength = Number(req.headers['content-length']);
    this.uploads.set(id, {
      commandId: id,
      agentId: String(req.headers['x-heapscope-agent']),
      kind: String(req.headers['x-heapscope-kind']),
      file,
      bytes,
      contentLength,
    });
    if (bytes !== contentLength) res.writeHead(400).end(JSON.stringify({ error: `got ${bytes} of ${contentLength} bytes` }));
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, bytes }));
  }
}

function waitUntil(pred: () => boolean, waiters: Set<() => void>, timeoutMs: number, what: string): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pred()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const poll = setInterval(check, 100); // also catches state changes that send no message
    const done = () => {
      clearTimeout(timer);
      clearInterval(poll);
      waiters.delete(check);
    };
    waiters.add(check);
  });
}

export async function startAgentServer(opts: { token?: string; port?: number } = {}): Promise<AgentServer> {
  return new AgentServer(opts.token).listen(opts.port);
}
