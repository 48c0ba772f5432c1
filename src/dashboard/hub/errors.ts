/** A clear, user-facing failure (HTTP 4xx), never a stack trace. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Agent ids become file names: keep them to a safe alphabet and length. */
export const safeId = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
