// skiff create deployment NAME --image IMAGE [--image ...] [--replicas N] [--port P] [-- CMD ...]:
// kubectl's generated Deployment (labels and selector `app: NAME`), printed as
// `deployment.apps/NAME created`.

import { ApiError, type Deployment } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError, isUnreachable } from '../../errors.js';
import { buildDeployment } from '../../workloads/create-deployment.js';
import { collectList, operandsBeforeDash, parseIntFlag, withContext, type Io } from '../common.js';
import { createSetup, printCreated, type CreateFlags } from './print-created.js';

export interface CreateDeploymentFlags extends CreateFlags {
  image?: string[];
  replicas: number;
  port: number;
}

export async function runCreateDeployment(ctx: CliContext, io: Io, operands: string[], namedCount: number, flags: CreateDeploymentFlags): Promise<number> {
  if (namedCount !== 1) {
    throw new CliError(`error: exactly one NAME is required, got ${namedCount}\nSee 'skiff create deployment -h' for help and examples`);
  }
  const images = flags.image ?? [];
  if (images.length === 0) throw new CliError('error: required flag(s) "image" not set');
  const command = operands.slice(1);
  if (images.length > 1 && command.length > 0) throw new CliError('error: cannot specify multiple --image options and command');
  const { info, dryRun } = createSetup('deployments', flags);
  const deploy = buildDeployment({
    name: operands[0] ?? '',
    images,
    replicas: flags.replicas,
    port: flags.port,
    command,
    ...(ctx.namespaceExplicit ? { namespace: ctx.namespace } : {}),
  });
  let result: Deployment = deploy;
  if (dryRun !== 'client') {
    try {
      result = await ctx.api().create<Deployment>('deployments', { ...deploy, metadata: { ...deploy.metadata, namespace: ctx.namespace } }, { dryRun: dryRun === 'server' });
    } catch (e) {
      if (e instanceof ApiError && !isUnreachable(e)) throw new CliError(`error: failed to create deployment: ${e.message}`);
      throw e;
    }
  }
  printCreated(io, info, result, flags.output, dryRun);
  return 0;
}

export function createDeploymentCommand(): Command {
  return new Command('deployment')
    .alias('deploy')
    .description('Create a deployment with the specified name')
    .usage('NAME --image=image [--replicas=N] [--port=P] [-- COMMAND [args...]]')
    .argument('[args...]', 'NAME, then (after --) the command to run')
    .option('--image <image>', 'image to run (repeatable, or comma-separated)', collectList)
    .option('-r, --replicas <n>', 'number of replicas to create', parseIntFlag, 1)
    .option('--port <port>', 'the port the (first) container exposes', parseIntFlag, -1)
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .option('-o, --output <format>', 'print the object: yaml, json or name')
    .action(
      withContext((ctx, io, operands: string[], flags: CreateDeploymentFlags, cmd: Command) =>
        runCreateDeployment(ctx, io, operands, operandsBeforeDash(cmd, operands), flags),
      ),
    );
}
