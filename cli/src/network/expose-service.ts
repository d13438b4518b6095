// The Service `skiff expose` makes for a Deployment, ReplicaSet, Pod or Service, as kubectl
// expose does (staging/src/k8s.io/kubectl/pkg/cmd/expose/expose.go and polymorphichelpers'
// MapBasedSelectorForObject, PortsForObject, MultiProtocolsForObject): the selector is the object's
// (matchLabels only), the ports its containers' (or the Service's) unless --port is given, each
// port's protocol the one the object declares, labels the object's, the name the object's.

import type { Container, Deployment, KubeObject, Pod, Protocol, ReplicaSet, ResourceInfo, Service, ServicePort, ServiceType } from '@skiff/api';
import { CliError } from '../errors.js';

export const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
/** validation.DNS1035LabelMaxLength: a Service name longer than this is cut. */
const MAX_SERVICE_NAME = 63;

export interface ExposeOptions {
  port?: string | undefined;
  targetPort?: string | undefined;
  type?: string | undefined;
  name?: string | undefined;
  protocol?: string | undefined;
  selector?: string | undefined;
  labels?: string | undefined;
  clusterIp?: string | undefined;
  externalIp?: string | undefined;
  loadBalancerIp?: string | undefined;
  sessionAffinity?: string | undefined;
}

const EXPOSABLE = new Set(['pods', 'services', 'replicasets', 'deployments']);

/** CanBeExposed: deployments, replica sets, pods and services. */
export function checkExposable(info: Readonly<ResourceInfo>): void {
  if (!EXPOSABLE.has(info.resource)) throw new CliError(`error: cannot expose a ${info.kind}${info.group ? `.${info.group}` : ''}`);
}

function mapSelector(m: Readonly<Record<string, string>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** MapBasedSelectorForObject: the object's pod selector as `k=v,...`. */
export function selectorForObject(info: Readonly<ResourceInfo>, obj: Readonly<KubeObject>): string {
  const fail = (why: string): never => {
    throw new CliError(`error: couldn't retrieve selectors via --selector flag or introspection: ${why}`);
  };
  switch (info.resource) {
    case 'pods': {
      const labels = obj.metadata.labels ?? {};
      if (Object.keys(labels).length === 0) fail('the pod has no labels and cannot be exposed');
      return mapSelector(labels);
    }
    case 'services': {
      const selector = (obj as Service).spec?.selector;
      if (selector === undefined) fail('the service has no pod selector set');
      return mapSelector(selector ?? {});
    }
    default: {
      const selector = (obj as Deployment | ReplicaSet).spec?.selector;
      if (selector?.matchExpressions?.length) fail(`couldn't convert expressions - ${JSON.stringify(selector.matchExpressions)} to map-based selector format`);
      return mapSelector(selector?.matchLabels ?? {});
    }
  }
}

function containersOf(info: Readonly<ResourceInfo>, obj: Readonly<KubeObject>): readonly Container[] {
  if (info.resource === 'pods') return (obj as Pod).spec?.containers ?? [];
  return (obj as Deployment | ReplicaSet).spec?.template?.spec?.containers ?? [];
}

/** PortsForObject with MultiProtocolsForObject: each port the object exposes and its protocols, in order. */
export function portsForObject(info: Readonly<ResourceInfo>, obj: Readonly<KubeObject>): Array<{ port: number; protocols: string[] }> {
  const out: Array<{ port: number; protocols: string[] }> = [];
  const add = (port: number, protocol: string | undefined): void => {
    const entry = out.find((e) => e.port === port);
    const p = protocol ?? 'TCP';
    if (entry === undefined) out.push({ port, protocols: [p] });
    else if (!entry.protocols.includes(p)) entry.protocols.push(p);
  };
  if (info.resource === 'services') {
    for (const sp of (obj as Service).spec?.ports ?? []) add(sp.port, sp.protocol);
  } else {
    for (const c of containersOf(info, obj)) for (const p of c.ports ?? []) add(p.containerPort, p.protocol);
  }
  return out;
}

/** kubectl's parseLabels: `k=v,k2=v2`, strictly. */
export function parseLabelPairs(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of spec.split(',')) {
    const parts = pair.split('=');
    if (parts.length !== 2) throw new CliError(`error: unexpected label spec: ${pair}`);
    const [k = '', v = ''] = parts;
    if (k === '') throw new CliError('error: unexpected empty label key');
    out[k] = v;
  }
  return out;
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new CliError(`error: invalid port "${text}": must be an integer`);
  return Number(text.trim());
}

/** intstr.Parse: a number when the text is one, else a port name. */
export function parseTargetPort(text: string): number | string {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/**
 * The Service for one object. `object` is what was looked up; the options are the flags. Throws
 * CliError in kubectl's words when a selector or port cannot be found.
 */
export function buildExposedService(info: Readonly<ResourceInfo>, object: Readonly<KubeObject>, o: Readonly<ExposeOptions>): Service {
  checkExposable(info);
  if (o.type && !(SERVICE_TYPES as readonly string[]).includes(o.type)) {
    throw new CliError(`error: invalid --type "${o.type}": must be one of ${SERVICE_TYPES.join(', ')}`);
  }
  const selector = parseLabelPairs(o.selector || selectorForObject(info, object));
  const headless = o.clusterIp === 'None';
  const known = portsForObject(info, object);

  // --port wins; else the object's one port, or all of them (named port-1, port-2, ...).
  let portTexts: string[];
  if (o.port) portTexts = [o.port];
  else if (known.length === 0) {
    if (!headless) throw new CliError("error: couldn't find port via --port flag or introspection");
    portTexts = [];
  } else portTexts = known.map((k) => String(k.port));

  const ports: ServicePort[] = [];
  portTexts.forEach((text, i) => {
    const port = parsePort(text);
    const name = portTexts.length > 1 ? `port-${i + 1}` : undefined;
    const declared = known.find((k) => k.port === port)?.protocols;
    if (o.protocol || declared === undefined || declared.length === 1) {
      const protocol = (o.protocol || declared?.[0] || 'TCP') as Protocol;
      ports.push({ ...(name ? { name } : {}), port, protocol });
      return;
    }
    // A port the object serves over several protocols: one Service port each.
    for (const protocol of declared) ports.push({ name: `port-${i + 1}-${protocol.toLowerCase()}`, port, protocol: protocol as Protocol });
  });
  const targetPort = o.targetPort ? parseTargetPort(o.targetPort) : undefined;
  for (const p of ports) p.targetPort = targetPort ?? p.port;

  const labels = o.labels ? parseLabelPairs(o.labels) : object.metadata.labels;
  const name = o.name || (object.metadata.name ?? '').slice(0, MAX_SERVICE_NAME);
  if (name === '') throw new CliError('error: name must be specified');
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}) },
    spec: { selector, ports },
  };
  if (o.externalIp) service.spec.externalIPs = [o.externalIp];
  if (o.type) service.spec.type = o.type as ServiceType;
  if (service.spec.type === 'LoadBalancer' && o.loadBalancerIp) service.spec.loadBalancerIP = o.loadBalancerIp;
  if (o.sessionAffinity) {
    if (o.sessionAffinity !== 'None' && o.sessionAffinity !== 'ClientIP') throw new CliError(`error: unknown session affinity: ${o.sessionAffinity}`);
    service.spec.sessionAffinity = o.sessionAffinity;
  }
  if (o.clusterIp) service.spec.clusterIP = o.clusterIp;
  return service;
}
