// skiff config set-context|view|current-namespace: the client config ($SKIFF_HOME/config.json:
// the apiserver's address and the current namespace) that every command reads.

import { Command } from 'commander';
import { currentNamespaceCommand } from './current-namespace.js';
import { setContextCommand } from './set-context.js';
import { viewCommand } from './view.js';

export function configCommand(): Command {
  return new Command('config')
    .description('Show or change the client config (the server and the current namespace)')
    .addCommand(setContextCommand())
    .addCommand(viewCommand())
    .addCommand(currentNamespaceCommand());
}
