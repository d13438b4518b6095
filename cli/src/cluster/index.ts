// A local Skiff cluster as processes on this machine: what `skiff up` / `skiff down` do, as an API
// for the end-to-end suite and the benchmark.

export {
  REPO_ROOT,
  defaultConfigPath,
  findExecutable,
  listLocalClusters,
  readClusterState,
  startComponent,
  startLocalCluster,
  stopComponent,
  stopLocalCluster,
  type ClusterProgress,
  type StartOptions,
  type StopOptions,
  type StopResult,
} from './local-cluster.js';
export { ClusterAlreadyUp, ClusterError, DEFAULT_CLUSTER_NAME, DEFAULT_NODES, DEFAULT_WAIT_MS, parseComponentArgs, resolveClusterName, resolveUpOptions } from './options.js';
export { ingressUrls } from './components.js';
export { chooseNetworkPlan, defaultNetworkPlan, PROXY_MODES, type NetworkPlan, type ProxyMode } from './network-plan.js';
export { CONTROL_PLANE_HOST, autoPortPlan, defaultPortPlan, nodeAddress, type KubeletPorts, type PortMode, type PortPlan } from './ports.js';
export { isAlive, tailLines } from './processes.js';
export { nodeFreshlyReady } from './readiness.js';
export { COMPONENT_KINDS, clusterPaths, clustersDir, nodeName, type ClusterNode, type ClusterPaths, type ClusterState, type ComponentKind, type ComponentState } from './state.js';
