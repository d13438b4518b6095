// skiff version [--client] [-o json|yaml]: the CLI's version and the apiserver's.

import fs from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { toJson, toYaml } from '../printers/output.js';
import { withContext, type Io } from './common.js';

export interface VersionOptions {
  client?: boolean;
  output?: string;
}

export function clientVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return `v${pkg.version ?? '0.0.0'}`;
  } catch {
    return 'v0.0.0';
  }
}

/** The server's version string from whatever its version document carries. */
export function serverVersionString(v: Readonly<Record<string, string>>): string {
  const s = v['gitVersion'] ?? v['version'] ?? v['serverVersion'];
  if (s) return s.startsWith('v') ? s : `v${s}`;
  return JSON.stringify(v);
}

export async function runVersion(ctx: CliContext, io: Io, opts: VersionOptions): Promise<number> {
  const client = { gitVersion: clientVersion(), platform: `${process.platform}/${process.arch}`, nodeVersion: process.version };
  if (opts.output !== undefined && opts.output !== 'json' && opts.output !== 'yaml') {
    throw new CliError(`error: --output must be 'yaml' or 'json'`);
  }
  let server: Record<string, string> | undefined;
  let failure: unknown;
  if (!opts.client) {
    try {
      server = await ctx.api().version();
    } catch (e) {
      failure = e;
    }
  }
  if (opts.output) {
    const doc = { clientVersion: client, ...(server ? { serverVersion: server } : {}) };
    io.out(opts.output === 'json' ? toJson(doc) : toYaml(doc));
  } else {
    io.out(`Client Version: ${client.gitVersion}\n`);
    if (server) io.out(`Server Version: ${serverVersionString(server)}\n`);
  }
  if (failure) throw failure;
  return 0;
}

export function versionCommand(): Command {
  return new Command('version')
    .description('Print the client and server version information')
    .option('--client', 'only the client version (no server needed)')
    .option('-o, --output <format>', 'yaml or json')
    .action(withContext((ctx, io, opts: VersionOptions) => runVersion(ctx, io, opts)));
}
