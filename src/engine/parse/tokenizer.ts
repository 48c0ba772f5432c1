// Byte-level helpers of the JSON scanner (parser.ts).

/** The index of the first non-whitespace byte at or after `i` (or `end`). */
export function skipWs(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** A byte as an error message shows it. */
export function describe(c: number): string {
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
