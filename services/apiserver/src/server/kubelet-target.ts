// Which kubelet serves a pod's container, for the subresources the apiserver forwards to it
// (pods/log, pods/exec, pods/portforward): the container named (or the only one), the node the pod is bound to, and
// that node's kubelet endpoint (its InternalIP and daemonEndpoints.kubeletEndpoint.Port). Errors
// are Kubernetes' (pkg/registry/core/pod/strategy.go streamLocation).

import * as grpc from '@grpc/grpc-js';
import { errors, type Node, type Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, loadSkiffProto } from '@skiff/client';
import type { Registry } from '../registry/registry.js';

export interface KubeletTarget {
  pod: Pod;
  container: string;
  /** `host:port` of the kubelet's gRPC service. */
  endpoint: string;
}

export async function resolveKubeletTarget(registry: Registry, namespace: string, name: string, container: string): Promise<KubeletTarget> {
  const pod = (await registry.store('pods').get(namespace || 'default', name)) as Pod;
  const names = (pod.spec.containers ?? []).map((c) => c.name);
  const initNames = (pod.spec.initContainers ?? []).map((c) => c.name);
  let chosen = container;
  if (!chosen) {
    if (names.length !== 1) {
      const init = initNames.length > 0 ? ` or one of the init containers: [${initNames.join(' ')}]` : '';
      throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${init}`);
    }
    chosen = names[0] ?? '';
  } else if (!names.includes(chosen) && !initNames.includes(chosen)) {
    throw errors.badRequest(`container ${chosen} is not valid for pod ${name}`);
  }
  return { pod, container: chosen, endpoint: await kubeletEndpointOf(registry, pod) };
}

/** `host:port` of the kubelet of the node the pod is bound to. */
export async function kubeletEndpointOf(registry: Registry, pod: Pod): Promise<string> {
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
  const node = (await registry.store('nodes').get('', nodeName)) as Node;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) throw errors.unavailable(`node ${nodeName} does not report a kubelet endpoint (InternalIP and daemonEndpoints.kubeletEndpoint.Port)`);
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A client of the kubelet's gRPC `Kubelet` service; close it when the call is over. */
export function kubeletClient(endpoint: string): grpc.Client & Record<string, unknown> {
  const { Kubelet } = loadSkiffProto();
  return new Kubelet(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as grpc.Client & Record<string, unknown>;
}
