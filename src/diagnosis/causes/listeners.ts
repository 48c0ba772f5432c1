// Listener leaks (seed 001 socket reconnect, seed 002 keepAlive): an emitter that lives on while
// on()/once() keeps adding listeners to one event, each capturing its own data.
import { edgeTarget, rawName, type HeapAnalysis } from '../../engine/index.js';
import type { Recogniser } from './subject.js';
import type { SourceLocation } from '../types.js';
import { closureLocation, displayName, formatLocation } from '../describe.js';

const DEFAULT_MAX_LISTENERS = 10;

export interface ListenerArray {
  emitter: number;
  event: string;
  array: number;
  count: number;
  maxListeners: number;
}

/** Listener functions of an `_events.X` array. */
export function listenerCount(a: HeapAnalysis, array: number): number {
  const g = a.graph;
  let n = 0;
  for (let e = g.firstEdge[array]; e < g.firstEdge[array + 1]; e++) if (g.edgeType[e] === g.types.edgeElement) n++;
  return n;
}

/** The emitter's listener limit: its own `_maxListeners` when a number is recorded, else 10. */
function maxListenersOf(a: HeapAnalysis, emitter: number): number {
  const g = a.graph;
  const t = edgeTarget(g, emitter, '_maxListeners');
  if (t >= 0 && g.nodeType[t] === g.types.nodeNumber) {
    const v = Number(rawName(g, t));
    if (Number.isFinite(v) && v > 0) return v;
  }
  return DEFAULT_MAX_LISTENERS;
}

/** Every `_events.X` listener array of `emitter`, largest first. */
function listenerArrays(a: HeapAnalysis, emitter: number): ListenerArray[] {
  const g = a.graph;
  const events = edgeTarget(g, emitter, '_events');
  if (events < 0) return [];
  const out: ListenerArray[] = [];
  const max = maxListenersOf(a, emitter);
  for (let e = g.firstEdge[events]; e < g.firstEdge[events + 1]; e++) {
    if (g.edgeType[e] !== g.types.edgeProperty) continue;
    const t = g.edgeTo[e];
    if (rawName(g, t) !== 'Array') continue;
    out.push({ emitter, event: g.strings.get(g.edgeNameOrIndex[e]), array: t, count: listenerCount(a, t), maxListeners: max });
  }
  return out.sort((x, y) => y.count - x.count);
}

/** Name and location of the first listener in the array, for the explanation. */
function sampleListener(a: HeapAnalysis, array: number): { text: string; location?: SourceLocation } {
  const g = a.graph;
  for (let e = g.firstEdge[array]; e < g.firstEdge[array + 1]; e++) {
    if (g.edgeType[e] !== g.types.edgeElement) continue;
    let fn = g.edgeTo[e];
    // once() wraps the listener: { listener, fired, wrapFn }
    const inner = edgeTarget(g, fn, 'listener');
    if (g.nodeType[fn] !== g.types.nodeClosure && inner >= 0) fn = inner;
    const wrapped = edgeTarget(g, fn, 'listener');
    if (wrapped >= 0 && g.nodeType[wrapped] === g.types.nodeClosure) fn = wrapped;
    if (g.nodeType[fn] !== g.types.nodeClosure) continue;
    const loc = closureLocation(g, fn);
    return { text: `\`${displayName(g, fn)}\`${loc ? ` (${formatLocation(loc)})` : ''}`, ...(loc ? { location: loc } : {}) };
  }
  return { text: 'the listener' };
}

/**
 * The listener array that is the subject's own: the subject itself (an `_events.X` array), the
 * subject as emitter or an emitter in its chain, else an emitter on the way from the roots, the
 * nearest first. A path through `process._events.warning` does not make a growing array of the
 * user's a listener leak; the growing array itself does.
 */
function ownListenerArray(s: Parameters<Recogniser>[0]): ListenerArray | null {
  const growing = !!s.growth && s.growth.counts.length > 1 && s.growth.counts[s.growth.counts.length - 1] > s.growth.counts[0];
  const over = (x: ListenerArray | undefined) => (x && x.count > x.maxListeners ? x : null);
  const subject = s.hops[s.at];
  if (s.at >= 2 && s.hops[s.at - 1].edge === '_events') {
    const mine = listenerArrays(s.a, s.hops[s.at - 2].node).find((x) => x.array === subject.node);
    if (mine && (growing || mine.count > mine.maxListeners)) return mine;
  }
  for (let i = s.at; i < s.hops.length; i++) {
    const h = s.hops[i];
    if (h.edge === '_events' && i > s.at) {
      const arrays = listenerArrays(s.a, s.hops[i - 1].node);
      const onChain = s.hops[i + 1] ? arrays.find((x) => x.array === s.hops[i + 1].node) : undefined;
      const pick = over(onChain) ?? over(arrays[0]);
      if (pick) return pick;
    } else {
      const pick = over(listenerArrays(s.a, h.node)[0]);
      if (pick) return pick;
    }
  }
  for (let i = Math.min(s.at, s.hops.length) - 1; i > 0; i--) {
    if (s.hops[i].edge !== '_events') continue;
    const arrays = listenerArrays(s.a, s.hops[i - 1].node);
    const onPath = s.hops[i + 1] ? arrays.find((x) => x.array === s.hops[i + 1].node) : undefined;
    const pick = over(onPath);
    if (pick) return pick;
  }
  return null;
}

export const listeners: Recogniser = (s) => {
  const g = s.a.graph;
  const found = ownListenerArray(s);
  if (!found) return null;
  const emitter = displayName(g, found.emitter);
  const { text: listener, location } = sampleListener(s.a, found.array);
  return {
    kind: 'listener-leak',
    ...(location && !location.script?.startsWith('node:') ? { location } : {}),
    title: `Listener leak: ${found.count} '${found.event}' listeners on one ${emitter}`,
    explanation:
      `${emitter} → _events → ${found.event} holds ${found.count} listeners (the warning limit is ` +
      `${found.maxListeners}), e.g. ${listener}. Each on()/once() call adds one and nothing removes it; ` +
      `the emitter lives on (a reused keep-alive or reconnecting socket, a long-lived bus), so every ` +
      `listener and everything its closure captures stays alive.`,
    fix:
      `Add the '${found.event}' listener once outside the repeated code path, or remove it when done ` +
      `(emitter.off/removeListener('${found.event}', fn)); on reconnect, remove the previous attempt's ` +
      `listener before connecting again.`,
  };
};
