// Can this process afford a heap snapshot? The writer's native memory (see snapshot-cost.ts) must
// fit under every limit that can kill the process: the cgroup's (v2 memory.max / memory.high, v1
// limit_in_bytes, at every level up the hierarchy), the machine's available memory, and an
// operator's HEAPSCOPE_MEMORY_LIMIT. Separately, a heap already near V8's old-generation limit is
// refused: the snapshot's own collections and allocations can tip it into a fatal OOM.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { settledHeapUsed } from './heap-spaces.js';
import { SURVEY_FRESH_MS, knownSurvey } from './heap-survey.js';
import { CENSUS_DECISION_MARGIN, costModel, readHeapShape, type CostForecast, type SnapshotCostModel } from './snapshot-cost.js';

const MB = 1024 * 1024;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readNumber(file: string): number | undefined {
  const n = Number(readText(file)?.trim());
  // "max" reads as NaN; cgroup v1 reports "no limit" as a huge page-aligned number.
  return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : undefined;
}

/** A field of a cgroup memory.stat file (reclaimable page cache is not memory the process needs). */
function statField(file: string, field: string): number {
  const m = new RegExp(`^${field} (\\d+)$`, 'm').exec(readText(file) ?? '');
  return m ? Number(m[1]) : 0;
}

interface CgroupMemory {
  /** The tightest limit found, bytes. */
  limit: number;
  /** Usage of the cgroup that sets it, less its inactive page cache. */
  usage?: number;
  /** Which file set it, e.g. "memory.max". */
  source: string;
}

/** The directories from this process's cgroup up to the mount root (a namespaced container sees "/"). */
function cgroupDirs(root: string, mount: string, controller: (line: string) => string | undefined): string[] {
  let rel: string | undefined;
  for (const line of (readText(join(root, 'proc/self/cgroup')) ?? '').split('\n')) rel ??= controller(line);
  const dirs: string[] = [];
  for (let p = rel ?? '/'; ; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    dirs.push(join(mount, p));
    if (p === '/') break;
  }
  return dirs;
}

/**
 * The tightest cgroup (v2, else v1) memory limit over this process's hierarchy, when one is set.
 * `root` is where /proc and /sys are found ('/' but in tests of a layout this kernel lacks).
 */
export function cgroupMemory(root = '/'): CgroupMemory | undefined {
  if (process.platform !== 'linux') return undefined;
  let best: CgroupMemory | undefined;
  const consider = (limit: number | undefined, usage: number | undefined, source: string): void => {
    if (limit === undefined) return;
    if (!best || limit - (usage ?? 0) < best.limit - (best.usage ?? 0)) best = { limit, usage, source };
  };
  const v2 = cgroupDirs(root, join(root, 'sys/fs/cgroup'), (l) => (l.startsWith('0::') ? l.slice(3) : undefined));
  for (const dir of v2) {
    const current = readNumber(join(dir, 'memory.current'));
    if (current === undefined && readText(join(dir, 'memory.max')) === undefined) continue;
    const usage = current === undefined ? undefined : current - statField(join(dir, 'memory.stat'), 'inactive_file');
    consider(readNumber(join(dir, 'memory.max')), usage, 'cgroup memory.max');
    consider(readNumber(join(dir, 'memory.high')), usage, 'cgroup memory.high');
  }
  if (best) return best;
  const v1 = cgroupDirs(root, join(root, 'sys/fs/cgroup/memory'), (l) => /^\d+:([^:]*,)?memory(,[^:]*)?:(.*)$/.exec(l)?.[3]);
  for (const dir of v1) {
    const current = readNumber(join(dir, 'memory.usage_in_bytes'));
    const usage = current === undefined ? undefined : current - statField(join(dir, 'memory.stat'), 'total_inactive_file');
    consider(readNumber(join(dir, 'memory.limit_in_bytes')), usage, 'cgroup memory.limit_in_bytes');
  }
  return best;
}

/** MemAvailable (what the kernel can hand out without swapping), else os.freemem(). */
function availableSystemMemory(): number {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readText('/proc/meminfo') ?? '');
  return m ? Number(m[1]) * 1024 : os.freemem();
}

/** "512M", "2G", "1.5g", "1073741824": bytes. Undefined when not a size. */
export function parseBytes(text: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text ?? '');
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: MB, g: 1024 * MB, t: 1024 * 1024 * MB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Number(m[1]) * unit;
  return n > 0 ? n : undefined;
}

