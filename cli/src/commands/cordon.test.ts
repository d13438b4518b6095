import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { FakeContext, recordingIo } from '../testing/fake-context.js';
import { cordonNodes, resolveNodes, setUnschedulable } from './cordon.js';

async function nodes(): Promise<FakeApi> {
  const fake = new FakeApi();
  await fake.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { pool: 'a' } } });
  await fake.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2', labels: { pool: 'b' } }, spec: { unschedulable: true } });
  return fake;
}

test('cordon patches spec.unschedulable only when it changes; uncordon removes it', async () => {
  const fake = await nodes();
  const n1 = await fake.get<Node>('nodes', '', 'n1');
  assert.equal(await setUnschedulable(fake, n1, true, 'none'), 'cordoned');
  assert.equal((await fake.get<Node>('nodes', '', 'n1')).spec?.unschedulable, true);
  assert.equal(await setUnschedulable(fake, await fake.get<Node>('nodes', '', 'n1'), true, 'none'), 'already cordoned');
  assert.equal(fake.calls.filter((c) => c.verb === 'patch').length, 1);
  assert.equal(await setUnschedulable(fake, await fake.get<Node>('nodes', '', 'n1'), false, 'none'), 'uncordoned');
  assert.equal((await fake.get<Node>('nodes', '', 'n1')).spec?.unschedulable, undefined);
  assert.deepEqual(fake.calls.filter((c) => c.verb === 'patch').map((c) => c.body), [{ spec: { unschedulable: true } }, { spec: { unschedulable: null } }]);
});

test('cordon prints node/x cordoned or already cordoned, per node', async () => {
  const fake = await nodes();
  const ctx = new FakeContext(fake);
  const io = recordingIo();
  const all = await resolveNodes(fake, ['n1', 'n2'], {}, 'cordon NODE');
  assert.equal(await cordonNodes(ctx, io, all, true, 'none'), true);
  assert.equal(io.stdout, 'node/n1 cordoned\nnode/n2 already cordoned\n');
});

test('nodes by name or by -l; neither, or both, is a usage error', async () => {
  const fake = await nodes();
  assert.deepEqual((await resolveNodes(fake, [], { selector: 'pool=b' }, 'uncordon NODE')).map((n) => n.metadata.name), ['n2']);
  await assert.rejects(resolveNodes(fake, [], {}, 'uncordon NODE'), /^CliError: error: USAGE: uncordon NODE \[flags\]\nSee 'skiff uncordon -h' for help and examples$/);
  await assert.rejects(resolveNodes(fake, ['n1'], { selector: 'pool=a' }, 'cordon NODE'), /cannot specify both a node name and a --selector option/);
  await assert.rejects(resolveNodes(fake, ['n1', 'nope'], {}, 'cordon NODE'), /nodes "nope" not found/);
});
