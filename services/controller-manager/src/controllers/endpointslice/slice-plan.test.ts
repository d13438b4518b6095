import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice, type Node, type Pod, type Service } from '@skiff/api';
import { endpointConditions, makeNetPod, makeNode, makeService } from '../../testing/network-fixtures.js';
import { planSlices, type SlicePlan } from './slice-plan.js';

const nodes = new Map<string, Node>([['n1', makeNode('n1', { labels: { 'topology.kubernetes.io/zone': 'z1' } })]]);

function plan(svc: Service, pods: Pod[], existing: EndpointSlice[] = [], max = 100): SlicePlan {
  return planSlices({ service: svc, pods, node: (n) => nodes.get(n), existing, maxEndpointsPerSlice: max });
}

/** Applies a plan as the apiserver would (names for created slices), giving the slices that exist after it. */
function apply(existing: EndpointSlice[], p: SlicePlan): EndpointSlice[] {
  let n = existing.length;
  const gone = new Set(p.delete.map((s) => s.metadata.name));
  const updated = new Map(p.update.map((s) => [s.metadata.name, s]));
  const after = existing.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s);
  for (const s of p.create) after.push({ ...s, metadata: { ...s.metadata, name: `${s.metadata.generateName ?? ''}${++n}`, uid: `slice-uid-${n}`, resourceVersion: String(n) } });
  return after;
}

const pods = (n: number, from = 0, o: Parameters<typeof makeNetPod>[1] = {}): Pod[] =>
  Array.from({ length: n }, (_, i) => makeNetPod(`p${from + i}`, { ip: `10.244.${Math.floor((from + i) / 250)}.${((from + i) % 250) + 1}`, ...o }));

const count = (p: SlicePlan): [number, number, number] => [p.create.length, p.update.length, p.delete.length];

