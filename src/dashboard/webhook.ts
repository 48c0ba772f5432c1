// Optional webhook for new findings: a JSON POST whose `text` field is a plain-text summary (what
// Slack and Mattermost incoming webhooks display), plus the finding itself for other consumers.
// Fire and forget: bounded retries with exponential backoff, a timeout per attempt, never awaited
// by anything that serves agents or browsers.
export interface WebhookOptions {
  url: string;
  /** Attempts in all (default 4). */
  attempts?: number;
  /** First backoff, doubled after each failure (default 2000 ms). */
  backoffMs?: number;
  /** Per-attempt timeout (default 10000 ms). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export class Webhook {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly opts: WebhookOptions) {
    const u = new URL(opts.url); // throws a clear error on a bad URL at startup
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`webhook URL must be http(s), got ${u.protocol}`);
  }

  /** Resolves when delivered or given up; callers do not await it. */
  async send(payload: { text: string } & Record<string, unknown>): Promise<boolean> {
    const attempts = this.opts.attempts ?? 4;
    let wait = this.opts.backoffMs ?? 2000;
    let last = '';
    for (let i = 1; i <= attempts && !this.closed; i++) {
      const ac = new AbortController();
      this.inFlight.add(ac);
      const timer = setTimeout(() => ac.abort(), this.opts.timeoutMs ?? 10_000);
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: ac.signal,
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      } finally {
        clearTimeout(timer);
        this.inFlight.delete(ac);
      }
      if (i < attempts && !this.closed) {
        await new Promise((r) => setTimeout(r, wait).unref());
        wait *= 2;
      }
    }
    this.opts.log?.(`webhook: gave up after ${attempts} attempts (${last})`);
    return false;
  }

  close(): void {
    this.closed = true;
    for (const ac of this.inFlight) ac.abort();
  }
}
