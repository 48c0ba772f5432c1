// The browser's calls to the dashboard API (same origin; the token cookie rides along).
import type { ApiError } from '../messages.js';

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  const body = (await res.json().catch(() => ({}))) as T & Partial<ApiError>;
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** POST (or `method`) a JSON body. */
export const send = <T>(path: string, body: unknown, method = 'POST'): Promise<T> => api<T>(path, { method, body: JSON.stringify(body) });
