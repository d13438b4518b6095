#!/usr/bin/env node
// The `skiff` command line: wiring only. Each command lives in commands/<name>.ts.

import { Command } from 'commander';
import { annotateCommand } from './commands/annotate.js';
import { applyCommand } from './commands/apply.js';
import { exitQuietlyOnBrokenPipe } from './commands/common.js';
import { configCommand } from './commands/config/config.js';
import { cordonCommand, uncordonCommand } from './commands/cordon.js';
import { createCommand } from './commands/create/create.js';
import { deleteCommand } from './commands/delete.js';
import { describeCommand } from './commands/describe.js';
import { downCommand } from './commands/down.js';
import { drainCommand } from './commands/drain/drain.js';
import { execCommand } from './commands/exec.js';
import { exposeCommand } from './commands/expose.js';
import { getCommand } from './commands/get.js';
import { labelCommand } from './commands/label.js';
import { logsCommand } from './commands/logs.js';
import { rolloutCommand } from './commands/rollout/rollout.js';
import { scaleCommand } from './commands/scale.js';
import { setCommand } from './commands/set/set.js';
import { taintCommand } from './commands/taint.js';
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
  .addCommand(createCommand())
  .addCommand(getCommand())
  .addCommand(describeCommand())
  .addCommand(deleteCommand())
  .addCommand(exposeCommand())
  .addCommand(scaleCommand())
  .addCommand(setCommand())
  .addCommand(rolloutCommand())
  .addCommand(labelCommand())
  .addCommand(annotateCommand())
  .addCommand(logsCommand())
  .addCommand(execCommand())
  .addCommand(cordonCommand())
  .addCommand(uncordonCommand())
  .addCommand(drainCommand())
  .addCommand(taintCommand())
  .addCommand(configCommand())
  .addCommand(versionCommand());

await program.parseAsync(process.argv);
