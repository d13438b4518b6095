// The client configuration `skiff up` writes so later commands need no flags: where the apiserver
// listens and the current namespace. Lives in $SKIFF_HOME (default ~/.skiff)/config.json.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ClientConfig {
  /** host:port of the apiserver's gRPC endpoint. */
  server: string;
  namespace?: string;
}

export function skiffHome(): string {
  return process.env['SKIFF_HOME'] ?? path.join(os.homedir(), '.skiff');
}

export function configPath(): string {
  return process.env['SKIFF_CONFIG'] ?? path.join(skiffHome(), 'config.json');
}

export function readConfig(file = configPath()): ClientConfig | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ClientConfig;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read client config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function writeConfig(config: ClientConfig, file = configPath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
