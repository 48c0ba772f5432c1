// The running agent of this thread: one per JS thread, under a global symbol, so that the ESM and
// CJS builds (and --require plus --import of register) all find the same one.
import type { AgentDiagnostics } from './agent.js';
import type { MetricsMessage, PostGcSample } from '../protocol/index.js';

/** What heapscope() returns. */
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

export const KEY = Symbol.for('heapscope.agent');
export type Holder = { [KEY]?: AgentHandle };

/** The running agent of this thread, if any. */
export function currentAgent(): AgentHandle | undefined {
  return (globalThis as Holder)[KEY];
}
