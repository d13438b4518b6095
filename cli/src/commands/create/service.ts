// skiff create service clusterip|nodeport|loadbalancer|externalname NAME [--tcp=port:targetPort]...
// [--clusterip=IP|None] [--node-port=N] [--external-name=NAME]: kubectl's generated Service (label
// and selector `app: NAME`), printed as `service/NAME created`.

import { ApiError, type Service, type ServiceType } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError, isUnreachable } from '../../errors.js';
import { buildService } from '../../network/create-service.js';
import { collectList, parseIntFlag, withContext, type Io } from '../common.js';
import { createSetup, printCreated, type CreateFlags } from './print-created.js';

export interface CreateServiceFlags extends CreateFlags {
  tcp?: string[];
  clusterip?: string;
  nodePort?: number;
  externalName?: string;
}

export async function runCreateService(ctx: CliContext, io: Io, type: ServiceType, names: string[], flags: CreateServiceFlags): Promise<number> {
  const sub = type.toLowerCase();
  if (names.length !== 1) throw new CliError(`error: exactly one NAME is required, got ${names.length}\nSee 'skiff create service ${sub} -h' for help and examples`);
  const { info, dryRun } = createSetup('services', flags);
  const svc = buildService({
    type,
    name: names[0] ?? '',
    tcp: flags.tcp ?? [],
    clusterIp: flags.clusterip,
    nodePort: flags.nodePort,
    externalName: flags.externalName,
  });
  if (ctx.namespaceExplicit) svc.metadata.namespace = ctx.namespace;
  let result: Service = svc;
  if (dryRun !== 'client') {
    try {
      result = await ctx.api().create<Service>('services', { ...svc, metadata: { ...svc.metadata, namespace: ctx.namespace } }, { dryRun: dryRun === 'server' });
    } catch (e) {
      if (e instanceof ApiError && !isUnreachable(e)) throw new CliError(`error: failed to create ${type} service: ${e.message}`);
      throw e;
    }
  }
  printCreated(io, info, result, flags.output, dryRun);
  return 0;
}

function serviceTypeCommand(type: ServiceType, usage: string, description: string): Command {
  const cmd = new Command(type.toLowerCase())
    .description(description)
    .usage(usage)
    .argument('[name...]', 'NAME')
    .option('--tcp <port:targetPort>', "port pairs '<port>:<targetPort>' (repeatable, or comma-separated)", collectList)
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .option('-o, --output <format>', 'print the object: yaml, json or name');
  if (type === 'ClusterIP') cmd.option('--clusterip <ip>', "assign your own ClusterIP, or None for a headless Service");
  if (type === 'NodePort') cmd.option('--node-port <port>', 'the port the Service answers on at every node', parseIntFlag);
  if (type === 'ExternalName') cmd.requiredOption('--external-name <name>', 'the external DNS name the Service stands for');
  return cmd.action(withContext((ctx, io, names: string[], flags: CreateServiceFlags) => runCreateService(ctx, io, type, names, flags)));
}

export function createServiceCommand(): Command {
  return new Command('service')
    .alias('svc')
    .description('Create a Service: clusterip, nodeport, loadbalancer or externalname')
    .addCommand(serviceTypeCommand('ClusterIP', 'NAME [--tcp=<port>:<targetPort>] [--clusterip=IP|None]', 'Create a ClusterIP service'))
    .addCommand(serviceTypeCommand('NodePort', 'NAME [--tcp=port:targetPort] [--node-port=N]', 'Create a NodePort service'))
    .addCommand(serviceTypeCommand('LoadBalancer', 'NAME [--tcp=port:targetPort]', 'Create a LoadBalancer service'))
    .addCommand(serviceTypeCommand('ExternalName', 'NAME --external-name external.name [--tcp=port:targetPort]', 'Create an ExternalName service'));
}
