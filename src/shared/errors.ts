// heapscope's errors that carry a code: the code says what went wrong to programs (and crosses
// threads and processes as a string), the message to people. No imports: the browser viewer
// bundles this too.

/** An error with a machine-readable code. */
export class CodedError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

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
  /** Not bad input: a self size of 4 GB or more, read again with 64-bit sizes (engine/parse/load.ts). */
  | 'WIDE_SIZES';

/** Input that is not a usable heap snapshot. Every message says what is wrong and where. */
export class HeapSnapshotError extends CodedError<HeapSnapshotErrorCode> {
  /** Byte offset in the (decompressed) input where the problem was seen, when known. */
  readonly offset: number | undefined;
  constructor(code: HeapSnapshotErrorCode, message: string, offset?: number) {
    super(code, offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'HeapSnapshotError';
    this.offset = offset;
  }
}

/** Input that is not a V8 CPU profile. */
export class CpuProfileError extends CodedError<'NOT_CPU_PROFILE'> {
  constructor(message: string) {
    super('NOT_CPU_PROFILE', message);
    this.name = 'CpuProfileError';
  }
}
