import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicaSet } from '@skiff/api';
import { MemoryStorage } from '../storage/memory-storage.js';
import { Registry } from './registry.js';
import { ResourceStore } from './resource-store.js';
import { leaseStrategy } from './strategies/lease.js';
import type { Strategy } from './strategy.js';
import { deployment, newTestRegistry, pod, rejectsWith, replicaSet } from './test-fixtures.js';

test('update is compare-and-swap on resourceVersion', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    const created = (await pods.create('default', pod('web'))) as Pod;
    const a = structuredClone(created);
    a.metadata.labels = { v: '1' };
    const updated = await pods.update('default', 'web', a);
    assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    const stale = structuredClone(created);
    stale.metadata.labels = { v: '2' };
    await rejectsWith(
      pods.update('default', 'web', stale),
      'Conflict',
      'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
    );
    await rejectsWith(pods.update('default', 'other', updated), 'BadRequest', 'the name of the object (web) does not match the name on the URL (other)');
    await rejectsWith(pods.update('default', 'missing', { ...pod('missing'), metadata: { name: 'missing', resourceVersion: '3' } }), 'NotFound', 'pods "missing" not found');
  } finally {
    await close();
  }
});

test('an update without resourceVersion is unconditional: it replaces whatever is stored', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    for (const [resource, obj] of [
      ['pods', pod('web')],
      ['replicasets', replicaSet('web')],
      ['deployments', deployment('web')],
      ['leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'web', namespace: 'default' }, spec: { holderIdentity: 'a' } }],
    ] as const) {
      const store = registry.store(resource);
      const created = await store.create('default', obj);
      await store.patch('default', 'web', { metadata: { labels: { moved: 'on' } } });
      const blind = structuredClone(created);
      delete blind.metadata.resourceVersion;
      blind.metadata.annotations = { replaced: 'yes' };
      const out = await store.update('default', 'web', blind);
      assert.deepEqual(out.metadata.annotations, { replaced: 'yes' }, resource);
      assert.equal(out.metadata.labels?.['moved'], undefined, `${resource}: the whole object is replaced, the label written meanwhile included`);
      assert.equal((await store.get('default', 'web')).metadata.resourceVersion, out.metadata.resourceVersion);
    }
    await registry.store('namespaces').create('', { metadata: { name: 'team' } });
    const ns = await registry.store('namespaces').update('', 'team', { metadata: { name: 'team', labels: { a: 'b' } } });
    assert.deepEqual(ns.metadata.labels, { a: 'b' });
    await registry.store('nodes').create('', { metadata: { name: 'n1' }, spec: {} });
    const node = await registry.store('nodes').update('', 'n1', { metadata: { name: 'n1' }, spec: { unschedulable: true } });
    assert.equal((node as { spec?: { unschedulable?: boolean } }).spec?.unschedulable, true);
    await rejectsWith(registry.store('pods').update('default', 'missing', pod('missing')), 'NotFound', 'pods "missing" not found');
  } finally {
    await close();
  }
});

