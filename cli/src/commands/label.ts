// skiff label [--overwrite] (TYPE NAME | TYPE/NAME) KEY=VALUE... KEY-...: `deployment.apps/web labeled`.

import { Command } from 'commander';
import { withContext } from './common.js';
import { runMetadataEdit, type MetadataEditFlags } from './edit-metadata.js';

export function labelCommand(): Command {
  return new Command('label')
    .description('Update the labels on a resource (KEY=VALUE sets, KEY- removes)')
    .usage('[--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N=VAL_N')
    .argument('[args...]', 'resources, then KEY=VALUE and KEY- changes')
    .option('--overwrite', 'allow changing the value of an existing label')
    .option('-l, --selector <selector>', 'the objects of the kind matching this label selector')
    .option('--all', 'every object of the kind in the namespace')
    .action(withContext((ctx, io, args: string[], flags: MetadataEditFlags) => runMetadataEdit(ctx, io, args, flags, 'labels')));
}
