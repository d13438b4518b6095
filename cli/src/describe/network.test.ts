import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointSlice, Ingress, Service } from '@skiff/api';
import { describeIngress, describeIngressClass, type BackendService } from './ingress.js';
import { describeEndpoints, describeService } from './service.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    type: 'NodePort',
    selector: { app: 'web' },
    clusterIP: '10.96.0.7',
    clusterIPs: ['10.96.0.7'],
    ports: [
      { port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP', nodePort: 30090 },
    ],
    sessionAffinity: 'None',
  },
};

const slices: EndpointSlice[] = [
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x', namespace: 'default' },
    addressType: 'IPv4',
    ports: [
      { name: '', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9100, protocol: 'TCP' },
    ],
    endpoints: [
      { addresses: ['10.244.1.5'], conditions: { ready: true } },
      { addresses: ['10.244.2.3'], conditions: { ready: false } },
    ],
  },
];

const lines = (text: string): string[] => text.split('\n').map((l) => l.replace(/\s+/g, ' ').trimEnd());

test("describe service: each port with its target, node port and its ready endpoints from the Service's slices", () => {
  assert.deepEqual(lines(describeService(svc, slices, [], NOW)), [
    'Name: web',
    'Namespace: default',
    'Labels: app=web',
    'Annotations: <none>',
    'Selector: app=web',
    'Type: NodePort',
    'IP Families: <none>',
    'IP: 10.96.0.7',
    'IPs: 10.96.0.7',
    'Port: <unset> 80/TCP',
    'TargetPort: 8080/TCP',
    'NodePort: <unset> 30080/TCP',
    'Endpoints: 10.244.1.5:8080',
    'Port: metrics 9090/TCP',
    'TargetPort: metrics/TCP',
    'NodePort: metrics 30090/TCP',
    'Endpoints: 10.244.1.5:9100',
    'Session Affinity: None',
    'Events: <none>',
    '',
  ]);
  const lb = describeService({ ...svc, spec: { ...svc.spec, type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }] } } }, [], undefined, NOW);
  assert.match(lb, /\nLoadBalancer Ingress: +127\.0\.0\.2, 127\.0\.0\.3\n/);
  assert.match(lb, /\nEndpoints: +<none>\n/, 'no slices yet');
});

test('describe endpoints: ready and not-ready addresses and the ports of each subset', () => {
  const text = describeEndpoints(
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], notReadyAddresses: [{ ip: '10.244.2.3' }], ports: [{ port: 8080, protocol: 'TCP' }] }] },
    [],
    NOW,
  );
  assert.deepEqual(lines(text).slice(4), ['Subsets:', ' Addresses: 10.244.1.5', ' NotReadyAddresses: 10.244.2.3', ' Ports:', ' Name Port Protocol', ' ---- ---- --------', ' <unset> 8080 TCP', '', 'Events: <none>', '']);
});

test('describe ingress: the address, the class, each rule path with its backend and endpoints; a missing Service is named', () => {
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      ingressClassName: 'skiff',
      rules: [
        {
          http: {
            paths: [
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } },
              { path: '/web', pathType: 'Prefix', backend: { service: { name: 'gone', port: { name: 'http' } } } },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '127.0.0.2' }] } },
  };
  const backends = new Map<string, BackendService>([
    ['api', { service: { ...svc, spec: { ports: [{ port: 80, targetPort: 8080 }] } }, slices }],
    ['gone', { error: 'services "gone" not found' }],
  ]);
  assert.deepEqual(lines(describeIngress(ing, (n) => backends.get(n), [], NOW)), [
    'Name: web',
    'Labels: <none>',
    'Namespace: default',
    'Address: 127.0.0.2',
    'Ingress Class: skiff',
    'Default backend: <default>',
    'Rules:',
    ' Host Path Backends',
    ' ---- ---- --------',
    ' *',
    ' /api api:80 (10.244.1.5:8080)',
    ' /web gone:http (<error: services "gone" not found>)',
    'Annotations: <none>',
    'Events: <none>',
    '',
  ]);
  // Only a default backend: one `* *` rule line showing it.
  const def = describeIngress({ ...ing, spec: { defaultBackend: { service: { name: 'api', port: { number: 80 } } } } }, (n) => backends.get(n), undefined, NOW);
  assert.match(def, /\nDefault backend: +api:80 \(10\.244\.1\.5:8080\)\n/);
  assert.match(def, /\n {2}\* +\* +api:80 \(10\.244\.1\.5:8080\)\n/);
  assert.match(describeIngressClass({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'skiff' }, spec: { controller: 'skiff.io/ingress-controller' } }, undefined, NOW), /\nController: +skiff\.io\/ingress-controller\n/);
});
