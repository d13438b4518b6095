// Resolves what the user typed into resources: `pods`, `po`, `pod`, `replicasets.apps`,
// `pods,rs` (several kinds), `pod/web-1` (kind/name), the way kubectl's resource builder reads its
// arguments.

import { findResource, RESOURCES, type ResourceInfo } from '@skiff/api';
import { CliError } from './errors.js';

export interface ResourceRequest {
  info: ResourceInfo;
  /** Empty: every object of the kind (subject to selectors). */
  names: string[];
}

export function resolveResource(name: string): ResourceInfo {
  const info = findResource(name);
  if (!info) throw new CliError(`error: the server doesn't have a resource type "${name}"`);
  return info;
}

export function resourceTypesHelp(): string {
  return RESOURCES.map((r) => r.resource).join(', ');
}

/** Parses `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`. */
export function parseResourceArgs(args: readonly string[], verb: string): ResourceRequest[] {
  const first = args[0];
  if (first === undefined || first === '') {
    throw new CliError(
      `You must specify the type of resource to ${verb}. Valid resource types: ${resourceTypesHelp()}\nerror: Required resource not specified.`,
    );
  }
  if (args.some((a) => a.includes('/'))) {
    if (!first.includes('/')) {
      throw new CliError(
        `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff ${verb} resource/<resource_name>' instead of 'skiff ${verb} resource resource/<resource_name>'`,
      );
    }
    const out: ResourceRequest[] = [];
    for (const arg of args) {
      const i = arg.indexOf('/');
      if (i <= 0 || i === arg.length - 1) throw new CliError(`error: arguments in resource/name form must have a single resource and name`);
      const info = resolveResource(arg.slice(0, i));
      const name = arg.slice(i + 1);
      const last = out[out.length - 1];
      if (last && last.info === info) last.names.push(name);
      else out.push({ info, names: [name] });
    }
    return out;
  }
  const kinds = first.split(',').filter((k) => k !== '');
  const infos: ResourceInfo[] = [];
  for (const k of kinds) {
    const info = resolveResource(k);
    if (!infos.includes(info)) infos.push(info);
  }
  const names = args.slice(1);
  return infos.map((info) => ({ info, names: [...names] }));
}
