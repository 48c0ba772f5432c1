// Errors for input that is not a usable heap snapshot. Every message says what is wrong and where.
export type HeapSnapshotErrorCode =
  | 'NOT_JSON'
  | 'NOT_HEAP_SNAPSHOT'
  | 'BAD_META'
  | 'TRUNCATED'
  | 'BAD_VALUE'
  | 'COUNT_MISMATCH'
  | 'BAD_REFERENCE'
  | 'BAD_UTF8'
  | 'TOO_LARGE'
  | 'IO'
  /** Not bad input: a self size of 4 GB or more, read again with 64-bit sizes (load.ts). */
  | 'WIDE_SIZES';

export class HeapSnapshotError extends Error {
  readonly code: HeapSnapshotErrorCode;
  /** Byte offset in the (decompressed) input where the problem was seen, when known. */
  readonly offset: number | undefined;
  constructor(code: HeapSnapshotErrorCode, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'HeapSnapshotError';
    this.code = code;
    this.offset = offset;
  }
}
