#!/usr/bin/env node
// The `skiff` command line: wiring only. Each command lives in commands/<name>.ts.

import { Command } from 'commander';
import { applyCommand } from './commands/apply.js';
import { exitQuietlyOnBrokenPipe } from './commands/common.js';
import { deleteCommand } from './commands/delete.js';
import { describeCommand } from './commands/describe.js';
import { downCommand } from './commands/down.js';
import { getCommand } from './commands/get.js';
import { logsCommand } from './commands/logs.js';
import { upCommand } from './commands/up.js';
import { clientVersion, versionCommand } from './commands/version.js';

exitQuietlyOnBrokenPipe();

const program = new Command('skiff')
  .description('Skiff: a small Kubernetes-style orchestrator. Resource commands work like kubectl.')
  .version(clientVersion(), '--client-version', 'print the client version')
  .option('--server <host:port>', "the apiserver's gRPC address (default: the client config, else 127.0.0.1:6444)")
  .option('-n, --namespace <namespace>', 'the namespace (default: the client config, else default)')
  .option('--config <file>', 'the client config file (default: $SKIFF_HOME/config.json)')
  .showHelpAfterError()
  .addCommand(upCommand())
  .addCommand(downCommand())
  .addCommand(applyCommand())
  .addCommand(getCommand())
  .addCommand(describeCommand())
  .addCommand(deleteCommand())
  .addCommand(logsCommand())
  .addCommand(versionCommand());

await program.parseAsync(process.argv);
