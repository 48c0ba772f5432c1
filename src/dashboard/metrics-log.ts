// Metrics history on disk, so a restarted dashboard still draws the last hour: one JSON-lines file
// per process under <data>/metrics/, appended every few seconds, rewritten with only the last hour
// once it grows past it, deleted an hour after the process's last sample. At most ~1.2 hours of
// samples per process that reported within the hour, so the directory stays bounded.
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sample } from './metrics.js';

interface MetricsLogOptions {
  /** History kept, ms (default 1 hour). */
  keepMs?: number;
  /** How often buffered samples are written, ms (default 5 s). */
  flushMs?: number;
  /** Lines per file before it is rewritten with the last `keepMs` (default 4200: 70 min at 1 Hz). */
  maxLines?: number;
}

const safeName = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '');

export class MetricsLog {
  readonly dir: string;
  private readonly keepMs: number;
  private readonly maxLines: number;
  private readonly pending = new Map<string, Sample[]>();
  private readonly lines = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly sweeper: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string, opts: MetricsLogOptions = {}) {
    this.dir = join(dataDir, 'metrics');
    this.keepMs = opts.keepMs ?? 3600_000;
    this.maxLines = opts.maxLines ?? 4200;
    this.timer = setInterval(() => void this.flush(), opts.flushMs ?? 5000);
    this.timer.unref();
    this.sweeper = setInterval(() => void this.sweep(), 10 * 60_000);
    this.sweeper.unref();
  }

  /** Samples of the last `keepMs` per process; files of processes silent for longer are removed. */
  async load(now = Date.now()): Promise<Map<string, Sample[]>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const out = new Map<string, Sample[]>();
    for (const name of await readdir(this.dir)) {
      const file = join(this.dir, name);
      if (!name.endsWith('.jsonl')) {
        if (name.endsWith('.tmp')) await rm(file, { force: true });
        continue;
      }
      try {
        if (now - (await stat(file)).mtimeMs > this.keepMs) {
          await rm(file, { force: true });
          continue;
        }
        const samples: Sample[] = [];
        let count = 0;
        for (const line of (await readFile(file, 'utf8')).split('\n')) {
          if (!line) continue;
          count++;
          try {
            const s = JSON.parse(line) as Sample;
            if (typeof s?.t === 'number' && now - s.t <= this.keepMs) samples.push(s);
          } catch {
            // a line torn by a crash mid-append
          }
        }
        const id = name.slice(0, -'.jsonl'.length);
        this.lines.set(id, count);
        if (samples.length) out.set(id, samples);
      } catch {
        // unreadable: skip
      }
    }
    return out;
  }

  append(processId: string, sample: Sample): void {
    let list = this.pending.get(processId);
    if (!list) this.pending.set(processId, (list = []));
    list.push(sample);
  }

  /** Writes buffered samples; `history` gives a process's whole ring when its file must be compacted. */
  flush(history?: (processId: string) => Sample[]): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    const next = this.writing.then(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      for (const [id, samples] of batch) {
        const file = join(this.dir, `${safeName(id)}.jsonl`);
        const count = (this.lines.get(id) ?? 0) + samples.length;
        try {
          if (count > this.maxLines) {
            const cutoff = Date.now() - this.keepMs;
            const keep = (history?.(id) ?? (await this.readBack(file)).concat(samples)).filter((s) => s.t >= cutoff);
            const tmp = `${file}.${process.pid}.tmp`;
            await writeFile(tmp, keep.map((s) => JSON.stringify(s)).join('\n') + '\n', { mode: 0o600 });
            await rename(tmp, file);
            this.lines.set(id, keep.length);
          } else {
            await appendFile(file, samples.map((s) => JSON.stringify(s)).join('\n') + '\n', { mode: 0o600 });
            this.lines.set(id, count);
          }
        } catch {
          // disk full or gone: the history in memory is still there
        }
      }
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async readBack(file: string): Promise<Sample[]> {
    try {
      return (await readFile(file, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Sample];
          } catch {
            return [];
          }
        });
    } catch {
      return [];
    }
  }

  /** Removes the files of processes whose last sample is older than keepMs. */
  async sweep(now = Date.now()): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(this.dir, name);
      try {
        if (name.endsWith('.jsonl') && now - (await stat(file)).mtimeMs > this.keepMs) {
          await rm(file, { force: true });
          this.lines.delete(name.slice(0, -'.jsonl'.length));
        }
      } catch {
        // raced with another dashboard's sweep
      }
    }
  }

  async close(history?: (processId: string) => Sample[]): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.sweeper);
    await this.flush(history);
  }
}
