// The agent's only output channel: silent unless HEAPSCOPE_DEBUG=1, and each problem at most once,
// so a dashboard that stays down cannot flood the host app's stderr. The exceptions are log(), once
// per detected leak, and warn(): the few things a user must act on.
const seen = new Set<string>();

const debugEnabled = (): boolean => /^(1|true|yes)$/i.test(process.env.HEAPSCOPE_DEBUG ?? '');

export function debug(message: string): void {
  if (debugEnabled()) write(message);
}

/** Logs `message` once per `key` (only in debug mode). */
export function debugOnce(key: string, message: string): void {
  if (seen.has(key) || !debugEnabled()) return;
  seen.add(key);
  write(message);
}

/** One line on stderr whatever the debug setting, for what an operator must see (a leak). */
export function log(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // stderr closed: nothing else to do
  }
}

/** A problem the user must act on (wrong token, refused upload): printed even without debug. */
export function warn(message: string): void {
  write(message);
}

/** warn(), at most once per `key` for the life of the process. */
export function warnOnce(key: string, message: string): void {
  if (seen.has(`warn:${key}`)) return;
  seen.add(`warn:${key}`);
  write(message);
}

function write(message: string): void {
  try {
    process.stderr.write(`[heapscope ${process.pid}] ${message}\n`);
  } catch {
    // stderr closed: nothing else to do
  }
}

/** Wraps a callback so an agent bug can never throw into the host's event loop. */
export function guard<A extends unknown[]>(where: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      debugOnce(`guard:${where}`, `${where}: ${(err as Error)?.stack ?? String(err)}`);
    }
  };
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
