// Before a heap snapshot on older V8: cache every script's line ends, so the snapshot is linear.
//
// The snapshot writer records each function's line and column. V8 before 12 (Node 20 ships 11.3)
// computes them without the script's cached line ends, because it may not allocate mid-snapshot,
// and a script without them is scanned from the start for every function: big scripts (bundles,
// a compiler, a large dependency) make the snapshot quadratic. Measured on Node 20: a process that
// had loaded and run the TypeScript compiler did not finish a snapshot in 15 minutes; after the
// warm-up the same snapshot took 15.6 s. Newer V8 caches the line ends itself before it walks the
// heap (V8HeapExplorer::PopulateLineEnds, "Speeding up V8 heap snapshots", v8.dev, 2023).
//
// The warm-up is `Debugger.enable` + `Debugger.disable` on the agent's own persistent session
// (./inspector.ts: a session of its own would reset heap object ids when closed): enabling the
// debugger reports every script, which computes and caches its line ends on the script. Measured
// on Node 20, with TypeScript loaded: 100 ms the first time, 4 ms again; optimized code stays
// optimized and runs as fast after; the heap keeps the line ends (1.9 MB for TypeScript's 200,000
// lines, as newer V8 would); V8 clears its compilation cache for scripts and eval when a debugger
// is first enabled, so an eval'd source compiles once more. It leaves nothing enabled, and the
// user's own sessions keep their own debugger state.
//
// Run only when needed: script ids grow by one per compiled script, so a probe script compiled
// just before the warm-up, and again before the next snapshot, tells whether any script was
// compiled in between (its id is then not the next one); if none was, the warm-up is skipped.
import { performance } from 'node:perf_hooks';
import type { SnapshotWarmup } from '../protocol/index.js';
import { on, post } from './inspector.js';
import { debug, errorMessage } from './log.js';

/** V8 versions whose snapshot writer does not cache line ends itself (conservatively: before 12). */
export function needsWarmup(v8Version: string = process.versions.v8): boolean {
  const major = Number(v8Version.split('.')[0]);
  return Number.isFinite(major) && major < 12;
}

/** Highest script id known to have its line ends cached (or to be the last probe). */
let warmUpTo = -1;
let probes = 0;

/**
 * Another full listing of the scripts (./script-sources.ts, `Debugger.enable` as here) cached their
 * line ends up to this script id: the next warm-up need not list them again.
 */
export function scriptsListed(highestId: number): void {
  warmUpTo = Math.max(warmUpTo, highestId);
}

/** The id of a freshly compiled one-function script (each probe compiles a new one), or -1. */
async function probeScriptId(): Promise<number> {
  const group = 'heapscope-probe';
  try {
    const { result } = await post<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: `(function heapscopeScriptProbe${++probes}() {})`,
      objectGroup: group,
      silent: true,
    });
    if (!result.objectId) return -1;
    const { internalProperties } = await post<{ internalProperties?: { name: string; value?: { value?: { scriptId?: string } } }[] }>(
      'Runtime.getProperties',
      { objectId: result.objectId, ownProperties: true },
    );
    const id = Number(internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value?.scriptId);
    return Number.isFinite(id) ? id : -1;
  } catch {
    return -1; // unknown: warm up
  } finally {
    await post('Runtime.releaseObjectGroup', { objectGroup: group }).catch(() => undefined);
  }
}

/**
 * Makes the next heap snapshot linear on this V8. Resolves to undefined where nothing is needed
 * (newer V8), else what was done. Never throws: without the inspector the snapshot just runs.
 */
export async function prepareForSnapshot(): Promise<SnapshotWarmup | undefined> {
  if (!needsWarmup()) return undefined;
  const started = performance.now();
  try {
    const probe = await probeScriptId();
    if (probe >= 0 && probe === warmUpTo + 1) {
      warmUpTo = probe; // nothing compiled since the last warm-up but this probe (one tiny function)
      return { ran: false, ms: performance.now() - started };
    }
    let scripts = 0;
    let highest = probe;
    const off = on<{ scriptId: string }>('Debugger.scriptParsed', (p) => {
      scripts++;
      highest = Math.max(highest, Number(p.scriptId) || -1);
    });
    try {
      await post('Debugger.enable');
    } finally {
      await post('Debugger.disable').finally(off);
    }
    warmUpTo = highest;
    const ms = performance.now() - started;
    debug(`snapshot warm-up: line ends of ${scripts} scripts cached in ${ms.toFixed(0)} ms`);
    return { ran: true, ms, scripts };
  } catch (err) {
    debug(`snapshot warm-up failed (the snapshot may be slow): ${errorMessage(err)}`);
    return undefined;
  }
}
