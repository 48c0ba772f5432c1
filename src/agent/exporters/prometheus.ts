// heapscope's metrics in an app's own prom-client registry, for apps that already serve /metrics:
//   heapscope.registerPrometheus(register)
// Values come from the running agent's latest frame (no second sampler in the process). Names the
// registry already has (collectDefaultMetrics' ones, say) are left alone. prom-client is loaded
// only here, on that call: the app's own copy first, else heapscope's.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { currentAgent } from '../current.js';
import { registerProcessMetrics, type ProcessState, type PromClientModule, type PromRegistry } from './prom-metrics.js';

export interface PrometheusOptions {
  /** The app's prom-client module (default: resolved from the app's main script or cwd, else heapscope's own). */
  client?: PromClientModule;
  /**
   * Also register prom-client's default names (process_*, nodejs_*) the registry lacks (default
   * true). Call after collectDefaultMetrics(): prom-client refuses a name registered twice.
   */
  defaults?: boolean;
}

/** Per-process metrics only the dashboard knows. */
const DASHBOARD_ONLY = new Set(['heapscope_findings', 'heapscope_snapshots_stored']);

/**
 * Adds heapscope's metrics to `registry` (a prom-client Registry, e.g. `client.register`); returns
 * the names added. Series appear once an agent runs in this thread (heapscope(...)) and has sampled.
 */
export function registerPrometheus(registry: PromRegistry, opts: PrometheusOptions = {}): string[] {
  if (!registry || typeof registry.registerMetric !== 'function' || typeof registry.getSingleMetric !== 'function') {
    throw new TypeError('heapscope.registerPrometheus: expected a prom-client Registry (e.g. require("prom-client").register)');
  }
  const client = opts.client ?? resolvePromClient();
  const startTime = Date.now() - process.uptime() * 1000;
  const source = (): ProcessState[] => {
    const last = currentAgent()?.lastMetrics?.();
    return last ? [{ labels: {}, frame: last.frame, postGc: last.postGc, nodeVersion: process.version, startTime }] : [];
  };
  return registerProcessMetrics(client, registry, source, {
    labelNames: [],
    skip: (name) => DASHBOARD_ONLY.has(name) || registry.getSingleMetric(name) !== undefined || (opts.defaults === false && !name.startsWith('heapscope_')),
  });
}

function resolvePromClient(): PromClientModule {
  const script = process.argv[1];
  const bases = [script ? resolve(script) : undefined, join(process.cwd(), 'noop.js')];
  for (const base of bases) {
    if (!base) continue;
    try {
      return createRequire(base)('prom-client') as PromClientModule;
    } catch {
      // not resolvable from there
    }
  }
  try {
    return createRequire(import.meta.url)('prom-client') as PromClientModule;
  } catch {
    throw new Error('heapscope.registerPrometheus: prom-client is not installed (npm install prom-client), or pass { client: require("prom-client") }');
  }
}
