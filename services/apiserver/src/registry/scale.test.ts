import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet, Scale } from '@skiff/api';
import { deployment, newTestRegistry, rejectsWith, replicaSet } from './test-fixtures.js';
import { selectorString } from './scale.js';

const KINDS = [
  { resource: 'deployments', qualified: 'deployments.apps', make: deployment },
  { resource: 'replicasets', qualified: 'replicasets.apps', make: replicaSet },
] as const;

for (const kind of KINDS) {
  test(`${kind.resource}/scale: get is an autoscaling/v1 Scale of the object`, async () => {
    const { registry, close } = await newTestRegistry();
    const store = registry.store(kind.resource);
    try {
      const body = kind.make('web', 3);
      body.spec.selector = { matchLabels: { 'pod-template-hash': 'abc12', app: 'web' } };
      body.spec.template.metadata = { labels: { app: 'web', 'pod-template-hash': 'abc12' } };
      const obj = await store.create('default', body);
      await store.patch('default', 'web', { status: { replicas: 2 } }, { subresource: 'status' });
      const status = await store.get('default', 'web');
      const scale = (await store.get('default', 'web', { subresource: 'scale' })) as Scale;
      assert.deepEqual(scale, {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: {
          name: 'web',
          namespace: 'default',
          uid: obj.metadata.uid,
          resourceVersion: status.metadata.resourceVersion,
          creationTimestamp: obj.metadata.creationTimestamp,
        },
        spec: { replicas: 3 },
        status: { replicas: 2, selector: 'app=web,pod-template-hash=abc12' },
      });
      assert.deepEqual(await store.get('default', 'web', { subresource: 'status' }), status, 'the status subresource reads the object');
      await rejectsWith(store.get('default', 'nope', { subresource: 'scale' }), 'NotFound', `${kind.qualified} "nope" not found`);
    } finally {
      await close();
    }
  });

  test(`${kind.resource}/scale: update changes spec.replicas only, with the owner's validation and generation`, async () => {
    const { registry, close } = await newTestRegistry();
    const store = registry.store(kind.resource);
    try {
      await store.create('default', kind.make('web', 1));
      const before = (await store.get('default', 'web')) as Deployment | ReplicaSet;
      const scale = (await store.get('default', 'web', { subresource: 'scale' })) as Scale;
      const out = (await store.update(
        'default',
        'web',
        { ...scale, metadata: { ...scale.metadata, labels: { sneaky: 'yes' } }, spec: { replicas: 5 }, status: { replicas: 9, selector: 'x=y' } },
        { subresource: 'scale' },
      )) as Scale;
      assert.equal(out.kind, 'Scale');
      assert.equal(out.spec.replicas, 5);
      assert.equal(out.status?.replicas, 0, 'status comes from the owner');
      assert.ok(Number(out.metadata.resourceVersion) > Number(scale.metadata.resourceVersion));
      const after = (await store.get('default', 'web')) as Deployment | ReplicaSet;
      assert.equal(after.spec.replicas, 5);
      assert.equal(after.metadata.generation, 2);
      assert.equal(after.metadata.labels, undefined, 'nothing but spec.replicas changes');
      assert.deepEqual(after.spec.template, before.spec.template);
      assert.equal(after.metadata.resourceVersion, out.metadata.resourceVersion);

      // The Scale's resourceVersion is a precondition: a stale one is a Conflict and nothing changes.
      await rejectsWith(
        store.update('default', 'web', { ...scale, spec: { replicas: 7 } }, { subresource: 'scale' }),
        'Conflict',
        `Operation cannot be fulfilled on ${kind.qualified} "web": the object has been modified; please apply your changes to the latest version and try again`,
      );
      // Without one, the update is unconditional; kind and apiVersion may be omitted.
      const unconditional = (await store.update('default', 'web', { metadata: { name: 'web' }, spec: { replicas: 4 } }, { subresource: 'scale' })) as Scale;
      assert.equal(unconditional.spec.replicas, 4);
      await rejectsWith(
        store.update('default', 'web', { spec: { replicas: -1 } }, { subresource: 'scale' }),
        'Invalid',
        'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      );
      await rejectsWith(store.update('default', 'web', { metadata: { uid: 'another' }, spec: { replicas: 2 } }, { subresource: 'scale' }), 'Conflict', /Precondition failed: UID in precondition: another/);
      await rejectsWith(store.update('default', 'web', { kind: 'Deployment', spec: { replicas: 2 } }, { subresource: 'scale' }), 'BadRequest', /does not match the expected kind \("Scale"\)/);
      await rejectsWith(store.update('default', 'web', { spec: { replicas: 2, paused: true } }, { subresource: 'scale' }), 'BadRequest', /unknown field "spec\.paused"/);
      await rejectsWith(store.update('default', 'other', { metadata: { name: 'web' }, spec: { replicas: 2 } }, { subresource: 'scale' }), 'BadRequest', /does not match the name on the URL/);
      await rejectsWith(store.update('default', 'missing', { spec: { replicas: 2 } }, { subresource: 'scale' }), 'NotFound', `${kind.qualified} "missing" not found`);
      assert.equal(((await store.get('default', 'web')) as Deployment).spec.replicas, 4, 'refused writes changed nothing');
    } finally {
      await close();
    }
  });

  test(`${kind.resource}/scale: merge patch against the Scale`, async () => {
    const { registry, close } = await newTestRegistry();
    const store = registry.store(kind.resource);
    try {
      const created = await store.create('default', kind.make('web', 2));
      const out = (await store.patch('default', 'web', { spec: { replicas: 6 } }, { subresource: 'scale' })) as Scale;
      assert.equal(out.spec.replicas, 6);
      assert.equal(((await store.get('default', 'web')) as Deployment).spec.replicas, 6);
      const same = (await store.patch('default', 'web', { spec: { replicas: 6 } }, { subresource: 'scale' })) as Scale;
      assert.equal(same.metadata.resourceVersion, out.metadata.resourceVersion, 'a patch that changes nothing writes nothing');
      await rejectsWith(
        store.patch('default', 'web', { metadata: { resourceVersion: created.metadata.resourceVersion }, spec: { replicas: 1 } }, { subresource: 'scale' }),
        'Conflict',
        /the object has been modified/,
      );
      await rejectsWith(store.patch('default', 'web', { spec: { replicas: -3 } }, { subresource: 'scale' }), 'Invalid', /^Scale\.autoscaling "web" is invalid: spec\.replicas: Invalid value: -3/);
      await rejectsWith(store.patch('default', 'web', { spec: { template: {} } }, { subresource: 'scale' }), 'BadRequest', /unknown field "spec\.template"/);
      // Concurrent scale patches both land (the internal retry on conflict), the last one wins.
      await Promise.all([1, 2, 3].map((n) => store.patch('default', 'web', { spec: { replicas: n } }, { subresource: 'scale' })));
      assert.ok([1, 2, 3].includes(((await store.get('default', 'web')) as Deployment).spec.replicas ?? -1));
    } finally {
      await close();
    }
  });
}

test('kinds without a scale subresource answer NotFound for it', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('leases').create('default', { metadata: { name: 'l', namespace: 'default' }, spec: {} });
    await rejectsWith(registry.store('leases').get('default', 'l', { subresource: 'scale' }), 'NotFound', 'leases/scale "l" not found');
    await rejectsWith(registry.store('leases').get('default', 'l', { subresource: 'status' }), 'NotFound', 'leases/status "l" not found');
    await rejectsWith(registry.store('pods').update('default', 'p', { spec: { replicas: 1 } }, { subresource: 'scale' }), 'NotFound', 'pods/scale "p" not found');
    await rejectsWith(registry.store('pods').patch('default', 'p', { spec: { replicas: 1 } }, { subresource: 'scale' }), 'NotFound', 'pods/scale "p" not found');
  } finally {
    await close();
  }
});

test('the Scale selector is the string form with keys and values sorted', () => {
  assert.equal(selectorString({ matchLabels: { z: '1', a: '2' } }), 'a=2,z=1');
  assert.equal(
    selectorString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'canary', operator: 'DoesNotExist' }] }),
    'app=web,!canary,tier in (a,b)',
  );
});
