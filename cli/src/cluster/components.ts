// The processes of a local cluster and their flags: a pure function of the cluster's name, ports
// and paths, so it can be unit-tested and so `skiff down`/restarts can reuse what was recorded.

import path from 'node:path';
import { CONTROL_PLANE_HOST, type PortPlan } from './ports.js';
import { nodeName, type ClusterNode, type ClusterPaths, type ComponentKind, type ComponentState } from './state.js';

export type ComponentSpec = Omit<ComponentState, 'pid' | 'pidStartTime' | 'startedAt'>;

export interface ComponentPlanInput {
  cluster: string;
  ports: PortPlan;
  paths: ClusterPaths;
  /** Repository root: services/<x>/dist/main.js live under it. */
  repoRoot: string;
  /** The node binary to run the services with. */
  node: string;
  /** The etcd binary. */
  etcd: string;
  /** Extra flags appended per kind (e.g. kubelet capacity for a test). */
  extraArgs?: Partial<Record<ComponentKind, readonly string[]>>;
}

export const SERVICE_MAINS: Record<Exclude<ComponentKind, 'etcd'>, string> = {
  apiserver: 'services/apiserver/dist/main.js',
  scheduler: 'services/scheduler/dist/main.js',
  'controller-manager': 'services/controller-manager/dist/main.js',
  kubelet: 'services/kubelet/dist/main.js',
};

export function clusterNodes(cluster: string, ports: PortPlan): ClusterNode[] {
  return ports.kubelets.map((k, i) => ({ name: nodeName(cluster, i + 1), address: k.address, port: k.port, httpPort: k.httpPort }));
}

export function apiserverAddress(ports: PortPlan): string {
  return `${CONTROL_PLANE_HOST}:${ports.apiserver}`;
}

export function etcdUrls(ports: PortPlan): { clientUrl: string; peerUrl: string } {
  return { clientUrl: `http://${CONTROL_PLANE_HOST}:${ports.etcdClient}`, peerUrl: `http://${CONTROL_PLANE_HOST}:${ports.etcdPeer}` };
}

/** Every process of the cluster, in start order: etcd, apiserver, scheduler, controller-manager, kubelets. */
export function planComponents(input: ComponentPlanInput): ComponentSpec[] {
  const { ports, paths, repoRoot } = input;
  const h = CONTROL_PLANE_HOST;
  const apiserver = apiserverAddress(ports);
  const { clientUrl, peerUrl } = etcdUrls(ports);
  const log = (name: string): string => path.join(paths.logsDir, `${name}.log`);
  const extra = (kind: ComponentKind): string[] => [...(input.extraArgs?.[kind] ?? [])];
  const service = (kind: Exclude<ComponentKind, 'etcd'>, args: string[]): Pick<ComponentSpec, 'kind' | 'command' | 'args'> => ({
    kind,
    command: input.node,
    args: [path.join(repoRoot, SERVICE_MAINS[kind]), ...args, ...extra(kind)],
  });

  const specs: ComponentSpec[] = [
    {
      name: 'etcd',
      kind: 'etcd',
      command: input.etcd,
      args: [
        '--name', input.cluster,
        '--data-dir', paths.etcdDataDir,
        '--listen-client-urls', clientUrl,
        '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl,
        '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `${input.cluster}=${peerUrl}`,
        '--logger', 'zap',
        ...extra('etcd'),
      ],
      log: log('etcd'),
      readyUrl: `${clientUrl}/health`,
      endpoints: { client: clientUrl, peer: peerUrl },
    },
    {
      name: 'apiserver',
      ...service('apiserver', [
        '--etcd-servers', clientUrl,
        '--port', String(ports.apiserver),
        '--http-port', String(ports.apiserverHttp),
        '--encryption-key-dir', paths.encryptionKeyDir,
      ]),
      log: log('apiserver'),
      readyUrl: `http://${h}:${ports.apiserverHttp}/readyz`,
      endpoints: { grpc: apiserver, http: `http://${h}:${ports.apiserverHttp}` },
    },
    {
      name: 'scheduler',
      ...service('scheduler', ['--apiserver', apiserver, '--http-port', String(ports.scheduler)]),
      log: log('scheduler'),
      readyUrl: `http://${h}:${ports.scheduler}/readyz`,
      endpoints: { http: `http://${h}:${ports.scheduler}` },
    },
    {
      name: 'controller-manager',
      ...service('controller-manager', ['--apiserver', apiserver, '--http-port', String(ports.controllerManager)]),
      log: log('controller-manager'),
      readyUrl: `http://${h}:${ports.controllerManager}/readyz`,
      endpoints: { http: `http://${h}:${ports.controllerManager}` },
    },
  ];
  for (const node of clusterNodes(input.cluster, ports)) {
    specs.push({
      name: `kubelet-${node.name}`,
      node: node.name,
      ...service('kubelet', [
        '--node-name', node.name,
        '--address', node.address,
        '--port', String(node.port),
        '--http-port', String(node.httpPort),
        '--apiserver', apiserver,
        '--root-dir', path.join(paths.kubeletDir, node.name),
      ]),
      log: log(`kubelet-${node.name}`),
      readyUrl: `http://${node.address}:${node.httpPort}/readyz`,
      endpoints: { grpc: `${node.address}:${node.port}`, http: `http://${node.address}:${node.httpPort}` },
    });
  }
  return specs;
}
