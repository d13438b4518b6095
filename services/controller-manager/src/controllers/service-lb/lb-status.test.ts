import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeNode, makeService } from '../../testing/network-fixtures.js';
import { LABEL_EXCLUDE_FROM_LB, loadBalancerIngress, planLoadBalancer } from './lb-status.js';

describe('load-balancer status', () => {
  const nodes = [
    makeNode('b', { ip: '127.0.0.10' }),
    makeNode('a', { ip: '127.0.0.9' }),
    makeNode('down', { ip: '127.0.0.11', ready: false }),
    makeNode('cordoned', { ip: '127.0.0.12', unschedulable: true }),
    makeNode('excluded', { ip: '127.0.0.13', labels: { [LABEL_EXCLUDE_FROM_LB]: '' } }),
    makeNode('twin', { ip: '127.0.0.9' }),
  ];

  it('lists every Ready, schedulable node’s InternalIP once, sorted numerically', () => {
    assert.deepEqual(loadBalancerIngress(nodes), [{ ip: '127.0.0.9' }, { ip: '127.0.0.10' }]);
  });

  it('ensures a LoadBalancer Service’s status, then leaves it while nothing changes', () => {
    const svc = makeService('web', { type: 'LoadBalancer' });
    const plan = planLoadBalancer(svc, nodes);
    assert.deepEqual(plan, { action: 'ensure', loadBalancer: { ingress: [{ ip: '127.0.0.9' }, { ip: '127.0.0.10' }] }, first: true });
    // The apiserver may add ipMode: it does not count as a difference.
    const done = { ...svc, status: { loadBalancer: { ingress: [{ ip: '127.0.0.9', ipMode: 'VIP' as const }, { ip: '127.0.0.10', ipMode: 'VIP' as const }] } } };
    assert.deepEqual(planLoadBalancer(done, nodes), { action: 'none' });
    const fewer = planLoadBalancer(done, nodes.slice(0, 1));
    assert.deepEqual(fewer, { action: 'ensure', loadBalancer: { ingress: [{ ip: '127.0.0.10' }] }, first: false });
  });

  it('clears the status of a Service that is no longer a LoadBalancer; leaves other classes alone', () => {
    const was = { ...makeService('web', { type: 'ClusterIP' }), status: { loadBalancer: { ingress: [{ ip: '127.0.0.9' }] } } };
    assert.deepEqual(planLoadBalancer(was, nodes), { action: 'clear', loadBalancer: {}, first: false });
    assert.deepEqual(planLoadBalancer(makeService('web'), nodes), { action: 'none' });
    assert.deepEqual(planLoadBalancer(makeService('web', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }), nodes), { action: 'none' });
  });
});
