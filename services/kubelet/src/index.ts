// @skiff/kubelet: the node agent. `run` starts it in-process; the runtime interface, its Docker
// adapter and its fake are exported for tests, benchmarks and hollow nodes.

export { run, type KubeletApi, type KubeletDeps } from './run.js';
export { DEFAULT_CONFIG, validateConfig, type KubeletConfig } from './config.js';
export * from './runtime/runtime.js';
export { DockerRuntime } from './runtime/docker-runtime.js';
export { FakeRuntime, type FakeProgram, type FakeRuntimeOptions } from './runtime/fake-runtime.js';
export * from './pod/labels.js';
export { computePodActions, type PodActions } from './pod/pod-actions.js';
export { computePodStatus } from './pod/pod-status.js';
// The node's host networking, and its cleanup for `skiff down` (import these from
// '@skiff/kubelet/network/firewall' and '@skiff/kubelet/network/route-manager' to avoid loading
// the Docker client).
export { removeNodeNetworkRules, nodeRuleComment, masqueradeChain } from './network/firewall.js';
export { removeRecordedRoutes, routeStateFile } from './network/route-manager.js';
export { NetworkNotReadyError } from './network/node-network.js';
