import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '@skiff/api';
import { makeNetPod, makeService } from '../../testing/network-fixtures.js';
import { findPort, hasSelector, servicesToUpdate, shouldPodBeInEndpoints } from './service-pods.js';

describe('service pods', () => {
  it('findPort: numbers as they are, names per pod and protocol, none when the pod lacks it', () => {
    const pod = makeNetPod('a', { ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }, { name: 'web', containerPort: 8080 }] });
    assert.equal(findPort(pod, { port: 80, targetPort: 9000 }), 9000);
    assert.equal(findPort(pod, { port: 80 }), 80);
    assert.equal(findPort(pod, { port: 80, targetPort: 'web' }), 8080);
    assert.equal(findPort(pod, { port: 53, targetPort: 'dns', protocol: 'UDP' }), 5353);
    assert.equal(findPort(pod, { port: 53, targetPort: 'dns', protocol: 'TCP' }), undefined);
    assert.equal(findPort(pod, { port: 80, targetPort: 'nope' }), undefined);
  });

  it('shouldPodBeInEndpoints: an IP, not finished, terminating only when asked', () => {
    assert.equal(shouldPodBeInEndpoints(makeNetPod('a'), true), false);
    assert.equal(shouldPodBeInEndpoints(makeNetPod('a', { ip: '10.0.0.1', phase: 'Failed' }), true), false);
    assert.equal(shouldPodBeInEndpoints(makeNetPod('a', { ip: '10.0.0.1', terminating: true }), false), false);
    assert.equal(shouldPodBeInEndpoints(makeNetPod('a', { ip: '10.0.0.1', terminating: true }), true), true);
  });

  it('a Service without a selector (or an empty one) selects nothing', () => {
    assert.equal(hasSelector(makeService('a', { selector: {} })), false);
    const noSelector = makeService('a');
    delete noSelector.spec.selector;
    assert.equal(hasSelector(noSelector), false);
    assert.equal(hasSelector(makeService('a')), true);
  });

  it('servicesToUpdate: only when something an endpoint shows changed, old and new Services on a relabel', () => {
    const web = makeService('web', { selector: { app: 'web' } });
    const api = makeService('api', { selector: { app: 'api' } });
    const all = makeService('all', { selector: { tier: 'x' } });
    const other = makeService('web', { selector: { app: 'web' } }, { namespace: 'other' });
    const services = [web, api, all, other];
    const pod = makeNetPod('p', { ip: '10.0.0.1', labels: { app: 'web', tier: 'x' } });
    const bump = (p: Pod, rv: string): Pod => ({ ...p, metadata: { ...p.metadata, resourceVersion: rv } });

    assert.deepEqual(servicesToUpdate(services, undefined, pod).sort(), ['default/all', 'default/web']);
    // An annotation change: nothing to do.
    assert.deepEqual(servicesToUpdate(services, pod, bump({ ...pod, metadata: { ...pod.metadata, annotations: { a: 'b' } } }, '6')), []);
    // Readiness: the Services it is in.
    const unready = bump(makeNetPod('p', { ip: '10.0.0.1', labels: { app: 'web', tier: 'x' }, ready: false }), '6');
    assert.deepEqual(servicesToUpdate(services, pod, unready).sort(), ['default/all', 'default/web']);
    // Relabelled from web to api: the Services it left and joined, not the one it stays in.
    const moved = bump(makeNetPod('p', { ip: '10.0.0.1', labels: { app: 'api', tier: 'x' } }), '6');
    assert.deepEqual(servicesToUpdate(services, pod, moved).sort(), ['default/api', 'default/web']);
    // Relabelled and not ready at once: every Service before and after.
    const both = bump(makeNetPod('p', { ip: '10.0.0.1', labels: { app: 'api', tier: 'x' }, ready: false }), '6');
    assert.deepEqual(servicesToUpdate(services, pod, both).sort(), ['default/all', 'default/api', 'default/web']);
  });
});
