// How pods find this server: Service kube-system/kube-dns at the cluster DNS address (the service
// range's 10th address, what kubelets write into resolv.conf), selector-less, ports `dns` 53/UDP
// and `dns-tcp` 53/TCP (kubeadm's CoreDNS Service) whose targetPort is the port this server really
// listens on; and Endpoints kube-dns naming this server's address and port (the
// endpointslice-mirroring controller turns them into a slice, kube-proxy forwards the ClusterIP).
//
// Deciding is pure (planService, planEndpoints); KubeDnsRegistration applies the plan. It creates
// what is missing and repairs drift (ports, selector, label, endpoints). A kube-dns Service that
// holds another clusterIP is not fought over (clusterIP is immutable): it is reported as a Warning
// event and in the log, and the rest is still repaired, so the Service works at the address it has.

import { CLUSTER_DNS_SERVICE, clone, isApiError, type EndpointSubset, type Endpoints, type Service, type ServicePort } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { EventRecorder } from '@skiff/machinery';
import { isDeepStrictEqual } from 'node:util';

export const KUBE_DNS_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };
export const DNS_PORT_NAME = 'dns';
export const DNS_TCP_PORT_NAME = 'dns-tcp';
/** The port pods send queries to (the ClusterIP's port), whatever this server binds. */
export const SERVICE_DNS_PORT = 53;

export interface Registration {
  /** The address the Service must have: clusterDnsIp(--service-cluster-ip-range). */
  clusterIP: string;
  /** Where this server is reached (--advertise-address) and the port it listens on. */
  address: string;
  port: number;
}

function desiredPorts(r: Registration): ServicePort[] {
  return [
    { name: DNS_PORT_NAME, protocol: 'UDP', port: SERVICE_DNS_PORT, targetPort: r.port },
    { name: DNS_TCP_PORT_NAME, protocol: 'TCP', port: SERVICE_DNS_PORT, targetPort: r.port },
  ];
}

export function desiredService(r: Registration): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: CLUSTER_DNS_SERVICE.namespace, name: CLUSTER_DNS_SERVICE.name, labels: { ...KUBE_DNS_LABELS } },
    spec: { type: 'ClusterIP', clusterIP: r.clusterIP, ports: desiredPorts(r) },
  };
}

function desiredSubsets(r: Registration): EndpointSubset[] {
  return [
    {
      addresses: [{ ip: r.address }],
      ports: [
        { name: DNS_PORT_NAME, port: r.port, protocol: 'UDP' },
        { name: DNS_TCP_PORT_NAME, port: r.port, protocol: 'TCP' },
      ],
    },
  ];
}

export function desiredEndpoints(r: Registration): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { namespace: CLUSTER_DNS_SERVICE.namespace, name: CLUSTER_DNS_SERVICE.name, labels: { ...KUBE_DNS_LABELS } },
    subsets: desiredSubsets(r),
  };
}

export interface ServicePlan {
  action: 'create' | 'update' | 'none';
  /** What to create, or the repaired Service to update. */
  service?: Service;
  /** Why the existing Service cannot serve as the cluster DNS address, when it cannot. */
  conflict?: string;
}

const hasLabels = (labels: Record<string, string> | undefined): boolean => Object.entries(KUBE_DNS_LABELS).every(([k, v]) => labels?.[k] === v);

function samePort(a: ServicePort, b: ServicePort): boolean {
  return a.name === b.name && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP') && a.port === b.port && String(a.targetPort ?? a.port) === String(b.targetPort ?? b.port);
}

export function planService(existing: Readonly<Service> | undefined, r: Registration): ServicePlan {
  if (!existing) return { action: 'create', service: desiredService(r) };
  const spec = existing.spec ?? {};
  const where = `${CLUSTER_DNS_SERVICE.namespace}/${CLUSTER_DNS_SERVICE.name}`;
  if (spec.type === 'ExternalName' || spec.clusterIP === 'None') {
    const what = spec.type === 'ExternalName' ? 'an ExternalName Service' : 'headless';
    return { action: 'none', conflict: `Service ${where} is ${what}, so pods cannot reach the cluster DNS at ${r.clusterIP}; delete it and this server recreates it` };
  }
  const conflict =
    spec.clusterIP && spec.clusterIP !== r.clusterIP
      ? `Service ${where} has clusterIP ${spec.clusterIP}, not ${r.clusterIP} (the 10th address of the service range, which kubelets give pods as their nameserver); clusterIP is immutable: delete the Service and this server recreates it`
      : undefined;
  const want = desiredPorts(r);
  const have = spec.ports ?? [];
  const portsOk = have.length === want.length && want.every((w) => have.some((h) => samePort(h, w)));
  const selectorOk = Object.keys(spec.selector ?? {}).length === 0;
  if (portsOk && selectorOk && hasLabels(existing.metadata.labels)) return { action: 'none', ...(conflict && { conflict }) };
  const service = clone(existing) as Service;
  service.metadata.labels = { ...service.metadata.labels, ...KUBE_DNS_LABELS };
  // A selector would make the endpoints controller overwrite our Endpoints with pods.
  delete service.spec.selector;
  // Keep node ports the Service already has (a NodePort kube-dns stays one).
  service.spec.ports = want.map((w) => {
    const nodePort = have.find((h) => h.name === w.name)?.nodePort;
    return nodePort === undefined ? w : { ...w, nodePort };
  });
  return { action: 'update', service, ...(conflict && { conflict }) };
}

