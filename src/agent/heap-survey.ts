// What the agent looks at before pricing a snapshot it has never measured: the live scripts
// (./script-sources.ts: which large objects are source text and line ends; a few ms) and V8's
// census of the heap's objects (./heap-census.ts). The census costs a full GC and walks of the heap
// (measured 0.5 s with TypeScript loaded, 1-6 s on 250 MB heaps: 7-37 % of the snapshot's own
// pause), so it is part of taking a snapshot, never of watching: a snapshot's check takes one only
// when the census-less bound (which holds for any heap) would refuse it. Both are kept and reused
// while fresh: a snapshot's check uses them up to 60 s old; the forecast shown up to 15 min, and
// refreshes the listing every 10 min at most while it matters (no snapshot of this process yet:
// after one, the model prices from it).
import { largeObjectBytes } from './heap-spaces.js';
import { takeHeapCensus, type HeapCensus } from './heap-census.js';
import { debug, errorMessage } from './log.js';
import { listScriptSources } from './script-sources.js';
import type { SnapshotCostModel } from './snapshot-cost.js';

/** A survey counts this long for a snapshot's own check (which surveys first), and for the forecast shown. */
export const SURVEY_FRESH_MS = 60_000;
export const SURVEY_SHOWN_MS = 15 * 60_000;
/** How often the forecast shown is refreshed by a new survey, while one matters. */
export const SURVEY_EVERY_MS = 10 * 60_000;
/** Large-object space below this is Node's own and small arrays: no script worth a listing. */
const LISTING_FROM_BYTES = 1024 * 1024;

export interface HeapSurvey {
  /** When the scripts were listed, and the census taken. */
  at: number;
  censusAt?: number;
  /** Bytes of large-object space that are script sources and their line ends (0: none known). */
  scriptSources: number;
  /** Absent where V8's census is unavailable (then large objects are priced as arrays). */
  census?: HeapCensus;
}

let last: HeapSurvey | undefined;
let surveying: Promise<HeapSurvey> | undefined;

/** Lists the scripts, then (`withCensus`) takes the census, which uses the listing's line ends. Never throws. */
export function surveyHeap(withCensus: boolean): Promise<HeapSurvey> {
  const pending = surveying;
  if (pending) return withCensus ? pending.then(() => surveyHeap(true)) : pending;
  surveying = (async () => {
    let scriptSources = 0;
    let lineEnds: number[] = [];
    try {
      const listing = await listScriptSources();
      scriptSources = listing.bytes;
      lineEnds = listing.lineEndSizes;
    } catch (err) {
      debug(`script listing failed (large objects priced as arrays): ${errorMessage(err)}`);
    }
    const census = withCensus ? await takeHeapCensus(lineEnds) : undefined;
    const at = Date.now();
    // A listing alone keeps the last census (its own age still counts).
    const kept = census ? { census, censusAt: at } : last?.census ? { census: last.census, censusAt: last.censusAt } : {};
    last = { at, scriptSources, ...kept };
    return last;
  })().finally(() => {
    surveying = undefined;
  });
  return surveying;
}

/** The last survey's parts that are at most `maxAgeMs` old. */
export function knownSurvey(maxAgeMs: number, now = Date.now()): Pick<HeapSurvey, 'scriptSources' | 'census'> | undefined {
  if (!last || now - last.at > maxAgeMs) return undefined;
  return { scriptSources: last.scriptSources, ...(last.census && now - (last.censusAt ?? 0) <= maxAgeMs ? { census: last.census } : {}) };
}

/** A survey can change this process's forecast: no snapshot of its own yet. */
export function surveyMatters(model: SnapshotCostModel): boolean {
  return !model.hasLearned;
}

/** Whether the forecast shown should list the scripts again (a few ms; no census): none for 10 min. */
export function listingDue(model: SnapshotCostModel, now = Date.now()): boolean {
  return surveyMatters(model) && largeObjectBytes() >= LISTING_FROM_BYTES && (!last || now - last.at >= SURVEY_EVERY_MS);
}
