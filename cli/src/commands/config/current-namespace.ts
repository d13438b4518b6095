// skiff config current-namespace: the namespace commands use without -n.

import { Command } from 'commander';
import { withContext } from '../common.js';

export function currentNamespaceCommand(): Command {
  return new Command('current-namespace')
    .description('Print the namespace commands use without -n')
    .action(
      withContext(async (ctx, io) => {
        io.out(`${ctx.namespace}\n`);
        return 0;
      }),
    );
}
