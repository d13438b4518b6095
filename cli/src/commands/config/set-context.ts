// skiff config set-context --current --namespace NS: makes NS the namespace every command uses
// without -n (kubectl's `config set-context --current --namespace`). An empty namespace goes back
// to `default`. The -n/--namespace flag is the global one, read here as the value to store.

import { readConfig, writeConfig, type ClientConfig } from '@skiff/client';
import { Command } from 'commander';
import { CliError } from '../../errors.js';
import type { GlobalOptions } from '../../context.js';
import { DEFAULT_SERVER } from '../../context.js';
import { processIo, reportError, type Io } from '../common.js';

export interface SetContextFlags {
  current?: boolean;
}

/** The config after setting the namespace ('' removes it). */
export function withNamespace(config: Readonly<ClientConfig> | undefined, server: string, namespace: string | undefined): ClientConfig {
  const out: ClientConfig = { ...(config ?? { server }) };
  if (namespace === undefined) return out;
  if (namespace === '') delete out.namespace;
  else out.namespace = namespace;
  return out;
}

export function runSetContext(io: Io, names: readonly string[], flags: Readonly<SetContextFlags>, globals: Readonly<GlobalOptions>): number {
  if (names.length > 0) throw new CliError(`error: skiff has one context; use --current instead of naming one ("${names[0] ?? ''}")`);
  if (!flags.current) throw new CliError('error: you must specify --current');
  const file = globals.config;
  const config = readConfig(file);
  const next = withNamespace(config, globals.server || DEFAULT_SERVER, globals.namespace);
  if (file) writeConfig(next, file);
  else writeConfig(next);
  io.out(`Context modified: namespace ${next.namespace ? `"${next.namespace}"` : 'default'}.\n`);
  return 0;
}

export function setContextCommand(): Command {
  return new Command('set-context')
    .description('Change the current context: --current -n NS (or --namespace NS) sets the current namespace')
    .usage('--current --namespace NS')
    .argument('[name...]')
    .option('--current', 'modify the current context (the only one)')
    .action((names: string[], flags: SetContextFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      try {
        runSetContext(processIo, names, flags, globals);
      } catch (e) {
        reportError(processIo, e, globals.server ?? DEFAULT_SERVER);
        process.exitCode = 1;
      }
    });
}
