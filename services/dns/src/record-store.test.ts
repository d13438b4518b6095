import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSlice } from '@skiff/api';
import { RecordStore, serviceRecord, sliceEndpoints } from './record-store.js';
import { endpoint, service, slice } from './testing/fixtures.js';

function store(now = () => 5_000): RecordStore {
  return new RecordStore({ domain: 'Cluster.Local.', ttl: 30, nameserverIP: '10.96.0.10', now });
}

describe('serviceRecord', () => {
  it('tells ClusterIP, headless and ExternalName Services apart and keeps only IPv4 cluster IPs', () => {
    assert.deepEqual(serviceRecord(service('Default', 'Web', { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'], ports: [{ name: 'HTTP', port: 80 }] })), {
      namespace: 'default',
      name: 'web',
      kind: 'ClusterIP',
      clusterIPs: ['10.96.0.5'],
      ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    });
    assert.equal(serviceRecord(service('d', 'h', { clusterIP: 'None' })).kind, 'Headless');
    assert.deepEqual(serviceRecord(service('d', 'e', { type: 'ExternalName', externalName: 'DB.Example.org.' })).externalName, 'db.example.org');
  });
});

describe('sliceEndpoints', () => {
  it('keeps ready (or unknown) IPv4 endpoints, names them by hostname or dashed IP, and skips non-IPv4 slices', () => {
    const s = slice('d', 'svc', 's1', [endpoint('10.0.0.1', { hostname: 'Pet-0' }), endpoint('10.0.0.2', { ready: false }), { addresses: ['10.0.0.3'] }], [{ name: 'p', port: 80 }]);
    assert.deepEqual(sliceEndpoints(s), [
      { ip: '10.0.0.1', hostname: 'pet-0', ports: [{ name: 'p', protocol: 'TCP', port: 80 }] },
      { ip: '10.0.0.3', hostname: '10-0-0-3', ports: [{ name: 'p', protocol: 'TCP', port: 80 }] },
    ]);
    const v6: EndpointSlice = { ...s, addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] };
    assert.deepEqual(sliceEndpoints(v6), []);
  });
});

describe('RecordStore', () => {
  it('normalizes the domain', () => {
    assert.equal(store().domain, 'cluster.local');
  });

  it('merges a Service’s slices, one record per IP, and follows slice updates and deletions', () => {
    const s = store();
    s.setService(service('d', 'svc', { clusterIP: 'None' }));
    s.setSlice(slice('d', 'svc', 'a', [endpoint('10.0.0.1'), endpoint('10.0.0.2')]));
    s.setSlice(slice('d', 'svc', 'b', [endpoint('10.0.0.2'), endpoint('10.0.0.3')]));
    assert.deepEqual(s.endpoints('d', 'svc').map((e) => e.ip), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    s.setSlice(slice('d', 'svc', 'a', [endpoint('10.0.0.1', { ready: false })]));
    assert.deepEqual(s.endpoints('d', 'svc').map((e) => e.ip), ['10.0.0.2', '10.0.0.3']);
    s.deleteSlice(slice('d', 'svc', 'b', []));
    assert.deepEqual(s.endpoints('D', 'SVC'), []);
  });

  it('ignores slices without a service-name label', () => {
    const s = store();
    const orphan = slice('d', 'svc', 'x', [endpoint('10.0.0.9')]);
    delete orphan.metadata.labels;
    s.setSlice(orphan);
    assert.deepEqual(s.endpoints('d', 'svc'), []);
    assert.deepEqual(s.reverse('10.0.0.9'), []);
  });

  it('counts Services per namespace', () => {
    const s = store();
    s.setService(service('a', 'one', { clusterIP: '10.96.0.1' }));
    s.setService(service('a', 'one', { clusterIP: '10.96.0.1' })); // an update is not a second Service
    s.setService(service('a', 'two', { clusterIP: '10.96.0.2' }));
    s.deleteService(service('a', 'one', {}));
    assert.equal(s.namespaceHasServices('a'), true);
    s.deleteService(service('a', 'two', {}));
    assert.equal(s.namespaceHasServices('a'), false);
  });

  it('reverses ClusterIPs and endpoint IPs, and forgets them when they change', () => {
    const s = store();
    s.setService(service('d', 'web', { clusterIP: '10.96.0.7' }));
    s.setService(service('d', 'pets', { clusterIP: 'None' }));
    s.setSlice(slice('d', 'pets', 'p', [endpoint('10.244.0.4', { hostname: 'pet-0' })]));
    assert.deepEqual(s.reverse('10.96.0.7'), ['web.d.svc.cluster.local']);
    assert.deepEqual(s.reverse('10.244.0.4'), ['pet-0.pets.d.svc.cluster.local']);
    s.setService(service('d', 'web', { clusterIP: '10.96.0.8' }));
    assert.deepEqual(s.reverse('10.96.0.7'), []);
    s.deleteService(service('d', 'pets', {}));
    assert.deepEqual(s.reverse('10.244.0.4'), [], 'endpoints of a deleted Service reverse to nothing');
  });

  it('moves the SOA serial to the time of the last change, in seconds', () => {
    let now = 10_500;
    const s = store(() => now);
    assert.equal(s.serial(), 10);
    now = 42_999;
    s.setService(service('d', 'web', { clusterIP: '10.96.0.7' }));
    assert.equal(s.serial(), 42);
  });
});