test('a kind that refuses unconditional updates answers Invalid without resourceVersion', async () => {
  const storage = new MemoryStorage();
  const leases = new ResourceStore({ ...leaseStrategy, allowUnconditionalUpdate: false } as Strategy, { storage, namespaceState: async () => 'active' });
  try {
    const created = await leases.create('default', { metadata: { name: 'l', namespace: 'default' }, spec: {} });
    await rejectsWith(
      leases.update('default', 'l', { metadata: { name: 'l', namespace: 'default' }, spec: { holderIdentity: 'x' } }),
      'Invalid',
      'Lease.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
    const ok = await leases.update('default', 'l', { ...created, spec: { holderIdentity: 'x' } });
    assert.equal((ok as { spec: { holderIdentity?: string } }).spec.holderIdentity, 'x');
  } finally {
    await storage.close();
  }
});

test('an unconditional update that loses a race reads again and retries; a conditional one answers Conflict', async () => {
  /** Storage in which another writer updates the key just before each of the next `races` updates. */
  class RacingStorage extends MemoryStorage {
    races = 0;
    override async update(key: string, value: string, expected: number): Promise<number> {
      if (this.races > 0) {
        this.races--;
        const cur = await this.get(key);
        if (cur) await super.update(key, cur.value.replace('"labels":{}', '"labels":{"racer":"won"}'), cur.modRevision);
      }
      return super.update(key, value, expected);
    }
  }
  const storage = new RacingStorage();
  const registry = new Registry(storage);
  registry.start();
  await registry.bootstrap();
  const pods = registry.store('pods');
  try {
    const created = await pods.create('default', pod('web'));
    storage.races = 2;
    const blind = structuredClone(created);
    delete blind.metadata.resourceVersion;
    blind.metadata.labels = { mine: 'yes' };
    const out = await pods.update('default', 'web', blind);
    assert.deepEqual(out.metadata.labels, { mine: 'yes' });
    assert.equal(storage.races, 0, 'both races happened and were retried');
    const pinned = await pods.get('default', 'web');
    pinned.metadata.labels = {};
    storage.races = 1;
    await rejectsWith(pods.update('default', 'web', pinned), 'Conflict', /the object has been modified/);
  } finally {
    await registry.stop();
    await storage.close();
  }
});

test('generation grows on spec changes only; status is ignored by the main resource', async () => {
  const { registry, close } = await newTestRegistry();
  const rss = registry.store('replicasets');
  try {
    const rs = (await rss.create('default', replicaSet('web', 2))) as ReplicaSet;
    const labelled = structuredClone(rs);
    labelled.metadata.labels = { a: 'b' };
    labelled.status = { replicas: 7 };
    const r1 = (await rss.update('default', 'web', labelled)) as ReplicaSet;
    assert.equal(r1.metadata.generation, 1);
    assert.equal(r1.status?.replicas, 0, 'status from the main resource is ignored');
    const scaled = structuredClone(r1);
    scaled.spec.replicas = 5;
    const r2 = (await rss.update('default', 'web', scaled)) as ReplicaSet;
    assert.equal(r2.metadata.generation, 2);
    const bogus = structuredClone(r2);
    bogus.metadata.generation = 99;
    bogus.metadata.creationTimestamp = '2000-01-01T00:00:00Z';
    const r3 = await rss.update('default', 'web', bogus);
    assert.equal(r3.metadata.generation, 2, 'generation is the server\'s');
    assert.equal(r3.metadata.creationTimestamp, rs.metadata.creationTimestamp);
  } finally {
    await close();
  }
});

test('a no-op update writes nothing', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const created = await registry.store('pods').create('default', pod('web'));
    const same = await registry.store('pods').update('default', 'web', created);
    assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
  } finally {
    await close();
  }
});

test('the status subresource changes status and nothing else', async () => {
  const { registry, close } = await newTestRegistry();
  const rss = registry.store('replicasets');
  try {
    const rs = (await rss.create('default', replicaSet('web', 2))) as ReplicaSet;
    const next = structuredClone(rs);
    next.status = { replicas: 2, readyReplicas: 1, observedGeneration: 1 };
    next.spec.replicas = 9;
    next.metadata.labels = { sneaky: 'yes' };
    const out = (await rss.update('default', 'web', next, { subresource: 'status' })) as ReplicaSet;
    assert.deepEqual(out.status, { replicas: 2, readyReplicas: 1, observedGeneration: 1 });
    assert.equal(out.spec.replicas, 2);
    assert.equal(out.metadata.labels, undefined);
    assert.equal(out.metadata.generation, 1);
    const bad = structuredClone(out);
    bad.status = { replicas: 1, readyReplicas: 3 };
    await rejectsWith(rss.update('default', 'web', bad, { subresource: 'status' }), 'Invalid', /status\.readyReplicas: Invalid value: 3: cannot be greater than status\.replicas/);
    await rejectsWith(registry.store('leases').update('kube-system', 'x', { metadata: { name: 'x', resourceVersion: '1' } }, { subresource: 'status' }), 'NotFound');
  } finally {
    await close();
  }
});

