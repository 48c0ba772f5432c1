// A phase-aware progress bar on stderr, shown only on a TTY (pipes and CI get nothing).
import cliProgress from 'cli-progress';
import type { Progress, ProgressFn } from '../../engine/index.js';

const PHASES: Record<string, string> = {
  reading: 'reading',
  indexing: 'indexing',
  flags: 'flags',
  shallow: 'shallow sizes',
  dominators: 'dominators',
  retained: 'retained sizes',
  distances: 'distances',
  names: 'class names',
  summary: 'summary',
  diagnosis: 'diagnosis',
};

export interface ProgressBar {
  update: ProgressFn;
  stop(): void;
}

export function progressBar(enabled = Boolean(process.stderr.isTTY)): ProgressBar {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: ' {phase} |{bar}| {percentage}% {detail}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: Progress) {
      const phase = (PHASES[p.phase] ?? p.phase).padEnd(14);
      const detail = p.total ? `${(p.done! / 1048576).toFixed(0)}/${(p.total / 1048576).toFixed(0)} MB` : '';
      const value = Math.round((p.ratio ?? 0) * 100);
      if (!started) {
        bar.start(100, value, { phase, detail });
        started = true;
      } else bar.update(value, { phase, detail });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
