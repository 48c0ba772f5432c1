// Closure context chains (seed 001, leak 1): a closure's scope context keeps a variable alive that
// points at the previous object, whose method's context keeps the one before, and so on.
import type { Recogniser } from './subject.js';
import { displayName } from '../describe.js';

export const closureChain: Recogniser = (s) => {
  const g = s.a.graph;
  const seen = new Map<string, number>();
  let best: { fn: string; variable: string; n: number } | null = null;
  for (let i = 1; i + 1 < s.hops.length; i++) {
    const into = s.hops[i];
    const out = s.hops[i + 1];
    // closure --context--> Context --variable--> value
    if (into.edge !== 'context' || g.nodeType[s.hops[i - 1].node] !== g.types.nodeClosure) continue;
    if (out.edgeType !== 'context') continue;
    const fn = displayName(g, s.hops[i - 1].node);
    const key = `${fn}\u0000${out.edge}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n >= 2 && (!best || n > best.n)) best = { fn, variable: out.edge, n };
  }
  if (!best) return null;
  const { fn, variable } = best;
  return {
    kind: 'closure-context-chain',
    title: `Closure context chain: each \`${fn}\` keeps the previous object alive through \`${variable}\``,
    explanation:
      `Closures created in one scope share a single context object. A closure in the scope that ` +
      `defines \`${fn}\` uses \`${variable}\`, so \`${variable}\` is stored in that shared context, and ` +
      `\`${fn}\` holds the context. Every new object's \`${fn}\` therefore keeps the previous object ` +
      `(via \`${variable}\`) alive, and so on back to the first: a chain that never ends.`,
    fix:
      `Do not capture \`${variable}\` in any closure of that scope (pass it as a parameter instead), ` +
      `or set \`${variable} = null\` once it is no longer needed.`,
  };
};
