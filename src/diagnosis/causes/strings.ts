// A string grown by concatenation (an audit log kept in one module-level string: `log += line`).
// V8 keeps `a + b` as a concatenated (cons) string pointing at both halves, so every piece ever
// appended stays alive for as long as the variable does.
import type { HeapAnalysis } from '../../engine/index.js';
import type { Recogniser } from './subject.js';
import { formatBytes } from '../../shared/index.js';

/**
 * Concatenations along `node`'s left spine: `s += x` makes a cons string whose `first` is the old
 * `s`, so the spine counts the appends (plus the first piece's own parts, a template's, say).
 */
function appends(a: HeapAnalysis, node: number, limit = 10_000_000): number {
  const g = a.graph;
  let n = node;
  let count = 0;
  while (n >= 0 && g.nodeType[n] === g.types.nodeConsString && count < limit) {
    count++;
    let next = -1;
    for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
      if (g.strings.get(g.edgeNameOrIndex[e]) === 'first') next = g.edgeTo[e];
    }
    n = next;
  }
  return count;
}

export const strings: Recogniser = (s) => {
  const g = s.a.graph;
  const t = g.types;
  // the subject itself, or the string its chain leads to (a scope's variable, a property)
  let at = -1;
  for (let i = s.at; i < s.hops.length && i <= s.at + 2; i++) {
    if (g.nodeType[s.hops[i].node] === t.nodeConsString) {
      at = i;
      break;
    }
  }
  if (at < 0) return null;
  const node = s.hops[at].node;
  const pieces = appends(s.a, node);
  if (pieces < 100) return null; // a few joins make any string; hundreds of appends make a log
  const name = s.hops[at].edgeType === 'context' || s.hops[at].edgeType === 'property' ? s.hops[at].edge : '';
  const what = name ? `\`${name}\`` : 'one string';
  const size = s.a.retainedSize[node];
  return {
    kind: 'growing-string',
    title: `String grown by concatenation: ${what} holds ${formatBytes(size)} of text from ${pieces.toLocaleString('en-US')} concatenations`,
    ...(name ? { keys: [name] } : {}),
    explanation:
      `${what} is built with \`+=\` (or \`a + b\`) again and again and never reset, like a log kept in ` +
      `memory. V8 keeps each concatenation as a string pointing at both halves, so every piece ever ` +
      `appended stays alive for as long as ${what} does, and flattening it copies the whole text.`,
    fix:
      `Write the pieces out as they come (a stream to a file, your logger) or keep only the last N in a ` +
      `bounded array or ring buffer; if it must be a string, reset it after each flush ` +
      `(\`${name || 'text'} = ''\`).`,
  };
};
