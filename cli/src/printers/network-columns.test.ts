import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  findResource,
  formatEndpoints,
  formatSlicesForService,
  loadBalancerAddresses,
  serviceExternalIP,
  servicePorts,
  type EndpointSlice, type Endpoints, type Ingress, type IngressClass, type KubeObject, type Service } from '@skiff/api';
import { TablePrinter } from './table.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:58:00Z'; // 2m

function table(resource: string, objs: KubeObject[], wide = false): string[] {
  const info = findResource(resource);
  assert.ok(info);
  const p = new TablePrinter({ wide, withNamespace: false, showLabels: false, withKind: false });
  return p
    .print([p.header(info), ...objs.map((o) => p.row(info, o, NOW))])
    .trimEnd()
    .split('\n');
}

function svc(name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, creationTimestamp: created }, spec, ...(status ? { status } : {}) };
}

test('services: TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as kubectl prints them, SELECTOR with -o wide', () => {
  const services = [
    svc('web', { type: 'ClusterIP', clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7'], selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] }),
    svc('np', { type: 'NodePort', clusterIP: '10.96.0.8', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 53, protocol: 'UDP', nodePort: 30053 }] }),
    svc('lb', { type: 'LoadBalancer', clusterIP: '10.96.0.9', ports: [{ port: 443, protocol: 'TCP', nodePort: 31443 }] }, { loadBalancer: { ingress: [{ ip: '127.0.0.3' }, { ip: '127.0.0.2' }] } }),
    svc('pending', { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] }),
    svc('headless', { clusterIP: 'None', selector: { app: 'db' } }),
    svc('ext', { type: 'ExternalName', externalName: 'db.example.com' }),
  ];
  assert.deepEqual(table('services', services), [
    'NAME       TYPE           CLUSTER-IP   EXTERNAL-IP        PORT(S)                     AGE',
    'web        ClusterIP      10.96.0.7    <none>             80/TCP                      2m',
    'np         NodePort       10.96.0.8    <none>             80:30080/TCP,53:30053/UDP   2m',
    'lb         LoadBalancer   10.96.0.9    127.0.0.2,127...   443:31443/TCP               2m',
    'pending    LoadBalancer   10.96.0.10   <pending>          80:31000/TCP                2m',
    'headless   ClusterIP      None         <none>             <none>                      2m',
    'ext        ExternalName   <none>       db.example.com     <none>                      2m',
  ]);
  // -o wide shows every load-balancer address.
  assert.match(table('services', services.slice(2, 3), true)[1] ?? '', /127\.0\.0\.2,127\.0\.0\.3/);
  assert.deepEqual(table('services', services.slice(0, 1), true), [
    'NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE   SELECTOR',
    'web    ClusterIP   10.96.0.7    <none>        80/TCP    2m    app=web',
  ]);
});

test('load-balancer addresses: sorted, deduplicated, clipped to 16 characters unless wide', () => {
  const ingress = [{ ip: '192.168.100.12' }, { ip: '192.168.100.11' }, { hostname: 'lb.example.com' }, { ip: '192.168.100.11' }];
  assert.equal(loadBalancerAddresses(ingress, true), '192.168.100.11,192.168.100.12,lb.example.com');
  assert.equal(loadBalancerAddresses(ingress, false), '192.168.100.1...');
  const lb = svc('x', { type: 'LoadBalancer', externalIPs: ['1.2.3.4'] }, { loadBalancer: { ingress: [{ ip: '127.0.0.2' }] } });
  assert.equal(serviceExternalIP(lb, false), '127.0.0.2,1.2.3.4');
  assert.equal(servicePorts([{ port: 80 }]), '80/TCP');
});

function endpoints(name: string, subsets: Endpoints['subsets']): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, creationTimestamp: created }, ...(subsets ? { subsets } : {}) };
}

