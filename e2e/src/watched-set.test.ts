import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { WatchedSet } from './watched-set.js';

const pod = (name: string, app = 'web'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app } },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

test('a watched set starts from the list and sees every later change, in order, as whole sets', async () => {
  const api = new FakeApi();
  await api.create('pods', pod('a'));
  await api.create('pods', pod('other', 'db'));
  const set = await new WatchedSet<Pod>(api, 'pods', { namespace: 'default', labelSelector: 'app=web' }).start();
  const states: string[] = [];
  set.on((ev, pods) => states.push(`${ev.type}:${pods.map((p) => p.metadata.name).sort().join(',')}`));
  try {
    const twoPods = set.until((pods) => pods.length === 2 && pods, { timeoutMs: 2000, what: 'two pods' });
    await api.create('pods', pod('b'));
    assert.equal((await twoPods).value.length, 2);
    await api.delete('pods', 'default', 'a');
    await set.until((pods) => pods.length === 1, { timeoutMs: 2000, what: 'a gone' });
    assert.deepEqual(states, ['SYNC:a', 'ADDED:a,b', 'DELETED:b']);
    assert.equal(set.relists, 0);
  } finally {
    set.close();
  }
});

test('until rejects with what it last saw when the deadline passes', async () => {
  const api = new FakeApi();
  await api.create('pods', pod('a'));
  const set = await new WatchedSet<Pod>(api, 'pods', { namespace: 'default' }).start();
  try {
    await assert.rejects(set.until((pods) => pods.length === 3, { timeoutMs: 50, what: 'three pods' }), /three pods.*last seen: a/);
  } finally {
    set.close();
  }
});
