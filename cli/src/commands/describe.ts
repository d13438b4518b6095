// skiff describe KIND [NAME...] | KIND/NAME: kubectl's describe output for pods, nodes,
// replicasets, deployments, namespaces, configmaps, secrets, services, endpoints, endpointslices,
// ingresses and ingressclasses (a generic one for other kinds), each with its events. A name that
// matches no object exactly describes the objects whose names start with it, as kubectl does.

import {
  ApiError,
  LABEL_SERVICE_NAME,
  selectorFromLabelSelector,
  type ConfigMap,
  type Deployment,
  type EndpointSlice,
  type Endpoints,
  type Event,
  type Ingress,
  type IngressClass,
  type KubeObject,
  type Lease,
  type Namespace,
  type Node,
  type Pod,
  type ReplicaSet,
  type ResourceInfo,
  type Secret,
  type Service,
} from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { describeConfigMap, describeSecret } from '../describe/config.js';
import { findEvents } from '../describe/events.js';
import { describeDeployment } from '../describe/deployment.js';
import { describeGeneric } from '../describe/generic.js';
import { backendServiceNames, describeIngress, describeIngressClass, type BackendService } from '../describe/ingress.js';
import { describeNamespace } from '../describe/namespace.js';
import { describeNode } from '../describe/node.js';
import { describePod } from '../describe/pod.js';
import { countPodPhases, describeReplicaSet } from '../describe/replicaset.js';
import { describeEndpointSlice, describeEndpoints, describeService } from '../describe/service.js';
import { parseResourceArgs } from '../resource-args.js';
import { deploymentReplicaSets } from '../workloads/fetch.js';
import { withTypeMeta } from './get.js';
import { reportError, withContext, type Io } from './common.js';

export interface DescribeOptions {
  allNamespaces?: boolean;
  selector?: string;
  showEvents?: boolean;
}

/** The EndpointSlices of a Service (labelled kubernetes.io/service-name), [] when they cannot be read. */
async function slicesOf(ctx: CliContext, namespace: string, service: string): Promise<EndpointSlice[]> {
  return ctx
    .api()
    .list<EndpointSlice>('endpointslices', { namespace, labelSelector: `${LABEL_SERVICE_NAME}=${service}` })
    .then((l) => l.items)
    .catch(() => []);
}

