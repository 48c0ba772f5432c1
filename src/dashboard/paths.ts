// Where the package's built files live, whether this code runs bundled (dist/cli/main.js) or from
// source through tsx (src/dashboard/*.ts in tests): walk up to heapscope's own package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
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
    if (up === dir) throw new Error('cannot locate the heapscope package root');
    dir = up;
  }
}

export const distFile = (...parts: string[]): string => join(packageRoot(), 'dist', ...parts);
