// The processes of a local cluster and their flags: a pure function of the cluster's name, ports,
// address plan and paths, so it can be unit-tested and so `skiff down`/restarts can reuse what was
// recorded.

import path from 'node:path';
import type { NetworkPlan } from './network-plan.js';
import { ALL_ADDRESSES, CONTROL_PLANE_HOST, type PortPlan } from './ports.js';
import { nodeName, type ClusterNode, type ClusterPaths, type ComponentKind, type ComponentState } from './state.js';

export type ComponentSpec = Omit<ComponentState, 'pid' | 'pidStartTime' | 'startedAt'>;

export interface ComponentPlanInput {
  cluster: string;
  ports: PortPlan;
  network: NetworkPlan;
  paths: ClusterPaths;
  /** Repository root: services/<x>/dist/main.js live under it. */
  repoRoot: string;
  /** The node binary to run the services with. */
  node: string;
  /** The etcd binary. */
  etcd: string;
  /** Extra flags appended per kind (e.g. kubelet capacity for a test). */
  extraArgs?: Partial<Record<ComponentKind, readonly string[]>>;
  /** The REST API's serving certificate, key and token file (pki.ts); served when given and the plan has a secure port. */
  restApi?: { certFile: string; keyFile: string; tokenFile: string };
}

export const SERVICE_MAINS: Record<Exclude<ComponentKind, 'etcd'>, string> = {
  apiserver: 'services/apiserver/dist/main.js',
  scheduler: 'services/scheduler/dist/main.js',
  'controller-manager': 'services/controller-manager/dist/main.js',
  kubelet: 'services/kubelet/dist/main.js',
  'kube-proxy': 'services/kube-proxy/dist/main.js',
  dns: 'services/dns/dist/main.js',
  'ingress-controller': 'services/ingress-controller/dist/main.js',
};

export function clusterNodes(cluster: string, ports: PortPlan): ClusterNode[] {
  return ports.kubelets.map((k, i) => ({ name: nodeName(cluster, i + 1), address: k.address, port: k.port, httpPort: k.httpPort }));
}

export function apiserverAddress(ports: PortPlan): string {
  return `${CONTROL_PLANE_HOST}:${ports.apiserver}`;
}

/** The Kubernetes REST API's URL (kubeconfig `server`), when the plan serves it. */
export function restApiUrl(ports: PortPlan): string | undefined {
  return ports.apiserverSecure === undefined ? undefined : `https://${CONTROL_PLANE_HOST}:${ports.apiserverSecure}`;
}

export function etcdUrls(ports: PortPlan): { clientUrl: string; peerUrl: string } {
  return { clientUrl: `http://${CONTROL_PLANE_HOST}:${ports.etcdClient}`, peerUrl: `http://${CONTROL_PLANE_HOST}:${ports.etcdPeer}` };
}

/** Where the ingress controller serves: port 80 (or the plan's) of every node address. */
export function ingressUrls(ports: PortPlan): string[] {
  return ports.kubelets.map((k) => `http://${k.address}${ports.ingress === 80 ? '' : `:${ports.ingress}`}`);
}

/**
 * Every process of the cluster, in start order: etcd, apiserver, scheduler, controller-manager,
 * kubelets, then the node-wide services: kube-proxy, the DNS server, the ingress controller.
 */
export function planComponents(input: ComponentPlanInput): ComponentSpec[] {
  const { ports, paths, repoRoot, network } = input;
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
  /** A service named after its kind whose /metrics, /healthz and /readyz are on 127.0.0.1:httpPort. */
  const local = (kind: Exclude<ComponentKind, 'etcd' | 'kubelet'>, args: string[], httpPort: number, endpoints: Record<string, string> = {}): ComponentSpec => ({
    name: kind,
    ...service(kind, args),
    log: log(kind),
    readyUrl: `http://${h}:${httpPort}/readyz`,
    endpoints: { ...endpoints, http: `http://${h}:${httpPort}` },
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
    local(
      'apiserver',
      [
        '--etcd-servers', clientUrl,
        '--port', String(ports.apiserver),
        '--http-port', String(ports.apiserverHttp),
        '--encryption-key-dir', paths.encryptionKeyDir,
        '--service-cluster-ip-range', network.serviceClusterIpRange,
        '--service-node-port-range', network.serviceNodePortRange,
        ...(input.restApi && ports.apiserverSecure !== undefined
          ? [
              '--secure-port', String(ports.apiserverSecure),
              '--tls-cert-file', input.restApi.certFile,
              '--tls-private-key-file', input.restApi.keyFile,
              '--token-auth-file', input.restApi.tokenFile,
            ]
          : []),
      ],
      ports.apiserverHttp,
      { grpc: apiserver, ...(input.restApi && restApiUrl(ports) !== undefined ? { https: restApiUrl(ports) ?? '' } : {}) },
    ),
    local('scheduler', ['--apiserver', apiserver, '--http-port', String(ports.scheduler)], ports.scheduler),
    local(
      'controller-manager',
      [
        '--apiserver', apiserver,
        '--http-port', String(ports.controllerManager),
        '--cluster-cidr', network.clusterCidr,
        '--node-cidr-mask-size', String(network.nodeCidrMaskSize),
      ],
      ports.controllerManager,
    ),
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
        '--cluster-dns', network.clusterDns,
        '--cluster-domain', network.clusterDomain,
        '--cluster-cidr', network.clusterCidr,
      ]),
      log: log(`kubelet-${node.name}`),
      readyUrl: `http://${node.address}:${node.httpPort}/readyz`,
      endpoints: { grpc: `${node.address}:${node.port}`, http: `http://${node.address}:${node.httpPort}` },
    });
  }
  const nodeAddresses = ports.kubelets.map((k) => k.address);
  specs.push(
    local(
      'kube-proxy',
      [
        '--apiserver', apiserver,
        '--proxy-mode', network.proxyMode,
        '--node-addresses', nodeAddresses.join(','),
        '--cluster-cidr', network.clusterCidr,
        '--iptables-chain-prefix', network.iptablesChainPrefix,
        '--http-port', String(ports.kubeProxy),
      ],
      ports.kubeProxy,
    ),
    local(
      'dns',
      [
        '--apiserver', apiserver,
        '--port', String(ports.dns),
        '--http-port', String(ports.dnsHttp),
        '--service-cluster-ip-range', network.serviceClusterIpRange,
        '--cluster-domain', network.clusterDomain,
      ],
      ports.dnsHttp,
      { dns: `${ALL_ADDRESSES}:${ports.dns}`, clusterIP: network.clusterDns },
    ),
    local(
      'ingress-controller',
      [
        '--apiserver', apiserver,
        '--bind-addresses', nodeAddresses.join(','),
        '--port', String(ports.ingress),
        '--publish-address', nodeAddresses[0] ?? h,
        '--http-port', String(ports.ingressHttp),
      ],
      ports.ingressHttp,
      { ingress: ingressUrls(ports).join(',') },
    ),
  );
  return specs;
}
