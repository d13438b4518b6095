// skiff create namespace NAME: `namespace/NAME created`.

import type { Namespace } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { withContext, type Io } from '../common.js';
import { createSetup, printCreated, type CreateFlags } from './print-created.js';

export async function runCreateNamespace(ctx: CliContext, io: Io, names: string[], flags: CreateFlags): Promise<number> {
  if (names.length !== 1) throw new CliError(`error: exactly one NAME is required, got ${names.length}\nSee 'skiff create namespace -h' for help and examples`);
  const { info, dryRun } = createSetup('namespaces', flags);
  const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: names[0] ?? '' } };
  const result = dryRun === 'client' ? ns : await ctx.api().create<Namespace>('namespaces', ns, { dryRun: dryRun === 'server' });
  printCreated(io, info, result, flags.output, dryRun);
  return 0;
}

export function createNamespaceCommand(): Command {
  return new Command('namespace')
    .alias('ns')
    .description('Create a namespace with the specified name')
    .argument('[name...]', 'NAME')
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .option('-o, --output <format>', 'print the object: yaml, json or name')
    .action(withContext((ctx, io, names: string[], flags: CreateFlags) => runCreateNamespace(ctx, io, names, flags)));
}
