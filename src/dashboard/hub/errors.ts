import { CodedError } from '../../shared/index.js';

/** The dashboard's refusals, by HTTP status: the code programs read (in logs and on other threads). */
const CODES = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  422: 'UNPROCESSABLE',
  503: 'UNAVAILABLE',
  507: 'NO_SPACE',
} as const;

export type HubErrorCode = (typeof CODES)[keyof typeof CODES] | 'HTTP_ERROR';

/** A clear, user-facing failure (HTTP 4xx/5xx), never a stack trace. */
export class HubError extends CodedError<HubErrorCode> {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(CODES[status as keyof typeof CODES] ?? 'HTTP_ERROR', message);
    this.name = 'HubError';
  }
}

/** Agent ids become file names: keep them to a safe alphabet and length. */
export const safeId = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
