// What `create` prints: the object (-o yaml|json), its name (-o name) or `kind/name created`,
// with kubectl's dry-run suffix.

import { findResource, type KubeObject, type ResourceInfo } from '@skiff/api';
import { CliError } from '../../errors.js';
import { nameOutput, operationLine, parseDryRun, toJson, toYaml, type DryRun } from '../../printers/output.js';
import type { Io } from '../common.js';

export interface CreateFlags {
  dryRun?: string | boolean;
  output?: string;
}

/** What every create checks first: -o and --dry-run; and the kind it makes. */
export function createSetup(resource: string, flags: Readonly<CreateFlags>): { info: ResourceInfo; dryRun: DryRun } {
  const { output } = flags;
  if (output !== undefined && output !== '' && output !== 'yaml' && output !== 'json' && output !== 'name') {
    throw new CliError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,yaml`);
  }
  const dryRun = parseDryRun(flags.dryRun);
  const info = findResource(resource);
  if (!info) throw new CliError(`error: the server doesn't have a resource type "${resource}"`);
  return { info, dryRun };
}

export function printCreated(io: Io, info: Readonly<ResourceInfo>, obj: KubeObject, output: string | undefined, dryRun: DryRun): void {
  if (output === 'yaml') io.out(toYaml(obj));
  else if (output === 'json') io.out(toJson(obj));
  else if (output === 'name') io.out(`${nameOutput(info, obj)}\n`);
  else io.out(operationLine(info, obj.metadata.name ?? '', 'created', dryRun));
}
