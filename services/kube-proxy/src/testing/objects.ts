// Service and EndpointSlice builders for kube-proxy's tests and benchmarks.

import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice, type Service, type ServicePort } from '@skiff/api';

export interface ServiceOptions {
  namespace?: string;
  clusterIP: string;
  ports: ServicePort[];
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  sessionAffinity?: { timeoutSeconds: number };
  externalIPs?: string[];
  loadBalancerIPs?: string[];
}

export function service(name: string, o: ServiceOptions): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: {
      type: o.type ?? (o.ports.some((p) => p.nodePort !== undefined) ? 'NodePort' : 'ClusterIP'),
      clusterIP: o.clusterIP,
      clusterIPs: [o.clusterIP],
      ports: o.ports,
      ...(o.sessionAffinity && { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: o.sessionAffinity.timeoutSeconds } } }),
      ...(o.externalIPs && { externalIPs: o.externalIPs }),
    },
    ...(o.loadBalancerIPs && { status: { loadBalancer: { ingress: o.loadBalancerIPs.map((ip) => ({ ip })) } } }),
  };
}

export interface SliceEndpoint {
  ip: string;
  ready?: boolean;
  nodeName?: string;
}

export function endpointSlice(name: string, serviceName: string, endpoints: SliceEndpoint[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[], namespace = 'default'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { [LABEL_SERVICE_NAME]: serviceName, [LABEL_ENDPOINTSLICE_MANAGED_BY]: 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.nodeName !== undefined && { nodeName: e.nodeName }),
    })),
    ports: ports.map((p) => ({ ...(p.name !== undefined && { name: p.name }), port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}