describe('planSlices', () => {
  const svc = makeService('web', { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, { labels: { tier: 'front' } });

  it('creates one slice with the Service’s labels, owner, ports and the endpoints’ conditions', () => {
    const p = plan(svc, [makeNetPod('ready', { ip: '10.244.0.2' }), makeNetPod('unready', { ip: '10.244.0.3', ready: false }), makeNetPod('going', { ip: '10.244.0.4', terminating: true }), makeNetPod('going-unready', { ip: '10.244.0.5', terminating: true, ready: false }), makeNetPod('no-ip')]);
    assert.deepEqual(count(p), [1, 0, 0]);
    const s = p.create[0] as EndpointSlice;
    assert.equal(s.metadata.generateName, 'web-');
    assert.deepEqual(s.metadata.labels, { tier: 'front', [LABEL_SERVICE_NAME]: 'web', [LABEL_ENDPOINTSLICE_MANAGED_BY]: 'endpointslice-controller.k8s.io' });
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid-web', controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    // Kubernetes 1.26+: terminating endpoints stay, ready=false, serving by readiness.
    assert.deepEqual(endpointConditions([s]), {
      '10.244.0.2': { ready: true, serving: true, terminating: false },
      '10.244.0.3': { ready: false, serving: false, terminating: false },
      '10.244.0.4': { ready: false, serving: true, terminating: true },
      '10.244.0.5': { ready: false, serving: false, terminating: true },
    });
    assert.deepEqual(s.endpoints[0], { addresses: ['10.244.0.2'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'ready', uid: 'pod-uid-ready' }, nodeName: 'n1', zone: 'z1' });
  });

  it('changes nothing when nothing changed, and updates only the slice whose endpoint changed', () => {
    const all = pods(150);
    const first = plan(svc, all);
    assert.deepEqual(count(first), [2, 0, 0]);
    assert.deepEqual(first.create.map((s) => s.endpoints.length), [100, 50]);
    const slices = apply([], first);
    assert.deepEqual(count(plan(svc, all, slices)), [0, 0, 0]);
    assert.deepEqual(count(plan(svc, [...all].reverse(), slices)), [0, 0, 0]);

    // p120 (in the second slice) turns not ready: one update, of that slice.
    const changed = all.map((p) => (p.metadata.name === 'p120' ? makeNetPod('p120', { ip: p.status?.podIP ?? '', ready: false }) : p));
    const p = plan(svc, changed, slices);
    assert.deepEqual(count(p), [0, 1, 0]);
    assert.equal(p.update[0]?.endpoints.length, 50);
    assert.equal(p.update[0]?.metadata.name, slices[1]?.metadata.name);
    assert.equal(p.update[0]?.metadata.resourceVersion, slices[1]?.metadata.resourceVersion);
  });

  it('splits more than --max-endpoints-per-slice endpoints, and refills with little churn', () => {
    const slices = apply([], plan(svc, pods(250)));
    assert.deepEqual(slices.map((s) => s.endpoints.length), [100, 100, 50]);
    const ips = new Set(slices.flatMap((s) => s.endpoints.map((e) => e.addresses[0])));
    assert.equal(ips.size, 250);

    // 20 pods of the first slice go, 30 new ones come: the changed slice is refilled first.
    const next = [...pods(250).filter((_, i) => i >= 20), ...pods(30, 300)];
    const p = plan(svc, next, slices);
    assert.deepEqual(count(p), [0, 2, 0]);
    const after = apply(slices, p);
    assert.deepEqual(after.map((s) => s.endpoints.length).sort((a, b) => a - b), [60, 100, 100]);
    assert.equal(new Set(after.flatMap((s) => s.endpoints.map((e) => e.addresses[0]))).size, 260);

    // Down to 10 pods: slices emptied are deleted, none created.
    const few = plan(svc, pods(10, 300), after);
    assert.equal(few.create.length, 0);
    assert.equal(apply(after, few).reduce((n, s) => n + s.endpoints.length, 0), 10);
    assert.ok(few.delete.length >= 1);
  });

  it('keeps one slice per distinct port set (named target ports resolved per pod)', () => {
    const named = makeService('web', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const p = plan(named, [
      makeNetPod('v1', { ip: '10.244.0.2', ports: [{ name: 'http', containerPort: 8080 }] }),
      makeNetPod('v2', { ip: '10.244.0.3', ports: [{ name: 'http', containerPort: 9090 }] }),
      makeNetPod('bare', { ip: '10.244.0.4' }),
    ]);
    const byPorts = Object.fromEntries(p.create.map((s) => [JSON.stringify(s.ports), s.endpoints.map((e) => e.addresses[0])]));
    assert.deepEqual(byPorts, {
      [JSON.stringify([{ name: 'http', port: 8080, protocol: 'TCP' }])]: ['10.244.0.2'],
      [JSON.stringify([{ name: 'http', port: 9090, protocol: 'TCP' }])]: ['10.244.0.3'],
      '[]': ['10.244.0.4'],
    });
  });

  it('keeps a placeholder slice for a Service without endpoints, and recycles it when endpoints come', () => {
    const empty = plan(svc, []);
    assert.deepEqual(count(empty), [1, 0, 0]);
    assert.deepEqual(empty.create[0]?.endpoints, []);
    assert.deepEqual(empty.create[0]?.ports, []);
    const slices = apply([], empty);
    assert.deepEqual(count(plan(svc, [], slices)), [0, 0, 0]);
    // Endpoints arrive: the placeholder's name is reused instead of a delete and a create.
    const p = plan(svc, pods(2), slices);
    assert.deepEqual(count(p), [0, 1, 0]);
    assert.equal(p.update[0]?.metadata.name, slices[0]?.metadata.name);
    assert.equal(p.update[0]?.metadata.generateName, undefined);
    assert.equal(p.update[0]?.endpoints.length, 2);
  });

  it('deletes slices of an earlier Service of the same name, and follows the Service’s labels', () => {
    const slices = apply([], plan(svc, pods(3)));
    const renewed = { ...svc, metadata: { ...svc.metadata, uid: 'new-uid' } };
    const p = plan(renewed, pods(3), slices);
    // Not recycled: the old Service's slice may be going away with it (Kubernetes' finalize).
    assert.deepEqual(count(p), [1, 0, 1]);
    assert.equal(p.create[0]?.metadata.ownerReferences?.[0]?.uid, 'new-uid');
    assert.equal(p.delete[0]?.metadata.name, slices[0]?.metadata.name);

    const relabelled = { ...svc, metadata: { ...svc.metadata, labels: { tier: 'back' } } };
    const q = plan(relabelled, pods(3), slices);
    assert.deepEqual(count(q), [0, 1, 0]);
    assert.equal(q.update[0]?.metadata.labels?.['tier'], 'back');
    assert.equal(q.update[0]?.endpoints.length, 3);
  });

  it('leaves out pods on unknown nodes (reported, so the Service is retried) unless publishing not-ready addresses', () => {
    const stray = makeNetPod('stray', { ip: '10.244.9.9', nodeName: 'gone' });
    const p = plan(svc, [...pods(1), stray]);
    assert.deepEqual(p.podsOnMissingNodes, ['stray']);
    assert.deepEqual(Object.keys(endpointConditions(p.create)), ['10.244.0.1']);
    const publish = plan({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }, [...pods(1), stray]);
    assert.deepEqual(publish.podsOnMissingNodes, []);
    assert.equal(Object.keys(endpointConditions(publish.create)).length, 2);
  });
});
