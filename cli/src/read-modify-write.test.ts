import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { readModifyWrite } from './read-modify-write.js';
import { deployment } from './workloads/fixtures.js';

test('a write that conflicts starts over from a fresh read; undefined writes nothing', async () => {
  const api = new FakeApi();
  await api.create('deployments', deployment('skiff/demo-web:v1'));
  let attempts = 0;
  const { after } = await readModifyWrite<Deployment>(api, 'deployments', 'default', 'web', (d) => {
    attempts++;
    if (attempts === 1) {
      // Someone else writes between our read and our write.
      void api.patch('deployments', 'default', 'web', { metadata: { labels: { app: 'web', other: 'writer' } } });
    }
    const first = d.spec.template.spec.containers[0];
    if (first) first.image = 'skiff/demo-web:v2';
    return d;
  });
  assert.equal(attempts, 2);
  assert.equal(after?.spec.template.spec.containers[0]?.image, 'skiff/demo-web:v2');
  const stored = await api.get<Deployment>('deployments', 'default', 'web');
  assert.equal(stored.metadata.labels?.['other'], 'writer', "the other writer's change is kept");

  const none = await readModifyWrite(api, 'deployments', 'default', 'web', () => undefined);
  assert.equal(none.after, undefined);
  assert.equal((await api.get('deployments', 'default', 'web')).metadata.resourceVersion, stored.metadata.resourceVersion);
});
