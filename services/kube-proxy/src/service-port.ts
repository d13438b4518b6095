// What kube-proxy needs of one port of one Service, after Kubernetes' pkg/proxy/serviceport.go and
// servicechangetracker.go (`serviceToServiceMap`, `newBaseServiceInfo`): a Service becomes one
// ServicePortInfo per port; headless, ExternalName and IP-less Services become none.

import { DEFAULT_CLIENT_IP_TIMEOUT_SECONDS, isIPv4, type KubeObject, type Protocol, type Service } from '@skiff/api';

/** The protocols this proxy forwards (SCTP is refused: neither mode here carries it). */
export type ProxyProtocol = 'TCP' | 'UDP';

export interface ServicePortInfo {
  /** `namespace/name` of the Service. */
  readonly service: string;
  /** The port's name ('' for the single unnamed port). */
  readonly portName: string;
  /** Kubernetes' ServicePortName.String(): `ns/name` or `ns/name:port`. */
  readonly nameString: string;
  readonly protocol: ProxyProtocol;
  readonly clusterIP: string;
  readonly port: number;
  /** 0 when the Service has no NodePort for this port. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress[].ip (VIP mode only, IPv4 only). */
  readonly loadBalancerIPs: readonly string[];
  /** Seconds of ClientIP affinity; undefined when sessionAffinity is not ClientIP. */
  readonly stickyMaxAgeSeconds: number | undefined;
}

/** The map key of a service port: its name string plus the protocol (as Kubernetes' ServicePortName). */
export function servicePortKey(service: string, portName: string, protocol: string): string {
  return `${service}${portName ? `:${portName}` : ''}/${protocol}`;
}

export function serviceKeyOf(obj: Readonly<KubeObject>): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Whether kube-proxy ignores the Service altogether (proxyutil.ShouldSkipService). */
export function shouldSkipService(svc: Readonly<Service>): boolean {
  const ip = svc.spec.clusterIP ?? '';
  return svc.spec.type === 'ExternalName' || ip === '' || ip === 'None' || !isIPv4(ip);
}

function isProxyProtocol(p: Protocol | undefined): p is ProxyProtocol | undefined {
  return p === undefined || p === 'TCP' || p === 'UDP';
}

/**
 * The Service's ports keyed by servicePortKey; an empty map for a Service the proxy skips.
 * `onSkippedPort` hears about ports with a protocol this proxy does not carry.
 */
export function servicePortsOf(svc: Readonly<Service> | undefined, onSkippedPort?: (port: string, why: string) => void): Map<string, ServicePortInfo> {
  const out = new Map<string, ServicePortInfo>();
  if (!svc || shouldSkipService(svc)) return out;
  const service = serviceKeyOf(svc);
  const clusterIP = svc.spec.clusterIP as string;
  const sticky =
    svc.spec.sessionAffinity === 'ClientIP' ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_TIMEOUT_SECONDS) : undefined;
  const externalIPs = (svc.spec.externalIPs ?? []).filter(isIPv4);
  const loadBalancerIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((ing) => ing.ip !== undefined && isIPv4(ing.ip) && (ing.ipMode ?? 'VIP') === 'VIP')
    .map((ing) => ing.ip as string);
  for (const p of svc.spec.ports ?? []) {
    const portName = p.name ?? '';
    if (!isProxyProtocol(p.protocol)) {
      onSkippedPort?.(`${service}:${portName}`, `protocol ${p.protocol ?? ''} is not supported by kube-proxy here (TCP and UDP only)`);
      continue;
    }
    const protocol = p.protocol ?? 'TCP';
    const info: ServicePortInfo = {
      service,
      portName,
      nameString: `${service}${portName ? `:${portName}` : ''}`,
      protocol,
      clusterIP,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      externalIPs,
      loadBalancerIPs,
      stickyMaxAgeSeconds: sticky,
    };
    out.set(servicePortKey(service, portName, protocol), info);
  }
  return out;
}
