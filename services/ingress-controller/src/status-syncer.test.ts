import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredLoadBalancer, publishEntry } from './status-syncer.js';

describe('desiredLoadBalancer', () => {
  it('a served Ingress lists exactly our address', () => {
    assert.deepEqual(desiredLoadBalancer(undefined, true, '10.0.0.5'), [{ ip: '10.0.0.5' }]);
    assert.deepEqual(desiredLoadBalancer([{ ip: '10.0.0.9' }], true, '10.0.0.5'), [{ ip: '10.0.0.5' }]);
  });
  it('an Ingress we do not serve loses our address and keeps the others', () => {
    assert.deepEqual(desiredLoadBalancer([{ ip: '10.0.0.5' }, { ip: '10.0.0.9' }], false, '10.0.0.5'), [{ ip: '10.0.0.9' }]);
    assert.deepEqual(desiredLoadBalancer(undefined, false, '10.0.0.5'), []);
  });
  it('a host name is published as hostname', () => {
    assert.deepEqual(publishEntry('lb.example.com'), { hostname: 'lb.example.com' });
    assert.deepEqual(publishEntry('::1'), { ip: '::1' });
  });
});
