// The table columns of every kind Skiff serves, by resource name (see columns.ts).

import type { KindColumns } from './columns.js';
import { defaultColumns } from './columns.js';
import { configmaps, limitranges, poddisruptionbudgets, resourcequotas, secrets } from './config-columns.js';
import { endpoints, endpointslices, ingressclasses, ingresses, services } from './network-columns.js';
import { deployments, events, leases, namespaces, nodes, pods, replicasets } from './workload-columns.js';

const KIND_COLUMNS: Readonly<Record<string, KindColumns>> = {
  pods,
  nodes,
  replicasets,
  deployments,
  namespaces,
  events,
  leases,
  configmaps,
  secrets,
  poddisruptionbudgets,
  resourcequotas,
  limitranges,
  services,
  endpoints,
  endpointslices,
  ingresses,
  ingressclasses,
};

/** The columns of a resource ("pods"); NAME and AGE for any kind without its own. */
export function columnsFor(resource: string): KindColumns {
  return KIND_COLUMNS[resource] ?? defaultColumns;
}
