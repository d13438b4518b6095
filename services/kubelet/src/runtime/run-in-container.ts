// A command run to completion in a container, its stdout and stderr combined (Kubernetes'
// ExecSync, as exec probes and exec lifecycle hooks use it), with a timeout on an injected clock.

import type { Clock } from '@skiff/machinery';
import type { ContainerRuntime } from './runtime.js';

export interface RunResult {
  /** Undefined when the command timed out. */
  exitCode?: number;
  /** stdout and stderr as they came, at most `maxOutputBytes`. */
  output: string;
  timedOut: boolean;
}

export interface RunOptions {
  clock: Clock;
  /** Stop waiting after this long (the command may go on running, as with Kubernetes). */
  timeoutMs?: number;
  /** Kubernetes keeps 10 KiB of a probe's output. */
  maxOutputBytes?: number;
}

/** Rejects only when the command could not be started (no such container, not running, engine down). */
export async function runInContainer(runtime: ContainerRuntime, id: string, cmd: string[], o: RunOptions): Promise<RunResult> {
  const session = await runtime.exec(id, { cmd });
  const max = o.maxOutputBytes ?? 10 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (b: Buffer): void => {
    if (size >= max) return;
    const part = b.subarray(0, max - size);
    chunks.push(part);
    size += part.length;
  };
  const drained = Promise.all(
    [session.stdout, session.stderr].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.on('data', keep);
          s.on('end', resolve);
          s.on('close', resolve);
          s.on('error', () => resolve());
        }),
    ),
  );
  let timer: unknown;
  const timeout = new Promise<'timeout'>((resolve) => {
    if (o.timeoutMs !== undefined) timer = o.clock.setTimeout(() => resolve('timeout'), o.timeoutMs);
  });
  try {
    const done = await Promise.race([Promise.all([session.exitCode, drained]).then(([code]) => code), timeout]);
    const output = Buffer.concat(chunks).toString('utf8');
    if (done === 'timeout') {
      session.close();
      return { output, timedOut: true };
    }
    return { exitCode: done, output, timedOut: false };
  } finally {
    if (timer !== undefined) o.clock.clearTimeout(timer);
  }
}
