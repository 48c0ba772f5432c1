// Sentences shared by every renderer (terminal, HTML report, dashboard); no imports, so the
// browser bundle can take them.

/** What growth can still find when object ids were reset between the snapshots. */
export const GROWTH_AFTER_RESET =
  'Object ids were reset between these snapshots: collections are matched by their retainer path from the GC roots instead of by id, and objects created since the first snapshot cannot be told apart from old ones.';

/** What a healthy heap's report says (Node's own state and heapscope's agent are never suspects). */
export const NO_SUSPECTS = "nothing of the application's holds an unusual share of the heap (Node's own state and heapscope's agent are left out).";
