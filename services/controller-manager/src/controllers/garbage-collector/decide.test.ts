import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, OwnerReference } from '@skiff/api';
import {
  classifyExistingOwner,
  decideDependent,
  planDeletingOwner,
  remainingFinalizers,
  remainingReferences,
  type ClassifiedReference,
} from './decide.js';

function ref(uid: string, block = true): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true, blockOwnerDeletion: block };
}

function obj(name: string, o: { refs?: OwnerReference[]; finalizers?: string[]; deleting?: boolean; uid?: string } = {}): KubeObject {
  const meta: KubeObject['metadata'] = { name, namespace: 'default', uid: o.uid ?? `uid-${name}` };
  if (o.refs) meta.ownerReferences = o.refs;
  if (o.finalizers) meta.finalizers = o.finalizers;
  if (o.deleting) meta.deletionTimestamp = '2026-01-01T00:00:00Z';
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta };
}

const c = (uid: string, cls: ClassifiedReference['cls']): ClassifiedReference => ({ ref: ref(uid), cls });

describe('classifyExistingOwner', () => {
  it('an owner being deleted in the foreground waits for its dependents; otherwise it is solid', () => {
    assert.equal(classifyExistingOwner(obj('rs')), 'solid');
    assert.equal(classifyExistingOwner(obj('rs', { deleting: true, finalizers: ['foregroundDeletion'] })), 'waitingForDependentsDeletion');
    assert.equal(classifyExistingOwner(obj('rs', { deleting: true, finalizers: ['orphan'] })), 'solid', 'orphaning: the owner lets go itself');
    assert.equal(classifyExistingOwner(obj('rs', { deleting: true })), 'solid');
  });
});

describe('decideDependent', () => {
  it('leaves an object with only solid owners alone', () => {
    assert.deepEqual(decideDependent([c('a', 'solid')], false, obj('p')), { action: 'none' });
  });

  it('leaves an object without owner references alone', () => {
    assert.deepEqual(decideDependent([], false, obj('p')), { action: 'none' });
  });

  it('deletes an object whose only owner is gone, in the background', () => {
    assert.deepEqual(decideDependent([c('a', 'dangling')], false, obj('p')), { action: 'delete', propagationPolicy: 'Background' });
  });

  it('deletes an object whose every owner is gone', () => {
    const action = decideDependent([c('a', 'dangling'), c('b', 'dangling')], false, obj('p'));
    assert.equal(action.action, 'delete');
  });

  it('only drops the dangling reference when another owner is still solid', () => {
    assert.deepEqual(decideDependent([c('a', 'dangling'), c('b', 'solid')], false, obj('p')), { action: 'removeOwnerReferences', uids: ['a'] });
  });

  it('drops the reference to an owner being deleted in the foreground when another owner is solid', () => {
    assert.deepEqual(decideDependent([c('a', 'waitingForDependentsDeletion'), c('b', 'solid')], false, obj('p')), {
      action: 'removeOwnerReferences',
      uids: ['a'],
    });
  });

  it('deletes a dependent of a foreground deletion in the foreground when it has dependents itself', () => {
    assert.deepEqual(decideDependent([c('a', 'waitingForDependentsDeletion')], true, obj('rs')), { action: 'delete', propagationPolicy: 'Foreground' });
    assert.deepEqual(decideDependent([c('a', 'waitingForDependentsDeletion')], false, obj('p')), { action: 'delete', propagationPolicy: 'Background' });
  });

  it('deletes with the policy the object asks for through its finalizers', () => {
    assert.deepEqual(decideDependent([c('a', 'dangling')], true, obj('rs', { finalizers: ['orphan'] })), { action: 'delete', propagationPolicy: 'Orphan' });
  });
});

describe('planDeletingOwner', () => {
  const ownerUid = 'uid-rs';

  it('does nothing for an owner that is not being deleted', () => {
    const plan = planDeletingOwner(obj('rs', { finalizers: ['foregroundDeletion'] }), [obj('p', { refs: [ref(ownerUid)] })]);
    assert.deepEqual(plan, { orphan: [], recheck: [], removeFinalizers: [] });
  });

  it('orphan: strips every dependent, then removes the finalizer', () => {
    const owner = obj('rs', { deleting: true, finalizers: ['orphan'] });
    const deps = [obj('p1', { refs: [ref(ownerUid)] }), obj('p2', { refs: [ref(ownerUid, false)] })];
    const plan = planDeletingOwner(owner, deps);
    assert.deepEqual(plan.orphan.map((d) => d.metadata.name), ['p1', 'p2']);
    assert.deepEqual(plan.removeFinalizers, ['orphan']);
  });

  it('foreground: keeps the finalizer while a blocking dependent exists, and rechecks the live ones', () => {
    const owner = obj('rs', { deleting: true, finalizers: ['foregroundDeletion'] });
    const live = obj('p1', { refs: [ref(ownerUid)] });
    const terminating = obj('p2', { refs: [ref(ownerUid)], deleting: true });
    const plan = planDeletingOwner(owner, [live, terminating]);
    assert.deepEqual(plan.removeFinalizers, []);
    assert.deepEqual(plan.recheck.map((d) => d.metadata.name), ['p1'], 'a terminating dependent needs nothing more');
  });

  it('foreground: removes the finalizer once no blocking dependent is left', () => {
    const owner = obj('rs', { deleting: true, finalizers: ['foregroundDeletion'] });
    assert.deepEqual(planDeletingOwner(owner, []).removeFinalizers, ['foregroundDeletion']);
    const nonBlocking = obj('p', { refs: [ref(ownerUid, false)] });
    const plan = planDeletingOwner(owner, [nonBlocking]);
    assert.deepEqual(plan.removeFinalizers, ['foregroundDeletion'], 'blockOwnerDeletion=false does not block');
    assert.deepEqual(plan.recheck.map((d) => d.metadata.name), ['p'], 'but it is still deleted');
  });

  it('ignores objects that do not reference the owner', () => {
    const owner = obj('rs', { deleting: true, finalizers: ['foregroundDeletion'] });
    const plan = planDeletingOwner(owner, [obj('p', { refs: [ref('someone-else')] })]);
    assert.deepEqual(plan.removeFinalizers, ['foregroundDeletion']);
    assert.deepEqual(plan.recheck, []);
  });
});

describe('remainingReferences / remainingFinalizers', () => {
  it('removes only the named entries, and the whole field when none remain', () => {
    const p = obj('p', { refs: [ref('a'), ref('b')], finalizers: ['orphan', 'example.com/keep'] });
    assert.deepEqual(remainingReferences(p, ['a'])?.map((r) => r.uid), ['b']);
    assert.equal(remainingReferences(p, ['a', 'b']), null);
    assert.deepEqual(remainingFinalizers(p, ['orphan']), ['example.com/keep']);
    assert.equal(remainingFinalizers(obj('q', { finalizers: ['orphan'] }), ['orphan']), null);
  });
});
