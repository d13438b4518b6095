// Resolves what the user typed into resources: `pods`, `po`, `pod`, `replicasets.apps`,
// `pods,rs` (several kinds), `pod/web-1` (kind/name), the way kubectl's resource builder reads its
// arguments.

import { findResource, RESOURCES, type ResourceInfo } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
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

export interface Target {
  info: ResourceInfo;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

export interface TargetOptions {
  /** Every object of the kind when only a kind is given (kubectl's ResourceTypeOrNameArgs(true, ...)). */
  allowKindOnly?: boolean;
  /** -l: the objects of the kind that match. */
  selector?: string;
  /** --all: every object of the kind. */
  all?: boolean;
}

/** Resolves `TYPE NAME...`, `TYPE/NAME...`, or (as allowed) `TYPE [-l SEL | --all]` into objects. */
export async function resolveTargets(
  api: Pick<ApiInterface, 'list'>,
  namespace: string,
  args: readonly string[],
  verb: string,
  opts: TargetOptions = {},
): Promise<Target[]> {
  const out: Target[] = [];
  for (const { info, names } of parseResourceArgs(args, verb)) {
    const ns = info.namespaced ? namespace : '';
    if (names.length > 0) {
      if (opts.selector || opts.all) throw new CliError('error: name cannot be provided when a selector is specified');
      for (const name of names) out.push({ info, namespace: ns, name });
      continue;
    }
    if (!opts.selector && !opts.all && !opts.allowKindOnly) throw new CliError('error: resource(s) were provided, but no name was specified');
    const list = await api.list(info.resource, { namespace: ns, ...(opts.selector ? { labelSelector: opts.selector } : {}) });
    for (const o of list.items) out.push({ info, namespace: o.metadata.namespace ?? ns, name: o.metadata.name ?? '' });
  }
  return out;
}
