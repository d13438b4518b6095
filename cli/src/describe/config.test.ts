import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfigMap, describeSecret } from './config.js';

test('describe configmap: each value in full, binary values as sizes', () => {
  const out = describeConfigMap(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default' }, data: { mode: 'fast', 'app.properties': 'color=blue\nsize=2' }, binaryData: { logo: Buffer.from([1, 2, 3]).toString('base64') } },
    [],
    0,
  );
  assert.equal(
    out,
    [
      'Name:         app',
      'Namespace:    default',
      'Labels:       <none>',
      'Annotations:  <none>',
      '',
      'Data',
      '====',
      'app.properties:',
      '----',
      'color=blue',
      'size=2',
      '',
      'mode:',
      '----',
      'fast',
      '',
      '',
      'BinaryData',
      '====',
      'logo: 3 bytes',
      '',
      'Events:  <none>',
      '',
    ].join('\n'),
  );
});

test('describe secret: the type and only the size of each value', () => {
  const out = describeSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, type: 'Opaque', data: { password: Buffer.from('s3cr=t').toString('base64'), user: 'YWRtaW4=' } });
  assert.match(out, /\nType:  Opaque\n\nData\n====\npassword:  6 bytes\nuser:      5 bytes\n$/);
  assert.doesNotMatch(out, /s3cr=t|admin/);
});
