// What the sync loop hands a proxier, and what every proxier (iptables, userspace) offers.

import type { EndpointsUpdateResult, ServiceUpdateResult } from './change-tracker.js';
import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

export type ProxyMode = 'iptables' | 'userspace';

export interface ProxySnapshot {
  /** Every service port, by servicePortKey. */
  services: ReadonlyMap<string, ServicePortInfo>;
  /** Ready endpoints by servicePortKey. */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
  /** Where NodePorts answer. */
  nodeAddresses: readonly string[];
  /** What changed since the previous sync. */
  serviceChanges: ServiceUpdateResult;
  endpointChanges: EndpointsUpdateResult;
}

export interface SyncStats {
  servicePorts: number;
  endpoints: number;
  /** Whether everything was rewritten (iptables mode: a full sync rather than a partial one). */
  full?: boolean;
  /** iptables mode: rules of the proxy per table, and how many this sync wrote. */
  rules?: { nat: number; filter: number; written: number };
  /** userspace mode: sockets listening. */
  listeners?: number;
}

export interface Proxier {
  readonly mode: ProxyMode;
  /** Makes the host forward exactly what the snapshot describes. Throws when it could not (the loop retries). */
  sync(snapshot: ProxySnapshot): Promise<SyncStats>;
  /** Stops forwarding that lives in this process (userspace listeners); programmed kernel state stays, as in Kubernetes. */
  shutdown(): Promise<void>;
}
