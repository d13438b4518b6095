import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, type Pod } from '@skiff/api';
import { apiContract } from './api-contract.js';
import { FakeApi } from './fake-api.js';

apiContract('FakeApi', async () => ({ api: new FakeApi(), cleanup: async () => undefined }));

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'x' }] } });

describe('FakeApi test hooks', () => {
  it('records every call, and the writes among them', async () => {
    const api = new FakeApi();
    await api.create('pods', pod('a'));
    await api.get('pods', 'default', 'a');
    await api.delete('pods', 'default', 'a', { propagationPolicy: 'Background' });
    assert.deepEqual(
      api.calls.map((c) => `${c.verb} ${c.resource} ${c.namespace}/${c.name}`),
      ['create pods default/a', 'get pods default/a', 'delete pods default/a'],
    );
    assert.deepEqual(api.calls[2]?.body, { propagationPolicy: 'Background' });
    assert.deepEqual(api.writes().map((c) => c.verb), ['create', 'delete']);
  });

  it('fails the next call of a verb once', async () => {
    const api = new FakeApi();
    const created = await api.create('pods', pod('a'));
    api.failNext('updateStatus', errors.staleResourceVersion('pods', 'a'));
    await assert.rejects(api.updateStatus('pods', { ...created, status: { phase: 'Running' } }), /has been modified/);
    assert.equal(api.peek<Pod>('pods', 'default', 'a')?.status?.phase, 'Pending', 'nothing written');
    assert.equal((await api.updateStatus<Pod>('pods', { ...created, status: { phase: 'Running' } })).status?.phase, 'Running');
  });

  it('holds watch events back until released, then delivers them in order', async () => {
    const api = new FakeApi();
    const list = await api.list('pods');
    const it = api.watch('pods', { resourceVersion: list.metadata.resourceVersion ?? '' })[Symbol.asyncIterator]();
    api.holdWatches();
    await api.create('pods', pod('a'));
    await api.create('pods', pod('b'));
    const first = it.next();
    const pending = await Promise.race([first.then(() => 'delivered'), new Promise((r) => setImmediate(() => r('held')))]);
    assert.equal(pending, 'held');
    assert.deepEqual(api.all<Pod>('pods').map((p) => p.metadata.name), ['a', 'b'], 'the writes themselves happened');
    api.releaseWatches();
    assert.equal((await first).value?.object.metadata.name, 'a');
    assert.equal((await it.next()).value?.object.metadata.name, 'b');
  });

  it('says clearly that it serves no logs and no dryRun', async () => {
    const api = new FakeApi();
    assert.throws(() => api.logs(), /does not serve container logs/);
    await assert.rejects(api.create('pods', pod('a'), { dryRun: true }), /FakeApi does not support dryRun/);
  });
});
