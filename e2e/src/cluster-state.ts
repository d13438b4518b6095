// The parts of `$SKIFF_HOME/clusters/<name>/state.json` (written by `skiff up`, see
// cli/src/cluster/state.ts) that the suites read: where each component listens and which pid it
// runs as. Declared here rather than imported so the suites read the file as any outside tool
// would, and fail with a clear message when its shape changes.

import fs from 'node:fs';

export type ComponentKind = 'etcd' | 'apiserver' | 'scheduler' | 'controller-manager' | 'kubelet' | 'kube-proxy' | 'dns' | 'ingress-controller';

export interface StateComponent {
  name: string;
  kind: ComponentKind;
  command: string;
  args: string[];
  log: string;
  endpoints: Record<string, string>;
  node?: string;
  pid: number;
}

export interface StateNode {
  name: string;
  address: string;
  port: number;
  httpPort: number;
}

export interface StatePorts {
  etcdClient: number;
  apiserver: number;
  apiserverHttp: number;
  scheduler: number;
  controllerManager: number;
}

export interface ClusterStateFile {
  name: string;
  dir: string;
  ready: boolean;
  apiserver: string;
  etcd: { clientUrl: string; dataDir: string };
  ports: StatePorts;
  nodes: StateNode[];
  components: StateComponent[];
  configPath?: string;
  /** The cluster's address plan (issue 5); read loosely by network-plan.ts, whose fields are optional. */
  network?: Record<string, unknown>;
}

function problem(file: string, what: string): Error {
  return new Error(`${file}: ${what} (the suites expect the shape of cli/src/cluster/state.ts)`);
}

export function readClusterState(file: string): ClusterStateFile {
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClusterStateFile>;
  if (typeof state.apiserver !== 'string') throw problem(file, 'no "apiserver" host:port');
  if (!Array.isArray(state.nodes) || state.nodes.some((n) => typeof n?.name !== 'string')) throw problem(file, 'no "nodes" list');
  if (!Array.isArray(state.components) || state.components.some((c) => typeof c?.name !== 'string' || !Number.isInteger(c.pid))) {
    throw problem(file, 'no "components" list with name and pid');
  }
  if (typeof state.ports !== 'object' || state.ports === null) throw problem(file, 'no "ports"');
  return state as ClusterStateFile;
}

/** The observability endpoint (http://host:port) of a component, from the state's ports. */
export function observabilityUrl(state: ClusterStateFile, c: StateComponent): string | undefined {
  const fromEndpoints = c.endpoints?.['http'];
  if (fromEndpoints) return fromEndpoints.startsWith('http') ? fromEndpoints : `http://${fromEndpoints}`;
  switch (c.kind) {
    case 'apiserver':
      return `http://127.0.0.1:${state.ports.apiserverHttp}`;
    case 'scheduler':
      return `http://127.0.0.1:${state.ports.scheduler}`;
    case 'controller-manager':
      return `http://127.0.0.1:${state.ports.controllerManager}`;
    case 'kubelet': {
      const n = state.nodes.find((x) => x.name === c.node);
      return n ? `http://${n.address}:${n.httpPort}` : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The value of a component's `--flag value` or `--flag=value` as recorded in state.json (the last
 * occurrence wins, as with the services' flag parsers), or undefined when it was not passed.
 */
export function componentFlag(c: Pick<StateComponent, 'args'>, flag: string): string | undefined {
  let value: string | undefined;
  const args = c.args ?? [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === flag) value = args[i + 1];
    else if (a.startsWith(`${flag}=`)) value = a.slice(flag.length + 1);
  }
  return value;
}
