import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoints, EndpointSubset } from '@skiff/api';
import { makeNetPod, makeService } from '../../testing/network-fixtures.js';
import { ANNOTATION_OVER_CAPACITY, desiredSubsets, LABEL_ENDPOINTS_MANAGED_BY, planEndpoints, subsetsEqual, truncateSubsets } from './endpoints-plan.js';
import { LABEL_HEADLESS } from './service-pods.js';

const ips = (list: EndpointSubset['addresses']): string[] => (list ?? []).map((a) => a.ip);

describe('desiredSubsets', () => {
  it('puts ready pods in addresses and others in notReadyAddresses, sorted by IP', () => {
    const svc = makeService('web', { selector: { app: 'web' } });
    const subsets = desiredSubsets(svc, [
      makeNetPod('c', { ip: '10.244.0.12' }),
      makeNetPod('a', { ip: '10.244.0.9' }),
      makeNetPod('b', { ip: '10.244.0.10', ready: false }),
    ]);
    assert.equal(subsets.length, 1);
    assert.deepEqual(ips(subsets[0]?.addresses), ['10.244.0.9', '10.244.0.12']);
    assert.deepEqual(ips(subsets[0]?.notReadyAddresses), ['10.244.0.10']);
    assert.deepEqual(subsets[0]?.ports, [{ port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(subsets[0]?.addresses?.[0], { ip: '10.244.0.9', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'pod-uid-a' } });
  });

  it('leaves out pods without an IP, finished pods and terminating pods', () => {
    const svc = makeService('web');
    const subsets = desiredSubsets(svc, [
      makeNetPod('pending'),
      makeNetPod('done', { ip: '10.244.0.2', phase: 'Succeeded' }),
      makeNetPod('failed', { ip: '10.244.0.3', phase: 'Failed' }),
      makeNetPod('going', { ip: '10.244.0.4', terminating: true }),
      makeNetPod('ok', { ip: '10.244.0.5' }),
    ]);
    assert.deepEqual(subsets.map((s) => ips(s.addresses)), [['10.244.0.5']]);
    assert.equal(subsets[0]?.notReadyAddresses, undefined);
  });

  it('publishNotReadyAddresses lists every pod (terminating ones too) as ready', () => {
    const svc = makeService('web', { publishNotReadyAddresses: true });
    const subsets = desiredSubsets(svc, [makeNetPod('a', { ip: '10.244.0.2', ready: false }), makeNetPod('b', { ip: '10.244.0.3', terminating: true })]);
    assert.deepEqual(ips(subsets[0]?.addresses), ['10.244.0.2', '10.244.0.3']);
    assert.equal(subsets[0]?.notReadyAddresses, undefined);
  });

  it('resolves a named targetPort per pod and groups pods by the ports they offer', () => {
    const svc = makeService('web', {
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
      ],
    });
    const subsets = desiredSubsets(svc, [
      makeNetPod('v1', { ip: '10.244.0.2', ports: [{ name: 'http', containerPort: 8080 }] }),
      makeNetPod('v1b', { ip: '10.244.0.3', ports: [{ name: 'http', containerPort: 8080 }] }),
      makeNetPod('v2', { ip: '10.244.0.4', ports: [{ name: 'http', containerPort: 9090 }] }),
      // Named "http" but UDP: not the Service port's protocol.
      makeNetPod('none', { ip: '10.244.0.5', ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }),
    ]);
    // RepackSubsets: each port with the set of addresses offering it; ports with the same set share a subset.
    const summary = subsets.map((s) => ({ ips: ips(s.addresses), ports: (s.ports ?? []).map((p) => `${p.name}:${p.port}`) }));
    assert.deepEqual(summary, [
      { ips: ['10.244.0.2', '10.244.0.3'], ports: ['http:8080'] },
      { ips: ['10.244.0.4'], ports: ['http:9090'] },
      // The pod without the named port (UDP "http" does not match) still offers the numeric one.
      { ips: ['10.244.0.2', '10.244.0.3', '10.244.0.4', '10.244.0.5'], ports: ['metrics:9100'] },
    ]);
  });

  it('a headless Service without ports still lists its pods; another Service without ports lists none', () => {
    const pods = [makeNetPod('a', { ip: '10.244.0.2', hostname: 'a', subdomain: 'db' })];
    const headless = desiredSubsets(makeService('db', { clusterIP: 'None', ports: [] }), pods);
    assert.deepEqual(headless, [{ addresses: [{ ip: '10.244.0.2', hostname: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'pod-uid-a' } }] }]);
    assert.deepEqual(desiredSubsets(makeService('db', { ports: [] }), pods), []);
  });
});

