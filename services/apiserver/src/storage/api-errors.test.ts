import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from '@skiff/api';
import { storageToApiError } from './api-errors.js';
import {
  StorageCompacted,
  StorageConflict,
  StorageKeyExists,
  StorageKeyNotFound,
  StorageUnavailable,
} from './storage.js';

describe('storageToApiError', () => {
  it('maps each storage error to its Kubernetes status', () => {
    const cases: [unknown, string, number][] = [
      [new StorageKeyExists('/registry/pods/ns/a'), 'AlreadyExists', 409],
      [new StorageKeyNotFound('/registry/pods/ns/a'), 'NotFound', 404],
      [new StorageConflict('/registry/pods/ns/a'), 'Conflict', 409],
      [new StorageUnavailable('etcd is down'), 'ServiceUnavailable', 503],
      [new StorageCompacted(5, 9), 'Expired', 410],
      [new Error('boom'), 'InternalError', 500],
      ['weird', 'InternalError', 500],
    ];
    for (const [err, reason, code] of cases) {
      const api = storageToApiError(err, 'pods', 'a');
      assert.equal(api.reason, reason, String(err));
      assert.equal(api.code, code);
    }
  });

  it('uses Kubernetes messages for the common cases and keeps ApiErrors as they are', () => {
    assert.equal(storageToApiError(new StorageKeyExists('k'), 'pods', 'a').message, 'pods "a" already exists');
    assert.equal(
      storageToApiError(new StorageConflict('k'), 'pods', 'a').message,
      'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    const original = errors.badRequest('nope');
    assert.equal(storageToApiError(original, 'pods', 'a'), original);
  });
});