test('immutable fields: uid, namespace, the pod spec beyond images and added tolerations, the RS selector', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    const p = (await pods.create('default', pod('web'))) as Pod;
    const uid = structuredClone(p);
    uid.metadata.uid = 'other';
    await rejectsWith(pods.update('default', 'web', uid), 'Invalid', /metadata\.uid: Invalid value: "other": field is immutable/);
    const image = structuredClone(p);
    image.spec.containers[0]!.image = 'skiff/demo-web:v2';
    // Added to the ones DefaultTolerationSeconds gave the pod (removing any would be refused).
    image.spec.tolerations = [...(p.spec.tolerations ?? []), { key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
    const p2 = (await pods.update('default', 'web', image)) as Pod;
    assert.equal(p2.spec.containers[0]?.image, 'skiff/demo-web:v2');
    const policy = structuredClone(p2);
    policy.spec.restartPolicy = 'Never';
    await rejectsWith(pods.update('default', 'web', policy), 'Invalid', /^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than .*\(changed: spec\.restartPolicy\)$/);
    const removeTol = structuredClone(p2);
    removeTol.spec.tolerations = [];
    await rejectsWith(pods.update('default', 'web', removeTol), 'Invalid', /spec\.tolerations/);
    const more = structuredClone(p2);
    more.spec.containers.push({ name: 'side', image: 'x:1' });
    await rejectsWith(pods.update('default', 'web', more), 'Invalid', /spec\.containers: Forbidden: pod updates may not add or remove containers/);

    const rs = (await registry.store('rs').create('default', replicaSet('web'))) as ReplicaSet;
    const sel = structuredClone(rs);
    sel.spec.selector = { matchLabels: { app: 'web', tier: 'x' } };
    sel.spec.template.metadata = { labels: { app: 'web', tier: 'x' } };
    await rejectsWith(registry.store('rs').update('default', 'web', sel), 'Invalid', /spec\.selector: Invalid value: .*: field is immutable/);
  } finally {
    await close();
  }
});

test('merge patch applies to the current object and retries internally on conflict', async () => {
  const { registry, close } = await newTestRegistry();
  const rss = registry.store('replicasets');
  try {
    const rs = (await rss.create('default', replicaSet('web', 1))) as ReplicaSet;
    const [a, b] = await Promise.all([
      rss.patch('default', 'web', { metadata: { labels: { a: '1' } } }),
      rss.patch('default', 'web', { metadata: { labels: { b: '2' } } }),
    ]);
    assert.ok(a && b);
    const both = await rss.get('default', 'web');
    assert.deepEqual(both.metadata.labels, { a: '1', b: '2' }, 'neither concurrent patch is lost');
    const scaled = (await rss.patch('default', 'web', { spec: { replicas: 3 }, metadata: { labels: { a: null } } })) as ReplicaSet;
    assert.equal(scaled.spec.replicas, 3);
    assert.deepEqual(scaled.metadata.labels, { b: '2' });
    assert.equal(scaled.metadata.generation, 2);
    await rejectsWith(
      rss.patch('default', 'web', { metadata: { resourceVersion: rs.metadata.resourceVersion }, spec: { replicas: 4 } }),
      'Conflict',
      /the object has been modified/,
    );
    await rejectsWith(rss.patch('default', 'web', { spec: { replicas: 2, paused: true } }), 'BadRequest', /unknown field "spec\.paused"/);
    const status = (await rss.patch('default', 'web', { status: { replicas: 3 } }, { subresource: 'status' })) as ReplicaSet;
    assert.equal(status.status?.replicas, 3);
    await rejectsWith(rss.patch('default', 'nope', {}), 'NotFound', 'replicasets.apps "nope" not found');
  } finally {
    await close();
  }
});
