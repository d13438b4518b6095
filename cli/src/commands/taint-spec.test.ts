import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, Taint } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { FakeContext, recordingIo } from '../testing/fake-context.js';
import { runTaint, taintTargets } from './taint.js';
import { applyTaintChanges, parseTaints, splitTaintArgs, taintString } from './taint-spec.js';

test('resources come first, then the taint changes', () => {
  assert.deepEqual(splitTaintArgs(['nodes', 'n1', 'n2', 'dedicated=gpu:NoSchedule', 'spot-']), { resources: ['nodes', 'n1', 'n2'], taints: ['dedicated=gpu:NoSchedule', 'spot-'] });
  assert.throws(() => splitTaintArgs(['nodes', 'k=v:NoSchedule', 'n1']), /all resources must be specified before taint changes: n1/);
  assert.throws(() => splitTaintArgs(['nodes', 'n1']), /at least one taint update is required/);
  assert.throws(() => splitTaintArgs(['k=v:NoSchedule']), /one or more resources must be specified as <resource> <name>/);
});

test('key=value:Effect and key:Effect add; key:Effect- and key- remove', () => {
  assert.deepEqual(parseTaints(['dedicated=gpu:NoSchedule', 'maintenance:NoExecute', 'spot:PreferNoSchedule-', 'old-']), {
    add: [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'maintenance', effect: 'NoExecute' },
    ],
    remove: [{ key: 'spot', effect: 'PreferNoSchedule' }, { key: 'old' }],
  });
});

test('a bad effect is named; other malformed taints too, with the usage hint', () => {
  assert.throws(() => parseTaints(['k=v:NoSchdule']), (e: Error) => {
    assert.equal(e.message, "error: invalid taint effect: NoSchdule, unsupported taint effect\nSee 'skiff taint -h' for help and examples");
    return true;
  });
  assert.throws(() => parseTaints(['dedicated']), /error: invalid taint spec: dedicated\n/, 'no effect: only a removal may omit it');
  assert.throws(() => parseTaints(['k=v']), /invalid taint spec: k=v, name part must consist/);
  assert.throws(() => parseTaints(['a:b:NoSchedule']), /invalid taint spec: a:b:NoSchedule/);
  assert.throws(() => parseTaints(['k=a=b:NoSchedule']), /invalid taint spec: k=a=b:NoSchedule/);
  assert.throws(() => parseTaints(['-bad:NoSchedule']), /invalid taint spec: -bad:NoSchedule, name part must consist of alphanumeric characters/);
  assert.throws(() => parseTaints(['k=bad value:NoSchedule']), /invalid taint spec: k=bad value:NoSchedule, a valid label must be/);
  assert.throws(() => parseTaints(['k=a:NoSchedule', 'k=b:NoSchedule']), /duplicated taints with the same key and effect: \{k b NoSchedule <nil>\}/);
  assert.throws(() => parseTaints(['k=a:NoSchedule', 'k-']), /can not both modify and remove the following taint\(s\) in the same command: \{"k":""\}/);
});

const t = (key: string, effect: Taint['effect'], value?: string): Taint => (value ? { key, value, effect } : { key, effect });

test('adding a new taint: tainted; removing: untainted; replacing with --overwrite: modified', () => {
  const current = [t('a', 'NoSchedule', '1')];
  assert.deepEqual(applyTaintChanges('n1', current, parseTaints(['b=2:NoExecute']), false), { operation: 'tainted', taints: [t('b', 'NoExecute', '2'), t('a', 'NoSchedule', '1')] });
  assert.deepEqual(applyTaintChanges('n1', current, parseTaints(['a:NoSchedule-']), false), { operation: 'untainted', taints: [] });
  assert.deepEqual(applyTaintChanges('n1', current, parseTaints(['a=9:NoSchedule']), true), { operation: 'modified', taints: [t('a', 'NoSchedule', '9')] });
});

test('an existing key and effect needs --overwrite; removing a taint that is not there fails', () => {
  assert.throws(() => applyTaintChanges('n1', [t('a', 'NoSchedule', '1')], parseTaints(['a=2:NoSchedule']), false), /node n1 already has a taint\(s\) with same effect\(s\) and --overwrite is false/);
  assert.throws(() => applyTaintChanges('n1', [], parseTaints(['gone:NoSchedule-']), false), /^CliError: error: taint "gone:NoSchedule" not found$/);
});

test('key- removes every effect of the key; key:Effect- only that one', () => {
  const current = [t('a', 'NoSchedule'), t('a', 'NoExecute'), t('b', 'NoSchedule')];
  assert.deepEqual(applyTaintChanges('n1', current, parseTaints(['a-']), false).taints, [t('b', 'NoSchedule')]);
  assert.deepEqual(applyTaintChanges('n1', current, parseTaints(['a:NoExecute-']), false).taints, [t('a', 'NoSchedule'), t('b', 'NoSchedule')]);
});

test('taints print as kubectl writes them', () => {
  assert.equal(taintString(t('a', 'NoSchedule', '1')), 'a=1:NoSchedule');
  assert.equal(taintString({ key: 'a' }), 'a');
  assert.equal(taintString({ key: 'a', value: '1' }), 'a=1:');
});

test('only nodes can be tainted; names are required unless --all or -l', () => {
  assert.deepEqual(taintTargets(['nodes', 'n1', 'n2'], {}), ['n1', 'n2']);
  assert.deepEqual(taintTargets(['node/n1'], {}), ['n1']);
  assert.deepEqual(taintTargets(['no'], { all: true }), []);
  assert.throws(() => taintTargets(['pods', 'p'], {}), /invalid resource type pods, only node types are supported/);
  assert.throws(() => taintTargets(['nodes'], {}), /at least one resource name must be specified since 'all' parameter is not set/);
  assert.throws(() => taintTargets(['nodes'], { all: true, selector: 'a=b' }), /setting 'all' parameter with a non empty selector is prohibited/);
});

test('skiff taint writes the node back and prints what happened', async () => {
  const fake = new FakeApi();
  await fake.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints: [t('node.kubernetes.io/unreachable', 'NoExecute')] } });
  const ctx = new FakeContext(fake);
  const io = recordingIo();
  assert.equal(await runTaint(ctx, io, ['nodes', 'n1', 'dedicated=gpu:NoSchedule'], {}), 0);
  assert.equal(io.stdout, 'node/n1 tainted\n');
  const node = await fake.get<Node>('nodes', '', 'n1');
  assert.deepEqual(node.spec?.taints, [t('dedicated', 'NoSchedule', 'gpu'), t('node.kubernetes.io/unreachable', 'NoExecute')]);

  const again = recordingIo();
  assert.equal(await runTaint(ctx, again, ['node/n1', 'dedicated:NoSchedule-'], { dryRun: 'client' }), 0);
  assert.equal(again.stdout, 'node/n1 untainted (dry run)\n');
  assert.equal((await fake.get<Node>('nodes', '', 'n1')).spec?.taints?.length, 2);
});
