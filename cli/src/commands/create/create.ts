// skiff create deployment|namespace|configmap|secret|service ...: kubectl's generators for objects
// simple enough to make from flags.

import { Command } from 'commander';
import { createConfigMapCommand } from './configmap.js';
import { createDeploymentCommand } from './deployment.js';
import { createNamespaceCommand } from './namespace.js';
import { createSecretCommand } from './secret.js';
import { createServiceCommand } from './service.js';

export function createCommand(): Command {
  return new Command('create')
    .description('Create a resource from flags (deployment, namespace, configmap, secret, service)')
    .addCommand(createDeploymentCommand())
    .addCommand(createNamespaceCommand())
    .addCommand(createConfigMapCommand())
    .addCommand(createSecretCommand())
    .addCommand(createServiceCommand());
}
