// How much of the large-object space is script source text (and the scripts' line ends), not
// arrays? Before a process's first snapshot the cost model prices large-object space as the slots
// of one long pointer array (V8 names every slot with a 1 KB buffer, ~170x its bytes: see
// snapshot-cost.ts). A bundled service or a big dependency (typescript.js: 9.1 MB) keeps its source
// as one string there, which costs the writer next to nothing. The debugger reports every live
// script with its length, so those bytes can be priced as the strings they are.
//
// Counted only what is certainly a string in large-object space: scripts of at least 128K
// characters (a string that long is over V8's 128 KB regular-object limit in either encoding), not
// Node's own (external strings, outside the heap) nor WebAssembly (module bytes, not a string), one
// per content hash, and only while the external script sources V8 counts are Node's own: an app's
// script built from an external string is not on the heap, and must not be subtracted from it.
// The listing also tells the census (heap-census.ts) which large arrays are line ends (small
// integers: no index names).
import v8 from 'node:v8';
import { on, post } from './inspector.js';
import { largeObjectBytes } from './heap-spaces.js';
import { scriptsListed } from './snapshot-warmup.js';

/** Characters from which a string is in large-object space, whatever its encoding. */
const LARGE_STRING_CHARS = 128 * 1024;

export interface ParsedScript {
  scriptId?: string;
  url: string;
  /** Source length in UTF-16 code units: at least that many bytes on the heap. */
  length?: number;
  /** Last line (0-based): the script's cached line ends are an array of that many + 1 small integers. */
  endLine?: number;
  hash?: string;
  scriptLanguage?: string;
}

/**
 * Sizes of the scripts' line-end arrays in large-object space: one small integer (8 B, no
 * pointers, so no index names) per line, cached on each script once the debugger has listed it.
 * Only arrays past the 128 KB regular-object limit count.
 */
export function lineEndSizes(scripts: readonly ParsedScript[]): number[] {
  return scripts.filter((s) => !isWasm(s)).map((s) => 16 + 8 * ((s.endLine ?? -1) + 1)).filter((size) => size > LARGE_STRING_CHARS);
}
const isWasm = (s: ParsedScript): boolean => s.scriptLanguage === 'WebAssembly' || s.url.startsWith('wasm://');

/**
 * Bytes of large-object space certainly held by script sources, from the debugger's scripts; 0
 * when that cannot be shown. `externalSourceBytes`: v8.getHeapCodeStatistics().external_script_source_size.
 */
export function scriptSourceBytes(scripts: readonly ParsedScript[], externalSourceBytes: number, largeObjects: number): number {
  let builtinChars = 0;
  let bytes = 0;
  const seen = new Set<string>();
  for (const s of scripts) {
    const n = s.length ?? 0;
    if (s.url.startsWith('node:')) {
      builtinChars += n;
      continue;
    }
    if (n < LARGE_STRING_CHARS || isWasm(s)) continue;
    const key = `${s.hash ?? s.url}:${n}`;
    if (seen.has(key)) continue;
    seen.add(key);
    bytes += n;
  }
  // Measured on Node 20: external sources exceed the builtins' characters by ~30 KB (a few two-byte ones).
  if (externalSourceBytes - builtinChars >= LARGE_STRING_CHARS) return 0;
  return bytes <= largeObjects ? bytes : 0;
}

/**
 * Whether line ends are the arrays of small integers in large-object space that lineEndSizes
 * assumes, on this V8: shown once, when the first listing computed them and large-object space
 * grew by (nearly) that much; unknown (not counted) if something listed the scripts before.
 */
let lineEndsShown: boolean | undefined;

export interface ScriptListing {
  /** Bytes of large-object space certainly held by script sources and (once shown) their line ends. */
  bytes: number;
  /** Sizes of the line-end arrays in large-object space (empty until shown to be there). */
  lineEndSizes: number[];
}

/**
 * Lists the live scripts (`Debugger.enable` + `Debugger.disable` on the agent's session, as the
 * snapshot warm-up does). Throws when the inspector is unavailable.
 */
export async function listScriptSources(): Promise<ScriptListing> {
  const scripts: ParsedScript[] = [];
  const off = on<ParsedScript>('Debugger.scriptParsed', (p) =>
    scripts.push({ scriptId: p.scriptId, url: p.url ?? '', length: p.length, endLine: p.endLine, hash: p.hash, scriptLanguage: p.scriptLanguage }),
  );
  const largeBefore = largeObjectBytes();
  try {
    await post('Debugger.enable');
  } finally {
    await post('Debugger.disable').finally(off);
  }
  scriptsListed(scripts.reduce((top, p) => Math.max(top, Number(p.scriptId) || -1), -1));
  const large = largeObjectBytes();
  const sizes = lineEndSizes(scripts);
  const lineEnds = sizes.reduce((a, b) => a + b, 0);
  lineEndsShown ??= lineEnds > 0 ? large - largeBefore >= 0.9 * lineEnds : undefined;
  const sources = scriptSourceBytes(scripts, v8.getHeapCodeStatistics().external_script_source_size, large);
  const withLineEnds = sources + (lineEndsShown ? lineEnds : 0);
  const shown = lineEndsShown ? sizes : [];
  return withLineEnds <= large ? { bytes: withLineEnds, lineEndSizes: shown } : { bytes: sources, lineEndSizes: shown };
}
