import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { causes, newTestRegistry, pod, rejectsWith, replicaSet } from './test-fixtures.js';

test('pod validation reports each problem with its field path', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = pod('Bad_Name');
    (p.spec as { restartPolicy?: string }).restartPolicy = 'Sometimes';
    p.spec.containers = [
      { name: 'web', image: 'x:1', ports: [{ containerPort: 70000 }], resources: { limits: { memory: 'lots' } } },
      { name: 'web', image: '' },
    ];
    const e = await rejectsWith(registry.store('pods').create('default', p), 'Invalid', /^Pod "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(causes(e).slice(1), [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      "spec.containers[0].resources.limits[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      'spec.containers[1].image: Required value',
      'spec.containers[1].name: Duplicate value: "web"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  } finally {
    await close();
  }
});

test('a pod without containers, name or valid labels is invalid', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const e = await rejectsWith(
      registry.store('pods').create('default', { metadata: { labels: { 'bad key': 'v' } }, spec: { containers: [] } }),
      'Invalid',
    );
    assert.deepEqual(causes(e).map((c) => c.split(':')[0]), ['metadata.name', 'metadata.labels', 'spec.containers']);
    assert.equal(causes(e)[0], 'metadata.name: Required value: name or generateName is required');
    assert.equal(e.details.causes?.[0]?.reason, 'FieldValueRequired');
  } finally {
    await close();
  }
});

test('namespaces need DNS-1123 label names', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await rejectsWith(registry.store('ns').create('', { metadata: { name: 'a.b' } }), 'Invalid', /^Namespace "a\.b" is invalid: metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label/);
  } finally {
    await close();
  }
});

test('ReplicaSet selector is required and must match the template labels', async () => {
  const { registry, close } = await newTestRegistry();
  const rs = registry.store('replicasets');
  try {
    const mismatch = replicaSet('web');
    mismatch.spec.selector = { matchLabels: { app: 'other' } };
    await rejectsWith(
      rs.create('default', mismatch),
      'Invalid',
      'ReplicaSet.apps "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    );
    const none = replicaSet('web') as unknown as { spec: Record<string, unknown> };
    delete none.spec['selector'];
    await rejectsWith(rs.create('default', none), 'Invalid', /spec\.selector: Required value/);
    const negative = replicaSet('web', -1);
    await rejectsWith(rs.create('default', negative), 'Invalid', /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
    const never = replicaSet('web');
    never.spec.template.spec.restartPolicy = 'Never';
    await rejectsWith(rs.create('default', never), 'Invalid', /spec\.template\.spec\.restartPolicy: Unsupported value: "Never": supported values: "Always"/);
  } finally {
    await close();
  }
});

test('Lease, Event and Node basics', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await rejectsWith(
      registry.store('leases').create('kube-node-lease', { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { leaseDurationSeconds: 0 } }),
      'Invalid',
      'Lease.coordination.k8s.io "n1" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    );
    await rejectsWith(
      registry.store('events').create('default', { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'kube-system' }, type: 'Normal' }),
      'Invalid',
      /involvedObject\.namespace: Invalid value: "kube-system": does not match event\.namespace/,
    );
    const ev = await registry.store('events').create('default', { metadata: { name: 'e2' }, involvedObject: { kind: 'Node', name: 'n1' }, type: 'Warning', count: 1 });
    assert.equal(ev.metadata.generation, undefined, 'events carry no generation');
    await rejectsWith(
      registry.store('nodes').create('', { metadata: { name: 'n2' }, status: { capacity: { cpu: 'many' }, addresses: [{ type: 'LAN', address: '1.2.3.4' }] } }),
      'Invalid',
      /^Node "n2" is invalid: \[status\.capacity\[cpu\]: Invalid value: "many": quantities must match .*, status\.addresses\[0\]\.type: Unsupported value: "LAN"/,
    );
    const node = await registry.store('nodes').create('', { metadata: { name: 'n3' }, status: { capacity: { cpu: 2, memory: '1Gi' } } });
    assert.deepEqual((node as { status?: { capacity?: unknown } }).status?.capacity, { cpu: '2', memory: '1Gi' }, 'a node keeps its status on create, quantities as strings');
    await rejectsWith(
      registry.store('nodes').create('', { metadata: { name: 'n1' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }),
      'Invalid',
      /spec\.taints\[0\]\.effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"/,
    );
  } finally {
    await close();
  }
});

test('a container without an image gets one error, naming the image', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = pod('no-image');
    p.spec.containers = [{ name: 'web' } as Pod['spec']['containers'][number]];
    const e = await rejectsWith(registry.store('pods').create('default', p), 'Invalid');
    assert.deepEqual(causes(e), ['spec.containers[0].image: Required value']);
  } finally {
    await close();
  }
});
