// Package main: `import heapscope from 'heapscope'` / `require('heapscope')` is the agent starter.
//   heapscope('my-service', { url, token, interval, autoStartDashboard })
// The CJS build (dist/index.cjs) exports the function itself (see tsup.config.ts), so the
// one-liner `require('heapscope')('my-service')` works; the named types below are compile-time only,
// and functions ride on the default export too (`heapscope.registerPrometheus`) for CJS callers.
import { startAgent, type AgentHandle, type AgentOptions } from './agent/index.js';
import { registerPrometheus } from './agent/index.js';

export type { AgentHandle, AgentOptions, AgentDiagnostics } from './agent/index.js';
export type { PrometheusOptions } from './agent/index.js';
export type { MeterProviderLike } from './agent/index.js';

/**
 * Starts the heapscope agent in this process (idempotent: later calls return the running agent).
 * `project` defaults to HEAPSCOPE_PROJECT, then the nearest package.json name, then the script name.
 * Never throws: a misconfiguration prints one line and returns a disabled handle.
 */
function heapscope(project?: string | (AgentOptions & { project?: string }), options?: AgentOptions): AgentHandle {
  if (project !== null && typeof project === 'object') return startAgent(project.project, project);
  return startAgent(typeof project === 'string' ? project : undefined, options);
}

/** heapscope.registerPrometheus(register): the agent's metrics in the app's own prom-client registry. */
heapscope.registerPrometheus = registerPrometheus;

export { registerPrometheus };
export default heapscope;