/** A V8 flag's value in MB from this process's command line or NODE_OPTIONS. */
function v8FlagMb(name: string): number | undefined {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  let value: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.replace(/_/g, '-');
    if (a.startsWith(`--${name}=`)) value = Number(a.slice(name.length + 3));
    else if (a === `--${name}` && args[i + 1]) value = Number(args[++i]);
  }
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The old generation's limit: what --max-old-space-size says. heap_size_limit adds the young
 * generation's reserve (3 semi-spaces, 48 MB by default on 64-bit), so with
 * --max-old-space-size=64 it reads 112 MB and a 60 MB heap would look 54 % full.
 */
function oldGenerationLimit(): number {
  const flag = v8FlagMb('max-old-space-size');
  const limit = v8.getHeapStatistics().heap_size_limit;
  if (flag !== undefined) return Math.min(limit, flag * MB);
  return Math.max(limit / 2, limit - 3 * (v8FlagMb('max-semi-space-size') ?? 16) * MB);
}

/** Old-generation bytes in use (heap used less the young generation) and the old generation's limit. */
export function oldGeneration(): { used: number; limit: number } {
  return { used: settledHeapUsed(), limit: oldGenerationLimit() };
}

export interface HeadroomPolicy {
  /** Multiplier on the model's prediction (default 1). */
  factor: number;
  /** Refuse when the old generation is above this fraction of its limit (default 0.9). */
  maxHeapFraction: number;
  /** An operator's memory limit for this process's RSS (HEAPSCOPE_MEMORY_LIMIT), bytes. */
  memoryLimit?: number;
}

export interface HeadroomCheck {
  forecast: CostForecast;
  /** Predicted peak RSS delta, with the policy's factor applied. */
  predicted: number;
  /** What must fit: the prediction, plus room for its error when a census priced it. */
  need: number;
  /** The tightest room found, and the limit that sets it. */
  available: number;
  limitedBy: string;
  /** Why to refuse, naming the numbers; undefined when the snapshot fits. */
  refusal?: string;
  /** The refusal is the predicted memory (a closer prediction could lift it), not the heap's own limit. */
  memoryRefusal?: boolean;
}

/**
 * Predicts the next snapshot's cost and checks it against every effective limit. `surveyMaxAgeMs`:
 * how old a survey of the heap may be to count (./heap-survey.ts).
 */
export function checkHeadroom(policy: HeadroomPolicy, model: SnapshotCostModel = costModel, surveyMaxAgeMs = SURVEY_FRESH_MS): HeadroomCheck {
  const shape = readHeapShape(knownSurvey(surveyMaxAgeMs));
  const forecast = model.forecast(shape);
  const predicted = forecast.peakRssDelta * policy.factor;
  // A census-priced prediction keeps room for its error on shapes unlike the measured ones.
  const margin = forecast.basis === 'census' ? CENSUS_DECISION_MARGIN : 1;
  const need = predicted * margin;
  const rss = shape.rss;
  let available = availableSystemMemory();
  let limitedBy = 'free system memory (MemAvailable)';
  const cg = cgroupMemory();
  if (cg) {
    const room = cg.limit - (cg.usage ?? rss);
    if (room < available) {
      available = room;
      limitedBy = `room under the ${cg.source} of ${mb(cg.limit)}`;
    }
  }
  if (policy.memoryLimit !== undefined && policy.memoryLimit - rss < available) {
    available = policy.memoryLimit - rss;
    limitedBy = `room under HEAPSCOPE_MEMORY_LIMIT=${mb(policy.memoryLimit)} (RSS ${mb(rss)})`;
  }
  const check: HeadroomCheck = { forecast, predicted, need, available, limitedBy };
  const { used: oldUsed, limit: oldLimit } = oldGeneration();
  if (oldUsed > policy.maxHeapFraction * oldLimit) {
    check.refusal =
      `the heap is at ${pct(oldUsed / oldLimit)} of its old-generation limit (${mb(oldUsed)} of ${mb(oldLimit)}); ` +
      `a snapshot now could push it over (threshold ${pct(policy.maxHeapFraction)})`;
  } else if (need > available) {
    check.memoryRefusal = true;
    check.refusal =
      `a snapshot would raise RSS by about ${mb(predicted)} at its peak (predicted from ${mb(shape.heapUsed)} of heap used, ` +
      `${BASIS_TEXT[forecast.basis]}${margin > 1 ? `; ${mb(need)} with room for its error` : ''}) but only ${mb(Math.max(0, available))} is available: ${limitedBy}`;
  }
  return check;
}

/** Where a prediction comes from, for the refusal (the dashboard shows the same words). */
export const BASIS_TEXT: Record<CostForecast['basis'], string> = {
  default: 'the worst heap shape measured',
  census: "a census of this heap's objects",
  learned: "this process's last snapshot",
  project: "snapshots of this project's other processes",
};

const mb = (n: number): string => `${Math.round(n / MB)} MB`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;
