// skiff config view [-o yaml|json]: the client config file as stored.

import { readConfig } from '@skiff/client';
import { Command } from 'commander';
import { CliError } from '../../errors.js';
import type { GlobalOptions } from '../../context.js';
import { toJson, toYaml } from '../../printers/output.js';
import { processIo, reportError, type Io } from '../common.js';

export function runConfigView(io: Io, output: string | undefined, globals: Readonly<GlobalOptions>): number {
  if (output !== undefined && output !== 'yaml' && output !== 'json') throw new CliError(`error: --output must be 'yaml' or 'json'`);
  const config = readConfig(globals.config) ?? {};
  io.out(output === 'json' ? toJson(config) : toYaml(config));
  return 0;
}

export function viewCommand(): Command {
  return new Command('view')
    .description('Show the client config')
    .option('-o, --output <format>', 'yaml (default) or json')
    .action((flags: { output?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      try {
        runConfigView(processIo, flags.output, globals);
      } catch (e) {
        reportError(processIo, e, '');
        process.exitCode = 1;
      }
    });
}
