// Reads the networking suites share: ready pods of a selector, a Service's Endpoints and
// EndpointSlices as address sets, DNS answers straight from the cluster's DNS server (the test
// process asks it on loopback, as `dig @127.0.0.1 -p PORT` would), and soft checks that run every
// check of a step and report each failure with the component it points at.

import dns from 'node:dns';
import { findCondition, LABEL_SERVICE_NAME, type Endpoints, type EndpointSlice, type Pod, type Service } from '@skiff/api';
import { nameOf, podRunning, type Cluster } from './harness.js';
import type { Listener } from './network-plan.js';
import { getOrUndefined } from './objects.js';
import { waitFor } from './wait-for.js';

export function isReady(p: Readonly<Pod>): boolean {
  return !p.metadata.deletionTimestamp && podRunning(p) && findCondition(p.status?.conditions, 'Ready')?.status === 'True' && !!p.status?.podIP;
}

export function describePod(p: Readonly<Pod>): string {
  return `${nameOf(p)}(${p.status?.podIP ?? 'no IP'} on ${p.spec.nodeName ?? '-'} ${p.status?.phase ?? 'Pending'}${isReady(p) ? ' ready' : ''}${p.metadata.deletionTimestamp ? ' terminating' : ''})`;
}

/** Exactly `n` pods match, all Ready with a pod IP, none terminating. */
export async function readyPods(cluster: Cluster, namespace: string, labelSelector: string, n: number, timeoutMs = 90_000): Promise<Pod[]> {
  return waitFor(
    async () => {
      const pods = (await cluster.client.list<Pod>('pods', { namespace, labelSelector })).items;
      if (pods.length !== n || !pods.every(isReady)) throw new Error(pods.map(describePod).join(' ') || 'no pods');
      return pods;
    },
    { timeoutMs, what: `${n} ready pods ${labelSelector} in ${namespace}` },
  );
}

export interface EndpointsView {
  ready: string[];
  notReady: string[];
  ports: number[];
}

/** The Service's core/v1 Endpoints as sorted address sets; undefined when there is no Endpoints object. */
export async function endpointsOf(cluster: Cluster, namespace: string, name: string): Promise<EndpointsView | undefined> {
  const ep = await getOrUndefined<Endpoints>(cluster.client, 'endpoints', namespace, name);
  if (!ep) return undefined;
  const subsets = ep.subsets ?? [];
  return {
    ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
    notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort(),
    ports: subsets.flatMap((s) => (s.ports ?? []).map((p) => p.port)),
  };
}

export interface SliceEndpoint {
  ip: string;
  ready: boolean;
  serving: boolean | undefined;
  terminating: boolean | undefined;
  pod: string | undefined;
  slice: string;
  managedBy: string | undefined;
}

