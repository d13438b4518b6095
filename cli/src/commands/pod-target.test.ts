import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod, ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { recordingIo } from '../testing/fake-context.js';
import { defaultContainer, pickPod, resolvePodTarget } from './pod-target.js';

function pod(name: string, phase: 'Running' | 'Pending', created: string, extra: Partial<Pod['metadata']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', creationTimestamp: created, ...extra }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase } };
}

test('pickPod: running before pending before terminating, then the oldest', () => {
  const a = pod('a', 'Pending', '2024-01-01T00:00:00Z');
  const b = pod('b', 'Running', '2024-01-03T00:00:00Z');
  const c = pod('c', 'Running', '2024-01-02T00:00:00Z', { deletionTimestamp: '2024-01-04T00:00:00Z' });
  const d = pod('d', 'Running', '2024-01-02T00:00:00Z');
  assert.equal(pickPod([a, b, c, d])?.metadata.name, 'd');
  assert.equal(pickPod([a, c])?.metadata.name, 'a');
  assert.equal(pickPod([]), undefined);
});

test('the default container: the annotated one, else the first, noting the choice when there was one', () => {
  const p = pod('p', 'Running', '');
  p.spec.containers = [{ name: 'app', image: 'i' }, { name: 'log', image: 'i' }];
  const io = recordingIo();
  assert.equal(defaultContainer(p, io), 'app');
  assert.equal(io.stderr, 'Defaulted container "app" out of: app, log\n');

  const quiet = recordingIo();
  p.metadata.annotations = { 'kubectl.kubernetes.io/default-container': 'log' };
  assert.equal(defaultContainer(p, quiet), 'log');
  assert.equal(quiet.stderr, '');

  const single = recordingIo();
  assert.equal(defaultContainer(pod('s', 'Running', ''), single), 'c');
  assert.equal(single.stderr, '');
});

test('rs/NAME: only the pods the ReplicaSet controls; other kinds are refused', async () => {
  const fake = new FakeApi();
  const rs = await fake.create<ReplicaSet>('replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });
  const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid ?? '', controller: true }];
  await fake.create('pods', pod('stray', 'Running', '', { labels: { app: 'web' } }));
  await fake.create('pods', pod('web-1', 'Running', '', { labels: { app: 'web' }, ownerReferences: owner }));
  const target = await resolvePodTarget(fake, 'default', 'rs/web', 'exec into');
  assert.equal(target.pod.metadata.name, 'web-1');
  assert.equal(target.candidates, 1);
  assert.equal((await resolvePodTarget(fake, 'default', 'pod/stray', 'exec into')).pod.metadata.name, 'stray');
  await assert.rejects(resolvePodTarget(fake, 'default', 'ns/default', 'exec into'), /error: cannot exec into namespace: selector for namespace not implemented/);
});
