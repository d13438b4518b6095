// What a Service's status.loadBalancer should say when there is no cloud: the InternalIP of every
// node that could carry its traffic (Ready, schedulable, not excluded from load balancers, as
// Kubernetes' service controller's node predicates), sorted. kube-proxy answers the Service's
// NodePorts and these addresses on every node, which is what a cloud load balancer would target.

import { findCondition, ipToInt, isIPv4, type LoadBalancerIngress, type LoadBalancerStatus, type Node, type Service } from '@skiff/api';

/** Nodes labelled so are never load-balancer targets (service controller's nodeIncludedPredicate). */
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** A LoadBalancer Service this controller implements (one naming a loadBalancerClass belongs to another). */
export function isManagedLoadBalancer(svc: Readonly<Service>): boolean {
  return svc.spec.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}

/** The node's load-balancer address, or undefined when it is not a target. */
export function nodeTargetAddress(node: Readonly<Node>): string | undefined {
  if (node.metadata.deletionTimestamp) return undefined;
  if (findCondition(node.status?.conditions, 'Ready')?.status !== 'True') return undefined;
  if (node.spec?.unschedulable === true) return undefined;
  if (node.metadata.labels?.[LABEL_EXCLUDE_FROM_LB] !== undefined) return undefined;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
  return ip;
}

/** `[{ip}]` for every target node, sorted by address, without duplicates. */
export function loadBalancerIngress(nodes: readonly Readonly<Node>[]): LoadBalancerIngress[] {
  const ips = new Set(nodes.map(nodeTargetAddress).filter((ip): ip is string => ip !== undefined));
  return [...ips].sort((a, b) => ipToInt(a) - ipToInt(b)).map((ip) => ({ ip }));
}

/** The addresses a status lists (ipMode, ports and other details aside). */
function addresses(status: Readonly<LoadBalancerStatus> | undefined): string[] {
  return (status?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
}

export type LbPlan =
  | { action: 'none' }
  /** `ensure`: the status lists the nodes (first time or with new hosts); `clear`: the Service is no longer a LoadBalancer. */
  | { action: 'ensure' | 'clear'; loadBalancer: LoadBalancerStatus; first: boolean };

/** What to write into a Service's status.loadBalancer given the nodes. */
export function planLoadBalancer(svc: Readonly<Service>, nodes: readonly Readonly<Node>[]): LbPlan {
  const current = addresses(svc.status?.loadBalancer);
  if (svc.spec.loadBalancerClass) return { action: 'none' };
  if (!isManagedLoadBalancer(svc)) {
    return current.length === 0 ? { action: 'none' } : { action: 'clear', loadBalancer: {}, first: false };
  }
  const ingress = loadBalancerIngress(nodes);
  const want = ingress.map((i) => i.ip ?? '');
  if (want.length === current.length && want.every((ip, i) => ip === current[i])) return { action: 'none' };
  return { action: 'ensure', loadBalancer: ingress.length > 0 ? { ingress } : {}, first: current.length === 0 };
}
