import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourceArgs } from './resource-args.js';

const shape = (args: string[]) => parseResourceArgs(args, 'get').map((r) => [r.info.resource, r.names]);

test('kinds by plural, singular, short name, Kind and resource.group', () => {
  assert.deepEqual(shape(['po']), [['pods', []]]);
  assert.deepEqual(shape(['Pod', 'a', 'b']), [['pods', ['a', 'b']]]);
  assert.deepEqual(shape(['replicasets.apps', 'web']), [['replicasets', ['web']]]);
  assert.deepEqual(shape(['pods,rs']), [['pods', []], ['replicasets', []]]);
  assert.deepEqual(shape(['no,ns,ev,leases']).map((x) => x[0]), ['nodes', 'namespaces', 'events', 'leases']);
});

test('TYPE/NAME form, grouped by kind', () => {
  assert.deepEqual(shape(['pod/a', 'pod/b', 'rs/web']), [['pods', ['a', 'b']], ['replicasets', ['web']]]);
});

test("kubectl's errors: unknown type, mixed forms, nothing given", () => {
  assert.throws(() => shape(['foo']), { message: 'error: the server doesn\'t have a resource type "foo"' });
  assert.throws(() => shape(['pods', 'pod/a']), /there is no need to specify a resource type as a separate argument/);
  assert.throws(() => shape([]), /Required resource not specified/);
  assert.throws(() => shape(['pod/']), /resource\/name form/);
});
