// Globals (seed 002, #4): properties added to the global object, by an undeclared assignment in
// sloppy mode (`a = 10`) or on purpose (`global.b = 11`), live as long as the process.
import type { Recogniser } from './subject.js';
import { heapFacts } from '../../engine/index.js';
import { formatBytes } from '../../shared/index.js';

/** Globals of a fresh Node process (this one's, plus CommonJS module-scope names). */
let standard: Set<string> | null = null;
function standardGlobals(): Set<string> {
  if (!standard) {
    standard = new Set(Object.getOwnPropertyNames(globalThis));
    for (const n of ['global', 'globalThis', 'require', 'module', 'exports', '__filename', '__dirname', 'process', 'Buffer',
      'console', 'navigator', 'crypto', 'fetch', 'performance', 'WebAssembly', 'structuredClone', 'gc']) standard.add(n);
  }
  return standard;
}

/** True when a property on the global object is not one Node itself defines. */
export function isNonStandardGlobal(name: string): boolean {
  if (!name || name.startsWith('<symbol') || name.startsWith('get ') || name.startsWith('set ')) return false;
  return !standardGlobals().has(name);
}

export const globals: Recogniser = (s) => {
  const facts = heapFacts(s.a);
  for (let i = 0; i + 1 < s.hops.length && i <= s.at; i++) {
    if (!facts.globals.has(s.hops[i].node)) continue;
    const next = s.hops[i + 1];
    if (next.edgeType !== 'property' || !isNonStandardGlobal(next.edge)) continue;
    // the global must hold the finding as data, not through some function's scope
    let viaScope = false;
    for (let j = i + 1; j <= s.at; j++) if (s.a.graph.nodeType[s.hops[j].node] === s.a.graph.types.nodeClosure) viaScope = true;
    if (viaScope) continue;
    const name = next.edge;
    const size = s.a.retainedSize[next.node];
    return {
      kind: 'global-variable',
      title: `Global variable \`${name}\` holds ${formatBytes(size)}`,
      explanation:
        `\`${name}\` is a property of the global object, so it lives as long as the process. It comes ` +
        `from an assignment without let/const/var in sloppy mode (\`${name} = ...\`) or from ` +
        `\`global.${name} = ...\`; anything it references is never freed.`,
      fix:
        `Declare it with const/let in module scope (add 'use strict' so undeclared assignments throw), ` +
        `bound what it collects, or delete global.${name} when done.`,
    };
  }
  return null;
};
