// Where the package's own files live, whether this code runs bundled (dist/…) or from source
// through tsx (src/…, in tests): walk up to heapscope's own package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let cached: string | null | undefined;

/** The package's root directory, or null where it cannot be found (no file URL, say). */
export function findPackageRoot(): string | null {
  if (cached !== undefined) return cached;
  let dir: string;
  try {
    dir = dirname(fileURLToPath(import.meta.url));
  } catch {
    return (cached = null);
  }
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'heapscope') return (cached = dir);
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) return (cached = null);
    dir = up;
  }
}

export function packageRoot(): string {
  const root = findPackageRoot();
  if (!root) throw new Error('cannot locate the heapscope package root');
  return root;
}

/** A path under dist/ (built or not). */
export const distFile = (...parts: string[]): string => join(packageRoot(), 'dist', ...parts);

/** A built file under dist/, or null when it is not there. */
export function builtFile(...parts: string[]): string | null {
  const root = findPackageRoot();
  const p = root && join(root, 'dist', ...parts);
  return p && existsSync(p) ? p : null;
}

/** True when this code runs from its TypeScript source (tsx), not from dist/. */
export const fromSource = (): boolean => /\.ts$/.test(import.meta.url ?? '');

/**
 * A thread's script: dist/`built` when this code runs built, src/`source` when it runs from source,
 * so that both sides of a thread run the same code. Null when it is missing.
 */
export function threadScript(built: string, source: string): URL | null {
  const root = findPackageRoot();
  if (!root) return null;
  const p = fromSource() ? join(root, 'src', source) : join(root, 'dist', built);
  return existsSync(p) ? pathToFileURL(p) : null;
}
