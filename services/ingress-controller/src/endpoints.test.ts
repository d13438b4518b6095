import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_SERVICE_NAME, type EndpointSlice, type Service, type ServicePort } from '@skiff/api';
import { EndpointPicker } from './endpoint-picker.js';
import { resolveEndpoints } from './endpoints.js';

const svc = (ports: ServicePort[], type?: Service['spec']['type']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { ports, ...(type && { type }) },
});

const slice = (name: string, ports: NonNullable<EndpointSlice['ports']>, endpoints: [string, boolean | undefined][]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'web' } },
  addressType: 'IPv4',
  ports,
  endpoints: endpoints.map(([ip, ready]) => ({ addresses: [ip], ...(ready !== undefined && { conditions: { ready } }) })),
});

describe('resolveEndpoints', () => {
  const twoPorts = svc([
    { name: 'http', port: 80, targetPort: 'web' },
    { name: 'admin', port: 9000, targetPort: 9090 },
  ]);
  const slices = [
    slice('web-a', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9090, protocol: 'TCP' }], [['10.0.0.1', true], ['10.0.0.2', false], ['10.0.0.3', undefined]]),
    slice('web-b', [{ name: 'http', port: 8081, protocol: 'TCP' }], [['10.0.1.1', true]]),
  ];

  it('a port by number resolves through the Service port name to each slice port', () => {
    assert.deepEqual(resolveEndpoints(twoPorts, slices, { number: 80 }, 'default/web'), {
      endpoints: [
        { ip: '10.0.0.1', port: 8080 },
        { ip: '10.0.0.3', port: 8080 },
        { ip: '10.0.1.1', port: 8081 },
      ],
    });
  });
  it('a port by name', () => {
    assert.deepEqual(resolveEndpoints(twoPorts, slices, { name: 'admin' }, 'default/web'), { endpoints: [{ ip: '10.0.0.1', port: 9090 }, { ip: '10.0.0.3', port: 9090 }] });
  });
  it('an unnamed single port matches the slice port without a name', () => {
    const one = svc([{ port: 80 }]);
    const s = slice('web-x', [{ port: 8080, protocol: 'TCP' }], [['10.0.0.9', true]]);
    assert.deepEqual(resolveEndpoints(one, [s], { number: 80 }, 'default/web'), { endpoints: [{ ip: '10.0.0.9', port: 8080 }] });
  });
  it('no Service, no such port, no ready endpoint, ExternalName: unavailable', () => {
    const reason = (r: ReturnType<typeof resolveEndpoints>): string => ('unavailable' in r ? r.unavailable : 'ok');
    assert.equal(reason(resolveEndpoints(undefined, slices, { number: 80 }, 'default/web')), 'ServiceNotFound');
    assert.equal(reason(resolveEndpoints(twoPorts, slices, { number: 81 }, 'default/web')), 'PortNotFound');
    assert.equal(reason(resolveEndpoints(twoPorts, slices, { name: 'nope' }, 'default/web')), 'PortNotFound');
    assert.equal(reason(resolveEndpoints(twoPorts, [], { number: 80 }, 'default/web')), 'NoEndpoints');
    const allNotReady = slice('web-c', [{ name: 'http', port: 8080 }], [['10.0.0.5', false]]);
    assert.equal(reason(resolveEndpoints(twoPorts, [allNotReady], { number: 80 }, 'default/web')), 'NoEndpoints');
    assert.equal(reason(resolveEndpoints(svc([{ port: 80 }], 'ExternalName'), [], { number: 80 }, 'default/web')), 'ExternalName');
  });
  it('an address listed in two slices counts once', () => {
    const dup = [slices[1] as EndpointSlice, { ...(slices[1] as EndpointSlice), metadata: { name: 'web-mirror', namespace: 'default' } }];
    assert.deepEqual(resolveEndpoints(twoPorts, dup, { number: 80 }, 'default/web'), { endpoints: [{ ip: '10.0.1.1', port: 8081 }] });
  });
});

describe('EndpointPicker', () => {
  const eps = [
    { ip: 'a', port: 1 },
    { ip: 'b', port: 1 },
    { ip: 'c', port: 1 },
  ];
  it('round robin per backend', () => {
    const p = new EndpointPicker();
    assert.deepEqual([1, 2, 3, 4].map(() => p.pick('x', eps)?.ip), ['a', 'b', 'c', 'a']);
    assert.equal(p.pick('y', eps)?.ip, 'a');
  });
  it('skips excluded endpoints, undefined when all are', () => {
    const p = new EndpointPicker();
    assert.equal(p.pick('x', eps, new Set(['a:1']))?.ip, 'b');
    assert.equal(p.pick('x', eps, new Set(['a:1', 'b:1', 'c:1'])), undefined);
    assert.equal(p.pick('x', []), undefined);
  });
});
