// Endpoints and EndpointSlices through the registry (MemoryStorage): defaults, validation, limits
// and the EndpointSlice generation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Endpoints } from '@skiff/api';
import { causes, newTestRegistry, rejectsWith } from '../test-fixtures.js';

test('manual Endpoints for a selector-less Service are stored, ports defaulted to TCP', async () => {
  const { registry, close } = await newTestRegistry({ repairIntervalMs: 0 });
  try {
    await registry.store('services').create('default', { metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } });
    const ep = (await registry.store('ep').create('default', {
      metadata: { name: 'db' },
      subsets: [{ addresses: [{ ip: '192.0.2.10', hostname: 'db-0' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ port: 5432 }] }],
    })) as Endpoints;
    assert.equal(ep.subsets?.[0]?.ports?.[0]?.protocol, 'TCP');
  } finally {
    await close();
  }
});

test('Endpoints need valid, non-special IPv4 addresses and valid ports', async () => {
  const { registry, close } = await newTestRegistry({ repairIntervalMs: 0 });
  try {
    const e = await rejectsWith(
      registry.store('endpoints').create('default', {
        metadata: { name: 'bad' },
        subsets: [
          { addresses: [{ ip: '10.0.0.300' }, { ip: '127.0.0.1' }], ports: [{ port: 0 }, { name: 'b', port: 80, protocol: 'SCTP' }] },
          { ports: [{ port: 80 }] },
        ],
      }),
      'Invalid',
    );
    assert.deepEqual(causes(e), [
      'subsets[0].addresses[0].ip: Invalid value: "10.0.0.300": must be a valid IPv4 address',
      'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[0].ports[0].name: Required value',
      'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'subsets[0].ports[1].protocol: Unsupported value: "SCTP": supported values: "TCP", "UDP"',
      'subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`',
    ]);
  } finally {
    await close();
  }
});

const slice = (name: string, endpoints: EndpointSlice['endpoints'], addressType: EndpointSlice['addressType'] = 'IPv4'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType,
  endpoints,
  ports: [{ name: 'http', port: 8080 }],
});

test('EndpointSlices: IPv4 or FQDN addresses, at most 1000 endpoints, generation on change', async () => {
  const { registry, close } = await newTestRegistry({ repairIntervalMs: 0 });
  const slices = registry.store('endpointslices');
  try {
    const created = (await slices.create('default', slice('web-abc', [{ addresses: ['10.244.1.5'], conditions: { ready: true } }]))) as EndpointSlice;
    assert.deepEqual(created.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(created.metadata.generation, 1);
    const more = (await slices.update('default', 'web-abc', { ...created, endpoints: [...created.endpoints, { addresses: ['10.244.2.7'], conditions: { ready: false } }] })) as EndpointSlice;
    assert.equal(more.metadata.generation, 2);
    const relabelled = (await slices.patch('default', 'web-abc', { metadata: { labels: { extra: 'x' } } })) as EndpointSlice;
    assert.equal(relabelled.metadata.generation, 2, 'metadata alone does not count');
    await rejectsWith(slices.patch('default', 'web-abc', { addressType: 'FQDN' }), 'Invalid', /addressType: Invalid value: "FQDN": field is immutable/);

    await slices.create('default', slice('web-fqdn', [{ addresses: ['db.example.com'] }], 'FQDN'));
    let e = await rejectsWith(slices.create('default', slice('v6', [{ addresses: ['fd00::1'] }], 'IPv6')), 'Invalid');
    assert.deepEqual(causes(e), ['addressType: Unsupported value: "IPv6": supported values: "FQDN", "IPv4"']);
    e = await rejectsWith(slices.create('default', slice('bad', [{ addresses: [] }, { addresses: ['10.244.1.300'], hostname: 'Not_Valid' }])), 'Invalid');
    assert.deepEqual(causes(e), [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "10.244.1.300": must be a valid IPv4 address',
      `endpoints[1].hostname: Invalid value: "Not_Valid": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    const many = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`] }));
    e = await rejectsWith(slices.create('default', slice('many', many)), 'Invalid');
    assert.deepEqual(causes(e), ['endpoints: Too many: 1001: must have at most 1000 items']);
    assert.equal(e.details.causes?.[0]?.reason, 'FieldValueTooMany');
    await slices.create('default', slice('thousand', many.slice(0, 1000)));
    const byService = await slices.list({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
    assert.deepEqual(byService.items.map((s) => s.metadata.name).sort(), ['thousand', 'web-abc', 'web-fqdn']);
  } finally {
    await close();
  }
});
