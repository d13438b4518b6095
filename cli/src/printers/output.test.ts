import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResource, type KubeObject } from '@skiff/api';
import { objectsOutput, operationLine, parseDryRun, parseOutputFormat, toYaml } from './output.js';

const pod: KubeObject = { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '42', name: 'p', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { containers: [{ name: 'c', image: 'i' }] } };

test('yaml: keys sorted like kubectl, sequences not indented, numeric and timestamp strings quoted', () => {
  assert.equal(
    toYaml(pod),
    ['apiVersion: v1', 'kind: Pod', 'metadata:', '  creationTimestamp: "2024-05-01T11:00:00Z"', '  name: p', '  resourceVersion: "42"', 'spec:', '  containers:', '  - image: i', '    name: c', ''].join('\n'),
  );
});

test('one requested object prints as itself, several (or a list request) as a List', () => {
  assert.match(objectsOutput([pod], 'yaml', true), /^apiVersion: v1\nkind: Pod\n/);
  const list = objectsOutput([pod], 'yaml', false);
  assert.match(list, /^apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n/);
  assert.match(list, /\nkind: List\nmetadata:\n  resourceVersion: ""\n$/);
  const json = JSON.parse(objectsOutput([pod, pod], 'json', false)) as { kind: string; items: unknown[] };
  assert.equal(json.kind, 'List');
  assert.equal(json.items.length, 2);
  assert.match(objectsOutput([pod], 'json', true), /^\{\n {4}"kind": "Pod"/);
});

test('output formats: kubectl names, an error for unknown ones', () => {
  assert.equal(parseOutputFormat(undefined), 'table');
  assert.equal(parseOutputFormat('wide'), 'wide');
  assert.throws(() => parseOutputFormat('xml'), /unable to match a printer suitable for the output format "xml"/);
});

test("operation lines: kubectl's name printer, with the dry-run suffix", () => {
  const deploy = findResource('deployments') ?? assert.fail('deployments');
  const ns = findResource('namespaces') ?? assert.fail('namespaces');
  assert.equal(operationLine(deploy, 'web', 'scaled'), 'deployment.apps/web scaled\n');
  assert.equal(operationLine(ns, 'dev', 'created', 'client'), 'namespace/dev created (dry run)\n');
  assert.equal(operationLine(deploy, 'web', 'created', 'server'), 'deployment.apps/web created (server dry run)\n');
});

test('--dry-run: none, client (also the bare flag) or server', () => {
  assert.equal(parseDryRun(undefined), 'none');
  assert.equal(parseDryRun(true), 'client');
  assert.equal(parseDryRun('server'), 'server');
  assert.throws(() => parseDryRun('maybe'), /Invalid dry-run value \(maybe\)\. Must be "none", "server", or "client"\./);
});
