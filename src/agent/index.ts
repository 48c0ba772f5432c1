// Public agent API. One agent per JS thread: the instance lives under a global symbol, so the ESM and
// CJS builds (and --require plus --import of register) all find the same one.
import { Agent, type AgentDiagnostics } from './agent.js';
import { resolveOptions, type AgentOptions } from './options.js';
import type { MetricsMessage, PostGcSample } from '../protocol/index.js';

export type { AgentOptions } from './options.js';
export { threadName, type AgentDiagnostics } from './agent.js';

const KEY = Symbol.for('heapscope.agent');

export interface AgentHandle {
  /** False when disabled (HEAPSCOPE_DISABLE=1) or misconfigured. */
  readonly enabled: boolean;
  readonly agentId?: string;
  readonly project?: string;
  readonly connected: boolean;
  /** Stops metrics, closes the connection; a later heapscope() call starts a fresh agent. */
  stop(): void;
  /** Internal counters (connect attempts, buffered metrics, socket listeners) for tests and debugging. */
  diagnostics(): AgentDiagnostics | undefined;
  /** The newest metrics frame and post-GC sample (what the Prometheus export reads). */
  lastMetrics(): { frame: MetricsMessage; postGc?: PostGcSample } | undefined;
}

type Holder = { [KEY]?: AgentHandle };

const disabledHandle: AgentHandle = { enabled: false, connected: false, stop() {}, diagnostics: () => undefined, lastMetrics: () => undefined };

export function startAgent(project?: string, options?: AgentOptions): AgentHandle {
  const g = globalThis as Holder;
  const existing = g[KEY];
  if (existing) return existing;
  if (/^(1|true|yes)$/i.test(process.env.HEAPSCOPE_DISABLE ?? '')) return disabledHandle;
  let agent: Agent;
  try {
    agent = new Agent(resolveOptions(project, options));
  } catch (err) {
    // Misconfiguration is reported once, plainly; the host app keeps running without an agent.
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return disabledHandle;
  }
  const handle: AgentHandle = {
    enabled: true,
    agentId: agent.agentId,
    project: agent.project,
    get connected() {
      return agent.connected;
    },
    diagnostics: () => agent.diagnostics(),
    lastMetrics: () => (agent.latest.frame ? { frame: agent.latest.frame, postGc: agent.latest.postGc } : undefined),
    stop() {
      agent.stop();
      if (g[KEY] === handle) delete g[KEY];
    },
  };
  Object.defineProperty(g, KEY, { value: handle, configurable: true, enumerable: false, writable: true });
  return handle;
}

/** The running agent of this thread, if any. */
export function currentAgent(): AgentHandle | undefined {
  return (globalThis as Holder)[KEY];
}
