// Named causes: recognisers run most specific first; the first match names the finding.
import type { Cause } from '../types.js';
import type { Recogniser, Subject } from './subject.js';
import { closureChain } from './closure-chain.js';
import { listeners } from './listeners.js';
import { timers } from './timers.js';
import { globals } from './globals.js';
import { strings } from './strings.js';
import { collections } from './collections.js';

export type { Recogniser, Subject } from './subject.js';

export const recognisers: Recogniser[] = [closureChain, listeners, timers, strings, globals, collections];

export function recogniseCause(s: Subject): Cause | null {
  for (const r of recognisers) {
    const c = r(s);
    if (c) return c;
  }
  return null;
}
