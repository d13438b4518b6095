// skiff annotate [--overwrite] (TYPE NAME | TYPE/NAME) KEY=VALUE... KEY-...:
// `deployment.apps/web annotated`. `kubernetes.io/change-cause` is what `rollout history` shows.

import { Command } from 'commander';
import { withContext } from './common.js';
import { runMetadataEdit, type MetadataEditFlags } from './edit-metadata.js';

export function annotateCommand(): Command {
  return new Command('annotate')
    .description('Update the annotations on a resource (KEY=VALUE sets, KEY- removes)')
    .usage('[--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N=VAL_N')
    .argument('[args...]', 'resources, then KEY=VALUE and KEY- changes')
    .option('--overwrite', 'allow changing the value of an existing annotation')
    .option('-l, --selector <selector>', 'the objects of the kind matching this label selector')
    .option('--all', 'every object of the kind in the namespace')
    .action(withContext((ctx, io, args: string[], flags: MetadataEditFlags) => runMetadataEdit(ctx, io, args, flags, 'annotations')));
}