/** Every endpoint of the Service's EndpointSlices (label kubernetes.io/service-name). */
export async function sliceEndpointsOf(cluster: Cluster, namespace: string, service: string): Promise<SliceEndpoint[]> {
  const slices = (await cluster.client.list<EndpointSlice>('endpointslices', { namespace, labelSelector: `${LABEL_SERVICE_NAME}=${service}` })).items;
  return slices.flatMap((s) =>
    s.endpoints.flatMap((e) =>
      e.addresses.map((ip) => ({
        ip,
        // Consumers treat a missing `ready` as ready (Kubernetes: nil means unknown, interpreted as ready).
        ready: e.conditions?.ready !== false,
        serving: e.conditions?.serving,
        terminating: e.conditions?.terminating,
        pod: e.targetRef?.name,
        slice: nameOf(s),
        managedBy: s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'],
      })),
    ),
  );
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Waits until the Endpoints' ready addresses are exactly `ips` (and, when given, notReady too). */
export async function endpointsBecome(cluster: Cluster, namespace: string, name: string, want: { ready: string[]; notReady?: string[] }, timeoutMs = 30_000): Promise<EndpointsView> {
  return waitFor(
    async () => {
      const ep = await endpointsOf(cluster, namespace, name);
      if (!ep) throw new Error(`no Endpoints ${namespace}/${name}`);
      if (!sameSet(ep.ready, want.ready) || (want.notReady && !sameSet(ep.notReady, want.notReady))) throw new Error(JSON.stringify(ep));
      return ep;
    },
    { timeoutMs, what: `Endpoints ${namespace}/${name}: addresses ${JSON.stringify(want.ready)}${want.notReady ? `, notReadyAddresses ${JSON.stringify(want.notReady)}` : ''}` },
  );
}

/** Waits until the Service's EndpointSlices list exactly `ready` as ready endpoints (and `notReady` as not ready). */
export async function slicesBecome(cluster: Cluster, namespace: string, service: string, want: { ready: string[]; notReady?: string[] }, timeoutMs = 30_000): Promise<SliceEndpoint[]> {
  return waitFor(
    async () => {
      const eps = await sliceEndpointsOf(cluster, namespace, service);
      const ready = eps.filter((e) => e.ready).map((e) => e.ip);
      const notReady = eps.filter((e) => !e.ready).map((e) => e.ip);
      if (!sameSet(ready, want.ready) || (want.notReady && !sameSet(notReady, want.notReady))) throw new Error(JSON.stringify(eps));
      return eps;
    },
    { timeoutMs, what: `EndpointSlices of ${namespace}/${service}: ready ${JSON.stringify(want.ready)}${want.notReady ? `, not ready ${JSON.stringify(want.notReady)}` : ''}` },
  );
}

export async function service(cluster: Cluster, namespace: string, name: string): Promise<Service> {
  return cluster.client.get<Service>('services', namespace, name);
}

/** A records for `name`, asked of the cluster's DNS server directly (UDP, from the test process to loopback). */
export async function dnsA(server: Listener, name: string, timeoutMs = 3000): Promise<{ addresses: string[]; error: string | undefined }> {
  const r = new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 });
  r.setServers([`${server.host}:${server.port}`]);
  try {
    return { addresses: (await r.resolve4(name)).sort(), error: undefined };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { addresses: [], error: `${code ?? ''} ${e instanceof Error ? e.message : String(e)}`.trim() };
  }
}

/** SRV records for `name` from the cluster's DNS server. */
export async function dnsSrv(server: Listener, name: string, timeoutMs = 3000): Promise<{ records: dns.SrvRecord[]; error: string | undefined }> {
  const r = new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 });
  r.setServers([`${server.host}:${server.port}`]);
  try {
    return { records: await r.resolveSrv(name), error: undefined };
  } catch (e) {
    return { records: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Soft checks: each runs (none skipped because an earlier one failed), and `done()` throws one
 * error listing every failed check with the component it names, so a single run routes every
 * problem of a step. Passed checks are reported through `note` (the test's diagnostic output).
 */
export class Checks {
  private readonly failures: string[] = [];
  private readonly passed: string[] = [];

  constructor(private readonly note: (line: string) => void = () => undefined) {}

  /** `what` says what is checked and which component it exercises: "ClusterIP from a pod [kube-proxy]". */
  async check(what: string, fn: () => Promise<void> | void): Promise<boolean> {
    const start = Date.now();
    try {
      await fn();
      this.passed.push(what);
      this.note(`ok   ${what} (${Date.now() - start} ms)`);
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.failures.push(`✗ ${what}\n    ${msg.split('\n').join('\n    ')}`);
      this.note(`FAIL ${what} (${Date.now() - start} ms)`);
      return false;
    }
  }

  get failed(): number {
    return this.failures.length;
  }

  done(): void {
    if (this.failures.length === 0) return;
    throw new Error(`${this.failures.length} of ${this.failures.length + this.passed.length} checks failed:\n${this.failures.join('\n')}${this.passed.length ? `\npassed: ${this.passed.join('; ')}` : ''}`);
  }
}
