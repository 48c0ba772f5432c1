// A stand-in agent for UI tests that need a known history: a real WebSocket client speaking the
// agent protocol (hello, then metrics frames with chosen times and values) to a real dashboard.
// Real agents (support.ts agentApp) are used wherever the numbers need not be known in advance.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { AGENT_PATH, PROTOCOL_VERSION, type GcKind, type HelloMessage, type MetricsMessage } from '../../src/protocol/index.js';

export interface ScriptedAgent {
  id: string;
  pid: number;
  /** Sends one metrics frame; `heapUsed` and `t` are what the dashboard will chart. */
  metrics(frame: { t: number; heapUsed: number; rss?: number; cpu?: number; gc?: Partial<Record<GcKind, { count: number; pauseMs: number }>>; spaces?: Record<string, number> }): void;
  /** Closes the connection: the process is gone. */
  close(): Promise<void>;
}

let nextPid = 900_000;

export async function scriptedAgent(url: string, project: string, startTime = Date.now() - 3600_000): Promise<ScriptedAgent> {
  const id = randomUUID();
  const pid = nextPid++;
  const ws = new WebSocket(url.replace(/^http/, 'ws') + AGENT_PATH);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const hello: HelloMessage = {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentId: id,
    project,
    pid,
    ppid: 1,
    hostname: 'scripted-host',
    thread: 'main',
    isPrimary: true,
    nodeVersion: process.version,
    argv: ['node', `${project}.js`],
    startTime,
    agentVersion: 'test',
    heapLimit: 4 * 1024 ** 3,
    interval: 1000,
  };
  const welcomed = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  ws.send(JSON.stringify(hello));
  await welcomed;
  return {
    id,
    pid,
    metrics: (f) => {
      const spaces = Object.entries(f.spaces ?? {}).map(([name, used]) => ({ name, size: used, used, available: 0, physical: used }));
      const gc = Object.fromEntries(Object.entries(f.gc ?? {}).map(([k, g]) => [k, { ...g, maxPauseMs: g.pauseMs }]));
      const frame: MetricsMessage = {
        type: 'metrics',
        t: f.t,
        interval: 1000,
        rss: f.rss ?? f.heapUsed * 2,
        heapTotal: f.heapUsed * 1.2,
        heapUsed: f.heapUsed,
        external: 1024 * 1024,
        arrayBuffers: 0,
        heapLimit: 4 * 1024 ** 3,
        heapSpaces: spaces,
        cpu: { percent: f.cpu ?? 1, userMs: 5, systemMs: 5 },
        eventLoop: { min: 1, mean: 1, p50: 1, p90: 1, p99: 2, max: 3 },
        gc,
      };
      ws.send(JSON.stringify(frame));
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}