describe('truncateSubsets', () => {
  it('keeps at most 1000 addresses, ready ones first, in proportion to the subsets', () => {
    const addr = (i: number): { ip: string } => ({ ip: `10.1.${Math.floor(i / 250)}.${i % 250}` });
    const subsets: EndpointSubset[] = [
      { addresses: Array.from({ length: 900 }, (_, i) => addr(i)), notReadyAddresses: Array.from({ length: 100 }, (_, i) => addr(2000 + i)), ports: [{ port: 1 }] },
      { addresses: [], notReadyAddresses: Array.from({ length: 100 }, (_, i) => addr(3000 + i)), ports: [{ port: 2 }] },
    ];
    const { subsets: out, truncated } = truncateSubsets(subsets);
    assert.equal(truncated, true);
    const count = (s: EndpointSubset[]): [number, number] => [s.reduce((n, x) => n + (x.addresses?.length ?? 0), 0), s.reduce((n, x) => n + (x.notReadyAddresses?.length ?? 0), 0)];
    assert.deepEqual(count(out), [900, 100]);
    assert.equal(out[0]?.notReadyAddresses?.length, 50);
    assert.equal(out[1]?.notReadyAddresses?.length, 50);
    assert.equal(truncateSubsets(subsets, 5000).truncated, false);
  });
});

describe('planEndpoints', () => {
  const svc = makeService('web', {}, { labels: { tier: 'front' } });
  const pods = [makeNetPod('a', { ip: '10.244.0.2' }), makeNetPod('b', { ip: '10.244.0.3', ready: false })];

  it('creates the Endpoints with the Service’s labels and the managed-by label', () => {
    const plan = planEndpoints(svc, pods, undefined);
    assert.equal(plan.action, 'create');
    if (plan.action !== 'create') return;
    assert.equal(plan.endpoints.metadata.name, 'web');
    assert.deepEqual(plan.endpoints.metadata.labels, { tier: 'front', [LABEL_ENDPOINTS_MANAGED_BY]: 'endpoint-controller' });
    assert.equal(plan.endpoints.metadata.annotations, undefined);
  });

  it('writes nothing when the subsets and labels are unchanged (a pod’s resourceVersion in targetRef does not count)', () => {
    const first = planEndpoints(svc, pods, undefined);
    assert.ok(first.action === 'create');
    const stored: Endpoints = structuredClone(first.endpoints);
    stored.metadata = { ...stored.metadata, uid: 'ep-uid', resourceVersion: '9' };
    const addr = stored.subsets?.[0]?.addresses?.[0];
    if (addr?.targetRef) addr.targetRef.resourceVersion = '123';
    assert.deepEqual(planEndpoints(svc, pods, stored), { action: 'none' });
    // Pods listed in another order give the same Endpoints.
    assert.deepEqual(planEndpoints(svc, [...pods].reverse(), stored), { action: 'none' });

    const flipped = planEndpoints(svc, [makeNetPod('a', { ip: '10.244.0.2' }), makeNetPod('b', { ip: '10.244.0.3' })], stored);
    assert.equal(flipped.action, 'update');
    if (flipped.action === 'update') {
      assert.equal(flipped.endpoints.metadata.resourceVersion, '9');
      assert.deepEqual(ips(flipped.endpoints.subsets?.[0]?.addresses), ['10.244.0.2', '10.244.0.3']);
    }
  });

  it('marks a headless Service’s Endpoints and the over-capacity annotation', () => {
    const headless = makeService('db', { clusterIP: 'None' });
    const many = Array.from({ length: 1001 }, (_, i) => makeNetPod(`p${i}`, { ip: `10.244.${Math.floor(i / 200)}.${(i % 200) + 1}` }));
    const plan = planEndpoints(headless, many, undefined);
    assert.ok(plan.action === 'create');
    assert.equal(plan.endpoints.metadata.labels?.[LABEL_HEADLESS], '');
    assert.equal(plan.endpoints.metadata.annotations?.[ANNOTATION_OVER_CAPACITY], 'truncated');
    assert.equal(plan.endpoints.subsets?.[0]?.addresses?.length, 1000);
  });

  it('subsetsEqual ignores empty lists and defaulted protocols', () => {
    assert.ok(subsetsEqual([{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 80 }] }], [{ addresses: [{ ip: '1.2.3.4' }], notReadyAddresses: [], ports: [{ port: 80, protocol: 'TCP' }] }]));
    assert.ok(!subsetsEqual([{ addresses: [{ ip: '1.2.3.4' }] }], [{ notReadyAddresses: [{ ip: '1.2.3.4' }] }]));
  });
});
