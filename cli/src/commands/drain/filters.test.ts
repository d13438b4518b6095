import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '@skiff/api';
import { classifyPods, drainErrors, drainWarnings, podsToDelete, type DrainFilterOptions } from './filters.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const opts = (over: Partial<DrainFilterOptions> = {}): DrainFilterOptions => ({ force: false, ignoreDaemonSets: false, deleteEmptyDirData: false, skipWaitForDeleteTimeoutSeconds: 0, now, ...over });

function pod(name: string, over: { owner?: string; phase?: 'Running' | 'Succeeded' | 'Failed'; emptyDir?: boolean; mirror?: boolean; deletedAt?: string; namespace?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: over.namespace ?? 'default',
      ...(over.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: over.owner, name: 'x', uid: 'u', controller: true }] } : {}),
      ...(over.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'hash' } } : {}),
      ...(over.deletedAt ? { deletionTimestamp: over.deletedAt } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n1', ...(over.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}) },
    status: { phase: over.phase ?? 'Running' },
  };
}

const names = (pods: Pod[]): string[] => pods.map((p) => p.metadata.name ?? '');

test('pods a ReplicaSet controls are evicted; a bare pod is refused without --force, naming it', () => {
  const list = classifyPods([pod('web', { owner: 'ReplicaSet' }), pod('bare'), pod('bare2', { namespace: 'other' })], opts());
  assert.deepEqual(names(podsToDelete(list)), ['web']);
  assert.deepEqual(drainErrors(list), ['cannot delete Pods that declare no controller (use --force to override): default/bare, other/bare2']);
  assert.equal(drainWarnings(list), '');
});

test('--force deletes bare pods with a warning', () => {
  const list = classifyPods([pod('web', { owner: 'ReplicaSet' }), pod('bare')], opts({ force: true }));
  assert.deepEqual(names(podsToDelete(list)), ['web', 'bare']);
  assert.deepEqual(drainErrors(list), []);
  assert.equal(drainWarnings(list), 'deleting Pods that declare no controller: default/bare');
});

test('emptyDir data needs --delete-emptydir-data; finished pods always go', () => {
  const refused = classifyPods([pod('cache', { owner: 'ReplicaSet', emptyDir: true }), pod('done', { emptyDir: true, phase: 'Succeeded' })], opts());
  assert.deepEqual(drainErrors(refused), ['cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache']);
  assert.deepEqual(names(podsToDelete(refused)), ['done']);
  const allowed = classifyPods([pod('cache', { owner: 'ReplicaSet', emptyDir: true })], opts({ deleteEmptyDirData: true }));
  assert.deepEqual(names(podsToDelete(allowed)), ['cache']);
  // As in kubectl, the later filters' Okay drops the local-storage warning of a controlled pod.
  assert.equal(drainWarnings(allowed), '');
});

test('a bare pod with emptyDir: the local-storage refusal comes first, as the filters run in order', () => {
  const list = classifyPods([pod('tmp', { emptyDir: true })], opts());
  assert.deepEqual(drainErrors(list), ['cannot delete Pods with local storage (use --delete-emptydir-data to override): default/tmp']);
  const both = classifyPods([pod('tmp', { emptyDir: true })], opts({ deleteEmptyDirData: true, force: true }));
  assert.equal(drainWarnings(both), 'deleting Pods that declare no controller: default/tmp', "the last filter's warning is the one kept");
});

test('DaemonSet pods need --ignore-daemonsets and then stay; mirror pods stay', () => {
  const refused = classifyPods([pod('agent', { owner: 'DaemonSet' })], opts());
  assert.deepEqual(drainErrors(refused), ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent']);
  const ignored = classifyPods([pod('agent', { owner: 'DaemonSet' }), pod('static', { mirror: true })], opts({ ignoreDaemonSets: true }));
  assert.deepEqual(podsToDelete(ignored), []);
  assert.deepEqual(drainErrors(ignored), []);
  assert.equal(drainWarnings(ignored), 'ignoring DaemonSet-managed Pods: default/agent');
});

test('--skip-wait-for-delete-timeout skips pods whose deletion started longer ago', () => {
  const old = pod('old', { owner: 'ReplicaSet', deletedAt: '2024-05-01T11:58:00Z' });
  const recent = pod('recent', { owner: 'ReplicaSet', deletedAt: '2024-05-01T11:59:50Z' });
  assert.deepEqual(names(podsToDelete(classifyPods([old, recent], opts({ skipWaitForDeleteTimeoutSeconds: 60 })))), ['recent']);
  assert.deepEqual(names(podsToDelete(classifyPods([old, recent], opts()))), ['old', 'recent']);
});

test('several refusals: one message per reason', () => {
  const list = classifyPods([pod('bare'), pod('agent', { owner: 'DaemonSet' }), pod('bare2')], opts());
  assert.deepEqual(drainErrors(list), [
    'cannot delete Pods that declare no controller (use --force to override): default/bare, default/bare2',
    'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent',
  ]);
});
