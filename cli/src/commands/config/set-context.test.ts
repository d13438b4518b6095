import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNamespace } from './set-context.js';

test('set-context --namespace: sets, replaces or (with "") removes the current namespace', () => {
  assert.deepEqual(withNamespace(undefined, '127.0.0.1:6444', 'dev'), { server: '127.0.0.1:6444', namespace: 'dev' });
  assert.deepEqual(withNamespace({ server: '127.0.0.1:7000', namespace: 'dev' }, 'ignored', 'prod'), { server: '127.0.0.1:7000', namespace: 'prod' });
  assert.deepEqual(withNamespace({ server: '127.0.0.1:7000', namespace: 'dev' }, 'ignored', ''), { server: '127.0.0.1:7000' });
  assert.deepEqual(withNamespace({ server: '127.0.0.1:7000', namespace: 'dev' }, 'ignored', undefined), { server: '127.0.0.1:7000', namespace: 'dev' });
});
