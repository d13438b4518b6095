import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName } from './names.js';

test('DNS-1123 subdomain names, with Kubernetes message', () => {
  assert.deepEqual(isDNS1123Subdomain('web-1.example'), []);
  assert.deepEqual(isDNS1123Subdomain('Web_1'), [
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.equal(isDNS1123Subdomain('a'.repeat(254))[0], 'must be no more than 253 characters');
});

test('DNS-1123 labels refuse dots and long names', () => {
  assert.deepEqual(isDNS1123Label('kube-system'), []);
  assert.equal(isDNS1123Label('a.b').length, 1);
  assert.match(isDNS1123Label('a.b')[0] ?? '', /^a lowercase RFC 1123 label must .* \(e\.g\. 'my-name',  or '123-abc', regex/);
  assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
});

test('qualified names and label values', () => {
  assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
  assert.deepEqual(isQualifiedName('Tier'), []);
  assert.match(isQualifiedName('bad key')[0] ?? '', /^name part must consist of alphanumeric characters/);
  assert.match(isQualifiedName('Bad_Prefix/x')[0] ?? '', /^prefix part a lowercase RFC 1123 subdomain/);
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('v1.2_x'), []);
  assert.match(isValidLabelValue('-x')[0] ?? '', /^a valid label must be an empty string or consist of/);
});

test('port names are IANA service names', () => {
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
  assert.ok(isValidPortName('a-very-long-port-name').includes('must be no more than 15 characters'));
});
