// Running another program (or this one again) in the foreground: its stdio inherited, the
// signals a terminal or supervisor sends passed on, and its exit status handed back.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Run a child with signals forwarded; resolves with the exit code to use (128+n for signals). */
export function runForwarding(cmd: string, args: string[], opts: SpawnOptions): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (sig: NodeJS.Signals): void => {
    if (child.exitCode === null) child.kill(sig);
  };
  for (const s of signals) process.on(s, forward);
  const done = new Promise<number>((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`heapscope: cannot start ${cmd}: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      const n = signal ? ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 } as Record<string, number>)[signal] ?? 1 : 0;
      resolve(code ?? 128 + n);
    });
  });
  return { child, done };
}
