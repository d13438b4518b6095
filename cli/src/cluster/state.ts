// What `skiff up` records about a local cluster, in $SKIFF_HOME/clusters/<name>/state.json, so that
// `skiff down` (another process, later) can stop exactly the processes it started and remove
// exactly the containers of its nodes.
//
//   $SKIFF_HOME/clusters/<name>/
//     state.json        this file: pids, ports, nodes, the address plan
//     network.json      the address plan alone, kept with etcd's data so a restart reuses it
//     config.json       client config (clusters other than the default one)
//     etcd/             etcd's data dir (kept by `skiff down`, removed by `skiff down --purge`)
//     logs/<component>.log

import fs from 'node:fs';
import path from 'node:path';
import type { NetworkPlan } from './network-plan.js';
import type { PortPlan } from './ports.js';

export type ComponentKind = 'etcd' | 'apiserver' | 'scheduler' | 'controller-manager' | 'kubelet' | 'kube-proxy' | 'dns' | 'ingress-controller';

export const COMPONENT_KINDS: readonly ComponentKind[] = ['etcd', 'apiserver', 'scheduler', 'controller-manager', 'kubelet', 'kube-proxy', 'dns', 'ingress-controller'];

export interface ClusterNode {
  name: string;
  /** Loopback InternalIP of the node; its kubelet binds here. */
  address: string;
  /** Kubelet gRPC port. */
  port: number;
  /** Kubelet /metrics, /healthz, /readyz port. */
  httpPort: number;
}

export interface ComponentState {
  /** Unique in the cluster: etcd, apiserver, scheduler, controller-manager, kubelet-<node>. */
  name: string;
  kind: ComponentKind;
  command: string;
  args: string[];
  /** Absolute path of its log file (stdout and stderr). */
  log: string;
  /** Polled until it answers 200 to call the component started. */
  readyUrl: string;
  /** Where it listens, for people: e.g. { grpc: '127.0.0.1:6444', http: 'http://127.0.0.1:6445' }. */
  endpoints: Record<string, string>;
  /** The node a kubelet serves. */
  node?: string;
  pid: number;
  /** Kernel start time of the pid (/proc/<pid>/stat field 22): tells our process from a reused pid. */
  pidStartTime?: string;
  startedAt: string;
}

export interface ClusterState {
  name: string;
  dir: string;
  createdAt: string;
  /** True once every component answered and every node was Ready. */
  ready: boolean;
  /** host:port of the apiserver's gRPC endpoint. */
  apiserver: string;
  etcd: { clientUrl: string; peerUrl: string; dataDir: string };
  ports: PortPlan;
  nodes: ClusterNode[];
  components: ComponentState[];
  /** The client config written for this cluster, if any. */
  configPath?: string;
  /** The kubeconfig (absolute path) for kubectl against the REST API, once written. */
  kubeconfig?: string;
  /** Pod network, Service range, node addresses, chain prefix (absent in clusters from before issue 5). */
  network?: NetworkPlan;
}

export interface ClusterPaths {
  dir: string;
  stateFile: string;
  /** The address plan, kept by `skiff down` (with etcd's data) and removed by --purge. */
  networkFile: string;
  configFile: string;
  logsDir: string;
  etcdDataDir: string;
  /** Each kubelet's --root-dir (pod volumes) lives under it, one directory per node. */
  kubeletDir: string;
  /** The apiserver's encryption-at-rest key for Secrets: it lives and dies with etcd's data. */
  encryptionKeyDir: string;
  /** The cluster CA, the apiserver's serving certificate and the token file of the REST API (pki.ts). */
  pkiDir: string;
  /** The kubeconfig for kubectl, written by `skiff up`. */
  kubeconfig: string;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_CLUSTER_NAME_LENGTH = 40;

/**
 * A cluster name becomes part of node names (`<name>-node-<i>`), Docker network names and label
 * values, so it must be a DNS-1123 label, short enough to leave room for the suffixes.
 * Returns the problem, or undefined when the name is fine.
 */
export function clusterNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_CLUSTER_NAME_LENGTH) return `must be no more than ${MAX_CLUSTER_NAME_LENGTH} characters`;
  if (!NAME_RE.test(name)) {
    return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  }
  return undefined;
}

export function nodeName(cluster: string, i: number): string {
  return `${cluster}-node-${i}`;
}

export function clustersDir(home: string): string {
  return path.join(home, 'clusters');
}

export function clusterPaths(home: string, name: string): ClusterPaths {
  const dir = path.join(clustersDir(home), name);
  return {
    dir,
    stateFile: path.join(dir, 'state.json'),
    networkFile: path.join(dir, 'network.json'),
    configFile: path.join(dir, 'config.json'),
    logsDir: path.join(dir, 'logs'),
    etcdDataDir: path.join(dir, 'etcd'),
    kubeletDir: path.join(dir, 'kubelet'),
    encryptionKeyDir: path.join(dir, 'apiserver'),
    pkiDir: path.join(dir, 'pki'),
    kubeconfig: path.join(dir, 'kubeconfig'),
  };
}

export function readState(file: string): ClusterState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isClusterState(state)) throw new Error(`${file} is not a Skiff cluster state file`);
  return state;
}

function isClusterState(v: unknown): v is ClusterState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<ClusterState>;
  return (
    typeof s.name === 'string' &&
    typeof s.apiserver === 'string' &&
    Array.isArray(s.nodes) &&
    Array.isArray(s.components) &&
    s.components.every((c) => typeof c === 'object' && c !== null && typeof c.name === 'string' && Number.isInteger(c.pid))
  );
}

/** Writes atomically (temp file + rename), so a reader never sees half a file. */
export function writeState(file: string, state: ClusterState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** The names of the clusters that have a state file under `home`. */
export function listClusterNames(home: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(clustersDir(home), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => e.isDirectory() && fs.existsSync(clusterPaths(home, e.name).stateFile))
    .map((e) => e.name)
    .sort();
}

/** Components in the order to stop them: the node agents (kubelets, kube-proxy, DNS, ingress) first, etcd last. */
export function stopOrder(components: readonly ComponentState[]): ComponentState[][] {
  const rank: Record<ComponentKind, number> = {
    kubelet: 0,
    'kube-proxy': 0,
    dns: 0,
    'ingress-controller': 0,
    'controller-manager': 1,
    scheduler: 1,
    apiserver: 2,
    etcd: 3,
  };
  const groups: ComponentState[][] = [[], [], [], []];
  for (const c of components) groups[rank[c.kind]]?.push(c);
  return groups.filter((g) => g.length > 0);
}
