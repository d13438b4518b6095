// skiff apply -f FILE|DIR|- ...: creates each object that does not exist and updates the others
// (kubectl's client-side apply: a three-way merge against the last applied configuration), then
// prints `pod/x created`, `replicaset.apps/web configured` or `... unchanged` per object.

import { ApiError, clone, resourceForKind, type KubeObject, type ResourceInfo } from '@skiff/api';
import { Command } from 'commander';
import {
  applyMergePatch,
  isPlainObject,
  LAST_APPLIED,
  managedFields,
  threeWayMergePatch,
  type Json,
  type JsonObject,
} from '../apply-patch.js';
import type { CliContext } from '../context.js';
import { CliError, isUnreachable, withSource } from '../errors.js';
import { readManifests, type Manifest } from '../manifests.js';
import { kindName } from '../printers/table.js';
import { collect, reportError, withContext, type Io } from './common.js';

export interface ApplyOptions {
  filename?: string[];
}

export interface Target {
  info: ResourceInfo;
  namespace: string;
  name: string;
  object: KubeObject;
  source: string;
}

/** Maps a manifest to its resource and namespace, with kubectl's errors for what does not fit. */
export function targetOf(ctx: Pick<CliContext, 'namespace' | 'namespaceExplicit'>, m: Manifest): Target {
  const obj = clone(m.object);
  const name = obj.metadata.name ?? '';
  const info = resourceForKind(obj.apiVersion, obj.kind);
  if (!info) {
    throw new CliError(
      `error: resource mapping not found for name: "${name}" namespace: "${obj.metadata.namespace ?? ''}" from "${m.source}": ` +
        `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`,
    );
  }
  if (name === '') throw new CliError(`error: error when retrieving current configuration of ${kindName(info)} from "${m.source}": resource name may not be empty`);
  let namespace = '';
  if (info.namespaced) {
    const own = obj.metadata.namespace;
    if (own && ctx.namespaceExplicit && own !== ctx.namespace) {
      throw new CliError(
        `error: the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`,
      );
    }
    namespace = own || ctx.namespace;
    obj.metadata.namespace = namespace;
  } else {
    delete obj.metadata.namespace;
  }
  return { info, namespace, name, object: obj, source: m.source };
}

/** The object as the user wrote it, with the last-applied annotation recording exactly that. */
function withLastApplied(obj: KubeObject): KubeObject {
  const out = clone(obj);
  delete out.status;
  const annotations = { ...(out.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const recorded = clone(out);
  if (Object.keys(annotations).length > 0) recorded.metadata.annotations = annotations;
  else delete recorded.metadata.annotations;
  out.metadata.annotations = { ...annotations, [LAST_APPLIED]: JSON.stringify(recorded) + '\n' };
  return out;
}

function lastApplied(current: KubeObject): JsonObject | undefined {
  const raw = current.metadata.annotations?.[LAST_APPLIED];
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isPlainObject(parsed) ? managedFields(parsed) : undefined;
  } catch {
    return undefined;
  }
}

export type ApplyResult = 'created' | 'configured' | 'unchanged';

export async function applyOne(ctx: CliContext, t: Target): Promise<ApplyResult> {
  const desired = withLastApplied(t.object);
  for (let attempt = 0; ; attempt++) {
    let current: KubeObject;
    try {
      current = await ctx.api().get(t.info.resource, t.namespace, t.name);
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'NotFound')) throw withSource('retrieving current configuration of', t.source, e);
      try {
        await ctx.api().create(t.info.resource, desired);
        return 'created';
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists' && attempt < 5) continue;
        throw withSource('creating', t.source, err);
      }
    }
    const currentJson = current as unknown as JsonObject;
    const patch = threeWayMergePatch(lastApplied(current), managedFields(desired as unknown as JsonObject), managedFields(currentJson));
    if (Object.keys(patch).length === 0) return 'unchanged';
    const updated = applyMergePatch(currentJson as Json, patch) as unknown as KubeObject;
    updated.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
    try {
      await ctx.api().update(t.info.resource, updated);
      return 'configured';
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Conflict' && attempt < 5) continue;
      throw withSource('patching', t.source, err);
    }
  }
}

export async function runApply(ctx: CliContext, io: Io, opts: ApplyOptions): Promise<number> {
  const manifests = await readManifests(opts.filename ?? []);
  if (manifests.length === 0) throw new CliError('error: no objects passed to apply');
  const errors: unknown[] = [];
  for (const m of manifests) {
    try {
      const t = targetOf(ctx, m);
      const result = await applyOne(ctx, t);
      io.out(`${kindName(t.info)}/${t.name} ${result}\n`);
    } catch (e) {
      // An unreachable server fails every object the same way: say it once.
      if (isUnreachable(e)) throw e;
      errors.push(e);
    }
  }
  for (const e of errors) reportError(io, e, ctx.server);
  return errors.length > 0 ? 1 : 0;
}

export function applyCommand(): Command {
  return new Command('apply')
    .description('Apply a configuration to a resource by file name or stdin (create it if absent, else update it)')
    .option('-f, --filename <path>', 'a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)', collect)
    .action(withContext((ctx, io, opts: ApplyOptions) => runApply(ctx, io, opts)));
}