/** The backend Services of an Ingress with their slices, or why each could not be read. */
async function ingressBackends(ctx: CliContext, ing: Readonly<Ingress>): Promise<Map<string, BackendService>> {
  const ns = ing.metadata.namespace ?? '';
  const out = new Map<string, BackendService>();
  for (const name of backendServiceNames(ing)) {
    try {
      const service = await ctx.api().get<Service>('services', ns, name);
      out.set(name, { service, slices: await slicesOf(ctx, ns, name) });
    } catch (e) {
      out.set(name, { error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

async function eventsOf(ctx: CliContext, obj: Readonly<KubeObject>, show: boolean): Promise<Event[] | undefined> {
  if (!show) return undefined;
  try {
    return await findEvents(ctx.api(), obj);
  } catch {
    return undefined;
  }
}

/** Builds the describe text of one object, fetching what its describer needs. */
export async function describeObject(ctx: CliContext, info: Readonly<ResourceInfo>, obj: KubeObject, showEvents = true): Promise<string> {
  const now = Date.now();
  const events = await eventsOf(ctx, obj, showEvents);
  switch (info.resource) {
    case 'pods':
      return describePod(obj as Pod, events, now);
    case 'nodes': {
      const name = obj.metadata.name ?? '';
      const [pods, lease] = await Promise.all([
        ctx
          .api()
          .list<Pod>('pods', { fieldSelector: `spec.nodeName=${name}` })
          .then((l) => l.items.filter((p) => p.spec?.nodeName === name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'))
          .catch(() => undefined),
        ctx
          .api()
          .get<Lease>('leases', 'kube-node-lease', name)
          .catch(() => undefined),
      ]);
      return describeNode(obj as Node, pods, lease, events, now);
    }
    case 'replicasets': {
      const rs = obj as ReplicaSet;
      const selector = selectorFromLabelSelector(rs.spec?.selector);
      const counts = await ctx
        .api()
        .list<Pod>('pods', { namespace: rs.metadata.namespace ?? '', labelSelector: selector.toString() })
        .then((l) => countPodPhases(l.items, rs.metadata.uid))
        .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      return describeReplicaSet(rs, counts, events, now);
    }
    case 'deployments': {
      const d = obj as Deployment;
      const split = await deploymentReplicaSets(ctx.api(), d).catch(() => ({ newRS: undefined, oldRSs: [] }));
      return describeDeployment(d, split.oldRSs, split.newRS, events, now);
    }
    case 'namespaces':
      return describeNamespace(obj as Namespace);
    case 'configmaps':
      return describeConfigMap(obj as ConfigMap, events, now);
    case 'secrets':
      return describeSecret(obj as Secret);
    case 'services':
      return describeService(obj as Service, await slicesOf(ctx, obj.metadata.namespace ?? '', obj.metadata.name ?? ''), events, now);
    case 'endpoints':
      return describeEndpoints(obj as Endpoints, events, now);
    case 'endpointslices':
      return describeEndpointSlice(obj as EndpointSlice, events, now);
    case 'ingresses': {
      const backends = await ingressBackends(ctx, obj as Ingress);
      return describeIngress(obj as Ingress, (name) => backends.get(name), events, now);
    }
    case 'ingressclasses':
      return describeIngressClass(obj as IngressClass, events, now);
    default:
      return describeGeneric(obj, events, now);
  }
}

async function objectsNamed(ctx: CliContext, info: Readonly<ResourceInfo>, namespace: string, name: string): Promise<KubeObject[]> {
  try {
    return [await ctx.api().get(info.resource, namespace, name)];
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === 'NotFound')) throw e;
    const list = await ctx.api().list(info.resource, { namespace });
    const matches = list.items.filter((o) => (o.metadata.name ?? '').startsWith(name));
    if (matches.length === 0) throw e;
    return matches;
  }
}

export async function runDescribe(ctx: CliContext, io: Io, args: string[], opts: DescribeOptions): Promise<number> {
  const requests = parseResourceArgs(args, 'describe');
  const all = opts.allNamespaces === true;
  const showEvents = opts.showEvents !== false;
  let first = true;
  let failed = false;
  const emit = (text: string): void => {
    io.out(first ? text : `\n\n${text}`);
    first = false;
  };
  for (const { info, names } of requests) {
    const namespace = info.namespaced && !all ? ctx.namespace : '';
    let objects: KubeObject[] = [];
    if (names.length === 0) {
      const list = await ctx.api().list(info.resource, { namespace, ...(opts.selector ? { labelSelector: opts.selector } : {}) });
      objects = list.items;
      if (objects.length === 0) {
        io.err(info.namespaced && !all ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n');
        continue;
      }
    } else {
      if (all) throw new CliError('error: a resource cannot be retrieved by name across all namespaces');
      for (const name of names) {
        try {
          objects.push(...(await objectsNamed(ctx, info, namespace, name)));
        } catch (e) {
          if (!(e instanceof ApiError && e.reason === 'NotFound')) throw e;
          reportError(io, e, ctx.server);
          failed = true;
        }
      }
    }
    for (const obj of objects) emit(await describeObject(ctx, info, withTypeMeta(info, obj), showEvents));
  }
  return failed ? 1 : 0;
}

export function describeCommand(): Command {
  return new Command('describe')
    .description('Show details of a specific resource or group of resources')
    .argument('[resource...]', 'TYPE [NAME_PREFIX...] | TYPE/NAME')
    .option('-A, --all-namespaces', 'describe the requested objects across all namespaces')
    .option('-l, --selector <selector>', 'label selector to filter on')
    .option('--show-events [bool]', 'show the events related to the described object', (v: string) => v !== 'false', true)
    .action(withContext((ctx, io, args: string[], opts: DescribeOptions) => runDescribe(ctx, io, args, opts)));
}
