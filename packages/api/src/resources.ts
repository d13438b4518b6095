// The kinds Skiff serves, by resource name. The apiserver's registry, the client and the CLI all
// resolve kinds through this one table; later issues add kinds by adding rows (and a strategy in
// the apiserver's registry).

export interface ResourceInfo {
  /** Plural lower-case resource name, as in REST paths and etcd keys: "pods". */
  resource: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
}

function row(resource: string, kind: string, apiVersion: string, namespaced: boolean, shortNames: string[] = []): ResourceInfo {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return { resource, singular: kind.toLowerCase(), kind, group, version, namespaced, shortNames };
}

export const RESOURCES: readonly ResourceInfo[] = [
  row('namespaces', 'Namespace', 'v1', false, ['ns']),
  row('nodes', 'Node', 'v1', false, ['no']),
  row('pods', 'Pod', 'v1', true, ['po']),
  row('events', 'Event', 'v1', true, ['ev']),
  row('replicasets', 'ReplicaSet', 'apps/v1', true, ['rs']),
  row('deployments', 'Deployment', 'apps/v1', true, ['deploy']),
  row('leases', 'Lease', 'coordination.k8s.io/v1', true),
  row('configmaps', 'ConfigMap', 'v1', true, ['cm']),
  row('secrets', 'Secret', 'v1', true),
  row('limitranges', 'LimitRange', 'v1', true, ['limits']),
  row('resourcequotas', 'ResourceQuota', 'v1', true, ['quota']),
  row('poddisruptionbudgets', 'PodDisruptionBudget', 'policy/v1', true, ['pdb']),
  row('services', 'Service', 'v1', true, ['svc']),
  row('endpoints', 'Endpoints', 'v1', true, ['ep']),
  row('endpointslices', 'EndpointSlice', 'discovery.k8s.io/v1', true),
  row('ingresses', 'Ingress', 'networking.k8s.io/v1', true, ['ing']),
  row('ingressclasses', 'IngressClass', 'networking.k8s.io/v1', false),
];

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** Resolves "pods", "pod", "po", "Pod", "pods.v1", "replicasets.apps" to a resource; undefined if unknown. */
export function findResource(nameOrKind: string): ResourceInfo | undefined {
  const wanted = nameOrKind.toLowerCase().split('.')[0] ?? '';
  return RESOURCES.find(
    (r) => r.resource === wanted || r.singular === wanted || r.kind.toLowerCase() === wanted || r.shortNames.includes(wanted),
  );
}

export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion);
}
