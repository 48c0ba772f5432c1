// Timers never cleared: a setInterval (or long setTimeout) whose callback captures data keeps that
// data alive for as long as the timer is scheduled.
import { edgeTarget, rawName, type HeapAnalysis } from '../../engine/index.js';
import type { Recogniser } from './subject.js';
import { closureLocation, displayName, formatLocation } from '../describe.js';

/** Callback closure of a Timeout object, or -1. */
function timerCallback(a: HeapAnalysis, timeout: number): number {
  const t = edgeTarget(a.graph, timeout, '_onTimeout');
  return t >= 0 && a.graph.nodeType[t] === a.graph.types.nodeClosure ? t : -1;
}

/** Live Timeout objects grouped by their callback's function name; `intervals` repeat. */
function timeoutsByCallback(a: HeapAnalysis): Map<string, { count: number; intervals: number; sample: number }> {
  const g = a.graph;
  const out = new Map<string, { count: number; intervals: number; sample: number }>();
  for (let n = 0; n < g.nodeCount; n++) {
    if (g.nodeType[n] !== g.types.nodeObject || rawName(g, n) !== 'Timeout') continue;
    const cb = timerCallback(a, n);
    if (cb < 0) continue;
    const name = displayName(g, cb);
    // setTimeout's `_repeat` is null (an edge to the null oddball); setInterval's is its period, a
    // small integer that the snapshot keeps inline (no edge) or, when large, a heap number
    const repeat = edgeTarget(g, n, '_repeat');
    const interval = repeat < 0 || g.nodeType[repeat] === g.types.nodeNumber ? 1 : 0;
    const cur = out.get(name);
    if (cur) {
      cur.count++;
      cur.intervals += interval;
    } else out.set(name, { count: 1, intervals: interval, sample: cb });
  }
  return out;
}

/** Variables of the callback's scope that it keeps alive (context edges), at most `max`. */
function capturedNames(a: HeapAnalysis, fn: number, max = 3): string[] {
  const g = a.graph;
  const ctx = edgeTarget(g, fn, 'context');
  const out: string[] = [];
  if (ctx < 0) return out;
  for (let e = g.firstEdge[ctx]; e < g.firstEdge[ctx + 1] && out.length < max; e++) {
    if (g.edgeType[e] !== g.types.edgeContext) continue;
    const name = g.strings.get(g.edgeNameOrIndex[e]);
    if (name && !name.startsWith('<') && !name.startsWith('.')) out.push(name);
  }
  return out;
}

/** Edges by which a timer holds its callback or the next timer. */
const TIMER_EDGES = new Set(['_onTimeout', '_idleNext', '_idlePrev']);

export const timers: Recogniser = (s) => {
  const g = s.a.graph;
  let callback = -1;
  let onTimers = false;
  // only the subject's own timers: a path from the roots through the timer lists (an HTTP server's
  // connection check, say) does not make what the subject holds a timer leak
  const own = s.at > 0 && TIMER_EDGES.has(s.hops[s.at].edge) ? s.at - 1 : s.at;
  for (let i = own; i < s.hops.length; i++) {
    const n = s.hops[i].node;
    const name = rawName(g, n);
    if (name === 'Timeout' || name === 'TimersList' || name === 'Immediate') onTimers = true;
    if (name === 'Timeout' && callback < 0) callback = timerCallback(s.a, n);
    if (s.hops[i].edge === '_onTimeout' && g.nodeType[n] === g.types.nodeClosure) callback = n;
  }
  if (!onTimers) return null;
  // the timer list's head may be the suspect: take the callback of its first Timeout
  if (callback < 0) {
    for (const h of s.hops) {
      const first = edgeTarget(g, h.node, '_idleNext');
      if (first >= 0 && rawName(g, first) === 'Timeout') {
        callback = timerCallback(s.a, first);
        break;
      }
    }
  }
  const fn = callback >= 0 ? displayName(g, callback) : '';
  const live = fn ? timeoutsByCallback(s.a).get(fn) : undefined;
  const count = live?.count ?? (fn ? 1 : 0);
  // one interval holding data is how the data is reached, not why it grows
  if (fn && count < 2) return null;
  const loc = callback >= 0 ? closureLocation(g, callback) : undefined;
  const what = fn ? `\`${fn}\`${loc ? ` (${formatLocation(loc)})` : ''}` : 'their callbacks';
  const noun = live && live.intervals === live.count ? 'interval' : 'timer';
  const owner = fn ? `${count} ${noun}${count === 1 ? '' : 's'} calling ${fn}${loc ? ` (${formatLocation(loc)})` : ''}` : undefined;
  return {
    kind: 'timer',
    title: owner ? `Timers never cleared: ${owner}` : 'Timers never cleared',
    ...(owner ? { owner } : {}),
    ...(loc ? { location: loc } : {}),
    ...(callback >= 0 ? { keys: [fn, ...capturedNames(s.a, callback)].filter(Boolean) } : {}),
    explanation:
      `Scheduled timers (setInterval, long setTimeout) are held by Node's timer lists until they fire ` +
      `or are cleared. ${what} and everything ${fn ? 'its' : 'their'} closure captures stay alive for ` +
      `as long as each timer is scheduled; an interval that is never cleared lives forever.`,
    fix:
      `Keep the handle returned by setInterval/setTimeout and call clearInterval/clearTimeout when the ` +
      `work is done; avoid capturing large data in the callback (look it up by id instead).`,
  };
};
