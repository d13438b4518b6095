import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@skiff/api';
import type { StorageEvent } from '../storage/storage.js';
import { watchEventFor } from './watch-transition.js';

const pod = (phase: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, status: { phase } });
const running = (o: KubeObject) => (o.status as { phase?: string } | undefined)?.phase === 'Running';

function ev(type: 'put' | 'delete', value: string | undefined, prevValue: string | undefined): StorageEvent {
  return { type, key: '/registry/pods/default/p', value, prevValue, modRevision: 7 };
}

test('a created object that matches is ADDED; one that does not is not seen', () => {
  assert.equal(watchEventFor(ev('put', pod('Running'), undefined), running)?.type, 'ADDED');
  assert.equal(watchEventFor(ev('put', pod('Pending'), undefined), running), undefined);
});

test('an object that starts matching is ADDED, keeps matching MODIFIED, stops matching DELETED', () => {
  assert.equal(watchEventFor(ev('put', pod('Running'), pod('Pending')), running)?.type, 'ADDED');
  assert.equal(watchEventFor(ev('put', pod('Running'), pod('Running')), running)?.type, 'MODIFIED');
  const gone = watchEventFor(ev('put', pod('Succeeded'), pod('Running')), running);
  assert.equal(gone?.type, 'DELETED');
  // The DELETED event carries the last state that matched, at the event's revision.
  assert.equal((gone?.object.status as { phase: string }).phase, 'Running');
  assert.equal(gone?.object.metadata.resourceVersion, '7');
});

test('a deleted object is DELETED with its last state, unless it never matched', () => {
  const d = watchEventFor(ev('delete', undefined, pod('Running')), running);
  assert.equal(d?.type, 'DELETED');
  assert.equal(d?.object.metadata.name, 'p');
  assert.equal(watchEventFor(ev('delete', undefined, pod('Pending')), running), undefined);
  assert.equal(watchEventFor(ev('delete', undefined, pod('Pending')), () => true)?.type, 'DELETED');
});
