import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoints, type EndpointSlice, type EndpointSubset } from '@skiff/api';
import { planMirror, shouldMirror, type MirrorPlan } from './mirror-plan.js';

function endpoints(subsets: EndpointSubset[], meta: Partial<Endpoints['metadata']> = {}): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default', uid: 'ep-uid', resourceVersion: '4', ...meta }, subsets };
}

function apply(existing: EndpointSlice[], p: MirrorPlan): EndpointSlice[] {
  let n = existing.length;
  const gone = new Set(p.delete.map((s) => s.metadata.name));
  const updated = new Map(p.update.map((s) => [s.metadata.name, s]));
  const after = existing.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s);
  for (const s of p.create) after.push({ ...s, metadata: { ...s.metadata, name: `${s.metadata.generateName ?? ''}${++n}`, uid: `u${n}`, resourceVersion: String(n) } });
  return after;
}

const count = (p: MirrorPlan): [number, number, number] => [p.create.length, p.update.length, p.delete.length];

describe('planMirror', () => {
  const ep = endpoints(
    [
      { addresses: [{ ip: '192.0.2.1', nodeName: 'n1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] },
      { addresses: [{ ip: '192.0.2.3', hostname: 'h3' }], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] },
      { addresses: [{ ip: '192.0.2.9' }], ports: [{ name: 'web', port: 80 }] },
    ],
    { labels: { app: 'dns' }, annotations: { note: 'x', 'endpoints.kubernetes.io/last-change-trigger-time': 'now' } },
  );

  it('mirrors each port set into one slice, owned by the Endpoints, with their labels and annotations', () => {
    const p = planMirror(ep, [], 1000);
    assert.deepEqual(count(p), [2, 0, 0]);
    const dns = p.create.find((s) => s.ports?.[0]?.name === 'dns');
    assert.deepEqual(dns?.ports, [{ name: 'dns', port: 5353, protocol: 'UDP' }]);
    assert.deepEqual(dns?.endpoints, [
      { addresses: ['192.0.2.1'], conditions: { ready: true }, nodeName: 'n1' },
      { addresses: ['192.0.2.2'], conditions: { ready: false } },
      { addresses: ['192.0.2.3'], conditions: { ready: true }, hostname: 'h3' },
    ]);
    assert.deepEqual(dns?.metadata.labels, { app: 'dns', [LABEL_SERVICE_NAME]: 'ext', [LABEL_ENDPOINTSLICE_MANAGED_BY]: 'endpointslicemirroring-controller.k8s.io' });
    assert.deepEqual(dns?.metadata.annotations, { note: 'x' });
    assert.deepEqual(dns?.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'ext', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(dns?.metadata.generateName, 'ext-');
  });

  it('changes nothing when the slices mirror the Endpoints; updates in place when they change', () => {
    const slices = apply([], planMirror(ep, [], 1000));
    assert.deepEqual(count(planMirror(ep, slices, 1000)), [0, 0, 0]);
    const changed = endpoints([{ addresses: [{ ip: '192.0.2.1', nodeName: 'n1' }, { ip: '192.0.2.2' }], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }], { labels: { app: 'dns' }, annotations: { note: 'x' } });
    const p = planMirror(changed, slices, 1000);
    // The dns slice is updated; the web port set is gone.
    assert.deepEqual(count(p), [0, 1, 1]);
    assert.deepEqual(p.update[0]?.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [
      ['192.0.2.1', true],
      ['192.0.2.2', true],
    ]);
    // A label change alone is mirrored too.
    const relabelled = planMirror({ ...ep, metadata: { ...ep.metadata, labels: { app: 'other' } } }, slices, 1000);
    assert.deepEqual(count(relabelled), [0, 2, 0]);
  });

  it('skips addresses beyond the per-subset maximum and ones that are not IPv4', () => {
    const big = endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 1 }] }]);
    const p = planMirror(big, [], 2);
    assert.equal(p.invalidAddresses, 1);
    assert.equal(p.skippedAddresses, 2);
    assert.deepEqual(p.create[0]?.endpoints.map((e) => e.addresses[0]), ['10.0.0.1', '10.0.0.2']);
  });

  it('is not done for skip-mirror or leader-election Endpoints', () => {
    assert.equal(shouldMirror(ep), true);
    assert.equal(shouldMirror({ ...ep, metadata: { ...ep.metadata, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } }), false);
    assert.equal(shouldMirror({ ...ep, metadata: { ...ep.metadata, annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } } }), false);
  });
});