test("endpoints: ready ip:port pairs, three then '+ N more...'; <none> without subsets", () => {
  const many = endpoints('web', [
    {
      addresses: ['10.244.1.5', '10.244.2.3', '10.244.1.6', '10.244.2.9'].map((ip) => ({ ip })),
      notReadyAddresses: [{ ip: '10.244.1.7' }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    },
  ]);
  assert.equal(formatEndpoints(many), '10.244.1.5:8080,10.244.2.3:8080,10.244.1.6:8080 + 1 more...');
  assert.deepEqual(table('endpoints', [endpoints('web', [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 8080 }, { port: 9090, name: 'm' }] }]), endpoints('none', undefined)]), [
    'NAME   ENDPOINTS                         AGE',
    'web    10.244.1.5:8080,10.244.1.5:9090   2m',
    'none   <none>                            2m',
  ]);
  // Headless Services without ports list bare IPs; a named port can be picked out.
  assert.equal(formatEndpoints(endpoints('h', [{ addresses: [{ ip: '10.244.1.5' }] }])), '10.244.1.5');
  assert.equal(formatEndpoints(endpoints('p', [{ addresses: [{ ip: '10.1.1.1' }], ports: [{ port: 1, name: 'a' }, { port: 2, name: 'b' }] }]), new Set(['b'])), '10.1.1.1:2');
});

function slice(name: string, ports: EndpointSlice['ports'], eps: EndpointSlice['endpoints']): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, creationTimestamp: created }, addressType: 'IPv4', ...(ports ? { ports } : {}), endpoints: eps };
}

test('endpointslices: ADDRESSTYPE, PORTS and ENDPOINTS (every address, ready or not)', () => {
  const eps = ['10.244.1.5', '10.244.2.3', '10.244.1.6', '10.244.2.9'].map((ip, i) => ({ addresses: [ip], conditions: { ready: i !== 3 } }));
  assert.deepEqual(table('endpointslices', [slice('web-abc12', [{ name: '', port: 8080, protocol: 'TCP' }], eps), slice('empty-x', undefined, [])]), [
    'NAME        ADDRESSTYPE   PORTS     ENDPOINTS                                      AGE',
    'web-abc12   IPv4          8080      10.244.1.5,10.244.2.3,10.244.1.6 + 1 more...   2m',
    'empty-x     IPv4          <unset>   <unset>                                        2m',
  ]);
  // describe's view: only ready endpoints, per Service port name.
  assert.equal(formatSlicesForService([slice('w', [{ name: '', port: 8080 }], eps)], new Set([''])), '10.244.1.5:8080,10.244.2.3:8080,10.244.1.6:8080');
  assert.equal(formatSlicesForService([slice('w', [{ name: 'http', port: 8080 }], eps)], new Set(['metrics'])), '');
  assert.equal(formatSlicesForService([], new Set([''])), '<none>');
});

test('ingresses: CLASS, HOSTS (three, then more), ADDRESS from the status, PORTS 80 (and 443 with TLS)', () => {
  const ing = (name: string, spec: Ingress['spec'], addresses: string[] = []): Ingress => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, creationTimestamp: created },
    spec,
    status: { loadBalancer: { ingress: addresses.map((ip) => ({ ip })) } },
  });
  const hosts = ['a.example', 'b.example', 'c.example', 'd.example'].map((host) => ({ host }));
  assert.deepEqual(
    table('ingresses', [
      ing('web', { ingressClassName: 'skiff', rules: [{ http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] }, ['127.0.0.2']),
      ing('many', { rules: hosts, tls: [{ hosts: ['a.example'] }] }),
    ]),
    [
      'NAME   CLASS    HOSTS                                       ADDRESS     PORTS     AGE',
      'web    skiff    *                                           127.0.0.2   80        2m',
      'many   <none>   a.example,b.example,c.example + 1 more...               80, 443   2m',
    ],
  );
});

test('ingressclasses: CONTROLLER and PARAMETERS (kind.group/name)', () => {
  const ic = (name: string, spec: IngressClass['spec']): IngressClass => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name, creationTimestamp: created }, spec });
  assert.deepEqual(table('ingressclasses', [ic('skiff', { controller: 'skiff.io/ingress-controller' }), ic('p', { controller: 'x.io/c', parameters: { apiGroup: 'x.io', kind: 'Params', name: 'p1' } })]), [
    'NAME    CONTROLLER                    PARAMETERS       AGE',
    'skiff   skiff.io/ingress-controller   <none>           2m',
    'p       x.io/c                        Params.x.io/p1   2m',
  ]);
});
