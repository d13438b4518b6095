import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Node, Pod, ReplicaSet } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith, replicaSet } from './test-fixtures.js';

test('create sets uid, creationTimestamp, generation and resourceVersion = the storage revision', async () => {
  const { registry, storage, close } = await newTestRegistry();
  try {
    const created = (await registry.store('pods').create('default', pod('web'))) as Pod;
    assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.metadata.resourceVersion, String(await storage.revision()));
    const got = await registry.store('pods').get('default', 'web');
    assert.deepEqual(got, created);
    const raw = await storage.get('/registry/pods/default/web');
    assert.equal(JSON.parse(raw?.value ?? '{}').metadata.resourceVersion, undefined, 'the stored JSON carries no resourceVersion');
  } finally {
    await close();
  }
});

test('pod defaults follow Kubernetes and status starts Pending', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = pod('web');
    p.spec.containers = [
      { name: 'a', image: 'skiff/busybox:latest', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m', memory: '64Mi' } } },
      { name: 'b', image: 'skiff/demo-web' },
      { name: 'c', image: 'skiff/demo-web:v1' },
    ];
    p.status = { phase: 'Running' };
    const created = (await registry.store('pods').create('default', p)) as Pod;
    assert.equal(created.spec.restartPolicy, 'Always');
    assert.equal(created.spec.terminationGracePeriodSeconds, 30);
    assert.equal(created.spec.schedulerName, 'default-scheduler');
    assert.deepEqual(
      created.spec.containers.map((c) => c.imagePullPolicy),
      ['Always', 'Always', 'IfNotPresent'],
    );
    assert.equal(created.spec.containers[0]?.ports?.[0]?.protocol, 'TCP');
    assert.deepEqual(created.spec.containers[0]?.resources?.requests, { cpu: '500m', memory: '64Mi' });
    assert.deepEqual(created.status, { phase: 'Pending', qosClass: 'Burstable' });
  } finally {
    await close();
  }
});

test('ReplicaSet and Namespace defaults', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const rs = (await registry.store('replicasets').create('default', replicaSet('web'))) as ReplicaSet;
    assert.equal(rs.spec.replicas, 1);
    assert.equal(rs.spec.template.spec.restartPolicy, 'Always');
    assert.equal(rs.metadata.generation, 1);
    const ns = (await registry.store('namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })) as Namespace;
    assert.equal(ns.status?.phase, 'Active');
  } finally {
    await close();
  }
});

test('the bootstrap namespaces exist and bootstrapping twice is harmless', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.bootstrap();
    const names = (await registry.store('namespaces').list()).items.map((n) => n.metadata.name);
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  } finally {
    await close();
  }
});

test('generateName makes a unique name from the prefix', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = pod('');
    delete p.metadata.name;
    p.metadata.generateName = 'web-';
    const a = await registry.store('pods').create('default', p);
    const b = await registry.store('pods').create('default', p);
    assert.match(a.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata.name, b.metadata.name);
  } finally {
    await close();
  }
});

test('create refuses a wrong kind or apiVersion, a namespace mismatch, a duplicate and a resourceVersion', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await rejectsWith(pods.create('default', { ...pod('a'), kind: 'ReplicaSet' }), 'BadRequest', /kind in the data \("ReplicaSet"\) does not match the expected kind \("Pod"\)/);
    await rejectsWith(pods.create('default', { ...pod('a'), apiVersion: 'apps/v1' }), 'BadRequest', /API version in the data \(apps\/v1\) does not match the expected API version \(v1\)/);
    await rejectsWith(pods.create('kube-system', pod('a')), 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    await pods.create('default', pod('a'));
    await rejectsWith(pods.create('default', pod('a')), 'AlreadyExists', 'pods "a" already exists');
    const withRv = pod('b');
    withRv.metadata.resourceVersion = '5';
    await rejectsWith(pods.create('default', withRv), 'BadRequest', /resourceVersion should not be set/);
    await rejectsWith(pods.create('default', [1, 2]), 'BadRequest', /must be a JSON object/);
  } finally {
    await close();
  }
});

test('a namespaced object in a missing namespace is refused; kind and apiVersion may be omitted', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = pod('a');
    p.metadata.namespace = 'nope';
    await rejectsWith(registry.store('pods').create('nope', p), 'NotFound', 'namespaces "nope" not found');
    assert.equal((await registry.store('pods').list()).items.length, 0);
    const bare = { metadata: { name: 'b' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    const created = await registry.store('pods').create('', bare);
    assert.deepEqual([created.apiVersion, created.kind, created.metadata.namespace], ['v1', 'Pod', 'default']);
  } finally {
    await close();
  }
});

test('a cluster-scoped object drops the namespace it was sent with', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const node = (await registry.store('nodes').create('default', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'default' } })) as Node;
    assert.equal(node.metadata.namespace, undefined);
    assert.equal((await registry.store('nodes').get('whatever', 'n1')).metadata.name, 'n1');
  } finally {
    await close();
  }
});

test('unknown fields are refused by path, and a wrongly typed value by field', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = pod('a') as unknown as { spec: { containers: Record<string, unknown>[] } };
    p.spec.containers[0] = { ...p.spec.containers[0], securityContext: { privileged: true } };
    await rejectsWith(
      registry.store('pods').create('default', p),
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].securityContext"',
    );
    const rs = replicaSet('r') as unknown as { spec: Record<string, unknown> };
    rs.spec['replicas'] = 'three';
    await rejectsWith(registry.store('rs').create('default', rs), 'BadRequest', /cannot unmarshal string into field spec\.replicas of type integer/);
    await rejectsWith(registry.store('pods').create('default', { ...pod('b'), status2: {} }), 'BadRequest', /unknown field "status2"/);
  } finally {
    await close();
  }
});
