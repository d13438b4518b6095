import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointsChangeTracker, ServiceChangeTracker, type EndpointsMap } from './change-tracker.js';
import { endpointsOfService } from './endpoints.js';
import { servicePortKey, servicePortsOf, type ServicePortInfo } from './service-port.js';
import { endpointSlice, service } from './testing/objects.js';

const web = service('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] });

describe('servicePortsOf', () => {
  it('makes one entry per port, keyed by name and protocol', () => {
    const ports = servicePortsOf(web);
    assert.deepEqual([...ports.keys()].sort(), ['default/web:dns/UDP', 'default/web:http/TCP']);
    const http = ports.get('default/web:http/TCP');
    assert.equal(http?.nameString, 'default/web:http');
    assert.equal(http?.clusterIP, '10.96.0.10');
    assert.equal(http?.port, 80);
    assert.equal(http?.stickyMaxAgeSeconds, undefined);
  });

  it('skips headless, ExternalName and IP-less Services, and SCTP ports', () => {
    assert.equal(servicePortsOf(service('h', { clusterIP: 'None', ports: [{ port: 80 }] })).size, 0);
    assert.equal(servicePortsOf(service('e', { clusterIP: '', ports: [{ port: 80 }] })).size, 0);
    const ext = service('x', { clusterIP: '10.96.0.3', ports: [{ port: 80 }] });
    ext.spec.type = 'ExternalName';
    assert.equal(servicePortsOf(ext).size, 0);
    const skipped: string[] = [];
    const sctp = servicePortsOf(service('s', { clusterIP: '10.96.0.4', ports: [{ name: 'a', port: 80, protocol: 'SCTP' }, { name: 'b', port: 81 }] }), (p) => skipped.push(p));
    assert.deepEqual([...sctp.keys()], ['default/s:b/TCP']);
    assert.deepEqual(skipped, ['default/s:a']);
  });

  it('takes ClientIP affinity (default timeout 10800 s), external and load-balancer IPs', () => {
    const s = service('lb', { clusterIP: '10.96.0.5', ports: [{ port: 80, nodePort: 30080 }], type: 'LoadBalancer', sessionAffinity: { timeoutSeconds: 60 }, externalIPs: ['192.0.2.9'], loadBalancerIPs: ['127.0.0.2'] });
    const info = servicePortsOf(s).get('default/lb/TCP');
    assert.equal(info?.stickyMaxAgeSeconds, 60);
    assert.equal(info?.nodePort, 30080);
    assert.deepEqual(info?.externalIPs, ['192.0.2.9']);
    assert.deepEqual(info?.loadBalancerIPs, ['127.0.0.2']);
    delete s.spec.sessionAffinityConfig;
    assert.equal(servicePortsOf(s).get('default/lb/TCP')?.stickyMaxAgeSeconds, 10800);
  });
});

describe('endpointsOfService', () => {
  it('keeps only endpoints not marked unready, matches ports by name, merges and sorts slices', () => {
    const a = endpointSlice('web-a', 'web', [{ ip: '10.244.1.7' }, { ip: '10.244.1.3', ready: false }], [{ name: 'http', port: 8080 }]);
    const b = endpointSlice('web-b', 'web', [{ ip: '10.244.2.5' }, { ip: '10.244.1.7' }], [{ name: 'http', port: 8080 }]);
    const noReady = { ...a, endpoints: [{ addresses: ['10.244.3.3'] }] };
    const eps = endpointsOfService('default/web', [a, b, noReady]);
    assert.deepEqual(
      eps.get(servicePortKey('default/web', 'http', 'TCP'))?.map((e) => `${e.ip}:${e.port}`),
      ['10.244.1.7:8080', '10.244.2.5:8080', '10.244.3.3:8080'],
    );
  });

  it('gives a named port its own target port per slice and ignores other address types', () => {
    const a = endpointSlice('w-a', 'web', [{ ip: '10.244.1.7' }], [{ name: 'http', port: 8080 }]);
    const b = endpointSlice('w-b', 'web', [{ ip: '10.244.2.5' }], [{ name: 'http', port: 9090 }]);
    const v6 = { ...endpointSlice('w-c', 'web', [{ ip: 'fd00::1' }], [{ name: 'http', port: 80 }]), addressType: 'IPv6' as const };
    const eps = endpointsOfService('default/web', [a, b, v6]);
    assert.deepEqual(eps.get('default/web:http/TCP')?.map((e) => `${e.ip}:${e.port}`), ['10.244.1.7:8080', '10.244.2.5:9090']);
  });
});

describe('ServiceChangeTracker', () => {
  it('coalesces changes and drops those that return to the start', () => {
    const t = new ServiceChangeTracker();
    const map = new Map<string, ServicePortInfo>();
    assert.equal(t.update(undefined, web), true);
    assert.equal(t.update(web, { ...web, metadata: { ...web.metadata, labels: { a: 'b' } } }), true, 'still pending');
    const r = t.apply(map);
    assert.deepEqual([...r.updatedServices], ['default/web']);
    assert.equal(map.size, 2);

    const moved = { ...web, spec: { ...web.spec, clusterIP: '10.96.0.11' } };
    assert.equal(t.update(web, moved), true);
    assert.equal(t.update(moved, web), false, 'back where it started: nothing to sync');
    assert.equal(t.pending(), 0);

    const status = { ...web, status: { conditions: [] } };
    assert.equal(t.update(web, status), false, 'a change that does not affect proxying needs no sync');
  });

  it('reports ClusterIPs whose UDP ports went away', () => {
    const t = new ServiceChangeTracker();
    const map = new Map<string, ServicePortInfo>();
    t.update(undefined, web);
    t.apply(map);
    t.update(web, undefined);
    const r = t.apply(map);
    assert.equal(map.size, 0);
    assert.deepEqual([...r.deletedUDPClusterIPs], ['10.96.0.10']);
  });
});

describe('EndpointsChangeTracker', () => {
  it('tracks slices per Service and reports removed UDP endpoints and newly active UDP services', () => {
    const t = new EndpointsChangeTracker();
    const map: EndpointsMap = new Map();
    const s1 = endpointSlice('dns-1', 'dns', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }], [{ name: 'dns', port: 53, protocol: 'UDP' }], 'kube-system');
    assert.equal(t.update(s1, false), true);
    let r = t.apply(map);
    assert.deepEqual(r.newlyActiveUDPServices, ['kube-system/dns:dns/UDP']);
    assert.equal(map.get('kube-system/dns:dns/UDP')?.length, 2);

    const s1b = endpointSlice('dns-1', 'dns', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3', ready: false }], [{ name: 'dns', port: 53, protocol: 'UDP' }], 'kube-system');
    assert.equal(t.update(s1b, false), true);
    r = t.apply(map);
    assert.deepEqual(r.deletedUDPEndpoints.map((d) => `${d.servicePort} ${d.endpoint.ip}`), ['kube-system/dns:dns/UDP 10.244.1.3']);
    assert.deepEqual(r.newlyActiveUDPServices, []);

    assert.equal(t.update(s1b, false), false, 'the same slice again changes nothing');
    assert.equal(t.update(s1b, true), true);
    r = t.apply(map);
    assert.equal(map.has('kube-system/dns:dns/UDP'), false);
    assert.deepEqual([...r.updatedServices], ['kube-system/dns']);
  });

  it('ignores slices without a service-name label', () => {
    const t = new EndpointsChangeTracker();
    const s = endpointSlice('x', 'web', [{ ip: '10.0.0.1' }], [{ port: 80 }]);
    delete s.metadata.labels;
    assert.equal(t.update(s, false), false);
  });
});
