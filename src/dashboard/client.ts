// Small HTTP client helpers for the CLI (is a dashboard up? wait for it; call its API).
export interface Health {
  ok: boolean;
  app: string;
  version: string;
  /** Only for a local caller with the token (or none needed). */
  pid?: number;
  dataDir?: string;
}

export async function probe(baseUrl: string, timeoutMs = 1500, token?: string): Promise<Health | undefined> {
  try {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(timeoutMs), headers });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Health;
    return body?.app === 'heapscope' ? body : undefined;
  } catch {
    return undefined;
  }
}

export async function waitForDashboard(baseUrl: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe(baseUrl, 1000)) return true;
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

export async function apiCall<T>(baseUrl: string, path: string, token: string | undefined, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}${path}`, { ...init, headers: { ...headers, ...((init.headers as Record<string, string>) ?? {}) } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export const hostForUrl = (host: string): string => {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return h.includes(':') ? `[${h}]` : h;
};