export interface EndpointsPlan {
  action: 'create' | 'update' | 'none';
  endpoints?: Endpoints;
}

export function planEndpoints(existing: Readonly<Endpoints> | undefined, r: Registration): EndpointsPlan {
  if (!existing) return { action: 'create', endpoints: desiredEndpoints(r) };
  const subsets = desiredSubsets(r);
  if (isDeepStrictEqual(existing.subsets ?? [], subsets) && hasLabels(existing.metadata.labels)) return { action: 'none' };
  const endpoints = clone(existing) as Endpoints;
  endpoints.metadata.labels = { ...endpoints.metadata.labels, ...KUBE_DNS_LABELS };
  endpoints.subsets = subsets;
  return { action: 'update', endpoints };
}

export interface KubeDnsRegistrationDeps {
  client: Pick<ApiInterface, 'get' | 'create' | 'update'>;
  recorder: Pick<EventRecorder, 'record'>;
  log: Logger;
}

async function getOrUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isApiError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/** Applies the plans; `reconcile()` is idempotent and throws to be retried (Conflict, apiserver down). */
export class KubeDnsRegistration {
  private lastConflict: string | undefined;

  constructor(
    private readonly registration: Registration,
    private readonly deps: KubeDnsRegistrationDeps,
  ) {}

  async reconcile(): Promise<void> {
    await this.reconcileService();
    await this.reconcileEndpoints();
  }

  private async reconcileService(): Promise<void> {
    const { client, log, recorder } = this.deps;
    const { namespace, name } = CLUSTER_DNS_SERVICE;
    const existing = await getOrUndefined(() => client.get<Service>('services', namespace, name));
    const plan = planService(existing, this.registration);
    if (plan.conflict && existing && plan.conflict !== this.lastConflict) {
      log.warn({ service: `${namespace}/${name}` }, plan.conflict);
      recorder.record(existing, 'Warning', 'ClusterIPConflict', plan.conflict);
    }
    this.lastConflict = plan.conflict;
    if (plan.action === 'create' && plan.service) {
      try {
        await client.create('services', plan.service);
      } catch (e) {
        throw new Error(`cannot create Service ${namespace}/${name} at ${this.registration.clusterIP}: ${e instanceof Error ? e.message : String(e)}`);
      }
      log.info({ service: `${namespace}/${name}`, clusterIP: this.registration.clusterIP, targetPort: this.registration.port }, 'created the cluster DNS Service');
    } else if (plan.action === 'update' && plan.service) {
      await client.update('services', plan.service);
      log.info({ service: `${namespace}/${name}`, targetPort: this.registration.port }, 'repaired the cluster DNS Service');
    }
  }

  private async reconcileEndpoints(): Promise<void> {
    const { client, log } = this.deps;
    const { namespace, name } = CLUSTER_DNS_SERVICE;
    const existing = await getOrUndefined(() => client.get<Endpoints>('endpoints', namespace, name));
    const plan = planEndpoints(existing, this.registration);
    if (plan.action === 'create' && plan.endpoints) await client.create('endpoints', plan.endpoints);
    else if (plan.action === 'update' && plan.endpoints) await client.update('endpoints', plan.endpoints);
    else return;
    log.info({ endpoints: `${namespace}/${name}`, address: `${this.registration.address}:${this.registration.port}` }, 'registered the cluster DNS endpoints');
  }

  /**
   * On shutdown: move this server's address to notReadyAddresses, so the ClusterIP stops sending
   * queries to a server that is gone (what the endpoints controller does for a terminating pod).
   * Best effort: errors are logged, not thrown.
   */
  async withdraw(): Promise<void> {
    const { client, log } = this.deps;
    const { namespace, name } = CLUSTER_DNS_SERVICE;
    try {
      const existing = await client.get<Endpoints>('endpoints', namespace, name);
      const { address, port } = this.registration;
      if (!isDeepStrictEqual(existing.subsets ?? [], desiredSubsets(this.registration))) return; // someone else's now
      const endpoints = clone(existing) as Endpoints;
      endpoints.subsets = desiredSubsets(this.registration).map(({ ports, addresses }) => ({ notReadyAddresses: addresses ?? [], ports: ports ?? [] }));
      await client.update('endpoints', endpoints);
      log.info({ endpoints: `${namespace}/${name}`, address: `${address}:${port}` }, 'withdrew the cluster DNS endpoints');
    } catch (e) {
      log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not withdraw the cluster DNS endpoints');
    }
  }
}
