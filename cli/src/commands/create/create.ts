// skiff create deployment|namespace ...: kubectl's generators for objects simple enough to make
// from flags.

import { Command } from 'commander';
import { createDeploymentCommand } from './deployment.js';
import { createNamespaceCommand } from './namespace.js';

export function createCommand(): Command {
  return new Command('create')
    .description('Create a resource from flags (deployment, namespace)')
    .addCommand(createDeploymentCommand())
    .addCommand(createNamespaceCommand());
}
