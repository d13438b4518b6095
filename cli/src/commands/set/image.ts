// skiff set image (TYPE NAME | TYPE/NAME) CONTAINER=IMAGE [...]: changes the image of containers in
// a pod template (Deployments, ReplicaSets) or a pod, as kubectl set image does, and prints
// `deployment.apps/web image updated`. A container name that matches nothing is an error and
// nothing is changed.

import type { Deployment, KubeObject, Pod, PodSpec, ReplicaSet } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { operationLine } from '../../printers/output.js';
import { resourceName } from '../../printers/table.js';
import { readModifyWrite } from '../../read-modify-write.js';
import { resolveTargets, type Target } from '../../resource-args.js';
import { parsePairs, splitResourcesAndPairs } from '../../workloads/key-value-args.js';
import { setImages } from '../../workloads/set-image.js';
import { forEachTarget, withContext, type Io } from '../common.js';

export interface SetImageFlags {
  selector?: string;
  all?: boolean;
}

/** The images to set, validated as kubectl's SetImageOptions.Validate does. */
export function parseSetImageArgs(args: readonly string[]): { resources: string[]; images: Map<string, string> } {
  const { resources, pairs } = splitResourcesAndPairs(args, 'image');
  const { set } = parsePairs(pairs, 'image', false);
  const errors: string[] = [];
  if (resources.length === 0) errors.push('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (set.size === 0) errors.push('at least one image update is required');
  else if (set.size > 1 && set.has('*')) errors.push('all containers are already specified by *, but saw more than one container_name=container_image pairs');
  if (errors.length === 1) throw new CliError(`error: ${errors[0] ?? ''}`);
  if (errors.length > 1) throw new CliError(`error: [${errors.join(', ')}]`);
  return { resources, images: set };
}

/** Where an object keeps its pod spec. */
function podSpecOf(t: Target, obj: KubeObject): PodSpec {
  if (t.info.resource === 'pods') return (obj as Pod).spec;
  if (t.info.resource === 'deployments' || t.info.resource === 'replicasets') return (obj as Deployment | ReplicaSet).spec.template.spec;
  throw new CliError(`error: ${resourceName(t.info)} "${t.name}" is not a pod and has no pod template`);
}

function withPodSpec(t: Target, obj: KubeObject, spec: PodSpec): KubeObject {
  if (t.info.resource === 'pods') (obj as Pod).spec = spec;
  else (obj as Deployment | ReplicaSet).spec.template.spec = spec;
  return obj;
}

/** Sets the images on one object; false when it already had them. */
async function setImageOn(ctx: CliContext, t: Target, images: ReadonlyMap<string, string>): Promise<boolean> {
  const { after } = await readModifyWrite(ctx.api(), t.info.resource, t.namespace, t.name, (current) => {
    const result = setImages(podSpecOf(t, current), images);
    if (result.missing.length > 0) throw new CliError(result.missing.map((name) => `error: unable to find container named "${name}"`).join('\n'));
    return result.changed ? withPodSpec(t, current, result.spec) : undefined;
  });
  return after !== undefined;
}

export async function runSetImage(ctx: CliContext, io: Io, args: string[], flags: SetImageFlags): Promise<number> {
  if (flags.all && flags.selector) throw new CliError('error: cannot set --all and --selector at the same time');
  const { resources, images } = parseSetImageArgs(args);
  const targets = await resolveTargets(ctx.api(), ctx.namespace, resources, 'set image', {
    ...(flags.selector ? { selector: flags.selector } : {}),
    ...(flags.all ? { all: true } : {}),
  });
  return forEachTarget(io, ctx.server, targets, async (t) => {
    if (await setImageOn(ctx, t, images)) io.out(operationLine(t.info, t.name, 'image updated'));
  });
}

export function setImageCommand(): Command {
  return new Command('image')
    .description('Update the image of containers in a pod template or pod (CONTAINER=IMAGE; * for every container)')
    .usage('(TYPE NAME | TYPE/NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N')
    .argument('[args...]', 'resources, then CONTAINER=IMAGE pairs')
    .option('-l, --selector <selector>', 'the objects of the kind matching this label selector')
    .option('--all', 'every object of the kind in the namespace')
    .action(withContext((ctx, io, args: string[], flags: SetImageFlags) => runSetImage(ctx, io, args, flags)));
}
