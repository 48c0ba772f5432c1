// Column layout for terminal text (100 columns).
export function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

export function trunc(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

/** Renders rows as aligned columns; numeric columns right-aligned. */
export function table(head: string[], rows: (string | number)[][], right: boolean[] = []): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells
    .map((r) => r.map((v, c) => (right[c] ? v.padStart(w[c]) : v.padEnd(w[c]))).join('  ').trimEnd())
    .join('\n');
}
