import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, errors } from '@skiff/api';
import { CliError, formatError, withSource } from './errors.js';

const server = '127.0.0.1:6444';

test('server errors read like kubectl: Error from server (Reason): message', () => {
  assert.equal(formatError(errors.notFound('pods', 'x'), server), 'Error from server (NotFound): pods "x" not found');
  assert.equal(formatError(errors.alreadyExists('pods', 'x'), server), 'Error from server (AlreadyExists): pods "x" already exists');
  const invalid = errors.invalid('Pod', 'x', [{ type: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' }]);
  assert.equal(formatError(invalid, server), 'Error from server (Invalid): Pod "x" is invalid: spec.containers[0].image: Required value');
});

test('an unreachable server: the refused message, or Unable to connect', () => {
  const refused = new ApiError('ServiceUnavailable', `the server at ${server} is unavailable: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:6444`);
  assert.equal(formatError(refused, server), 'The connection to the server 127.0.0.1:6444 was refused - did you specify the right host or port?');
  const other = new ApiError('ServiceUnavailable', `the server at ${server} is unavailable: No connection established. Last error: getaddrinfo ENOTFOUND nohost`);
  assert.equal(formatError(other, server), 'Unable to connect to the server: No connection established. Last error: getaddrinfo ENOTFOUND nohost');
});

test("the server's own ServiceUnavailable (etcd down) stays a server error", () => {
  const e = new ApiError('ServiceUnavailable', 'storage is unavailable: connect ECONNREFUSED 127.0.0.1:2379');
  assert.equal(formatError(e, server), 'Error from server (ServiceUnavailable): storage is unavailable: connect ECONNREFUSED 127.0.0.1:2379');
});

test('other errors get one error: prefix; CliError messages are printed as they are', () => {
  assert.equal(formatError(new Error('boom'), server), 'error: boom');
  assert.equal(formatError(new Error('error: boom'), server), 'error: boom');
  assert.equal(formatError(new CliError('No resources found'), server), 'No resources found');
});

test('withSource adds the manifest to a server error, keeping its reason', () => {
  const e = withSource('creating', 'pod.yaml', errors.notFound('namespaces', 'nope'));
  assert.ok(e instanceof ApiError);
  assert.equal(formatError(e, server), 'Error from server (NotFound): error when creating "pod.yaml": namespaces "nope" not found');
  assert.equal(withSource('creating', '', e), e);
});
