// skiff rollout status deployment/NAME [--watch=false] [--timeout D] [--revision N]: follows the
// rollout live through a watch on the Deployment, printing kubectl's line for each change of
// state, until it has rolled out (exit 0), its progress deadline is exceeded, it is deleted, or
// --timeout passes (exit 1). With --watch=false it prints the current state once.

import { ApiError, type Deployment } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { parseDuration } from '../../duration.js';
import { CliError } from '../../errors.js';
import { deploymentPods } from '../../workloads/fetch.js';
import { deploymentRolloutStatus, podWarning, RolloutError, withWarning } from '../../workloads/rollout-status.js';
import { parseBoolFlag, parseIntFlag, withContext, type Io } from '../common.js';
import { deploymentTargets } from './targets.js';

export interface RolloutStatusFlags {
  /** A string: `-w deployment/web`, where the word after -w was the resource, not a boolean. */
  watch: boolean | string;
  timeout?: string;
  revision: number;
}

/** Prints each new status line; says whether the command is finished. */
class StatusReporter {
  private last = '';

  constructor(
    private readonly ctx: CliContext,
    private readonly io: Io,
    private readonly flags: Readonly<RolloutStatusFlags> & { watch: boolean },
  ) {}

  async report(d: Deployment): Promise<boolean> {
    let status;
    try {
      status = deploymentRolloutStatus(d, this.flags.revision);
    } catch (e) {
      if (e instanceof RolloutError) throw new CliError(`error: ${e.message}`);
      throw e;
    }
    if (!status.done) {
      const warning = await deploymentPods(this.ctx.api(), d).then(podWarning, () => undefined);
      status = withWarning(status, warning);
    }
    if (status.message !== this.last) this.io.out(status.message);
    this.last = status.message;
    return status.done || !this.flags.watch;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** -w/--watch takes an optional true|false; any other word after it is an operand. */
export function parseWatchFlag(value: string): boolean | string {
  try {
    return parseBoolFlag(value);
  } catch {
    return value;
  }
}

export async function runRolloutStatus(ctx: CliContext, io: Io, operands: string[], given: RolloutStatusFlags, signal?: AbortSignal): Promise<number> {
  const args = typeof given.watch === 'string' ? [given.watch, ...operands] : operands;
  const flags = { ...given, watch: given.watch !== false };
  if (flags.revision < 0) throw new CliError(`error: revision must be a positive integer: ${flags.revision}`);
  const timeoutMs = flags.timeout ? parseDuration(flags.timeout) : 0;
  const targets = await deploymentTargets(ctx, args, 'rollout status', (gk) => `no status viewer has been implemented for ${gk}`);
  const t = targets[0];
  if (targets.length !== 1 || !t) {
    throw new CliError(`error: rollout status is only supported on individual resources and resource collections - ${targets.length} resources were found`);
  }
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const reporter = new StatusReporter(ctx, io, flags);
  const timedOut = (): CliError => new CliError('error: timed out waiting for the condition');

  for (;;) {
    if (signal?.aborted) return 1;
    if (Date.now() >= deadline) throw timedOut();
    const d = await ctx.api().get<Deployment>('deployments', t.namespace, t.name);
    if (await reporter.report(d)) return 0;

    const stream = ctx.api().watch<Deployment>('deployments', {
      namespace: t.namespace,
      fieldSelector: `metadata.name=${t.name}`,
      resourceVersion: d.metadata.resourceVersion ?? '',
    });
    const stop = (): void => stream.close();
    signal?.addEventListener('abort', stop, { once: true });
    const timer = deadline === Infinity ? undefined : setTimeout(stop, deadline - Date.now());
    let failed = false;
    try {
      for await (const ev of stream) {
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') throw new CliError('error: object has been deleted');
        if (await reporter.report(ev.object)) return 0;
      }
    } catch (e) {
      // A failed watch (e.g. its revision is gone) starts over from a fresh read.
      if (!(e instanceof ApiError) || e.reason === 'ServiceUnavailable') throw e;
      failed = true;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      stream.close();
    }
    if (signal?.aborted) return 1;
    if (Date.now() >= deadline) throw timedOut();
    if (failed) await sleep(250);
  }
}

export function rolloutStatusCommand(): Command {
  return new Command('status')
    .description("Show the status of a deployment's rollout, following it until it is done")
    .argument('[resource...]', 'deployment/NAME | deployment NAME')
    .option('-w, --watch [bool]', "watch the status until it's done (default true)", parseWatchFlag, true)
    .option('--timeout <duration>', 'how long to watch before giving up (e.g. 5m; 0: never)')
    .option('--revision <n>', 'pin to this revision (0: the latest)', parseIntFlag, 0)
    .action(withContext((ctx, io, args: string[], flags: RolloutStatusFlags) => runRolloutStatus(ctx, io, args, flags)));
}
