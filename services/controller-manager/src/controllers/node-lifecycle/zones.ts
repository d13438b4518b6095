// Zones and their disruption state, after node_lifecycle_controller.go's ComputeZoneState and
// k8s.io/component-helpers node/topology GetZoneKey: a zone none of whose nodes is Ready is in full
// disruption (likely the control plane's own trouble, so evictions stop when every zone is), one
// with more than 2 and at least --unhealthy-zone-threshold of its nodes not Ready in partial
// disruption (evictions slow down, or stop in small clusters).

import type { Condition, Node } from '@skiff/api';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
/** Nodes with this label are left out of the zone health computation. */
export const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

/** The node's zone: region and zone labels, "" when it has neither. */
export function zoneKey(node: Readonly<Node>): string {
  const labels = node.metadata.labels ?? {};
  const region = labels[LABEL_REGION] ?? '';
  const zone = labels[LABEL_ZONE] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

export function computeZoneState(readyConditions: readonly (Readonly<Condition> | undefined)[], unhealthyZoneThreshold: number): { unhealthy: number; state: ZoneState } {
  const ready = readyConditions.filter((c) => c?.status === 'True').length;
  const notReady = readyConditions.length - ready;
  if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}
