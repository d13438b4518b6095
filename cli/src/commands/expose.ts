// skiff expose (TYPE NAME | TYPE/NAME) [--port P] [--target-port T] [--type TYPE] [--name N]
// [--protocol TCP|UDP] [--selector k=v,...] [-l k=v,...] [--cluster-ip IP|None] [--external-ip IP]
// [--load-balancer-ip IP] [--session-affinity None|ClientIP] [--dry-run] [-o FORMAT]: a Service
// for a deployment, replica set, pod or service, as kubectl expose makes it; prints
// `service/NAME exposed`.

import { findResource, type KubeObject, type Service } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { buildExposedService, checkExposable, type ExposeOptions } from '../network/expose-service.js';
import { nameOutput, operationLine, parseDryRun, toJson, toYaml } from '../printers/output.js';
import { parseResourceArgs } from '../resource-args.js';
import { forEachTarget, withContext, type Io } from './common.js';

export interface ExposeFlags extends ExposeOptions {
  dryRun?: string | boolean;
  output?: string;
}

export async function runExpose(ctx: CliContext, io: Io, args: string[], flags: ExposeFlags): Promise<number> {
  const output = flags.output;
  if (output !== undefined && output !== '' && output !== 'yaml' && output !== 'json' && output !== 'name') {
    throw new CliError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,yaml`);
  }
  const dryRun = parseDryRun(flags.dryRun);
  const requests = parseResourceArgs(args, 'expose');
  const targets = requests.flatMap((r) => r.names.map((name) => ({ info: r.info, name })));
  if (targets.length === 0) throw new CliError('error: resource(s) were provided, but no name was specified');
  const services = findResource('services');
  if (!services) throw new CliError(`error: the server doesn't have a resource type "services"`);
  return forEachTarget(io, ctx.server, targets, async ({ info, name }) => {
    checkExposable(info);
    const ns = info.namespaced ? ctx.namespace : '';
    const object = await ctx.api().get<KubeObject>(info.resource, ns, name);
    const svc = buildExposedService(info, object, flags);
    let result: Service = { ...svc, metadata: { ...svc.metadata, namespace: ctx.namespace } };
    if (dryRun !== 'client') result = await ctx.api().create<Service>('services', result, { dryRun: dryRun === 'server' });
    if (output === 'yaml') io.out(toYaml(result));
    else if (output === 'json') io.out(toJson(result));
    else if (output === 'name') io.out(`${nameOutput(services, result)}\n`);
    else io.out(operationLine(services, result.metadata.name ?? '', 'exposed', dryRun));
  });
}

export function exposeCommand(): Command {
  return new Command('expose')
    .description('Take a deployment, replica set, pod or service and expose it as a new Service')
    .usage('(TYPE NAME | TYPE/NAME) [--port=port] [--protocol=TCP|UDP] [--target-port=number-or-name] [--name=name] [--type=type]')
    .argument('[resource...]', 'TYPE NAME | TYPE/NAME')
    .option('--port <port>', 'the port the Service serves on (default: the port the object exposes, if it exposes ports)')
    .option('--target-port <port>', 'the number or name of the container port the Service sends to (default: --port)')
    .option('--type <type>', 'ClusterIP (default), NodePort, LoadBalancer or ExternalName')
    .option('--name <name>', 'the name of the Service (default: the object\'s)')
    .option('--protocol <protocol>', 'TCP or UDP (default: what the object declares for the port, else TCP)')
    .option('--selector <selector>', 'k=v,... pods to send to (default: the object\'s selector, or a pod\'s labels)')
    .option('-l, --labels <labels>', 'k=v,... labels of the Service (default: the object\'s)')
    .option('--cluster-ip <ip>', 'the ClusterIP to ask for; None makes a headless Service')
    .option('--external-ip <ip>', 'an external IP the Service also answers on')
    .option('--load-balancer-ip <ip>', 'the IP to ask the load balancer for (LoadBalancer only)')
    .option('--session-affinity <affinity>', 'None or ClientIP')
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .option('-o, --output <format>', 'print the object: yaml, json or name')
    .action(withContext((ctx, io, args: string[], flags: ExposeFlags) => runExpose(ctx, io, args, flags)));
}
