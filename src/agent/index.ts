// Public agent API. One agent per JS thread: the instance lives under a global symbol, so the ESM and
// CJS builds (and --require plus --import of register) all find the same one.
import { Agent } from './agent.js';
import { resolveOptions, type AgentOptions } from './options.js';

export type { AgentOptions } from './options.js';
export { threadName, type AgentDiagnostics } from './agent.js';
export { registerPrometheus, type PrometheusOptions } from './exporters/prometheus.js';
export type { MeterProviderLike } from './exporters/otel.js';
// for the dashboard's own /metrics, which exports the agents' frames as the agent would
export { LatestFrame, registerProcessMetrics, type Labels, type ProcessState } from './exporters/prom-metrics.js';

import { KEY, type AgentHandle, type Holder } from './current.js';

export { currentAgent, type AgentHandle } from './current.js';



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
