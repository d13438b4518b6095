// skiff create configmap NAME [--from-file [key=]path]... [--from-literal key=value]...
// [--from-env-file path]...: kubectl's generated ConfigMap, printed as `configmap/NAME created`.

import { ApiError, type KubeObject } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError, isUnreachable } from '../../errors.js';
import { collect, withContext, type Io } from '../common.js';
import { buildConfigMap, type DataSourceFlags } from './data-sources.js';
import { createSetup, printCreated, type CreateFlags } from './print-created.js';

export interface CreateDataFlags extends CreateFlags, DataSourceFlags {}

/** NameFromCommandArgs: exactly one NAME. */
export function oneName(names: readonly string[], command: string): string {
  if (names.length !== 1) throw new CliError(`error: exactly one NAME is required, got ${names.length}\nSee 'skiff create ${command} -h' for help and examples`);
  return names[0] ?? '';
}

/** Creates the object (unless a client dry run) and prints it; a server refusal reads `failed to create <what>...`. */
export async function createAndPrint<T extends KubeObject>(ctx: CliContext, io: Io, resource: string, obj: T, flags: Readonly<CreateFlags>, failure: (message: string) => string): Promise<number> {
  const { info, dryRun } = createSetup(resource, flags);
  let result: T = obj;
  if (dryRun !== 'client') {
    try {
      result = await ctx.api().create<T>(resource, { ...obj, metadata: { ...obj.metadata, namespace: ctx.namespace } }, { dryRun: dryRun === 'server' });
    } catch (e) {
      if (e instanceof ApiError && !isUnreachable(e)) throw new CliError(`error: ${failure(e.message)}`);
      throw e;
    }
  }
  printCreated(io, info, result, flags.output, dryRun);
  return 0;
}

export async function runCreateConfigMap(ctx: CliContext, io: Io, names: string[], flags: CreateDataFlags): Promise<number> {
  const name = oneName(names, 'configmap');
  createSetup('configmaps', flags);
  const cm = buildConfigMap(name, ctx.namespaceExplicit ? ctx.namespace : undefined, flags);
  return createAndPrint(ctx, io, 'configmaps', cm, flags, (m) => `failed to create configmap: ${m}`);
}

/** The flags `create configmap` and `create secret generic` share. */
export function withDataSourceOptions(cmd: Command): Command {
  return cmd
    .option('--from-file <source>', 'a file ([key=]path; the key defaults to the file name) or a directory (each regular file in it); repeatable', collect)
    .option('--from-literal <key=value>', 'a key and its literal value; repeatable', collect)
    .option('--from-env-file <path>', 'a file of KEY=value lines (a Docker .env file); repeatable', collect)
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .option('-o, --output <format>', 'print the object: yaml, json or name');
}

export function createConfigMapCommand(): Command {
  return withDataSourceOptions(
    new Command('configmap').alias('cm').description('Create a config map from files, directories, literal values or env files').argument('[name...]', 'NAME'),
  ).action(withContext((ctx, io, names: string[], flags: CreateDataFlags) => runCreateConfigMap(ctx, io, names, flags)));
}
