// Shared by the server (log line, webhook text) and the browser UI: no Node imports here.
import type { SourceLocation } from '../diagnosis/index.js';

/** The first location in the app's own code (Node's internals, `node:...`, say little to a developer). */
export function appLocation(locations: SourceLocation[]): SourceLocation | undefined {
  return locations.find((l) => l.script && !l.script.startsWith('node:')) ?? locations[0];
}
