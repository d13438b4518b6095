// What `label` and `annotate` share: `(TYPE NAME | TYPE/NAME) KEY=VALUE... KEY-...`, refusing to
// change an existing value without --overwrite, then one JSON merge patch of
// metadata.labels / metadata.annotations per object, as kubectl's label.go and annotate.go do.

import type { KubeObject } from '@skiff/api';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { operationLine } from '../printers/output.js';
import { resolveTargets, type Target } from '../resource-args.js';
import { CHANGE_CAUSE_ANNOTATION } from '../workloads/replica-sets.js';
import { keyValuePatch, overwrites, parsePairs, splitResourcesAndPairs, type ParsedPairs } from '../workloads/key-value-args.js';
import { forEachTarget, type Io } from './common.js';

export interface MetadataEditFlags {
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
}

export type MetadataField = 'labels' | 'annotations';

/** kubectl's errors for values that would change without --overwrite. */
export function overwriteError(field: MetadataField, current: Readonly<Record<string, string>> | undefined, set: ReadonlyMap<string, string>): CliError | undefined {
  if (field === 'labels') {
    const found = overwrites(current, set).map((o) => `'${o.key}' already has a value (${o.value}), and --overwrite is false`);
    if (found.length === 0) return undefined;
    return new CliError(`error: ${found.length === 1 ? (found[0] ?? '') : `[${found.join(', ')}]`}`);
  }
  // The change-cause annotation may always be overwritten.
  const found = overwrites(current, set, new Set([CHANGE_CAUSE_ANNOTATION])).map((o) => `'${o.key}' already has a value (${o.value})`);
  if (found.length === 0) return undefined;
  return new CliError(`error: --overwrite is false but found the following declared annotation(s): ${found.join('; ')}`);
}

async function editOne(ctx: CliContext, io: Io, t: Target, field: MetadataField, parsed: ParsedPairs, flags: MetadataEditFlags): Promise<void> {
  const obj = await ctx.api().get<KubeObject>(t.info.resource, t.namespace, t.name);
  const current = obj.metadata[field];
  if (!flags.overwrite) {
    const err = overwriteError(field, current, parsed.set);
    if (err) throw err;
  }
  if (field === 'labels') for (const k of parsed.remove) if (current?.[k] === undefined) io.out(`label "${k}" not found.\n`);
  const patch = keyValuePatch(current, parsed);
  const changed = Object.keys(patch).length > 0;
  if (changed) await ctx.api().patch(t.info.resource, t.namespace, t.name, { metadata: { [field]: patch } });
  const operation = field === 'labels' ? (changed ? 'labeled' : 'not labeled') : 'annotated';
  io.out(operationLine(t.info, t.name, operation));
}

export async function runMetadataEdit(ctx: CliContext, io: Io, args: string[], flags: MetadataEditFlags, field: MetadataField): Promise<number> {
  const pairType = field === 'labels' ? 'label' : 'annotation';
  if (flags.all && flags.selector) throw new CliError('error: cannot set --all and --selector at the same time');
  const { resources, pairs } = splitResourcesAndPairs(args, pairType);
  if (resources.length === 0) throw new CliError('error: one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (pairs.length === 0) throw new CliError(`error: at least one ${pairType} update is required`);
  const parsed = parsePairs(pairs, pairType, true);
  const targets = await resolveTargets(ctx.api(), ctx.namespace, resources, field === 'labels' ? 'label' : 'annotate', {
    ...(flags.selector ? { selector: flags.selector } : {}),
    ...(flags.all ? { all: true } : {}),
  });
  return forEachTarget(io, ctx.server, targets, (t) => editOne(ctx, io, t, field, parsed, flags));
}
